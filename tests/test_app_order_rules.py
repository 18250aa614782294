"""The order rules in the app (issue 12, SPEC §9): the inputs' minimum order,
lots and band-edge destination, locking a holding from the holdings view,
and the trades a rule took away shown with their reason.

Expected plans are solved here from the engine on the demo inputs, built
independently of the app's state.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import app_pilot as ui
from demo_data import FALLBACK, NORRIS
from textual.widgets import DataTable

from rebalancer_tui.app import RebalancerApp
from rebalancer_tui.demo import demo_holdings
from rebalancer_tui.engine import Options, RebalanceInput, solve
from rebalancer_tui.messages import PortfolioEdited
from rebalancer_tui.screens.inputs import InputsScreen
from rebalancer_tui.screens.main import MainScreen
from rebalancer_tui.widgets.holdings_table import LOCK


def demo_input(options: Options) -> RebalanceInput:
    holdings = demo_holdings(dict(NORRIS.weights), dict(FALLBACK), seed=0)
    return RebalanceInput(
        holdings=holdings, prices=dict(FALLBACK), targets=dict(NORRIS.weights), options=options
    )


def orders_shown(app: RebalancerApp) -> list[tuple[str, str, str, str]]:
    table = app.main_screen.query_one("#orders", DataTable)
    return [
        (k, ui.cell(table, k, "action"), ui.cell(table, k, "shares"), ui.cell(table, k, "amount"))
        for k in ui.row_keys(table)
    ]


def orders_of(options: Options, strategy: str = "simple") -> list[tuple[str, str, str, str]]:
    plan = solve(demo_input(options), strategy)
    return [(o.symbol, o.action, f"{o.shares:,}", f"${o.amount:,.2f}") for o in plan.orders]


def error_text(app: RebalancerApp) -> str:
    return ui.shown(app.screen.query_one("#inputs-error"))


async def test_order_rule_fields_apply_refuse_and_undo(tmp_path: Path) -> None:
    seen = ui.Messages()
    app = ui.offline_app(tmp_path)
    async with ui.running(app, message_hook=seen) as pilot:
        main = app.main_screen
        baseline = orders_of(Options())
        assert orders_shown(app) == baseline
        await ui.press(pilot, "i")
        assert isinstance(app.screen, InputsScreen)
        # Refused at the field in the rules' words; nothing applies.
        for selector, bad, why in [
            ("#in-min_trade", "-5", "minimum order: must not be negative"),
            ("#in-min_trade", "1e3", "no exponent"),
            ("#in-lots", "VTI", "lot: must be SYMBOL=N"),
            ("#in-lots", "VTI=0", "lot: must be at least 1"),
            ("#in-lots", "VTI=1.5", "lot: must be a whole number"),
            ("#in-lots", "VTI=2, vti=3", "lot: VTI is given twice"),
            ("#in-lots", "V TI=2", "symbol: must be a ticker"),
            ("#in-destination", "150", "destination: must be at most 100%"),
        ]:
            await ui.paste_into(pilot, selector, bad)
            assert why in error_text(app), (bad, error_text(app))
        await pilot.press("tab")  # leaving a refused field keeps the value in force
        await pilot.pause()
        assert "keeping" in error_text(app)
        assert main.state.options == Options()
        assert not seen.of(PortfolioEdited)

        await ui.type_into(pilot, "#in-min_trade", "250")
        await pilot.press("tab")
        await ui.settle(pilot)
        edits = seen.of(PortfolioEdited)
        assert edits[-1].options is not None and edits[-1].options.min_trade == Decimal(250)
        await ui.type_into(pilot, "#in-lots", "esgv=5, IAUM=10")
        await pilot.press("tab")
        await ui.type_into(pilot, "#in-destination", "12.5")
        await pilot.press("escape")
        await ui.settle(pilot)
        assert isinstance(app.screen, MainScreen)
        want = Options(
            min_trade=Decimal(250), lots={"ESGV": 5, "IAUM": 10}, destination=Decimal("0.125")
        )
        assert main.state.options == want
        # The plan in force is the engine's under these rules: every order at
        # least the minimum (no forced sale here), a multiple of its lot.
        assert orders_shown(app) == orders_of(want)
        plan = solve(demo_input(want), "simple")
        assert plan.orders and all(o.amount >= 250 for o in plan.orders)
        assert all(o.shares % want.lot(o.symbol) == 0 for o in plan.orders)
        status = ui.shown(main.query_one("#status"))
        assert "min order $250.00" in status and "lots ESGV×5, IAUM×10" in status
        assert "band edge to 12.5%" in status
        # The trades a rule took away, with their reason, under the metrics.
        metrics = ui.shown(main.query_one("#metrics"))
        assert plan.skipped and "Skipped" in metrics
        for s in plan.skipped:
            assert s.reason in metrics
        # Reopened, the fields show what is in force.
        await ui.press(pilot, "i")
        assert app.screen.query_one("#in-lots").value == "ESGV=5, IAUM=10"  # type: ignore[attr-defined]
        assert app.screen.query_one("#in-destination").value == "12.5"  # type: ignore[attr-defined]
        await ui.press(pilot, "escape")
        # Each field is one undo step.
        await pilot.press("ctrl+z", "ctrl+z", "ctrl+z")
        await ui.settle(pilot)
        assert main.state.options == Options()
        assert orders_shown(app) == baseline
        assert "Skipped" not in ui.shown(main.query_one("#metrics"))


def symbol_cell(app: RebalancerApp, symbol: str) -> str:
    return ui.cell(app.main_screen.query_one("#current", DataTable), symbol, "symbol")


async def test_lock_a_holding_from_the_holdings_view(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with app.run_test(size=ui.SIZE) as pilot:
        notes = ui.Notes(app)
        await ui.settle(pilot)
        main = app.main_screen
        assert any(o[0] == "ESGV" for o in orders_shown(app))  # the plan sells it
        assert LOCK not in symbol_cell(app, "ESGV")
        await ui.focus_holding(pilot, "ESGV")
        await pilot.press("l")
        await ui.settle(pilot)
        assert "Locked ESGV" in notes.text()
        assert LOCK in symbol_cell(app, "ESGV")
        assert LOCK not in symbol_cell(app, "QQQM")
        locked = Options(locked=frozenset({"ESGV"}))
        assert main.state.options == locked
        # The plan leaves the pair untouched, and says why.
        shown_orders = orders_shown(app)
        assert shown_orders == orders_of(locked)
        assert all(o[0] != "ESGV" for o in shown_orders)
        after = main.query_one("#after", DataTable)
        before = main.query_one("#current", DataTable)
        assert ui.cell(after, "ESGV", "shares") == ui.cell(before, "ESGV", "shares")
        assert "1 locked" in ui.shown(main.query_one("#status"))
        # Undo restores; l again unlocks.
        await pilot.press("ctrl+z")
        await ui.settle(pilot)
        assert main.state.options == Options()
        assert LOCK not in symbol_cell(app, "ESGV")
        assert orders_shown(app) == orders_of(Options())
        await ui.focus_holding(pilot, "ESGV")
        await pilot.press("l")
        await ui.settle(pilot)
        assert LOCK in symbol_cell(app, "ESGV")
        await pilot.press("l")
        await ui.settle(pilot)
        assert "Unlocked ESGV" in notes.text()
        assert LOCK not in symbol_cell(app, "ESGV")
        assert main.state.options.locked == frozenset()
        # The cash row is not a holding: nothing to lock.
        table = main.query_one("#current", DataTable)
        table.move_cursor(row=table.get_row_index("$cash"))
        await ui.press(pilot, "l")
        assert "Highlight a holding" in notes.text()
        assert main.state.options.locked == frozenset()


async def test_lock_is_in_the_footer_and_the_palette(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with app.run_test(size=(200, 45)) as pilot:
        notes = ui.Notes(app)
        await ui.settle(pilot)
        footer = {b.binding.key: b.binding.description for b in app.active_bindings.values()}
        assert footer.get("l") == "Lock"
        main = app.main_screen
        await ui.focus_holding(pilot, "QQQM")
        await ui.run_from_palette(pilot, "lock or unlock", "Lock or unlock holding")
        await ui.settle(pilot)
        assert "Locked QQQM" in notes.text()
        assert LOCK in symbol_cell(app, "QQQM")
        assert main.state.options.locked == frozenset({"QQQM"})


async def test_a_lock_and_the_rules_are_saved_with_the_portfolio(tmp_path: Path) -> None:
    mine = tmp_path / "portfolio.json"
    holdings = demo_holdings(dict(NORRIS.weights), dict(FALLBACK), seed=0)
    mine.write_text(
        json.dumps({"version": 1, "model": NORRIS.id, "holdings": holdings}), encoding="utf-8"
    )
    app = ui.offline_app(tmp_path, portfolio=mine)
    async with ui.running(app) as pilot:
        await ui.focus_holding(pilot, "ESGV")
        await pilot.press("l")
        await pilot.press("i")
        await ui.type_into(pilot, "#in-min_trade", "100")
        await pilot.press("escape")
        await ui.settle(pilot)
    saved = json.loads(mine.read_text(encoding="utf-8"))["options"]
    assert saved["locked"] == ["ESGV"] and saved["min_trade"] == 100
    again = ui.offline_app(tmp_path, portfolio=mine)
    async with ui.running(again) as pilot:
        assert LOCK in symbol_cell(again, "ESGV")
        want = Options(locked=frozenset({"ESGV"}), min_trade=Decimal(100))
        assert orders_shown(again) == orders_of(want)
