"""Textual's Header, without its crash when a screen closes as it opens.

Header updates its title from watchers it sets on mount; the first update
runs a moment later, and when the screen was dismissed meanwhile (compare
opened and closed in one burst of keys) the title widget is already gone and
Textual 8.2's Header raises NoMatches, which ends the app. This one skips the
update of a header whose title is gone. No upstream issue was found for it
(searched 2026-12); found by the seeded monkey test (tests/test_app_monkey.py).
"""

from __future__ import annotations

import contextlib

from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.events import Mount
from textual.widget import Widget
from textual.widgets import Header
from textual.widgets._header import HeaderTitle


class SteadyHeader(Header):
    def _on_mount(self, event: Mount) -> None:
        async def set_title() -> None:
            with contextlib.suppress(NoScreen, NoMatches):
                self.query_one(HeaderTitle).update(self.format_title())

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)
        Widget._on_mount(self, event)
        # Header's own handler would set the same watchers without the guard.
        event.prevent_default()


__all__ = ["SteadyHeader"]
