"""Rows of a broker CSV with their line numbers, and header columns found by
name (each format lists the names its broker has used over time)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rebalancer_tui.rules import InputError, shown

__all__ = [
    "MAX_DATA_ROWS",
    "Columns",
    "Row",
    "cell",
    "check_reaches",
    "check_width",
    "norm",
    "rows_of",
    "starts_with",
]

# A 5 MB file holds at most this many rows of a broker export anyway; the
# bound keeps a pathological file of empty cells cheap.
MAX_DATA_ROWS = 200_000

_SPACES = re.compile(r"\s+")


def norm(cell: str) -> str:
    """A header cell compared loosely: case and runs of spaces ignored."""
    return _SPACES.sub(" ", cell.strip()).casefold()


@dataclass(frozen=True, slots=True)
class Row:
    """One CSV record: the line it starts on, its cells stripped, trailing
    empty cells dropped (brokers end rows with a comma). `width` counts the
    cells as written, empty ones included: a row cut short is told by it."""

    line: int
    cells: tuple[str, ...]
    width: int = 0

    @property
    def written(self) -> int:
        """How many cells the row was written with (at least its kept cells)."""
        return max(self.width, len(self.cells))

    @property
    def blank(self) -> bool:
        return not self.cells

    def text(self) -> str:
        """The row as one cell per comma, for messages."""
        return ",".join(self.cells)


def rows_of(text: str, where: str) -> list[Row]:
    """Every record of `text` (BOM and CRLF tolerated), blank ones included.
    Malformed CSV is an InputError with its line."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    out: list[Row] = []
    start = 1
    try:
        for record in reader:
            cells = [c.strip() for c in record]
            while cells and cells[-1] == "":
                cells.pop()
            out.append(Row(start, tuple(cells), len(record)))
            if len(out) > MAX_DATA_ROWS:
                raise InputError(f"{where} line {start}: too many rows (at most {MAX_DATA_ROWS:,})")
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{where} line {reader.line_num}: malformed CSV ({exc})") from None
    return out


class Columns:
    """Where each wanted column sits in a header row."""

    def __init__(self, header: Row, fmt_label: str, where: str) -> None:
        self.header = header
        self.fmt_label = fmt_label
        self.where = where
        self._index: dict[str, int] = {}
        for i, cell in enumerate(header.cells):
            self._index.setdefault(norm(cell), i)

    def find(self, *names: str) -> int | None:
        """The index of the first of `names` present, or None."""
        for name in names:
            i = self._index.get(norm(name))
            if i is not None:
                return i
        return None

    def require(self, *names: str) -> int:
        """The index of the first of `names`; an InputError naming the format
        and the column when none is in the header."""
        i = self.find(*names)
        if i is None:
            raise InputError(
                f"{self.where} line {self.header.line}: this {self.fmt_label} file has no "
                f"'{names[0]}' column (the header is {shown(self.header.text(), 60)})"
            )
        return i

    def width(self) -> int:
        return len(self.header.cells)


def cell(row: Row, i: int | None) -> str:
    """The cell at `i`, "" when the row is shorter or `i` is None."""
    if i is None or i >= len(row.cells):
        return ""
    return row.cells[i]


def check_width(row: Row, cols: Columns) -> None:
    """A data row wider than its header is shifted (an unquoted 1,234): refused."""
    if len(row.cells) > cols.width():
        raise InputError(
            f"{cols.where} line {row.line}: {len(row.cells)} cells under a header of "
            f"{cols.width()} ({shown(row.text(), 60)}); is a number with a comma unquoted?"
        )


def check_reaches(row: Row, cols: Columns, needed: Sequence[int | None]) -> None:
    """A data row that stops before a column its format needs was cut short
    (a download interrupted): refused rather than read as empty cells."""
    last = max((i for i in needed if i is not None), default=-1)
    if row.written <= last:
        # A needed cell past the named columns (Vanguard's closing comma) counts.
        total = max(cols.width(), last + 1)
        raise InputError(
            f"{cols.where} line {row.line}: this {cols.fmt_label} row has {row.written} of the "
            f"{total} columns (a truncated download?)"
        )


def starts_with(row: Row, names: Sequence[str]) -> bool:
    """The row's first cells are `names` (loosely compared)."""
    return len(row.cells) >= len(names) and all(
        norm(c) == norm(n) for c, n in zip(row.cells, names, strict=False)
    )
