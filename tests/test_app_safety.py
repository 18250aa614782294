"""Nothing the user made is lost or clobbered, and what was typed is what
applies (issue 10, sections 3 and 4), driven through the app with Pilot.

Files are compared byte for byte; typed messages are collected with
`run_test(message_hook=...)`; expected plans come from the engine.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import app_pilot as ui
import pytest
from demo_data import HELD, NORRIS
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Switch

from rebalancer_tui.engine import Options, RebalanceInput, solve
from rebalancer_tui.messages import PlanReady, PortfolioEdited
from rebalancer_tui.screens.confirm import Confirm
from rebalancer_tui.screens.file_prompt import FilePrompt
from rebalancer_tui.screens.inputs import InputsScreen
from rebalancer_tui.screens.main import MainScreen
from rebalancer_tui.storage.portfolio_file import PortfolioFile, load_portfolio, save_portfolio
from rebalancer_tui.workspace import Workspace

# Every test here: the cwd and the data dir under tmp_path; `mine` is conftest's.
pytestmark = pytest.mark.usefixtures("in_tmp_home")


def on_disk(path: Path) -> PortfolioFile:
    """The portfolio a file holds, read the way the app reads it."""
    return load_portfolio(path)


def status(pilot: Pilot[None]) -> str:
    main = pilot.app.get_default_screen()
    return ui.shown(main.query_one("#status"))


async def edit_row(pilot: Pilot[None], symbol: str, shares: str) -> None:
    await pilot.press("e")
    await ui.fill(pilot, {"#ed-symbol": symbol, "#ed-shares": shares}, "enter", "escape")
    await ui.settle(pilot)


async def ask_path(pilot: Pilot[None], key: str, path: Path) -> None:
    """Open a file dialog with `key` and confirm `path` in it."""
    await ui.press(pilot, key)
    assert isinstance(pilot.app.screen, FilePrompt)
    pilot.app.screen.query_one("#file-path", Input).value = str(path)
    await ui.press(pilot, "enter")


# -- 3. nothing lost or clobbered ------------------------------------------------


async def test_a_new_demo_is_never_written_over_the_users_file(tmp_path: Path, mine: Path) -> None:
    """Edit a holding (saved), press r, edit one row: the file keeps the first edit only."""
    app = ui.offline_app(tmp_path, portfolio=mine)
    notes = ui.Notes(app)
    async with ui.running(app) as pilot:
        await edit_row(pilot, "ESGV", "12")
        saved = mine.read_bytes()
        assert on_disk(mine).holdings == {**HELD, "ESGV": 12}
        assert "saved to mine.json" in status(pilot)
        await pilot.press("r")
        await ui.settle(pilot)
        assert "is unchanged and no longer saved to" in notes.text()
        await edit_row(pilot, "BND", "9")
        assert app.main_screen.state.holdings["BND"] == 9
        assert "not saved (ctrl+s)" in status(pilot)
    assert mine.read_bytes() == saved


async def test_two_instances_on_one_file_do_not_revert_each_other(
    tmp_path: Path, mine: Path
) -> None:
    app = ui.offline_app(tmp_path, portfolio=mine)
    notes = ui.Notes(app)
    async with ui.running(app) as pilot:
        # The other instance saves its own change meanwhile.
        other = Workspace(portfolio=mine)
        other.start()
        assert other.session.autosave_now(other.state.replace(cash=Decimal(700))) is None
        theirs = mine.read_bytes()
        await edit_row(pilot, "ESGV", "1")
        assert mine.read_bytes() == theirs  # not silently overwritten
        assert "changed on disk" in notes.text()
        assert "not saved (ctrl+s)" in status(pilot)
        assert "Reload it" in ui.question(pilot)
        # Reload: this instance now shows what the other one saved.
        await pilot.click("#confirm-reload")
        await ui.settle(pilot)
        state = app.main_screen.state
        assert state.cash == Decimal(700) and state.holdings == HELD
        assert "saved to mine.json" in status(pilot)
        await edit_row(pilot, "BND", "6")
    # Their cash and this instance's later edit, both kept.
    assert on_disk(mine).cash == Decimal(700)
    assert on_disk(mine).holdings == {**HELD, "BND": 6}


async def test_declining_the_conflict_keeps_both_sides(tmp_path: Path, mine: Path) -> None:
    app = ui.offline_app(tmp_path, portfolio=mine)
    async with ui.running(app) as pilot:
        mine.write_text(mine.read_text().replace('"BND": 5', '"BND": 50'), encoding="utf-8")
        theirs = mine.read_bytes()
        await edit_row(pilot, "ESGV", "1")
        await pilot.press("escape")  # neither reload nor save
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await edit_row(pilot, "ESGV", "2")  # autosave stays off: still nothing written
        assert app.main_screen.state.holdings["ESGV"] == 2
    assert mine.read_bytes() == theirs


async def test_saving_over_a_file_that_is_not_ours_asks_and_declining_keeps_it(
    tmp_path: Path,
) -> None:
    broker = tmp_path / "broker.csv"
    broker.write_text("symbol,shares\nESGV,3\n", encoding="utf-8")
    original = broker.read_bytes()
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await ask_path(pilot, "ctrl+s", broker)
        assert f"{broker} exists and holds a file of 21 bytes that is not a portfolio" in (
            ui.question(pilot)
        )
        await pilot.press("escape")  # declined: back at the path prompt
        await pilot.pause()
        assert isinstance(app.screen, FilePrompt)
        await ui.press(pilot, "escape")
        assert broker.read_bytes() == original
        assert "not saved" in status(pilot) or "demo portfolio" in status(pilot)
        await ask_path(pilot, "ctrl+s", broker)
        await pilot.click("#confirm-yes")
        await ui.settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert on_disk(broker).holdings == app.main_screen.state.holdings
        assert "saved to broker.csv" in status(pilot)


async def test_export_over_an_existing_file_asks(tmp_path: Path) -> None:
    target = tmp_path / "orders.csv"
    target.write_text("my notes\n", encoding="utf-8")
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await ask_path(pilot, "x", target)
        assert "holds a file of 9 bytes" in ui.question(pilot)
        await ui.press(pilot, "escape", "escape")
        assert target.read_text() == "my notes\n"
        await ask_path(pilot, "x", target)
        await pilot.click("#confirm-yes")
        await ui.settle(pilot)
    assert target.read_text().splitlines()[0] == "account,action,symbol,shares,price,amount"


async def test_a_header_only_import_asks_before_emptying_the_holdings(
    tmp_path: Path, mine: Path
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("symbol,shares\n", encoding="utf-8")
    app = ui.offline_app(tmp_path, portfolio=mine)
    async with ui.running(app) as pilot:
        await ask_path(pilot, "I", empty)
        assert "lists no holdings: importing it empties your 2 holdings" in ui.question(pilot)
        await pilot.press("escape", "escape")
        await ui.settle(pilot)
        assert app.main_screen.state.holdings == HELD
        await ask_path(pilot, "I", empty)
        await pilot.click("#confirm-yes")
        await ui.settle(pilot)
        assert app.main_screen.state.holdings == {}
        assert on_disk(mine).holdings == {}
        await pilot.press("ctrl+z")  # and it can be undone
        await ui.settle(pilot)
        assert app.main_screen.state.holdings == HELD
        assert on_disk(mine).holdings == HELD


async def test_undo_takes_back_holdings_cash_options_and_imports_step_by_step(
    tmp_path: Path, mine: Path
) -> None:
    imported = tmp_path / "broker.csv"
    imported.write_text("symbol,shares\nQQQM,4\n", encoding="utf-8")
    original = mine.read_bytes()
    app = ui.offline_app(tmp_path, portfolio=mine)
    notes = ui.Notes(app)
    async with ui.running(app) as pilot:
        main = app.main_screen
        await edit_row(pilot, "ESGV", "20")
        await pilot.press("i")
        await ui.type_into(pilot, "#in-cash", "250")
        await pilot.press("tab")
        app.screen.query_one("#in-buy_only", Switch).toggle()
        await pilot.press("escape")
        await ui.settle(pilot)
        await ask_path(pilot, "I", imported)
        await ui.settle(pilot)
        seen = [(dict(main.state.holdings), main.state.cash, main.state.options.buy_only)]
        assert seen[0] == ({"QQQM": 4}, Decimal(250), True)
        for label, expected in [
            ("import", ({**HELD, "ESGV": 20}, Decimal(250), True)),
            ("edit of options", ({**HELD, "ESGV": 20}, Decimal(250), False)),
            ("edit of cash", ({**HELD, "ESGV": 20}, Decimal(0), False)),
            ("edit of holdings", (HELD, Decimal(0), False)),
        ]:
            await pilot.press("ctrl+z")
            await ui.settle(pilot)
            assert (dict(main.state.holdings), main.state.cash, main.state.options.buy_only) == (
                expected
            )
            assert f"Undone: {label}." in notes.text()
            assert ui.cell(main.query_one("#current", DataTable), "ESGV", "shares") == str(
                expected[0]["ESGV"]
            )
        await ui.press(pilot, "ctrl+z")
        assert "Nothing to undo." in notes.text()
    assert mine.read_bytes() == original  # every step autosaved, back to the very bytes


async def test_delete_in_the_editor_asks_and_can_be_undone(tmp_path: Path, mine: Path) -> None:
    app = ui.offline_app(tmp_path, portfolio=mine)
    async with ui.running(app) as pilot:
        table = await ui.open_table(pilot, "e", "#editor-table")
        table.move_cursor(row=ui.row_keys(table).index("BND"))
        await ui.press(pilot, "delete")
        assert "Remove BND: 5 shares?" in ui.question(pilot)
        await pilot.click("#confirm-cancel")
        await pilot.pause()
        assert app.main_screen.state.holdings["BND"] == 5
        await ui.press(pilot, "delete")
        await pilot.click("#confirm-yes")
        await pilot.press("escape")
        await ui.settle(pilot)
        assert app.main_screen.state.holdings.get("BND", 0) == 0
        await pilot.press("ctrl+z")
        await ui.settle(pilot)
        assert app.main_screen.state.holdings == HELD


# -- 4. typed is applied -----------------------------------------------------------

HEAVY = 250  # ETFs in the model: every plan and suggestion takes real time


def heavy_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    symbols = [f"H{i:03d}" for i in range(HEAVY)]
    assets = [{"symbol": s, "price": 10 + (i * 37) % 190 + 0.25} for i, s in enumerate(symbols)]
    model = {"id": "heavy", "label": "Heavy", "weights": dict.fromkeys(symbols, 0.004),
             "assets": assets}  # fmt: skip
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"models": [model]}), encoding="utf-8")
    monkeypatch.setenv("REBALANCER_MODELS", str(path))
    return model


async def test_typing_into_every_field_applies_exactly_what_was_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    heavy_model(tmp_path, monkeypatch)
    app = ui.offline_app(tmp_path, fund="heavy")
    messages = ui.Messages()
    async with ui.running(app, message_hook=messages) as pilot:
        main = app.main_screen
        await ui.press(pilot, "i")
        assert isinstance(app.screen, InputsScreen)
        app.screen.query_one("#in-buy_only", Switch).toggle()
        await pilot.pause()
        messages.clear()
        typed = [("#in-cash", "7730"), ("#in-reserve", "12.5"), ("#in-band", "3.25"),
                 ("#in-relative_band", "40"), ("#in-fee", "1.75"),
                 ("#in-cost_rate", "0.15")]  # fmt: skip
        for selector, text in typed:
            await ui.type_into(pilot, selector, text)  # key by key, a plan running meanwhile
            await pilot.press("tab")
        # The value before the edit stays when the final text is refused, even
        # though every prefix of it was a valid amount.
        await ui.type_into(pilot, "#in-cash", "100000000001")
        assert "keeping 7730" in ui.shown(app.screen.query_one("#inputs-error"))
        await pilot.press("escape")
        await ui.settle(pilot)
        want = Options(
            reserve=Decimal("12.5"), band=Decimal("0.0325"), relative_band=Decimal("0.4"),
            fee=Decimal("1.75"), cost_rate=Decimal("0.0015"), buy_only=True,
        )  # fmt: skip
        assert main.state.cash == Decimal(7730)
        assert main.state.options == want
        # One edit per field, each with the whole value: no half-typed number applied.
        edits = messages.of(PortfolioEdited)
        assert [e.cash for e in edits] == [Decimal(7730)] * len(typed)
        assert edits[-1].options == want
        assert len({e.options.model_dump_json() for e in edits}) == len(typed)
        # The plan shown is the one for the inputs in force.
        inp = RebalanceInput(
            holdings=main.state.holdings, prices=main.state.prices(),
            targets=dict(main.state.model.weights), cash=Decimal(7730), options=want,
        )  # fmt: skip
        plan = solve(inp, "simple")
        orders = main.query_one("#orders", DataTable)
        assert ui.row_keys(orders) == [o.symbol for o in plan.orders]
        for o in plan.orders:
            assert ui.cell(orders, o.symbol, "shares") == str(o.shares)
        last = messages.of(PlanReady)[-1]
        assert last.plans and last.plans[0].final_shares == {"main": plan.final_shares}


async def test_the_screen_reads_the_disk_when_mounted_not_when_built(tmp_path: Path) -> None:
    path = tmp_path / "later.json"
    app = ui.offline_app(tmp_path, portfolio=path)  # builds the main screen
    save_portfolio(path, PortfolioFile(model=NORRIS.id, holdings={"ESGV": 7}))
    async with ui.running(app) as pilot:
        current = app.main_screen.query_one("#current", DataTable)
        assert ui.cell(current, "ESGV", "shares") == "7"
        assert "saved to later.json" in status(pilot)


async def test_the_holdings_editor_applies_a_row_on_enter_only(tmp_path: Path, mine: Path) -> None:
    app = ui.offline_app(tmp_path, portfolio=mine)
    messages = ui.Messages()
    async with ui.running(app, message_hook=messages) as pilot:
        await ui.press(pilot, "e")
        messages.clear()
        await ui.type_into(pilot, "#ed-symbol", "ESGV")
        await ui.type_into(pilot, "#ed-shares", "1234")
        await ui.type_into(pilot, "#ed-price", "98.5")
        assert messages.of(PortfolioEdited) == []  # typing alone changes nothing
        assert app.main_screen.state.holdings == HELD
        await pilot.press("enter")
        await ui.settle(pilot)
        edits = messages.of(PortfolioEdited)
        assert len(edits) == 1
        assert edits[0].holdings == {**HELD, "ESGV": 1234}
        assert edits[0].overrides == {"ESGV": Decimal("98.5")}
        # A refused row applies nothing: the values in force stay.
        await ui.fill(pilot, {"#ed-symbol": "BND", "#ed-shares": "1000000001"}, "enter")
        await ui.settle(pilot)
        assert "shares: must be at most" in ui.shown(app.screen.query_one("#editor-error"))
        assert len(messages.of(PortfolioEdited)) == 1
        assert app.main_screen.state.holdings == {**HELD, "ESGV": 1234}


async def test_a_dialog_closes_once_however_often_it_is_told(tmp_path: Path) -> None:
    from rebalancer_tui.screens.help import HelpScreen

    app = ui.offline_app(tmp_path)
    results: list[object] = []
    async with ui.running(app) as pilot:
        stack = list(app.screen_stack)
        for dialog in (HelpScreen([]), Confirm("Really?")):
            app.push_screen(dialog, results.append)
            await pilot.pause()
            dialog.close(None)
            dialog.close(None)  # a second key queued behind the first
            await pilot.pause()
            assert app.screen_stack == stack
        assert results == [None, None]


async def test_fast_typing_through_the_driver_applies_what_was_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 ms a key through the terminal driver, a 250-ETF buy-only model with a fee
    re-planning behind the dialog: the values in force are the ones typed."""
    heavy_model(tmp_path, monkeypatch)
    app = ui.offline_app(tmp_path, fund="heavy")
    async with ui.running(app) as pilot:
        await ui.press(pilot, "i")
        app.screen.query_one("#in-buy_only", Switch).toggle()
        app.screen.query_one("#in-cash", Input).focus()
        await pilot.pause()
        # Select-all on focus: typing replaces the field's text.
        keys = [*"7730", "tab", *"25", "tab", *"1.5", "tab", "tab", *"2", "tab", "tab"]
        keys += ["shift+tab"] * 6 + [*"100000000001", "escape"]  # cash again: refused
        await ui.keys_at_speed(pilot, keys)
        await ui.settle(pilot)
        assert isinstance(app.screen, MainScreen)
        state = app.main_screen.state
        assert state.cash == Decimal(7730)
        assert (state.options.reserve, state.options.band, state.options.fee) == (
            Decimal(25),
            Decimal("0.015"),
            Decimal(2),
        )
        assert state.options.buy_only
