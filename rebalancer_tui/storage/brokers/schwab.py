"""Charles Schwab "Positions for All-Accounts" (and one account's) export.

    "Positions for All-Accounts as of 09:59 PM ET, 2026/11/27"
    (blank)
    "Individual ...123"
    "Symbol","Description","Qty (Quantity)","Price",...,"Mkt Val (Market Value)",...,"Security Type"
    "ESGV","VANGUARD ESG US STOCK ETF","120","$98.76",...
    "Cash & Cash Investments","--","--","--",...,"$1,234.56",...
    "Account Total","--","--",...

Older files write "Quantity" and "Market Value"; both are read. The
"Cash & Cash Investments" row is the account's cash, and so is a symbol
whose Security Type is "Cash and Money Market" (a money fund bought).
"""

from __future__ import annotations

import re
from datetime import date

from rebalancer_tui.rules import InputError, shown
from rebalancer_tui.storage.brokers.build import AccountBuilder, Household
from rebalancer_tui.storage.brokers.common import Read, add_position, at_line, near_top, row_cash
from rebalancer_tui.storage.brokers.dates import find_date
from rebalancer_tui.storage.brokers.model import Skipped
from rebalancer_tui.storage.brokers.table import (
    Columns,
    Row,
    cell,
    check_reaches,
    check_width,
    norm,
)

__all__ = ["LABEL", "detect", "read"]

LABEL = "Charles Schwab positions"
_QTY = ("Qty (Quantity)", "Quantity")
_VALUE = ("Mkt Val (Market Value)", "Market Value")
# Security types held for planning; anything else is skipped by name.
_HELD = frozenset(
    {"etfs & closed end funds", "etf", "etfs", "equity", "mutual fund", "mutual funds"}
)
_CASH_TYPES = frozenset({"cash and money market", "money market fund", "money market"})
_BANNER = "positions for "
# How Schwab ends an account line: "Individual ...123", "Roth IRA XXXX-1234".
_ACCOUNT_LINE = re.compile(r"(\.\.\.|XXXX-)\d{3,4}$")


# Schwab lets a person choose and order the columns shown (and exported):
# a header is a row that starts with Symbol and names any known column.
_KNOWN = frozenset(norm(c) for c in ("Description", "Price", "Security Type", *_QTY, *_VALUE))


def _is_header(row: Row) -> bool:
    return (
        len(row.cells) > 1
        and norm(row.cells[0]) == "symbol"
        and any(norm(c) in _KNOWN for c in row.cells[1:])
    )


def detect(rows: list[Row]) -> bool:
    """The banner line, or near the top a header naming Symbol, Description
    and a Schwab quantity column (a plain `symbol,price` CSV is not Schwab)."""
    qty = {norm(q) for q in _QTY}
    for k, (_i, row) in enumerate(near_top(rows)):
        if k == 0 and norm(row.cells[0]).startswith(_BANNER):
            return True
        names = {norm(c) for c in row.cells}
        if _is_header(row) and "description" in names and names & qty:
            return True
    return False


def _banner(row: Row) -> tuple[date | None, str | None]:
    """The file's date and, for a one-account file, its account label."""
    text = " ".join(row.cells[0].split())
    label = None
    low = text.casefold()
    if low.startswith("positions for account "):
        rest = text[len("positions for account ") :]
        cut = rest.casefold().rfind(" as of ")
        label = (rest[:cut] if cut >= 0 else rest).strip() or None
    return find_date(text), label


def read(rows: list[Row], where: str) -> Read:
    house = Household(where)
    skipped: list[Skipped] = []
    as_of: date | None = None
    label: str | None = None
    label_line = 0
    cols: Columns | None = None
    idx: dict[str, int | None] = {}
    # The account whose table has begun and whose "Account Total" row, which
    # Schwab writes under every account, has not come yet.
    open_block: AccountBuilder | None = None
    waiting: Row | None = None  # an account line whose table has not begun
    first = True
    for row in rows:
        if row.blank:
            cols = None
            continue
        if first:
            first = False
            if norm(row.cells[0]).startswith(_BANNER):
                as_of, label = _banner(row)
                label_line = row.line
                continue
        if _is_header(row):
            _check_closed(open_block, where)
            cols = Columns(row, LABEL, where)
            idx = {
                "symbol": cols.require("Symbol"),
                "qty": cols.require(*_QTY),
                "price": cols.require("Price"),
                "value": cols.require(*_VALUE),
                "type": cols.find("Security Type"),
            }
            if label is None:
                raise InputError(
                    f"{where} line {row.line}: positions with no account line above them "
                    '(expected a line like "Individual ...123")'
                )
            began = label_line or row.line
            waiting = None
            with at_line(where, began):
                open_block = house.open("", label, began)
            continue
        if len(row.cells) == 1 or all(c == "" for c in row.cells[1:]):
            # An account line ("Individual ...123") or a disclaimer.
            _check_closed(open_block, where)
            label = " ".join(row.cells[0].split())
            label_line = row.line
            cols = None
            if _ACCOUNT_LINE.search(label):
                waiting = row
            continue
        if cols is None or open_block is None:
            raise InputError(
                f"{where} line {row.line}: a row outside any account's table "
                f'(expected the header \'"Symbol","Description","Qty (Quantity)",...\')'
            )
        with at_line(where, row.line):
            if _row(open_block, row, cols, idx, skipped):
                open_block = None
    _check_closed(open_block, where)
    if waiting is not None:
        # An account line with no table after it: the file was cut between
        # accounts (a disclaimer never ends in an account number).
        raise InputError(
            f"{where} line {waiting.line}: account {shown(waiting.cells[0])} has no positions "
            f"table after it, which this {LABEL} file writes under every account "
            "(a truncated download?)"
        )
    return as_of, house.finish(), skipped


def _check_closed(acct: AccountBuilder | None, where: str) -> None:
    """An account's table that ends before its "Account Total" row was cut
    short (a download interrupted): its last holdings may be missing."""
    if acct is not None:
        raise InputError(
            f"{where}: account {shown(acct.label)} has no 'Account Total' row, which this "
            f"{LABEL} file writes under every account (a truncated download?)"
        )


def _row(
    acct: AccountBuilder,
    row: Row,
    cols: Columns,
    idx: dict[str, int | None],
    skipped: list[Skipped],
) -> bool:
    """One row of an account's table read; whether it was the Account Total."""
    check_width(row, cols)
    sym = cell(row, idx["symbol"])
    if norm(sym) in ("account total", "total"):
        # Schwab ends its total rows early, but never before the market value.
        check_reaches(row, cols, [idx["value"]])
        skipped.append(Skipped(row.line, "account total"))
        return True
    # A holding's row is as wide as the header: one that stops short was cut.
    check_reaches(row, cols, [*idx.values(), cols.width() - 1])
    kind = norm(cell(row, idx["type"]))
    if norm(sym).startswith("cash & cash investments") or kind in _CASH_TYPES:
        acct.add_cash(row_cash(cell(row, idx["value"])))
        return False
    if idx["type"] is not None and kind not in _HELD:
        what = kind or "none given"
        skipped.append(Skipped(row.line, f"unknown instrument type ({what})"))
        return False
    add_position(acct, row.line, sym, cell(row, idx["qty"]), cell(row, idx["price"]))
    return False
