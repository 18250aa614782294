"""Seeded monkeys: random keys and clicks, then the same with odd values typed
into fields, odd files imported and opened, and saves and exports onto odd
targets. The app must stay alive and sane, never hang on a file, never apply
an absurd number, and never change a file it could not read.

Every file and target lives under the test's tmp dir; the user's own dirs are
isolated by conftest. Each run is seeded and has a fixed number of steps.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import stat
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from app_pilot import offline_app, shown
from fake_api import FakeFintualAPI
from textual import events
from textual.app import _character_to_key
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.worker import WorkerState

from rebalancer_tui.app import RebalancerApp
from rebalancer_tui.rules import MAX_TOTAL_VALUE
from rebalancer_tui.screens.main import MainScreen
from rebalancer_tui.widgets.metrics_line import MetricsLine
from rebalancer_tui.widgets.price_status import PriceStatus

# Everything a user might press, except the ways to quit (q, ctrl+q, ctrl+c).
KEYS = [
    *"abcdefghijklmnoprstuvwxyz0123456789",
    "tab", "shift+tab", "up", "down", "left", "right", "pageup", "pagedown",
    "home", "end", "enter", "escape", "space", "backspace", "question_mark",
    "ctrl+p", "f1",
]  # fmt: skip
SIZE = (100, 30)
STEPS = 2000


# Pilot's press/click wait for the process to look idle (at least 20 ms each, up
# to 1 s while solver and server threads keep it busy): 2,000 of them would take
# minutes. These post the same events and give the app a few milliseconds, a
# fast typist's pace: events may queue up, which is part of the test.
GAP_S = 0.004


async def press(pilot: Pilot[None], key: str) -> None:
    app = pilot.app
    char = key if len(key) == 1 else {"space": " ", "question_mark": "?"}.get(key)
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
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


async def random_step(pilot: Pilot[None], rng: random.Random, click_rate: float) -> None:
    """A click anywhere (at `click_rate`), else a key."""
    if rng.random() < click_rate:
        await click(pilot, rng.randrange(SIZE[0]), rng.randrange(SIZE[1]))
    else:
        await press(pilot, rng.choice(KEYS))


async def still_running_without_errors(pilot: Pilot[None]) -> None:
    """Once every worker is done, the app is alive and no worker failed."""
    app = pilot.app
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert app.is_running
    assert [w for w in app.workers if w.state == WorkerState.ERROR] == []


async def escape_to_main(pilot: Pilot[None]) -> None:
    """Escape, a few times at most, out of whatever is open."""
    app = pilot.app
    for _ in range(len(app.screen_stack) + 2):
        if isinstance(app.screen, MainScreen):
            break
        await pilot.press("escape")
        await pilot.pause()


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
            await random_step(pilot, rng, 0.15)
            assert app.is_running, f"app stopped at step {step}"
        await still_running_without_errors(pilot)
        stack = app.screen_stack
        assert isinstance(stack[0], MainScreen)
        assert all(not isinstance(s, MainScreen) for s in stack[1:])
        assert len(stack) <= 4
        # Whatever was open, escape goes back to a working main screen.
        await escape_to_main(pilot)
        assert isinstance(app.screen, MainScreen | ModalScreen)
        main = app.main_screen
        await pilot.press("1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.plans.get("simple") is not None


# -- odd values, odd files, saves ------------------------------------------------

ODD_NUMBERS = [
    "1" * 40, "1e308", "99999999999999", "100000000001", "-5", "nan", "inf", "0.0000001",
    "1,000", "$5", "1_000", "12345678901234567890.123", "0", "", "  7  ", "1e3", "0x10",
]  # fmt: skip
ODD_SYMBOLS = ["ESGV", "ZZZZZZZZZZZZZZZZZZZZ", "=2+5", "ES GV", "\x1b[31m", "bnd", "."]
ODD_STEPS = 900
ODD_RATE = 0.05  # share of steps that run a scripted macro instead of one key


def odd_inputs(root: Path) -> list[Path]:
    """Files the app must refuse (or read) without hanging, crashing or writing them."""
    root.mkdir()
    files = {
        "deep.json": "[" * 5000 + "]" * 5000,
        "huge.json": '{"version": 1, "cash": 1e308, "holdings": {"ESGV": 1e30}}',
        "nan.json": '{"version": 1, "cash": NaN, "holdings": {}}',
        "header.csv": "symbol,shares\n",
        "unknown.csv": "symbol,shares\n" + "".join(f"ZZ{i},1\n" for i in range(5000)),
        "bigshares.csv": "symbol,shares\nESGV," + "9" * 5000 + "\n",
        "escape.csv": "symbol,shares\n\x1b[31mESGV,1\n",
        "formula.csv": "symbol,shares\n=2+5,1\n",
        "longline.csv": "symbol,shares\n" + "A" * 200_000 + ",1\n",
        "good.csv": "symbol,shares\nESGV,10\nBND,5\n",
    }
    for name, text in files.items():
        (root / name).write_text(text)
    (root / "binary.csv").write_bytes(bytes(range(256)) * 64)
    (root / "empty.csv").write_bytes(b"")
    (root / "dir").mkdir()
    os.mkfifo(root / "fifo")
    (root / "loop").symlink_to(root / "loop2")
    (root / "loop2").symlink_to(root / "loop")
    (root / "zero").symlink_to("/dev/zero")
    return sorted(root.iterdir())


def odd_targets(root: Path) -> list[Path]:
    """Where saves and exports may go: new, existing, special or impossible."""
    root.mkdir()
    (root / "dir").mkdir()
    os.mkfifo(root / "fifo")
    (root / "loop").symlink_to(root / "loop2")
    (root / "loop2").symlink_to(root / "loop")
    (root / "existing.csv").write_text("symbol,shares\nESGV,1\n")
    return [
        root / "saved.json", root / "dir", root / "fifo", root / "loop",
        root / "missing" / "deeper" / "x.json", root / "existing.csv", root / "orders.csv",
    ]  # fmt: skip


class FifoGuard:
    """Opens the other end of each FIFO whenever the app waits on one, so a
    blocking open can never hang the test, and records that it happened."""

    def __init__(self, readers: list[Path], writers: list[Path]) -> None:
        self.readers, self.writers = readers, writers
        self.unblocked: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            for fifo in self.readers:  # the app reading: open a writer if it waits
                try:
                    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:
                    continue  # ENXIO: nobody is reading it
                os.close(fd)
                self.unblocked.append(f"read {fifo.name}")
            for fifo in self.writers:  # the app writing: a reader lets it through
                fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
                os.close(fd)

    def __enter__(self) -> FifoGuard:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def macro(rng: random.Random, inputs: list[Path], targets: list[Path]) -> tuple[str, list[str]]:
    """One scripted action: the key that opens a dialog, then what is typed there."""
    kind = rng.choice(["field", "field", "editor", "import", "open", "save", "export"])
    if kind == "field":  # the inputs dialog: cash, reserve, bands, fee, cost rate
        keys = ["tab"] * rng.randrange(7)
        keys += ["home", "ctrl+k", *rng.choice(ODD_NUMBERS), rng.choice(["enter", "tab"])]
        return "i", [*keys, rng.choice(["escape", "tab"])]
    if kind == "editor":  # the holdings editor: symbol, shares, price
        keys = ["tab"] * rng.randrange(1, 4)
        keys += ["home", "ctrl+k", *rng.choice(ODD_SYMBOLS + ODD_NUMBERS)]
        return "e", [*keys, rng.choice(["enter", "tab", "delete"]), "escape"]
    key = {"import": "I", "open": "ctrl+o", "save": "ctrl+s", "export": "x"}[kind]
    path = rng.choice(inputs if kind in ("import", "open") else targets)
    # A confirmation may follow (replace? reload?): answered either way.
    return key, ["home", "ctrl+k", *str(path), "enter", rng.choice(["enter", "escape", "tab"])]


async def run_macro(pilot: Pilot[None], opener: str, keys: list[str]) -> None:
    """Open the dialog, wait until it has the focus (a user sees it first), type."""
    app = pilot.app
    for _ in range(4):  # back to the main view first, as a user would go
        if isinstance(app.screen, MainScreen):
            break
        await press(pilot, "escape")
        await pilot.pause()
    below = app.screen
    await press(pilot, opener)
    for _ in range(50):
        focused = app.focused
        if app.screen is not below and focused is not None and focused.screen is app.screen:
            break
        await pilot.pause(0.01)
    else:
        return  # nothing opened (no plan to export, say): the keys would go astray
    # Let the field handle its Focus event (it selects its text) before typing.
    await pilot.pause()
    for key in keys:
        await press(pilot, key)
    await pilot.pause()


def snapshot(files: list[Path]) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in files if f.is_file() and not f.is_symlink()}


@pytest.mark.parametrize("seed", [11])
async def test_monkey_with_odd_values_files_and_saves(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # default import/export paths and screenshots land here
    inputs = odd_inputs(tmp_path / "in")
    targets = odd_targets(tmp_path / "out")
    before = snapshot(inputs)
    rng = random.Random(seed)
    app = offline_app(tmp_path)
    app.action_quit = lambda: None  # type: ignore[method-assign]
    fifos = FifoGuard([tmp_path / "in" / "fifo"], [tmp_path / "out" / "fifo"])
    with fifos:
        async with app.run_test(size=SIZE) as pilot:
            for step in range(ODD_STEPS):
                if rng.random() < ODD_RATE:
                    await run_macro(pilot, *macro(rng, inputs, targets))
                else:
                    await random_step(pilot, rng, 0.1)
                assert app.is_running, f"app stopped at step {step}"
            await still_running_without_errors(pilot)
            await escape_to_main(pilot)
            assert isinstance(app.screen, MainScreen)
            # Whatever was typed, the numbers in force are sane: the status bar
            # never shows a cash or a value beyond the bound on any amount.
            status = shown(app.screen.query_one(PriceStatus))
            for label in ("Cash", "Value"):
                found = re.search(rf"{label} \$([\d,]+\.\d\d)", status)
                if found:
                    assert Decimal(found[1].replace(",", "")) <= MAX_TOTAL_VALUE, status
            await pilot.press("2")
            await app.workers.wait_for_complete()
            await pilot.pause()
            metrics = shown(app.screen.query_one(MetricsLine))
            # A plan, or the reason there is none; never stuck computing.
            assert "Deviation" in metrics or "plan" in metrics.lower(), metrics
            assert "Computing" not in metrics
    # No blocking open of a FIFO, and every file the app was given to read is
    # as it was; the special targets are still what they were.
    assert fifos.unblocked == []
    assert snapshot(inputs) == before
    assert stat.S_ISFIFO((tmp_path / "out" / "fifo").lstat().st_mode)
    assert (tmp_path / "out" / "dir").is_dir()
    assert (tmp_path / "out" / "loop").is_symlink()
    assert (tmp_path / "in" / "zero").is_symlink()
