"""A fresh adversarial pass (issue 10): what it found, each pinned by a test
that failed before the fix. Driven through the real app and its driver queue."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import app_pilot as ui
import pytest
from textual.widgets import Input

from rebalancer_tui.screens.confirm import Confirm
from rebalancer_tui.screens.file_prompt import FilePrompt

pytestmark = pytest.mark.usefixtures("in_tmp_home")

MINE = "my notes\n"

BURSTS = [
    # Cancel has the focus; a burst moves to Replace and presses it.
    ([], ["shift+tab", "enter"], True),
    ([], ["tab", "enter"], True),  # Tab wraps from Cancel to the first button
    ([], ["shift+tab", "tab", "enter"], False),  # there and back: Cancel
    ([], ["shift+tab", "shift+tab", "enter"], False),  # round the two buttons: Cancel
    # On Replace (moved there before), the user thinks again: Tab Enter is Cancel.
    (["shift+tab"], ["tab", "enter"], False),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("before", "keys", "replaced"), BURSTS)
async def test_a_burst_in_a_question_presses_the_button_it_reached(
    tmp_path: Path, before: list[str], keys: list[str], replaced: bool
) -> None:
    """Tab then Enter sent at once (a fast typist, a slow link) pressed the button
    the focus was leaving: Shift+Tab Enter on "Replace?" cancelled, and from
    Replace, Tab Enter replaced the file."""
    target = tmp_path / "orders.csv"
    target.write_text(MINE, encoding="utf-8")
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await ui.press(pilot, "x")
        assert isinstance(app.screen, FilePrompt)
        app.screen.query_one("#file-path", Input).value = str(target)
        await ui.press(pilot, "enter")
        assert isinstance(app.screen, Confirm)
        await ui.press(pilot, *before)
        await ui.keys_at_speed(pilot, keys, gap_s=0)
        await ui.settle(pilot)
        await ui.settle(pilot)
    text = target.read_text(encoding="utf-8")
    assert (text != MINE) == replaced, text


def test_plan_into_a_closed_pipe_ends_without_a_traceback(tmp_path: Path) -> None:
    """`rebalancer-tui plan | head -1`: the reader is gone before the report is
    written. It printed a BrokenPipeError traceback; now status 1, stderr silent."""
    env = {
        **os.environ,
        "REBALANCER_CACHE_DIR": str(tmp_path / "cache"),
        "REBALANCER_DATA_DIR": str(tmp_path / "data"),
        "REBALANCER_CONFIG_DIR": str(tmp_path / "config"),
    }
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: every write is EPIPE
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "rebalancer_tui", "plan", "--offline", "--strategy", "all"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == 1
