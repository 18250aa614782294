"""A modal asking for a file path, then doing the file action (save, open,
import, export) that a `FileAction` from the workspace describes.

`check(path)` names what the action would lose (a file it would replace,
holdings it would empty) or returns None; that question is asked first, and
declining changes nothing. `act(path)` does the work and returns an
`Outcome`: a failure is shown here and the prompt stays open to fix the path;
a success dismisses the prompt with it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from rebalancer_tui.screens.modal import Modal
from rebalancer_tui.widgets.ordered_input import OrderedInput
from rebalancer_tui.workspace import FileAction, Outcome


class FilePrompt(Modal[Outcome | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="file.cancel"),
    ]
    ERROR_LINE = "#file-error"

    def __init__(self, action: FileAction) -> None:
        super().__init__(classes="file-prompt")
        self.title_text = action.title
        self.default = action.default
        self.hint = action.hint
        self.act: Callable[[Path], Outcome] = action.act
        self.check: Callable[[Path], str | None] | None = action.check

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body") as body:
            body.border_title = self.title_text
            yield OrderedInput(str(self.default), id="file-path", compact=True)
            yield Static("", id="file-error")
            yield Static(f"{self.hint} · Enter confirms · Esc cancels", classes="modal-hint")
        yield Footer()  # this dialog's keys, not the main screen's

    def on_mount(self) -> None:
        self.query_one("#file-path", Input).focus()

    @on(Input.Submitted, "#file-path")
    def _confirm(self, event: Input.Submitted) -> None:
        from rebalancer_tui.screens.confirm import Confirm

        text = event.value.strip()
        if not text:
            self._error("Type a file path")
            return
        path = Path(text).expanduser()
        question = self.check(path) if self.check is not None else None
        if question is None:
            self._do(path)
        elif self.is_active:
            self.app.push_screen(
                Confirm(question, title=self.title_text),
                lambda answer: self._do(path) if answer else None,
            )

    def _do(self, path: Path) -> None:
        outcome = self.act(path)
        if outcome.ok or outcome.conflict:
            self.close(outcome)
        else:
            self._error(outcome.message)

    def action_cancel(self) -> None:
        self.close(None)
