"""A DataTable whose rows are keyed by symbol and updated in place.

Refreshing with the same symbols only rewrites the cells that changed, so the
cursor and scroll position survive a price update; a different set of rows
is rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

Cell = str | Text
Row = tuple[str, Sequence[Cell]]


class KeyedTable(DataTable[Cell]):
    COLUMNS: tuple[tuple[str, str, bool], ...] = ()
    """(key, label, right-aligned) per column."""

    def __init__(self, title: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.border_title = title
        for key, label, right in self.COLUMNS:
            self.add_column(Text(label, justify="right") if right else label, key=key)

    def set_rows(self, rows: Sequence[Row]) -> None:
        keys = [key for key, _ in rows]
        with self.app.batch_update():
            if keys != [k.value for k in self.rows]:
                self.clear()
                for key, cells in rows:
                    self.add_row(*cells, key=key)
                return
            columns = [key for key, _, _ in self.COLUMNS]
            for key, cells in rows:
                for column, cell in zip(columns, cells, strict=True):
                    if not _same(self.get_cell(key, column), cell):
                        self.update_cell(key, column, cell)

    def cell_text(self, row: str, column: str) -> str:
        """The plain text a user sees in one cell (tests and copy use this)."""
        return str(self.get_cell(row, column))


def _same(a: Cell, b: Cell) -> bool:
    # Text equality ignores the base style; a drift can change colour alone.
    if isinstance(a, Text) and isinstance(b, Text):
        return (a.plain, str(a.style), a.justify) == (b.plain, str(b.style), b.justify)
    return a == b
