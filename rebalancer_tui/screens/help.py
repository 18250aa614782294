"""The help screen: every key, read from the live bindings so it never goes stale."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from rebalancer_tui.screens.modal import Modal

ABOUT = (
    "Pick a fund (Enter or click) to rebalance to it; move the highlight to preview it.\n"
    "Pick a strategy to compute its plan; Compare shows every strategy side by side.\n"
    "Tab / Shift+Tab move between panes; the mouse works everywhere.\n"
    "Marks: SYM* outside the model (sold) · 🔒 locked, never traded · "
    "⊘ a lot bought within the wash-sale window: not sold at a loss · "
    "└ under a sale: the tax lots to name at the broker, with gain and term."
)


def _rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    rows = []
    for b in bindings:
        if isinstance(b, Binding) and b.description:
            keys = ", ".join(k.strip().replace("question_mark", "?") for k in b.key.split(","))
            rows.append((keys, b.description))
    return rows


class HelpScreen(Modal[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1", "close", "Close", id="help.close")
    ]

    def __init__(self, sections: list[tuple[str, Iterable[BindingType]]]) -> None:
        super().__init__(id="help")
        self.sections = sections

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for title, bindings in self.sections:
            table.add_row(f"[b]{title}[/b]", "")
            for keys, description in _rows(bindings):
                table.add_row(keys, description)
            table.add_row("", "")
        table.add_row("ctrl+p", "Command palette: every action by name")
        table.add_row("tab, shift+tab", "Next / previous pane")
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys"
            body.border_subtitle = "Esc to close"
            yield Static(ABOUT, id="help-about")
            yield Static(table, id="help-keys")
        yield Footer()  # this dialog's keys, not the main screen's

    def action_close(self) -> None:
        self.close(None)
