"""Vanguard ofxdownload.csv: a holdings block, then a transactions block.

    Account Number,Investment Name,Symbol,Shares,Share Price,Total Value,
    12345678,VANGUARD FEDERAL MONEY MARKET INVESTOR CL,VMFXX,1234.56,1.0,1234.56,
    12345678,VANGUARD TOTAL STOCK MARKET ETF,VTI,40,281.50,11260.00,
    (blank lines)
    Account Number,Trade Date,Settlement Date,Transaction Type,...   <- ignored

Settlement funds (VMFXX and the other Vanguard money-market funds) are the
account's cash, by their Total Value. The file carries no date.

The file has no trailer, so a download cut short shows only in its last row,
which then stops short of the header's last column: such a row is refused
rather than read with a cut number. A cut exactly at a row's end leaves no
trace and cannot be told.
"""

from __future__ import annotations

from rebalancer_tui.rules import InputError
from rebalancer_tui.storage.brokers.common import (
    Layout,
    Read,
    Sheet,
    add_position,
    row_cash,
)
from rebalancer_tui.storage.brokers.table import Row, check_reaches, norm

__all__ = ["LABEL", "SETTLEMENT_FUNDS", "detect", "read"]

LABEL = "Vanguard ofxdownload"
_COLUMNS = Layout(
    "Account Number", "Investment Name", "Symbol", "Shares", "Share Price", "Total Value"
)
# Vanguard money-market funds that serve as a brokerage settlement fund.
SETTLEMENT_FUNDS = frozenset({"VMFXX", "VMMXX", "VMRXX", "VUSXX", "VMSXX", "VCTXX"})


def detect(rows: list[Row]) -> bool:
    return _COLUMNS.header_at(rows) is not None


def read(rows: list[Row], where: str) -> Read:
    start, sheet = _COLUMNS.sheet(rows, LABEL, where)
    # Every row ends with a comma after Total Value: its empty cell is the last.
    last = rows[start].written - 1
    for row in rows[start + 1 :]:
        if row.blank:
            # The holdings block ends at the first blank line; the
            # transactions block after it is not positions.
            break
        check_reaches(row, sheet.cols, [last])
        with sheet.reading(row):
            _row(sheet, row)
    return sheet.done(None)


def _row(sheet: Sheet, row: Row) -> None:
    number = sheet.cell(row, "number")
    if not number:
        raise InputError("Account Number: required")
    acct = sheet.house.at(number, number, row.line)
    sym = sheet.cell(row, "symbol").upper()
    name = norm(sheet.cell(row, "name"))
    if sheet.skip_bond(row, sym):
        return  # a bond's price is per $100 of face value: no product to check
    if sym in SETTLEMENT_FUNDS or (not sym and "money market" in name):
        acct.add_cash(row_cash(sheet.cell(row, "value"), sheet.cell(row, "qty")))
        return
    if not sym:
        sheet.skip(row, "unknown instrument type (no symbol)")
        return
    add_position(acct, row.line, sym, sheet.cell(row, "qty"), sheet.cell(row, "price"))
