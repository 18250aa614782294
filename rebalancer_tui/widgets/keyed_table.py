"""A DataTable whose rows are keyed by symbol and updated in place.

Refreshing with the same symbols only rewrites the cells that changed, so the
cursor and scroll position survive a price update; a different set of rows
is rebuilt, keeping the cursor on the same symbol when it is still there.
Either way every column is as wide as its widest cell now: a value that grew
is never cut, and a long symbol that left no longer pushes columns out of
view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

Cell = str | Text
# More changed cells than this are rewritten by rebuilding the table (linear)
# rather than cell by cell (each a full measure of its column).
_REBUILD_OVER = 200
Row = tuple[str, Sequence[Cell]]
Columns = tuple[tuple[str, str, bool], ...]
"""(key, label, right-aligned) per column."""


class KeyedTable(DataTable[Cell]):
    """Click a header (or press `s` to step through the columns) to sort by it;
    again to reverse. The money rows (keys starting "$") stay at the bottom."""

    COLUMNS: Columns = ()
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "s",
            "sort_next",
            "Sort by the next column (or click a header)",
            show=False,
            id="table.sort",
        ),
    ]
    sort_column: str | None = None
    sort_descending = False
    _given: Sequence[Row] = ()

    def __init__(self, title: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.border_title = title
        self._add_columns()

    def _add_columns(self) -> None:
        for key, label, right in self.COLUMNS:
            if key == self.sort_column:  # the sort is shown by a glyph, not by colour
                label = f"{label} {'▼' if self.sort_descending else '▲'}"
            self.add_column(Text(label, justify="right") if right else label, key=key)

    def set_columns(self, columns: Columns) -> None:
        """Show these columns from now on (the table is cleared when they change)."""
        if columns != self.COLUMNS:
            self.COLUMNS = columns
            self.clear(columns=True)
            self._add_columns()

    def cells(self, values: Mapping[str, Cell]) -> list[Cell]:
        """One row's cells in this table's column order, from every column's value
        (a narrower subclass lists fewer COLUMNS and shows only those)."""
        return [values[key] for key, _, _ in self.COLUMNS]

    def set_rows(self, rows: Sequence[Row]) -> None:
        self._given = list(rows)
        rows = self._sorted(rows)
        keys = [key for key, _ in rows]
        with self.app.batch_update():
            if keys != [k.value for k in self.rows]:
                self._rebuild(rows)
                return
            columns = [key for key, _, _ in self.COLUMNS]
            changed = [
                (key, column, cell)
                for key, cells in rows
                for column, cell in zip(columns, cells, strict=True)
                if not _same(self.get_cell(key, column), cell)
            ]
            if len(changed) > _REBUILD_OVER:
                # Each width-updating cell re-measures its whole column: a price
                # change on a 1,500-row table froze the screen for seconds (keys
                # typed meanwhile waited). Rebuilt, every cell is measured once.
                scroll = self.scroll_offset
                self._rebuild(rows)
                self.call_after_refresh(self.scroll_to, scroll.x, scroll.y, animate=False)
                return
            for key, column, cell in changed:
                # update_width: the column grows or shrinks to its cells.
                self.update_cell(key, column, cell, update_width=True)

    def _rebuild(self, rows: Sequence[Row]) -> None:
        cursor_key = self.row_key_at_cursor()
        # The columns too: DataTable.clear() keeps each column's widest width
        # ever seen, so one long symbol would widen it for good.
        self.clear(columns=True)
        self._add_columns()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if cursor_key is not None and cursor_key in self.rows:
            self.move_cursor(row=self.get_row_index(cursor_key), animate=False)

    # -- sorting ------------------------------------------------------------------

    def sort_by(self, column: str | None, descending: bool = False) -> None:
        """Sort by `column` (None: the order the rows were given in)."""
        self.sort_column, self.sort_descending = column, descending
        with self.app.batch_update():
            self._rebuild(self._sorted(self._given))

    def _sorted(self, rows: Sequence[Row]) -> Sequence[Row]:
        keys = [key for key, _, _ in self.COLUMNS]
        if self.sort_column not in keys:
            return rows
        at = keys.index(self.sort_column)
        items = sorted(
            (r for r in rows if not r[0].startswith("$")),
            key=lambda r: sort_value(r[1][at]),
            reverse=self.sort_descending,
        )
        return [*items, *(r for r in rows if r[0].startswith("$"))]

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        column = event.column_key.value
        same = column == self.sort_column
        self.sort_by(column, descending=same and not self.sort_descending)

    def action_sort_next(self) -> None:
        """The next column, ascending; after the last, the order given."""
        keys = [key for key, _, _ in self.COLUMNS]
        at = keys.index(self.sort_column) + 1 if self.sort_column in keys else 0
        self.sort_by(keys[at] if at < len(keys) else None)

    def row_key_at_cursor(self) -> str | None:
        """The key of the row under the cursor (None for an empty table)."""
        return cursor_key(self)

    def cell_text(self, row: str, column: str) -> str:
        """The plain text a user sees in one cell (tests and copy use this)."""
        return str(self.get_cell(row, column))


def cursor_key(table: DataTable[Any]) -> str | None:
    """The key of the row under a table's cursor; None for an empty table."""
    if not table.row_count or not table.is_valid_row_index(table.cursor_row):
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


def sort_value(cell: Cell) -> tuple[int, float, str]:
    """Numbers by value ("$1,234.56", "-0.34%", "1,200"), then text, then blanks."""
    text = str(cell).strip()
    number = text.replace("$", "").replace(",", "").replace("%", "").rstrip("*")
    if any(c.isdigit() for c in number):  # not "INF" or "NAN": those are symbols
        try:
            return (0, float(number), "")
        except ValueError:
            pass
    return (1 if text and text != "—" else 2, 0.0, text)


def _same(a: Cell, b: Cell) -> bool:
    # Text equality ignores the base style; a drift can change colour alone.
    if isinstance(a, Text) and isinstance(b, Text):
        return (a.plain, str(a.style), a.justify) == (b.plain, str(b.style), b.justify)
    return a == b
