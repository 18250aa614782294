"""A small modal asking for a file path (save, open, import, export).

Dismisses with the typed path, or None on Esc. The caller does the reading or
writing and reports problems; this screen only checks that a path was given.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class FilePrompt(ModalScreen[Path | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="file.cancel"),
    ]

    def __init__(self, title: str, default: Path, hint: str) -> None:
        super().__init__(classes="file-prompt")
        self.title_text = title
        self.default = default
        self.hint = hint
        self._dismissed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body") as body:
            body.border_title = self.title_text
            yield Input(str(self.default), id="file-path", compact=True)
            yield Static("", id="file-error")
            yield Static(f"{self.hint} · Enter confirms · Esc cancels", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#file-path", Input).focus()

    @on(Input.Submitted, "#file-path")
    def _confirm(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            error = self.query_one("#file-error", Static)
            error.update("Type a file path")
            error.add_class("-error")
            return
        self._close(Path(text).expanduser())

    def action_cancel(self) -> None:
        self._close(None)

    def _close(self, result: Path | None) -> None:
        if not self._dismissed:
            self._dismissed = True
            self.dismiss(result)
