"""Issue 10 in the app: quitting never silently loses the user's own edits,
and Ctrl+C still quits at once."""

from __future__ import annotations

from pathlib import Path

import app_pilot as ui
import pytest
from textual.pilot import Pilot

from rebalancer_tui.data import load_catalog
from rebalancer_tui.screens.file_prompt import FilePrompt
from rebalancer_tui.storage.portfolio_file import PortfolioFile, save_portfolio

NORRIS = load_catalog().models[0]
HELD = {"ESGV": 10, "BND": 5}


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REBALANCER_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def mine(tmp_path: Path) -> Path:
    path = tmp_path / "mine.json"
    save_portfolio(path, PortfolioFile(model=NORRIS.id, holdings=HELD))
    return path


async def edit_row(pilot: Pilot[None], symbol: str, shares: str) -> None:
    await pilot.press("e")
    await ui.type_into(pilot, "#ed-symbol", symbol)
    await ui.type_into(pilot, "#ed-shares", shares)
    await pilot.press("enter", "escape")
    await ui.settle(pilot)


async def edited_after_a_new_demo(pilot: Pilot[None]) -> None:
    """`r` detaches the session from the file; the edit that follows is saved nowhere."""
    await pilot.press("r")
    await ui.settle(pilot)
    await edit_row(pilot, "BND", "9")
    assert pilot.app.main_screen.state.holdings["BND"] == 9  # type: ignore[attr-defined]


async def test_q_asks_before_losing_edits_no_file_holds(tmp_path: Path, mine: Path) -> None:
    app = ui.offline_app(tmp_path, portfolio=mine)
    saved = mine.read_bytes()
    async with ui.running(app) as pilot:
        await edited_after_a_new_demo(pilot)
        await ui.press(pilot, "q")
        assert app.is_running
        asked = ui.question(pilot)
        assert "not saved to any file" in asked and "mine.json" in asked
        assert "holdings" in asked
        await ui.press(pilot, "escape")  # declined: nothing changes
        assert app.is_running and app.main_screen.state.holdings["BND"] == 9
        await ui.press(pilot, "q")
        await pilot.click("#confirm-save")
        await pilot.pause()
        assert isinstance(app.screen, FilePrompt)  # save as, the user's choice of file
        await ui.press(pilot, "escape")
        await ui.press(pilot, "q")
        await pilot.click("#confirm-quit")
        await pilot.pause()
        assert not app.is_running
    assert mine.read_bytes() == saved  # quitting never wrote the demo over the file


async def test_q_quits_at_once_when_autosave_holds_everything(tmp_path: Path, mine: Path) -> None:
    app = ui.offline_app(tmp_path, portfolio=mine)
    async with ui.running(app) as pilot:
        await edit_row(pilot, "ESGV", "12")  # autosaved
        await ui.press(pilot, "q")
        assert not app.is_running


async def test_a_new_demo_left_unedited_is_no_loss(tmp_path: Path, mine: Path) -> None:
    app = ui.offline_app(tmp_path, portfolio=mine)
    async with ui.running(app) as pilot:
        await pilot.press("r")
        await ui.settle(pilot)
        await ui.press(pilot, "q")
        assert not app.is_running


async def test_ctrl_c_quits_at_once_even_with_unsaved_edits(tmp_path: Path, mine: Path) -> None:
    app = ui.offline_app(tmp_path, portfolio=mine)
    async with ui.running(app) as pilot:
        await edited_after_a_new_demo(pilot)
        await ui.press(pilot, "ctrl+c")
        assert not app.is_running
