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

from rebalancer_tui.rules import InputError
from rebalancer_tui.storage.brokers.common import Layout, Read, Sheet, add_position, row_cash
from rebalancer_tui.storage.brokers.dates import find_date
from rebalancer_tui.storage.brokers.table import Row, check_reaches, norm

__all__ = ["LABEL", "detect", "read"]

LABEL = "Fidelity positions"
_COLUMNS = Layout(
    "Account Number", "Account Name", "Symbol", "Quantity", "Last Price", "Current Value"
)


def detect(rows: list[Row]) -> bool:
    return _COLUMNS.header_at(rows) is not None


def read(rows: list[Row], where: str) -> Read:
    start, sheet = _COLUMNS.sheet(rows, LABEL, where)
    as_of: date | None = None
    in_footer = False
    data_seen = False
    stamped = False  # the "Date downloaded" line Fidelity writes after the table
    for row in rows[start + 1 :]:
        if row.blank:
            in_footer = in_footer or data_seen
            continue
        if in_footer or len(row.cells) == 1:
            if norm(row.cells[0]).startswith("date downloaded"):
                stamped = True
                if as_of is None:
                    as_of = find_date(row.cells[0])
            continue
        data_seen = True
        with sheet.reading(row):
            _row(sheet, row)
    if data_seen and not stamped:
        # A file cut at the end of a row has no other trace: its last
        # positions may be missing.
        raise InputError(
            f"{where}: this {LABEL} file ends without the 'Date downloaded' line "
            "Fidelity writes after the positions (a truncated download?)"
        )
    return sheet.done(as_of)


def _row(sheet: Sheet, row: Row) -> None:
    sym = sheet.cell(row, "symbol")
    low = norm(sym)
    if low == "pending activity":
        sheet.skip(row, "pending activity")
        return
    # Fidelity ends only its Pending Activity row early: any other row that
    # stops short of the last column was cut (a download interrupted).
    check_reaches(row, sheet.cols, [sheet.cols.width() - 1])
    if low in ("account total", "total"):
        sheet.skip(row, "account total")
        return
    number = sheet.cell(row, "number")
    if not number:
        raise InputError("Account Number: required")
    name = sheet.cell(row, "name")
    acct = sheet.house.at(number, f"{name} {number}".strip(), row.line)
    if sym.endswith("**"):
        acct.add_cash(row_cash(sheet.cell(row, "value"), sheet.cell(row, "qty")))
        return
    if sym.startswith("-"):
        sheet.skip(row, "unknown instrument type (option)")
        return
    if sheet.skip_bond(row, sym):
        return
    add_position(acct, row.line, sym, sheet.cell(row, "qty"), sheet.cell(row, "price"))
