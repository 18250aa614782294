"""Helpers for driving the app with Pilot and reading what it shows.

A helper module (not a test module): the app test modules import it.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from textual import events
from textual.app import _character_to_key
from textual.command import CommandList, CommandPalette
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from rebalancer_tui.app import RebalancerApp
from rebalancer_tui.screens.main import MainScreen

SIZE = (140, 45)
M = TypeVar("M", bound=Message)


def cell(table: DataTable[Any], row: str, column: str) -> str:
    return str(table.get_cell(row, column))


def shown(widget: Any) -> str:
    """The text a Static shows, whether it holds a string, Text or a Rich table."""
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


def row_keys(table: DataTable[Any]) -> list[str]:
    return [str(k.value) for k in table.rows]


class Notes:
    """Records every notice the app shows (run_test hides the toasts)."""

    def __init__(self, app: RebalancerApp) -> None:
        self.items: list[tuple[str, str]] = []
        original = app.notify

        def notify(message: str, **kwargs: Any) -> None:
            self.items.append((message, kwargs.get("severity", "information")))
            original(message, **kwargs)

        app.notify = notify  # type: ignore[method-assign]

    def text(self) -> str:
        return "\n".join(m for m, _ in self.items)


class Messages:
    """Every message the app handles, as `App.run_test(message_hook=...)` sees it."""

    def __init__(self) -> None:
        self.seen: list[Message] = []

    def __call__(self, message: Message) -> None:
        self.seen.append(message)

    def of(self, kind: type[M]) -> list[M]:
        """Each message once, in order (a bubbling message is seen by every pump it visits)."""
        unique = {id(m): m for m in self.seen if isinstance(m, kind)}
        return list(unique.values())

    def clear(self) -> None:
        self.seen.clear()


def offline_app(tmp_path: Path, **kwargs: Any) -> RebalancerApp:
    return RebalancerApp(offline=True, cache_path=tmp_path / "prices.json", **kwargs)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and no plan is pending (prices can trigger a re-solve)."""
    app = pilot.app
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        main = app.get_default_screen()
        assert isinstance(main, MainScreen)
        if not any(w.is_running for w in app.workers) and not main.planning:
            return
    raise AssertionError("the app did not settle")


async def open_table(pilot: Pilot[None], key: str, selector: str) -> DataTable[Any]:
    """Press `key` (it opens a screen) and focus that screen's table `selector`."""
    await pilot.press(key)
    await pilot.pause()
    table: DataTable[Any] = pilot.app.screen.query_one(selector, DataTable)
    table.focus()
    return table


async def focus_holding(pilot: Pilot[None], symbol: str) -> None:
    """Focus the main screen's holdings table on `symbol`'s row (keys then act on it)."""
    main = pilot.app.get_default_screen()
    table: DataTable[Any] = main.query_one("#current", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(symbol))
    await pilot.pause()


async def wait_for(pilot: Pilot[None], ok: Callable[[], bool], what: str) -> None:
    for _ in range(300):
        if ok():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never happened: {what}")


async def run_from_palette(pilot: Pilot[None], query: str, expect: str) -> None:
    """Open the command palette, type `query`, wait for a hit naming `expect`, run it.

    The palette searches in a worker; pressing enter on a fixed pause is a race on a
    loaded machine, so this waits for the highlighted hit itself.
    """
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*query)
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    hits = palette.query_one(CommandList)
    for _ in range(200):
        await pilot.pause(0.02)
        index = hits.highlighted
        label = "" if index is None else str(hits.get_option_at_index(index).prompt)
        if expect.lower() in label.lower():
            break
    else:
        raise AssertionError(f"the palette found no {expect!r} for {query!r}")
    await pilot.press("enter")


async def type_into(pilot: Pilot[None], selector: str, text: str) -> None:
    """Focus a field, clear it and type `text` key by key (not applied until left)."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    await pilot.pause()
    await pilot.press(*text)
    await pilot.pause()


def question(pilot: Pilot[None]) -> str:
    """The question the confirmation dialog on top asks (it must be on top)."""
    from rebalancer_tui.screens.confirm import Confirm

    assert isinstance(pilot.app.screen, Confirm)
    return shown(pilot.app.screen.query_one("#confirm-question"))


async def paste_into(pilot: Pilot[None], selector: str, text: str) -> None:
    """The whole value at once, as a paste."""
    pilot.app.screen.query_one(selector, Input).value = text
    await pilot.pause()


async def keys_at_speed(pilot: Pilot[None], keys: list[str], gap_s: float = 0.03) -> None:
    """Keys as a terminal sends them, through the driver's queue, `gap_s` apart
    (a typist's pace): nothing waits for the app to finish with a key first."""
    for key in keys:
        send_key(pilot, key)
        await asyncio.sleep(gap_s)


def one_read(pilot: Pilot[None], keys: list[str]) -> None:
    """`keys` as one read from the terminal gives them: all queued before the app
    handles the first (keys_at_speed with no gap still yields between keys)."""
    for key in keys:
        send_key(pilot, key)


def send_key(pilot: Pilot[None], key: str) -> None:
    """One key into the driver's queue, as the terminal sends it."""
    app = pilot.app
    assert app._driver is not None
    name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
    event = events.Key(name, key if len(key) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)


@asynccontextmanager
async def running(
    app: RebalancerApp, size: tuple[int, int] = SIZE, theme: str | None = None, **kwargs: Any
) -> AsyncIterator[Pilot[None]]:
    """The app under Pilot, settled: its first plan is on screen before the test goes on.

    `theme` is set before settling, so the first frame a test looks at is already in it.
    """
    async with app.run_test(size=size, **kwargs) as pilot:
        if theme is not None:
            app.theme = theme
        await settle(pilot)
        yield pilot


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press `keys` and let the app handle them (a key often opens or closes a screen)."""
    await pilot.press(*keys)
    await pilot.pause()


async def fill(pilot: Pilot[None], fields: dict[str, str], *keys: str) -> None:
    """Type into each field in order (as `type_into`), then press `keys` ("enter" applies
    an editor's row)."""
    for selector, text in fields.items():
        await type_into(pilot, selector, text)
    if keys:
        await pilot.press(*keys)
