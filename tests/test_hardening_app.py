"""Issue 10 in the app: quitting never silently loses the user's own edits,
and Ctrl+C still quits at once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import app_pilot as ui
import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input

from rebalancer_tui.data import load_catalog
from rebalancer_tui.screens.file_prompt import FilePrompt
from rebalancer_tui.storage.portfolio_file import PortfolioFile, save_portfolio
from rebalancer_tui.widgets.drift_bars import BAND, EMPTY, NOW, PALETTES, TARGET, DriftBars
from rebalancer_tui.widgets.keyed_table import Columns, KeyedTable

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


# -- a 1,500-ETF model: redraws cost linear time, so keys are not left waiting ------


class _Wide(KeyedTable):
    COLUMNS: Columns = (("symbol", "Symbol", False), ("value", "Value", True))


class _TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield _Wide("t")


async def test_a_table_whose_every_cell_changed_is_rebuilt_not_remeasured_cell_by_cell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before: each changed cell re-measured its whole column (1,500 rows, all
    changed: ~2M measures, seconds of a frozen screen during which an Esc
    typed in a dialog above seemed lost)."""
    app = _TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(_Wide)
        rows = [(f"H{i:04d}", [f"H{i:04d}", f"${i}.00"]) for i in range(1_500)]
        table.set_rows(rows)
        table.move_cursor(row=700)
        await pilot.pause()
        per_cell: list[object] = []
        monkeypatch.setattr(table, "update_cell", lambda *a, **k: per_cell.append(a))
        table.set_rows([(k, [k, f"${i * 3}.25"]) for i, (k, _) in enumerate(rows)])
        await pilot.pause()
        assert per_cell == []
        assert table.cell_text("H1499", "value") == "$4497.25"
        assert table.row_key_at_cursor() == "H0700"  # the cursor stays on its row
        # A few changes are still written in place.
        table.set_rows([(k, [k, "$1.00" if k == "H0001" else f"${i * 3}.25"])
                        for i, (k, _) in enumerate(rows)])  # fmt: skip
        assert len(per_cell) == 1


def test_a_drift_bar_is_one_span_per_run_of_a_style() -> None:
    out = Text()
    cells = [EMPTY] * 10 + [BAND] * 5 + [TARGET] + [BAND] * 5 + [NOW] + [EMPTY] * 10
    DriftBars._bar(out, cells, PALETTES[True])
    assert out.plain == "".join(cells)
    assert len(out.spans) <= 6  # before: a span per cell (32)


async def test_a_key_typed_before_tab_edits_the_field_it_was_typed_into(tmp_path: Path) -> None:
    """A burst (keys queued while the screen was busy, or sent at once): Textual
    ran the Backspace's binding from the focus Tab had moved meanwhile, so
    "12⌫<Tab>" applied 12 to the cash and emptied the reserve."""
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await ui.press(pilot, "i")
        app.screen.query_one("#in-cash", Input).focus()
        await pilot.pause()
        await ui.keys_at_speed(pilot, [*"12", "backspace", "tab"], gap_s=0)
        await ui.settle(pilot)
        assert app.main_screen.state.cash == Decimal(1)
        assert app.screen.query_one("#in-cash", Input).value == "1"
        assert app.screen.query_one("#in-reserve", Input).value == "0"
        assert app.main_screen.state.options.reserve == 0
