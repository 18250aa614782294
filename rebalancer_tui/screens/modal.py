"""One base for screens that close with a result: they dismiss once.

Two quick presses (Esc twice, Enter then Esc) or a key queued behind a click
would dismiss again and pop the screen below, or run the callback twice.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

R = TypeVar("R")

# Tab and Shift+Tab handled in the order typed. Unbound, a Tab reaches the
# focused field first and only then bubbles up to move the focus, so a fast
# "1.5<Tab>2" put the 2 into the field being left. (Esc in a dialog with
# fields is a priority binding for the same reason.)
IN_ORDER: list[BindingType] = [
    Binding("tab", "app.focus_next", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", show=False, priority=True),
]


def field_keys(scope: str, *more: BindingType, escape: str = "close") -> list[BindingType]:
    """The keys of a dialog with fields: Esc (the action `escape`, id
    "scope.escape") and Tab taken before the focused field sees them, then `more`."""
    return [
        Binding("escape", escape, escape.title(), id=f"{scope}.{escape}", priority=True),
        *IN_ORDER,
        *more,
    ]


def add_columns(table: DataTable[Any], **labels: str | Text) -> None:
    """The table's columns in order, each keyed by its argument's name."""
    for key, label in labels.items():
        table.add_column(label, key=key)


class OnceScreen(Screen[R], Generic[R]):
    """A full screen closed by `close(result)`, at most once, and only while on top."""

    _result_given = False

    def close(self, result: R) -> None:
        if self._result_given or not self.is_active:
            return
        self._result_given = True
        self.dismiss(result)


class Modal(OnceScreen[R], ModalScreen[R], Generic[R]):
    """A dialog over the main screen, closed by `close(result)` at most once.
    A dialog with an error line names it in ERROR_LINE; `_error` writes it."""

    ERROR_LINE: ClassVar[str] = ""

    def _error(self, text: str) -> None:
        """Show `text` on the error line (red while there is one), or clear it."""
        line = self.query_one(self.ERROR_LINE, Static)
        line.update(text)
        line.set_class(bool(text), "-error")
