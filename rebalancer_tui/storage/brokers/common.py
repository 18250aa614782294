"""What the broker readers do alike: find a header near the top of the file,
name the line of a row's error, add a row's cash or holding to its account
(`Sheet`: one table being read), and, for the one-table exports, find the
columns by role (`Layout`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from rebalancer_tui.rules import InputError
from rebalancer_tui.storage.brokers.build import AccountBuilder, Household, broker_symbol
from rebalancer_tui.storage.brokers.instruments import is_cusip
from rebalancer_tui.storage.brokers.model import BrokerAccount, Skipped
from rebalancer_tui.storage.brokers.money import broker_number, file_price, share_count
from rebalancer_tui.storage.brokers.table import (
    Columns,
    Row,
    cell,
    check_reaches,
    check_width,
    starts_with,
)

__all__ = [
    "Read",
    "Sheet",
    "add_position",
    "at_line",
    "header_at",
    "near_top",
    "reading_row",
    "row_cash",
]

# What a format's `read` returns: the file's date, its accounts, the rows skipped.
Read = tuple[date | None, list[BrokerAccount], list[Skipped]]

# A broker's banner and header sit in the first lines: detection reads no
# further, so a large file of another kind is told apart cheaply.
_TOP_ROWS = 11


def near_top(rows: Sequence[Row]) -> Iterator[tuple[int, Row]]:
    """(index, row) of the first non-blank rows of a file."""
    seen = 0
    for i, row in enumerate(rows):
        if row.blank:
            continue
        yield i, row
        seen += 1
        if seen >= _TOP_ROWS:
            return


def header_at(rows: Sequence[Row], names: Sequence[str]) -> int | None:
    """The index of the row near the top that starts with `names`, or None."""
    return next((i for i, row in near_top(rows) if starts_with(row, names)), None)


@contextmanager
def at_line(where: str, line: int) -> Iterator[None]:
    """An InputError raised inside is said again with the file and line."""
    try:
        yield
    except InputError as exc:
        raise InputError(f"{where} line {line}: {exc}") from None


@contextmanager
def reading_row(row: Row, cols: Columns, needed: Sequence[int | None]) -> Iterator[None]:
    """A data row read: as wide as the header at most, reaching every `needed`
    column (a row cut short is refused), errors naming its line."""
    check_reaches(row, cols, needed)
    with at_line(cols.where, row.line):
        check_width(row, cols)
        yield


def row_cash(value: str, shares: str = "") -> Decimal:
    """The cash a cash or money-market row holds: its market value, else its
    share count (a money-market fund is priced at $1), else 0."""
    amount = broker_number(value, "cash")
    if amount is None:
        amount = broker_number(shares, "cash")
    return amount or Decimal(0)


def add_position(acct: AccountBuilder, line: int, symbol: str, shares: str, price: str) -> None:
    """A holding row's symbol, share count (required) and price, added to `acct`."""
    checked = broker_symbol(symbol)
    count = share_count(shares)
    if count is None:
        raise InputError(f"shares: required for {checked}")
    acct.add_holding(line, checked, count[0], count[1], file_price(price))


@dataclass
class Sheet:
    """One positions table while it is read: its columns by role, the
    accounts its rows add to and the rows it skips, by line."""

    cols: Columns
    idx: dict[str, int | None]
    house: Household = field(init=False)
    skipped: list[Skipped] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.house = Household(self.cols.where)

    def cell(self, row: Row, role: str) -> str:
        return cell(row, self.idx[role])

    def skip(self, row: Row, reason: str) -> None:
        self.skipped.append(Skipped(row.line, reason))

    def skip_bond(self, row: Row, symbol: str) -> bool:
        """Skip a row whose symbol is a CUSIP (a bond or CD); whether it was one."""
        if is_cusip(symbol):
            self.skip(row, "unknown instrument type (bond or CD)")
            return True
        return False

    def reading(self, row: Row) -> AbstractContextManager[None]:
        """A row of this sheet read, reaching every column it found (`reading_row`)."""
        return reading_row(row, self.cols, list(self.idx.values()))

    def done(self, as_of: date | None) -> Read:
        return as_of, self.house.finish(), self.skipped


class Layout(NamedTuple):
    """The column names, by role, of a one-table holdings export (Fidelity,
    Vanguard). Its header begins with the first two: that tells the format."""

    number: str
    name: str  # the only optional one
    symbol: str
    qty: str
    price: str
    value: str

    def header_at(self, rows: Sequence[Row]) -> int | None:
        return header_at(rows, self[:2])

    def sheet(self, rows: Sequence[Row], label: str, where: str) -> tuple[int, Sheet]:
        """Where the header `detect` found is, and the table under it, its
        columns found by role; InputError naming the first column missing."""
        start = self.header_at(rows)
        assert start is not None  # found by `detect`, which is asked first
        cols = Columns(rows[start], label, where)
        idx = {
            role: cols.find(name) if role == "name" else cols.require(name)
            for role, name in self._asdict().items()
        }
        return start, Sheet(cols, idx)
