"""A seeded monkey: 2,000 random keys and clicks must leave the app alive and sane."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from fake_api import FakeFintualAPI
from textual import events
from textual.app import _character_to_key
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.worker import WorkerState

from rebalancer_tui.app import RebalancerApp
from rebalancer_tui.screens.main import MainScreen

# Everything a user might press, except the ways to quit (q, ctrl+q, ctrl+c).
KEYS = [
    *"abcdefghijklmnoprstuvwxyz0123456789",
    "tab", "shift+tab", "up", "down", "left", "right", "pageup", "pagedown",
    "home", "end", "enter", "escape", "space", "backspace", "question_mark",
    "ctrl+p", "f1",
]  # fmt: skip
SIZE = (100, 30)
STEPS = 2000


@pytest.fixture(autouse=True)
def _user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real portfolio, last-portfolio pointer or models."""
    monkeypatch.setenv("REBALANCER_DATA_DIR", str(tmp_path / "user-data"))
    monkeypatch.setenv("REBALANCER_MODELS", str(tmp_path / "user-models.json"))
    monkeypatch.delenv("REBALANCER_PORTFOLIO", raising=False)


# Pilot's press/click wait for the process to look idle (at least 20 ms each, up
# to 1 s while solver and server threads keep it busy): 2,000 of them would take
# minutes. These post the same events and give the app a few milliseconds, a
# fast typist's pace: events may queue up, which is part of the test.
GAP_S = 0.004


async def press(pilot: Pilot[None], key: str) -> None:
    app = pilot.app
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    char = key if len(key) == 1 else {"space": " ", "question_mark": "?"}.get(key)
    event = events.Key(key, char)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)
    await asyncio.sleep(GAP_S)


async def click(pilot: Pilot[None], x: int, y: int) -> None:
    # Through the driver's queue, as a terminal's mouse report arrives.
    app = pilot.app
    assert app._driver is not None
    where = {"x": x, "y": y, "delta_x": 0, "delta_y": 0, "button": 1, "shift": False,
             "meta": False, "ctrl": False, "screen_x": x, "screen_y": y}  # fmt: skip
    for cls in (events.MouseDown, events.MouseUp, events.Click):
        event = cls(None, **where)
        event.set_sender(app)
        app._driver.send_message(event)
    await asyncio.sleep(GAP_S)


@pytest.mark.parametrize("seed", [7])
async def test_monkey_keys_and_clicks(
    seed: int, tmp_path: Path, fake_api: FakeFintualAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The palette's "Screenshot" command writes into the working directory.
    monkeypatch.chdir(tmp_path)
    fake_api.fail("BND", "500")  # some trouble for the price path too
    rng = random.Random(seed)
    app = RebalancerApp(api_url=fake_api.url, cache_path=tmp_path / "prices.json")
    quits: list[str] = []
    # The palette lists "Quit"; a monkey choosing it is a user's right, not a bug.
    app.action_quit = lambda: quits.append("quit")  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        for step in range(STEPS):
            if rng.random() < 0.15:
                await click(pilot, rng.randrange(SIZE[0]), rng.randrange(SIZE[1]))
            else:
                await press(pilot, rng.choice(KEYS))
            assert app.is_running, f"app stopped at step {step}"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running
        errors = [w for w in app.workers if w.state == WorkerState.ERROR]
        assert errors == []
        stack = app.screen_stack
        assert isinstance(stack[0], MainScreen)
        assert all(not isinstance(s, MainScreen) for s in stack[1:])
        assert len(stack) <= 4
        # Whatever was open, escape goes back to a working main screen.
        for _ in range(len(stack) + 2):
            if isinstance(app.screen, MainScreen):
                break
            await pilot.press("escape")
            await pilot.pause()
        assert isinstance(app.screen, MainScreen | ModalScreen)
        main = app.main_screen
        await pilot.press("1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.plans.get("simple") is not None
