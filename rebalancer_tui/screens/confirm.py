"""A yes/no (or pick one) question naming what an action would lose.

Dismisses with the chosen key, or None on Esc: declining changes nothing.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Static

from rebalancer_tui.screens.modal import Modal


class Confirm(Modal[str | None]):
    """`choices`: (key, button label) pairs; the first is the default button."""

    # Here, not in app.tcss: the dialog is one piece with its own layout.
    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm .modal-body { padding: 1 1 0 1; }
    #confirm-buttons { height: auto; margin-top: 1; }
    #confirm-buttons Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
    ]

    def __init__(
        self,
        question: str,
        choices: tuple[tuple[str, str], ...] = (("yes", "Replace"),),
        *,
        title: str = "Confirm",
    ) -> None:
        super().__init__(classes="confirm")
        self.question = question
        self.choices = choices
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body") as body:
            body.border_title = self.title_text
            yield Static(self.question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                for i, (key, label) in enumerate(self.choices):
                    yield Button(label, id=f"confirm-{key}", variant="warning" if i else "error")
                yield Button("Cancel", id="confirm-cancel", variant="default")
            yield Static("Esc cancels: nothing changes", classes="modal-hint")
        yield Footer()  # this dialog's keys, not the main screen's

    def on_mount(self) -> None:
        # Cancel has the focus: a stray Enter loses nothing.
        self.query_one("#confirm-cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        key = (event.button.id or "").removeprefix("confirm-")
        self.close(None if key == "cancel" else key)

    def action_cancel(self) -> None:
        self.close(None)
