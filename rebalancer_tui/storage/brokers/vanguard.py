"""Vanguard ofxdownload.csv: a holdings block, then a transactions block.

    Account Number,Investment Name,Symbol,Shares,Share Price,Total Value,
    12345678,VANGUARD FEDERAL MONEY MARKET INVESTOR CL,VMFXX,1234.56,1.0,1234.56,
    12345678,VANGUARD TOTAL STOCK MARKET ETF,VTI,40,281.50,11260.00,
    (blank lines)
    Account Number,Trade Date,Settlement Date,Transaction Type,...   <- ignored

Settlement funds (VMFXX and the other Vanguard money-market funds) are the
account's cash, by their Total Value. The file carries no date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rebalancer_tui.rules import InputError
from rebalancer_tui.storage.brokers.build import Household, broker_symbol
from rebalancer_tui.storage.brokers.instruments import is_cusip
from rebalancer_tui.storage.brokers.model import BrokerAccount, Skipped
from rebalancer_tui.storage.brokers.money import broker_number, file_price, share_count
from rebalancer_tui.storage.brokers.table import (
    Columns,
    Row,
    cell,
    check_width,
    norm,
    starts_with,
)

__all__ = ["LABEL", "SETTLEMENT_FUNDS", "detect", "read"]

LABEL = "Vanguard ofxdownload"
_HEADER = ("Account Number", "Investment Name")
# Vanguard money-market funds that serve as a brokerage settlement fund.
SETTLEMENT_FUNDS = frozenset({"VMFXX", "VMMXX", "VMRXX", "VUSXX", "VMSXX", "VCTXX"})


def _header_at(rows: list[Row]) -> int | None:
    seen = 0
    for i, row in enumerate(rows):
        if row.blank:
            continue
        if starts_with(row, _HEADER):
            return i
        seen += 1
        if seen > 10:
            break
    return None


def detect(rows: list[Row]) -> bool:
    return _header_at(rows) is not None


def read(rows: list[Row], where: str) -> tuple[date | None, list[BrokerAccount], list[Skipped]]:
    start = _header_at(rows)
    assert start is not None
    cols = Columns(rows[start], LABEL, where)
    idx = {
        "number": cols.require("Account Number"),
        "name": cols.find("Investment Name"),
        "symbol": cols.require("Symbol"),
        "shares": cols.require("Shares"),
        "price": cols.require("Share Price"),
        "value": cols.require("Total Value"),
    }
    house = Household(where)
    skipped: list[Skipped] = []
    for row in rows[start + 1 :]:
        if row.blank:
            # The holdings block ends at the first blank line; the
            # transactions block after it is not positions.
            break
        try:
            _row(house, row, cols, idx, skipped)
        except InputError as exc:
            raise InputError(f"{where} line {row.line}: {exc}") from None
    return None, house.finish(), skipped


def _row(
    house: Household,
    row: Row,
    cols: Columns,
    idx: dict[str, int | None],
    skipped: list[Skipped],
) -> None:
    check_width(row, cols)
    number = cell(row, idx["number"])
    if not number:
        raise InputError("Account Number: required")
    acct = house.get(number, number)
    sym = cell(row, idx["symbol"]).upper()
    name = norm(cell(row, idx["name"]))
    if sym in SETTLEMENT_FUNDS or (not sym and "money market" in name):
        value = broker_number(cell(row, idx["value"]), "cash")
        if value is None:
            value = broker_number(cell(row, idx["shares"]), "cash")
        acct.add_cash(value or Decimal(0))
        return
    if not sym:
        skipped.append(Skipped(row.line, "unknown instrument type (no symbol)"))
        return
    if is_cusip(sym):
        skipped.append(Skipped(row.line, "unknown instrument type (bond or CD)"))
        return
    symbol = broker_symbol(sym)
    count = share_count(cell(row, idx["shares"]))
    if count is None:
        raise InputError(f"shares: required for {symbol}")
    price = file_price(cell(row, idx["price"]))
    acct.add_holding(row.line, symbol, count[0], count[1], price)
