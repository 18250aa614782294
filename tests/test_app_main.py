"""The full-screen app driven with Pilot: panes, strategies, prices, keys.

Expected numbers come from the engine and the catalog, computed here from the
same inputs the app should be using, and are formatted here (not with the
app's own formatting helpers) so a formatting bug shows up.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import app_pilot as ui
import pytest
from demo_data import CATALOG, FALLBACK
from fake_api import LIVE_DATE, FakeFintualAPI
from rich.style import Style
from textual import events
from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable

from rebalancer_tui.app import RebalancerApp
from rebalancer_tui.demo import demo_holdings
from rebalancer_tui.engine import Options, Plan, RebalanceInput, solve
from rebalancer_tui.messages import PlanReady, PortfolioEdited
from rebalancer_tui.screens.compare import CompareScreen
from rebalancer_tui.screens.help import HelpScreen
from rebalancer_tui.screens.main import MainScreen


def usd(x: Decimal) -> str:
    return f"${x.quantize(Decimal('0.01')):,}"


def expected_input(
    fund: str = "risky-norris", seed: int = 0, prices: dict[str, Decimal] | None = None
) -> RebalanceInput:
    """The demo inputs the app starts with, built independently of the app."""
    model = CATALOG.model(fund)
    assert model is not None
    start_prices = dict(FALLBACK)
    holdings = demo_holdings(dict(model.weights), start_prices, seed=seed)
    return RebalanceInput(
        holdings=holdings,
        prices=prices or start_prices,
        targets=dict(model.weights),
        options=Options(),
    )


def check_plan_tables(app: RebalancerApp, inp: RebalanceInput, plan: Plan) -> None:
    main = app.main_screen
    current = main.query_one("#current", DataTable)
    orders = main.query_one("#orders", DataTable)
    after = main.query_one("#after", DataTable)
    # The assets, then the cash as a row of its own (the weights add up to 100 %).
    assert ui.row_keys(current) == [*inp.targets, "$cash"]
    assert ui.cell(current, "$cash", "value") == usd(inp.cash - inp.options.reserve)
    for sym in inp.targets:
        value = inp.prices[sym] * inp.holdings[sym]
        assert ui.cell(current, sym, "shares") == str(inp.holdings[sym])
        assert ui.cell(current, sym, "price") == usd(inp.prices[sym])
        assert ui.cell(current, sym, "value") == usd(value)
        assert ui.cell(current, sym, "weight") == f"{float(value / inp.total_value) * 100:.2f}%"
        assert ui.cell(current, sym, "target") == f"{float(inp.targets[sym]) * 100:.2f}%"
    # Orders: sells first, same symbols, shares and amounts as the engine.
    assert ui.row_keys(orders) == [o.symbol for o in plan.orders]
    actions = [ui.cell(orders, o.symbol, "action") for o in plan.orders]
    assert actions == sorted(actions, key=lambda a: a != "SELL")
    for o in plan.orders:
        final = plan.final_shares[o.symbol]
        held = inp.holdings.get(o.symbol, 0)
        assert ui.cell(orders, o.symbol, "action") == ("BUY" if final > held else "SELL")
        assert ui.cell(orders, o.symbol, "shares") == str(abs(final - held))
        assert ui.cell(orders, o.symbol, "amount") == usd(inp.prices[o.symbol] * abs(final - held))
    assert ui.cell(after, "$cash", "value") == usd(plan.metrics.cash_left - inp.options.reserve)
    for sym in inp.targets:
        final = plan.final_shares[sym]
        assert ui.cell(after, sym, "shares") == str(final)
        assert ui.cell(after, sym, "value") == usd(inp.prices[sym] * final)
        drift = float(inp.prices[sym] * final / inp.investable - inp.targets[sym]) * 100
        drift_cell = ui.cell(after, sym, "drift")
        assert float(drift_cell.rstrip("%")) == pytest.approx(drift, abs=0.0051)
    metrics = ui.shown(main.query_one("#metrics"))
    assert f"Orders {len(plan.orders)} " in metrics
    assert usd(plan.metrics.cash_left) in metrics
    # "optimal" only when proven; a rule of thumb says it is one.
    said = {"optimal": "Status optimal", "bounded": "best found", "heuristic": "not proven",
            "fallback": "fallback"}  # fmt: skip
    assert said[plan.kind.value] in metrics
    assert ("Status optimal" in metrics) == plan.optimal


async def test_fund_list_highlight_changes_preview(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        preview = app.main_screen.query_one("#preview", DataTable)
        assert ui.row_keys(preview) == list(CATALOG.models[0].weights)
        app.main_screen.query_one("#funds").focus()
        for model in CATALOG.models[1:]:
            await ui.press(pilot, "down")
            assert preview.border_title == f"Preview: {model.label}"
            assert ui.row_keys(preview) == list(model.weights)
            for sym, weight in model.weights.items():
                asset = CATALOG.asset(sym)
                assert asset is not None
                assert ui.cell(preview, sym, "target") == f"{float(weight) * 100:.1f}%"
                assert ui.cell(preview, sym, "price") == usd(asset.price)
                assert ui.cell(preview, sym, "source") == "fallback 2026-02-04"
                assert asset.name.startswith(ui.cell(preview, sym, "name").rstrip("…"))
        # Highlighting previews only: the plan still targets the first fund.
        assert app.main_screen.state.model.id == CATALOG.models[0].id


@pytest.mark.parametrize(
    ("key", "strategy"),
    [("1", "simple"), ("2", "tracking-error"), ("3", "trade-minimization")],
)
async def test_each_strategy_fills_tables_like_the_engine(
    tmp_path: Path, key: str, strategy: str
) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await pilot.press(key)
        await ui.settle(pilot)
        inp = expected_input()
        check_plan_tables(app, inp, solve(inp, strategy))


async def test_choosing_a_fund_by_click_replans_for_it(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        # Third line inside the fund list's border: Conservative Clooney.
        await pilot.click("#funds", offset=(5, 3))
        await ui.settle(pilot)
        assert app.main_screen.state.model.id == "conservative-clooney"
        inp = expected_input("conservative-clooney")
        check_plan_tables(app, inp, solve(inp, "simple"))


async def test_strategy_pane_click_computes_that_plan(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await pilot.click("#strategy", offset=(5, 2))  # second option: Tracking Error
        await ui.settle(pilot)
        assert app.main_screen.strategy == "tracking-error"
        inp = expected_input()
        check_plan_tables(app, inp, solve(inp, "tracking-error"))


async def test_regenerate_key_makes_a_new_demo_portfolio(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path, demo_seed=5)
    async with ui.running(app) as pilot:
        await pilot.press("r")
        await ui.settle(pilot)
        inp = expected_input(seed=6)
        assert inp.holdings != expected_input(seed=5).holdings
        check_plan_tables(app, inp, solve(inp, "simple"))


async def test_live_prices_arriving_late_refresh_the_view(
    tmp_path: Path, fake_api: FakeFintualAPI
) -> None:
    fake_api.latency = 1.0  # long enough that the first frame surely comes first
    app = RebalancerApp(api_url=fake_api.url, cache_path=tmp_path / "prices.json")
    notes = ui.Notes(app)
    async with app.run_test(size=ui.SIZE) as pilot:
        await pilot.pause()
        preview = app.main_screen.query_one("#preview", DataTable)
        # Usable at once, on fallback prices, while the fetch is under way.
        assert ui.cell(preview, "ESGV", "source") == "fallback 2026-02-04"
        assert "fetching live prices" in ui.shown(app.main_screen.query_one("#status"))
        await ui.settle(pilot)
        live = {s: fake_api.price(s) for s in FALLBACK}
        for sym in CATALOG.models[0].weights:
            assert ui.cell(preview, sym, "source") == f"live {LIVE_DATE.isoformat()}"
            assert ui.cell(preview, sym, "price") == usd(live[sym])
        assert "Live prices loaded for all 12 ETFs" in notes.text()
        assert "fetching" not in ui.shown(app.main_screen.query_one("#status"))
        # Holdings are kept (shares); the plan is recomputed at the live prices.
        inp = expected_input(prices=live)
        check_plan_tables(app, inp, solve(inp, "simple"))


async def test_failing_api_leaves_the_app_on_fallback_prices(
    tmp_path: Path, fake_api: FakeFintualAPI
) -> None:
    for asset in CATALOG.assets:
        fake_api.fail(asset.symbol, "500")
    app = RebalancerApp(api_url=fake_api.url, cache_path=tmp_path / "prices.json")
    notes = ui.Notes(app)
    async with ui.running(app) as pilot:
        preview = app.main_screen.query_one("#preview", DataTable)
        for sym in CATALOG.models[0].weights:
            assert ui.cell(preview, sym, "source") == "fallback 2026-02-04"
        assert any(sev == "warning" and "No live prices" in m for m, sev in notes.items)
        assert "HTTP 500" in notes.text()
        inp = expected_input()
        check_plan_tables(app, inp, solve(inp, "simple"))
        await pilot.press("2")
        await ui.settle(pilot)
        check_plan_tables(app, inp, solve(inp, "tracking-error"))


async def test_one_bad_asset_falls_back_alone(tmp_path: Path, fake_api: FakeFintualAPI) -> None:
    fake_api.fail("QQQM", "not-json")
    app = RebalancerApp(api_url=fake_api.url, cache_path=tmp_path / "prices.json")
    notes = ui.Notes(app)
    async with ui.running(app):
        preview = app.main_screen.query_one("#preview", DataTable)
        assert ui.cell(preview, "QQQM", "source") == "fallback 2026-02-04"
        assert ui.cell(preview, "ESGV", "source") == f"live {LIVE_DATE.isoformat()}"
        assert "Live prices for 11 of 12 ETFs" in notes.text()
        assert "QQQM" in notes.text()


async def test_unreachable_api_is_a_notice_not_a_crash(tmp_path: Path) -> None:
    # Port 9 on localhost: nothing listens, the connection is refused at once.
    app = RebalancerApp(api_url="http://127.0.0.1:9", cache_path=tmp_path / "prices.json")
    notes = ui.Notes(app)
    async with ui.running(app):
        assert "No live prices" in notes.text()
        assert app.is_running


async def test_stale_plan_is_dropped(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    messages = ui.Messages()
    async with ui.running(app, message_hook=messages) as pilot:
        main = app.main_screen
        first = messages.of(PlanReady)[-1].request_id
        await pilot.press("1")  # the same plan again, under a newer request
        await ui.settle(pilot)
        assert messages.of(PlanReady)[-1].request_id > first
        inp = expected_input()
        other = solve(inp, "trade-minimization")
        before = ui.row_keys(main.query_one("#orders", DataTable))
        assert before != [o.symbol for o in other.orders]
        # An answer to the older request arriving late is not shown.
        main.post_message(PlanReady(first, "trade-minimization", [other]))
        await pilot.pause()
        assert ui.row_keys(main.query_one("#orders", DataTable)) == before
        # The same answer under the current request id would be: the test can fail.
        main.post_message(PlanReady(messages.of(PlanReady)[-1].request_id, "x", [other]))
        await pilot.pause()
        assert ui.row_keys(main.query_one("#orders", DataTable)) == before


async def test_refused_inputs_become_a_notice(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    notes = ui.Notes(app)
    async with ui.running(app) as pilot:
        big = Options(reserve=Decimal(10_000_000))
        app.main_screen.post_message(PortfolioEdited(options=big))
        await ui.settle(pilot)
        assert "Cannot plan: cash reserve" in notes.text()
        assert "Cannot plan" in ui.shown(app.main_screen.query_one("#metrics"))
        app.main_screen.post_message(PortfolioEdited(options=Options()))
        await ui.settle(pilot)
        inp = expected_input()
        check_plan_tables(app, inp, solve(inp, "simple"))


async def test_compare_shows_a_column_per_strategy_like_the_engine(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await pilot.press("c")
        await ui.settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        columns = list(screen.query(".plan-column"))
        assert [c.id for c in columns] == [
            "col-simple",
            "col-tracking-error",
            "col-trade-minimization",
            "col-band-edge",
        ]
        inp = expected_input()
        for column in columns:
            plan = solve(inp, column.id.removeprefix("col-"))  # type: ignore[union-attr]
            orders = column.query_one(".column-orders", DataTable)
            assert ui.row_keys(orders) == [o.symbol for o in plan.orders]
            after = column.query_one(".column-after", DataTable)
            for sym, n in plan.final_shares.items():
                assert ui.cell(after, sym, "shares") == str(n)
            metrics = ui.shown(column.query_one(".column-metrics"))
            assert usd(plan.metrics.deviation) in metrics
        # Picking a column returns to the main view with that strategy.
        await pilot.press("3")
        await ui.settle(pilot)
        assert isinstance(app.screen, MainScreen)
        check_plan_tables(app, inp, solve(inp, "trade-minimization"))


async def test_help_lists_every_key_and_closes(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await ui.press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = ui.shown(app.screen.query_one("#help-keys"))
        for binding in [*app.BINDINGS, *MainScreen.BINDINGS, *CompareScreen.BINDINGS]:
            assert binding.description in text  # type: ignore[union-attr]
        await ui.press(pilot, "escape")
        assert isinstance(app.screen, MainScreen)


async def test_command_palette_runs_app_commands(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await ui.run_from_palette(pilot, "compare all", "Compare all strategies")
        await ui.settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("escape")
        await ui.run_from_palette(pilot, "fund: moderate", "Fund: Moderate")
        await ui.settle(pilot)
        assert app.main_screen.state.model.id == "moderate-pitt"


async def test_q_quits(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        assert app.ready_seconds is not None and app.ready_seconds > 0
        await ui.press(pilot, "q")
        assert not app.is_running
    assert app.return_code == 0


@pytest.mark.parametrize(("size", "klass"), [((80, 24), "-narrow"), ((220, 60), "-wide")])
async def test_layout_fits_small_and_large_terminals(
    tmp_path: Path, size: tuple[int, int], klass: str
) -> None:
    app = ui.offline_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await ui.settle(pilot)
        main = app.main_screen
        assert main.has_class(klass)
        for pane in ("#funds", "#strategy", "#preview", "#current", "#orders", "#after"):
            widget = main.query_one(pane)
            assert 0 < widget.region.width <= size[0]
        if klass == "-wide":
            # The three tables sit side by side and everything fits without scrolling.
            tops = {main.query_one(p).region.y for p in ("#current", "#orders", "#after")}
            assert len(tops) == 1
            assert main.query_one("#body").max_scroll_y == 0
        else:
            # Stacked and scrollable: Tab reaches a pane below the fold.
            orders = main.query_one("#after")
            orders.focus()
            await pilot.pause()
            assert orders.region.y < size[1]


async def test_a_click_on_an_option_the_search_removed_is_dropped(tmp_path: Path) -> None:
    """Textual 8.2's OptionList indexes past its end when a click lands on an
    option that a newer search has removed (found by the monkey test). The
    click is handled after the list shrank: the app must stay up, and a click
    on an option still there must still run its command."""
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"compare all")
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        hits = palette.query_one(CommandList)
        for _ in range(200):
            await pilot.pause(0.02)
            if hits.option_count:
                break

        stale = events.Click(
            hits,
            1,
            1,
            0,
            0,
            1,
            False,
            False,
            False,
            style=Style(meta={"option": hits.option_count + 5}),
        )
        hits.post_message(stale)
        await pilot.pause()
        assert app.is_running and app.screen is palette
        # A real click on the first option, where the list draws it.
        first = hits.content_region
        await pilot.click(offset=(first.x + 2, first.y))
        await ui.settle(pilot)
        assert isinstance(app.screen, CompareScreen)
