"""Fidelity Portfolio_Positions export.

    Account Number,Account Name,Symbol,Description,Quantity,Last Price,Last Price Change,
        Current Value,...,Type
    Z12345678,Individual,SPAXX**,HELD IN MONEY MARKET,,,,$1234.56,...,
    Z12345678,Individual,ESGV,VANGUARD ESG US STOCK ETF,120,$98.76,+$0.50,"$11,851.20",...,Cash,
    Z12345678,Individual,Pending Activity,,,,,-$45.00,
    (blank)
    "The data and information in this spreadsheet is provided to you solely for ..."
    "Date downloaded Nov-27-2026 10:15 a.m ET"

One row per (account, symbol, Cash/Margin type): the rows of a symbol add
up. Money-market rows (symbol ending "**") are cash, by their Current Value.
Pending Activity is skipped; option rows (symbol " -ESGV261218C100") and
CUSIPs (bonds, CDs) are skipped as instruments the planner does not hold.
Everything after the first blank line below the data is the footer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rebalancer_tui.rules import InputError
from rebalancer_tui.storage.brokers.build import AccountBuilder, Household, broker_symbol
from rebalancer_tui.storage.brokers.dates import find_date
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

__all__ = ["LABEL", "detect", "read"]

LABEL = "Fidelity positions"
_HEADER = ("Account Number", "Account Name")


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
    header = rows[start]
    cols = Columns(header, LABEL, where)
    idx = {
        "number": cols.require("Account Number"),
        "name": cols.find("Account Name"),
        "symbol": cols.require("Symbol"),
        "qty": cols.require("Quantity"),
        "price": cols.require("Last Price"),
        "value": cols.require("Current Value"),
    }
    house = Household(where)
    skipped: list[Skipped] = []
    as_of: date | None = None
    in_footer = False
    data_seen = False
    for row in rows[start + 1 :]:
        if row.blank:
            in_footer = in_footer or data_seen
            continue
        if in_footer or len(row.cells) == 1:
            if as_of is None and norm(row.cells[0]).startswith("date downloaded"):
                as_of = find_date(row.cells[0])
            continue
        data_seen = True
        try:
            _row(house, row, cols, idx, skipped)
        except InputError as exc:
            raise InputError(f"{where} line {row.line}: {exc}") from None
    return as_of, house.finish(), skipped


def _row(
    house: Household,
    row: Row,
    cols: Columns,
    idx: dict[str, int | None],
    skipped: list[Skipped],
) -> None:
    check_width(row, cols)
    sym = cell(row, idx["symbol"])
    low = norm(sym)
    if low == "pending activity":
        skipped.append(Skipped(row.line, "pending activity"))
        return
    if low in ("account total", "total"):
        skipped.append(Skipped(row.line, "account total"))
        return
    number = cell(row, idx["number"])
    if not number:
        raise InputError("Account Number: required")
    name = cell(row, idx["name"])
    acct: AccountBuilder = house.get(number, f"{name} {number}".strip())
    if sym.endswith("**"):
        value = broker_number(cell(row, idx["value"]), "cash")
        if value is None:
            value = broker_number(cell(row, idx["qty"]), "cash")
        acct.add_cash(value or Decimal(0))
        return
    if sym.startswith("-"):
        skipped.append(Skipped(row.line, "unknown instrument type (option)"))
        return
    if is_cusip(sym):
        skipped.append(Skipped(row.line, "unknown instrument type (bond or CD)"))
        return
    symbol = broker_symbol(sym)
    count = share_count(cell(row, idx["qty"]))
    if count is None:
        raise InputError(f"shares: required for {symbol}")
    price = file_price(cell(row, idx["price"]))
    acct.add_holding(row.line, symbol, count[0], count[1], price)
