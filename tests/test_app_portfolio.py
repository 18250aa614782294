"""The user's own portfolio in the app (issue 5): inputs, holdings, price
overrides, portfolio files, CSV import/export, own models, suggested cash.

Expected numbers are computed here from the engine on the inputs the user
typed, built independently of the app's state.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import app_pilot as ui
import pytest
from demo_data import CATALOG, FALLBACK, NORRIS
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Switch

from rebalancer_tui.app import RebalancerApp
from rebalancer_tui.demo import demo_holdings
from rebalancer_tui.engine import Options, RebalanceInput, solve
from rebalancer_tui.engine.contribution import suggested_contribution
from rebalancer_tui.screens.file_prompt import FilePrompt
from rebalancer_tui.screens.holdings_editor import HoldingsEditor
from rebalancer_tui.screens.inputs import InputsScreen
from rebalancer_tui.screens.main import MainScreen


@pytest.fixture(autouse=True)
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every user file under tmp_path: the data dir, the models file, the cwd."""
    data = tmp_path / "data"
    monkeypatch.setenv("REBALANCER_DATA_DIR", str(data))
    monkeypatch.setenv("REBALANCER_MODELS", str(tmp_path / "models.json"))
    monkeypatch.delenv("REBALANCER_PORTFOLIO", raising=False)
    monkeypatch.chdir(tmp_path)
    return data


def demo_input(**changes: Any) -> RebalanceInput:
    holdings = demo_holdings(dict(NORRIS.weights), dict(FALLBACK), seed=0)
    base: dict[str, Any] = {
        "holdings": holdings,
        "prices": dict(FALLBACK),
        "targets": dict(NORRIS.weights),
        "options": Options(),
    }
    return RebalanceInput(**{**base, **changes})


def usd(x: Decimal) -> str:
    return f"${x.quantize(Decimal('0.01')):,}"


def orders_shown(app: RebalancerApp) -> list[tuple[str, str, str]]:
    table = app.main_screen.query_one("#orders", DataTable)
    return [
        (k, ui.cell(table, k, "action"), ui.cell(table, k, "shares")) for k in ui.row_keys(table)
    ]


def orders_of(inp: RebalanceInput, strategy: str = "simple") -> list[tuple[str, str, str]]:
    plan = solve(inp, strategy)
    return [(o.symbol, o.action, str(o.shares)) for o in plan.orders]


# -- inputs: validated as typed, applied at once ------------------------------


async def test_inputs_apply_cash_and_options_and_refuse_bad_values(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await ui.press(pilot, "i")
        assert isinstance(app.screen, InputsScreen)
        await ui.type_into(pilot, "#in-cash", "2500.5")
        await ui.type_into(pilot, "#in-fee", "1.25")
        await pilot.press("tab")  # leaving the field applies it
        await ui.settle(pilot)
        main = app.main_screen
        assert main.state.cash == Decimal("2500.5")
        assert main.state.options.fee == Decimal("1.25")
        # Refused at the field, with a message; the last good value stays.
        for bad, why in [("-3", "must not be negative"), ("abc", "not a number"),
                         ("1e3", "no exponent"), ("200000000000", "at most")]:  # fmt: skip
            await ui.paste_into(pilot, "#in-cash", bad)
            error = ui.shown(app.screen.query_one("#inputs-error"))
            assert why in error and "keeping 2500.5" in error
            assert main.state.cash == Decimal("2500.5")
        await ui.paste_into(pilot, "#in-band", "150")
        assert "band: must be at most 100%" in ui.shown(app.screen.query_one("#inputs-error"))
        assert main.state.options.band == Decimal("0.02")
        await ui.fill(
            pilot, {"#in-band": "5", "#in-cost_rate": "0.1", "#in-reserve": "100"}, "escape"
        )
        await ui.settle(pilot)
        assert isinstance(app.screen, MainScreen)
        want = Options(
            band=Decimal("0.05"), fee=Decimal("1.25"), cost_rate=Decimal("0.001"),
            reserve=Decimal(100),
        )  # fmt: skip
        assert main.state.options == want
        inp = demo_input(cash=Decimal("2500.5"), options=want)
        assert orders_shown(app) == orders_of(inp)
        plan = solve(inp, "simple")
        assert usd(plan.metrics.costs) in ui.shown(main.query_one("#metrics"))


async def test_buy_only_switch_and_suggested_contribution(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await ui.press(pilot, "i")
        switch = app.screen.query_one("#in-buy_only", Switch)
        switch.focus()
        await pilot.press("enter")
        await pilot.press("escape")
        await ui.settle(pilot)
        main = app.main_screen
        assert main.state.options.buy_only
        assert all(action == "BUY" for _, action, _ in orders_shown(app))
        inp = demo_input(options=Options(buy_only=True))
        suggestion = suggested_contribution(inp)
        assert suggestion is not None and suggestion.amount > 0
        hint = ui.shown(main.query_one("#hint"))
        assert f"Add {usd(suggestion.amount)} to bring every ETF within its band" in hint
        await pilot.press("a")
        await ui.settle(pilot)
        assert main.state.cash == suggestion.amount
        funded = demo_input(cash=suggestion.amount, options=Options(buy_only=True))
        plan = solve(funded, "simple")
        assert orders_shown(app) == orders_of(funded)
        band = funded.options.band
        for row in plan.holdings_after:
            if row.in_model:
                assert abs(row.drift) <= band + Decimal("1e-9")
        assert "already" in ui.shown(main.query_one("#hint"))


# -- holdings editor and price overrides ------------------------------------


async def test_edit_add_and_remove_holdings(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await ui.press(pilot, "e")
        assert isinstance(app.screen, HoldingsEditor)
        await ui.fill(pilot, {"#ed-symbol": "esgv", "#ed-shares": "10"}, "enter")
        # A catalog ETF outside this model: held, shown, and sold by the plan.
        outside = next(a.symbol for a in CATALOG.assets if a.symbol not in NORRIS.weights)
        await ui.fill(pilot, {"#ed-symbol": outside, "#ed-shares": "7"}, "enter")
        # Refused at the field: fractional shares, a non-ticker.
        await ui.type_into(pilot, "#ed-symbol", "VTI")
        await ui.type_into(pilot, "#ed-shares", "1.5")
        assert "whole number" in ui.shown(app.screen.query_one("#editor-error"))
        await pilot.press("enter")
        await ui.fill(pilot, {"#ed-symbol": "$$$", "#ed-shares": "1"}, "enter")
        assert "a ticker like ESGV" in ui.shown(app.screen.query_one("#editor-error"))
        await ui.settle(pilot)
        main = app.main_screen
        holdings = demo_holdings(dict(NORRIS.weights), dict(FALLBACK), seed=0)
        holdings.update({"ESGV": 10, outside: 7})
        assert main.state.holdings == holdings
        assert main.state.demo_seed is None
        current = main.query_one("#current", DataTable)
        assert ui.cell(current, "ESGV", "shares") == "10"
        assert ui.cell(current, outside, "shares") == "7"
        inp = demo_input(holdings=holdings)
        assert orders_shown(app) == orders_of(inp)
        assert (outside, "SELL", "7") in orders_shown(app)
        # Delete on the table removes the highlighted symbol.
        table = app.screen.query_one("#editor-table", DataTable)
        table.focus()
        table.move_cursor(row=ui.row_keys(table).index(outside))
        await ui.press(pilot, "delete")
        # It asks first, naming what is lost; declining keeps the row.
        assert f"Remove {outside}: 7 shares" in ui.question(pilot)
        await pilot.press("escape")
        await ui.settle(pilot)
        assert main.state.holdings[outside] == 7
        await pilot.press("delete")
        await pilot.click("#confirm-yes")
        await pilot.press("escape")
        await ui.settle(pilot)
        del holdings[outside]
        assert main.state.holdings == holdings
        assert outside not in ui.row_keys(main.query_one("#current", DataTable))


async def test_price_override_is_marked_and_used(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await ui.press(pilot, "o")
        assert app.screen.focused is app.screen.query_one("#ed-price")
        await ui.fill(pilot, {"#ed-symbol": "ESGV", "#ed-price": "0"}, "enter")
        assert "price: must be at least $0.000001" in ui.shown(
            app.screen.query_one("#editor-error")
        )
        await ui.type_into(pilot, "#ed-price", "150.25")
        await pilot.press("enter")
        await pilot.press("escape")
        await ui.settle(pilot)
        main = app.main_screen
        preview = main.query_one("#preview", DataTable)
        assert ui.cell(preview, "ESGV", "source") == "override"
        assert ui.cell(preview, "ESGV", "price") == "$150.25"
        assert ui.cell(main.query_one("#current", DataTable), "ESGV", "price") == "$150.25"
        prices = {**FALLBACK, "ESGV": Decimal("150.25")}
        for key, strategy in (("1", "simple"), ("2", "tracking-error")):
            await pilot.press(key)
            await ui.settle(pilot)
            assert orders_shown(app) == orders_of(demo_input(prices=prices), strategy)


async def test_unknown_symbol_needs_a_price(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await pilot.press("e")
        await ui.fill(pilot, {"#ed-symbol": "ZZZZ", "#ed-shares": "3"}, "enter")
        assert "No price for ZZZZ" in ui.shown(app.screen.query_one("#editor-error"))
        assert "ZZZZ" not in app.main_screen.state.holdings
        await ui.type_into(pilot, "#ed-price", "20")
        await pilot.press("enter")
        await pilot.press("escape")
        await ui.settle(pilot)
        assert app.main_screen.state.holdings["ZZZZ"] == 3
        holdings = {**demo_holdings(dict(NORRIS.weights), dict(FALLBACK), seed=0), "ZZZZ": 3}
        inp = demo_input(holdings=holdings, prices={**FALLBACK, "ZZZZ": Decimal(20)})
        assert orders_shown(app) == orders_of(inp)


# -- portfolio files ------------------------------------------------------------


async def answer_prompt(pilot: Pilot[None], path: Path | None) -> None:
    """Confirm the open file prompt, with `path` typed in (None: its default)."""
    await pilot.pause()
    assert isinstance(pilot.app.screen, FilePrompt)
    if path is not None:
        pilot.app.screen.query_one("#file-path", Input).value = str(path)
    await pilot.press("enter")
    await ui.settle(pilot)


async def test_save_and_the_next_start_finds_everything(tmp_path: Path, user_dirs: Path) -> None:
    mine = tmp_path / "mine" / "portfolio.json"
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        main = app.main_screen
        main.choose_fund("moderate-pitt")
        await pilot.press("ctrl+s")
        await answer_prompt(pilot, mine)
        saved_holdings = dict(main.state.holdings)
        # After an explicit save every accepted change is saved as it is made.
        await pilot.press("i")
        await ui.type_into(pilot, "#in-cash", "1234.5")
        await pilot.press("escape")
        await pilot.press("e")
        await ui.fill(pilot, {"#ed-symbol": "VTI", "#ed-price": "300"}, "enter", "escape")
        await ui.settle(pilot)
        assert "saved to portfolio.json" in ui.shown(main.query_one("#status"))
    data = json.loads(mine.read_text(encoding="utf-8"))
    assert data["model"] == "moderate-pitt"
    assert data["accounts"][0]["holdings"] == saved_holdings
    assert data["accounts"][0]["cash"] == 1234.5
    assert data["price_overrides"] == {"VTI": 300}
    assert (user_dirs / "last-portfolio.txt").read_text().strip() == str(mine.resolve())

    again = ui.offline_app(tmp_path)  # no --portfolio: the last one is reopened
    async with ui.running(again) as pilot:
        state = again.main_screen.state
        assert state.model.id == "moderate-pitt"
        assert state.holdings == saved_holdings
        assert state.cash == Decimal("1234.5")
        assert state.overrides == {"VTI": Decimal(300)}
        assert state.demo_seed is None
        moderate = CATALOG.model("moderate-pitt")
        assert moderate is not None
        inp = RebalanceInput(
            holdings=saved_holdings, prices={**FALLBACK, "VTI": Decimal(300)},
            targets=dict(moderate.weights), cash=Decimal("1234.5"),
        )  # fmt: skip
        assert orders_shown(again) == orders_of(inp)


async def test_unreadable_portfolio_is_reported_and_left_untouched(
    tmp_path: Path, user_dirs: Path
) -> None:
    broken = user_dirs / "portfolio.json"
    broken.parent.mkdir(parents=True)
    original = b'{\n  "version": 1,\n  "cash": -5,\n  "holdings": {}\n}\n'
    broken.write_bytes(original)
    app = ui.offline_app(tmp_path)
    notes = ui.Notes(app)
    async with ui.running(app) as pilot:
        assert "cash: must not be negative (got -5)" in notes.text()
        assert "left untouched" in notes.text()
        assert app.main_screen.state.demo_seed == 0  # the demo, usable
        await pilot.press("e")
        await ui.fill(pilot, {"#ed-symbol": "ESGV", "#ed-shares": "3"}, "enter", "escape")
        await ui.settle(pilot)
        assert app.main_screen.state.holdings["ESGV"] == 3
        assert "not saved (ctrl+s)" in ui.shown(app.main_screen.query_one("#status"))
        # Opening it explicitly fails the same way, at the prompt, and writes nothing.
        await pilot.press("ctrl+o")
        await answer_prompt(pilot, None)
        assert "Not opened" in ui.shown(app.screen.query_one("#file-error"))
        await pilot.press("escape")
    assert broken.read_bytes() == original


async def test_import_holdings_csv(tmp_path: Path) -> None:
    good = tmp_path / "broker.csv"
    good.write_text("symbol,shares\nesgv,12\nBND,4\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("symbol,shares\nESGV,12\nBND,-2\n", encoding="utf-8")
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await pilot.press("I")
        await answer_prompt(pilot, good)
        main = app.main_screen
        assert main.state.holdings == {"ESGV": 12, "BND": 4}
        inp = demo_input(holdings={"ESGV": 12, "BND": 4})
        assert orders_shown(app) == orders_of(inp)
        await pilot.press("I")
        await answer_prompt(pilot, bad)
        error = ui.shown(app.screen.query_one("#file-error"))
        assert "bad.csv line 3: shares: must not be negative (got '-2')" in error
        assert main.state.holdings == {"ESGV": 12, "BND": 4}


async def test_export_orders_csv_for_the_shown_plan(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await pilot.press("3")
        await ui.settle(pilot)
        await pilot.press("x")
        await answer_prompt(pilot, None)  # default: orders-<strategy>.csv in the cwd
    rows = list(csv.reader(io.StringIO((tmp_path / "orders-trade-minimization.csv").read_text())))
    # SPEC §10: account first (one account: main), sells first.
    assert rows[0] == ["account", "action", "symbol", "shares", "price", "amount"]
    plan = solve(demo_input(), "trade-minimization")
    assert len(rows) == len(plan.orders) + 1 and plan.orders
    for row, order in zip(rows[1:], plan.orders, strict=True):
        assert row[:4] == ["main", order.action, order.symbol, str(order.shares)]
        assert Decimal(row[4]) == order.price
        assert Decimal(row[5]) == (order.price * order.shares).quantize(Decimal("0.01"))


# -- own models ---------------------------------------------------------------------


async def test_own_models_join_the_fund_list(tmp_path: Path) -> None:
    models = [
        {"id": "mine", "label": "My mix", "weights": {"ESGV": 0.5, "NEWX": 0.5},
         "assets": [{"symbol": "NEWX", "id": 999999, "name": "New Frontier ETF"}]},
        {"id": "broken", "label": "Broken", "weights": {"ESGV": 0.7}},
    ]  # fmt: skip
    (tmp_path / "models.json").write_text(json.dumps({"models": models}), encoding="utf-8")
    app = ui.offline_app(tmp_path)
    notes = ui.Notes(app)
    async with ui.running(app) as pilot:
        main = app.main_screen
        funds = main.query_one("#funds", OptionList)
        ids = [funds.get_option_at_index(i).id for i in range(funds.option_count)]
        assert ids == [*(m.id for m in CATALOG.models), "mine"]
        assert "models[1] (broken)" in notes.text() and "sum" in notes.text()
        main.choose_fund("mine")
        await ui.settle(pilot)
        # NEWX has only a Fintual id and we are offline: say so, do not solve.
        assert "no price for NEWX" in ui.shown(main.query_one("#metrics"))
        assert ui.cell(main.query_one("#preview", DataTable), "NEWX", "source") == "no price"
        assert ui.cell(main.query_one("#preview", DataTable), "NEWX", "name") == "New Frontier ETF"
        await pilot.press("o")
        await ui.fill(pilot, {"#ed-symbol": "NEWX", "#ed-price": "25"}, "enter", "escape")
        await ui.settle(pilot)
        mine = next(m for m in main.workspace.models if m.id == "mine")
        inp = RebalanceInput(
            holdings=main.state.holdings, prices={**FALLBACK, "NEWX": Decimal(25)},
            targets=dict(mine.weights),
        )  # fmt: skip
        assert orders_shown(app) == orders_of(inp)


async def test_palette_reaches_the_portfolio_actions(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        for query, hit, screen in [
            ("save portfolio", "Save portfolio as", FilePrompt),
            ("edit holdings", "Edit holdings", HoldingsEditor),
            ("inputs: cash", "Inputs: cash", InputsScreen),
        ]:
            await ui.run_from_palette(pilot, query, hit)
            await pilot.pause()
            assert isinstance(app.screen, screen), query
            await ui.press(pilot, "escape")
            assert isinstance(app.screen, MainScreen)


async def test_a_reserve_no_plan_can_keep_is_refused_at_the_field(tmp_path: Path) -> None:
    """Whole-portfolio rules are checked as the user types too: a reserve above
    the portfolio's value, or one buy-only mode cannot keep, is refused at the
    field and the last good value stays in force."""
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        main = app.main_screen
        value = main.state.to_input().total_value
        await ui.press(pilot, "i")
        await ui.type_into(pilot, "#in-reserve", "250")
        await pilot.press("tab")
        assert main.state.options.reserve == Decimal(250)
        await ui.paste_into(pilot, "#in-reserve", str(int(value) + 1000))
        app.screen.query_one("#in-reserve", Input).focus()
        await pilot.press("enter")
        error = ui.shown(app.screen.query_one("#inputs-error"))
        assert "exceeds the portfolio value" in error and "keeping 250" in error
        assert main.state.options.reserve == Decimal(250)
        # Buy-only cannot raise a reserve above the (zero) extra cash.
        await pilot.click("#in-buy_only")
        await pilot.pause()
        assert "buy-only mode cannot keep a cash reserve" in ui.shown(
            app.screen.query_one("#inputs-error")
        )
        assert main.state.options.buy_only is False
        assert app.screen.query_one("#in-buy_only", Switch).value is False
