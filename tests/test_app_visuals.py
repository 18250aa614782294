"""Issue 15's visuals: drift and band bars, why each order, the compare view's
measures, price-history sparklines (and their cache), navigation keys, themes.

Expected figures are computed here from the engine's own inputs, not read back
from the widgets.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from app_pilot import SIZE, offline_app, press, row_keys, running, settle, wait_for
from demo_data import CATALOG, FALLBACK
from fake_api import FakeFintualAPI
from textual.renderables.sparkline import Sparkline
from textual.widgets import Button, DataTable, Input
from textual.widgets.data_table import ColumnKey

from rebalancer_tui.app import RebalancerApp
from rebalancer_tui.demo import demo_holdings
from rebalancer_tui.engine import STRATEGIES, Options, RebalanceInput, StatusKind, solve
from rebalancer_tui.messages import PortfolioEdited
from rebalancer_tui.screens.compare import CompareScreen
from rebalancer_tui.screens.confirm import Confirm
from rebalancer_tui.screens.file_prompt import FilePrompt
from rebalancer_tui.storage.settings import load_settings, settings_path
from rebalancer_tui.widgets.compare_table import CompareTable
from rebalancer_tui.widgets.drift_bars import (
    AFTER,
    BAND,
    BOTH,
    EMPTY,
    NOW,
    TARGET,
    DriftBars,
    bar_cells,
    column,
)
from rebalancer_tui.widgets.keyed_table import KeyedTable
from rebalancer_tui.widgets.order_reason import OrderReason
from rebalancer_tui.widgets.preview import FundPreview
from rebalancer_tui.workspace import history_feed
from rebalancer_tui.workspace.explain import (
    CURRENT,
    AssetMove,
    current_plan,
    moves,
    order_reasons,
)

FUND = "risky-norris"
SYMBOLS = [a.symbol for a in CATALOG.assets]


def start_input() -> RebalanceInput:
    """The demo inputs the app starts with (seed 0), built apart from the app."""
    model = CATALOG.model(FUND)
    assert model is not None
    prices = dict(FALLBACK)
    holdings = demo_holdings(dict(model.weights), prices, seed=0)
    return RebalanceInput(holdings=holdings, prices=prices, targets=dict(model.weights))


def weights_of(inp: RebalanceInput, shares: dict[str, int]) -> dict[str, float]:
    base = inp.total_value - inp.options.reserve
    return {s: float(inp.prices[s] * shares.get(s, 0) / base) for s in inp.symbols}


# -- drift bars: cells, by hand ------------------------------------------------------


def move(target: float, band: float, before: float, after: float) -> AssetMove:
    return AssetMove("X", target, band, before, after, True, Decimal(1), 0, 0)


def test_bar_cells_put_band_target_and_markers_where_the_weights_fall() -> None:
    # 41 cells for 0..40 %: one cell per percentage point, so cell i is i %.
    cells = bar_cells(move(0.20, 0.02, 0.30, 0.21), 0.30, 0.21, 0.40, 41)
    expected = [EMPTY] * 41
    for i in range(18, 23):
        expected[i] = BAND
    expected[20], expected[30], expected[21] = TARGET, NOW, AFTER
    assert "".join(cells) == "".join(expected)


def test_bar_cells_share_a_cell_and_the_cash_row_has_no_band() -> None:
    cells = bar_cells(None, 0.05, 0.05, 0.40, 41)
    assert cells.count(BOTH) == 1 and cells.index(BOTH) == 5
    assert BAND not in cells and TARGET not in cells
    assert column(1.0, 0.40, 41) == 40  # past the scale: the last cell, not off the bar
    assert column(0.0, 0.40, 41) == 0


# -- why each order: against a hand-made portfolio -----------------------------------


def hand_input(**options: object) -> RebalanceInput:
    # A 60/40 model; A held far above its band, B below it, OLD outside the model.
    return RebalanceInput(
        holdings={"AAA": 80, "BBB": 10, "OLD": 5},
        prices={"AAA": Decimal(10), "BBB": Decimal(10), "OLD": Decimal(20)},
        targets={"AAA": Decimal("0.6"), "BBB": Decimal("0.4")},
        options=Options.model_validate(options),
    )


def test_order_reasons_say_band_gaps_and_outside_sales() -> None:
    inp = hand_input()
    plan = solve(inp, "tracking-error")
    reasons = order_reasons(plan, inp.options)
    # V = 800 + 100 + 100 = 1000: AAA 80 %, BBB 10 %, band 2 %.
    assert reasons["OLD"] == "sold: not in the model"
    assert reasons["AAA"] == "above its band by 18.0 pp"  # 80 - (60 + 2)
    assert reasons["BBB"] == "below its band by 28.0 pp"  # (40 - 2) - 10
    assert set(reasons) == {o.symbol for o in plan.orders}


def test_a_fallback_plan_says_so_on_every_reason() -> None:
    inp = hand_input()
    plan = solve(inp, "tracking-error").model_copy(
        update={"kind": StatusKind.FALLBACK, "message": "no plan fits every band"}
    )
    for why in order_reasons(plan, inp.options).values():
        assert why.endswith("· fallback: no plan fits every band")


def test_moves_weights_and_cash_add_up_and_match_the_engine() -> None:
    inp = start_input()
    plan = solve(inp, "simple")
    found = moves(plan, inp.options)
    before, after = weights_of(inp, inp.holdings), weights_of(inp, plan.final_shares)
    for m in found.rows:
        assert m.before == pytest.approx(before[m.symbol], abs=1e-12)
        assert m.after == pytest.approx(after[m.symbol], abs=1e-12)
    assert sum(m.before for m in found.rows) + found.cash_before == pytest.approx(1.0)
    assert sum(m.after for m in found.rows) + found.cash_after == pytest.approx(1.0)
    cash_left = float(plan.metrics.cash_left / (inp.total_value - inp.options.reserve))
    assert found.cash_after == pytest.approx(cash_left)


def test_current_plan_is_the_portfolio_as_it_is() -> None:
    inp = start_input()
    now = current_plan(solve(inp, "simple"), inp.options)
    base = inp.total_value
    deviation = sum(
        (abs(inp.prices[s] * inp.held(s) - inp.targets[s] * base) for s in inp.symbols), Decimal(0)
    )
    assert now.strategy == CURRENT and now.orders == []
    assert now.metrics.deviation == deviation.quantize(Decimal("0.01"))
    assert now.metrics.cash_left == inp.cash
    assert now.final_shares == {s: inp.held(s) for s in inp.symbols}


# -- the main view ---------------------------------------------------------------------


def bar_lines(bars: DriftBars) -> list[str]:
    return bars.render().plain.splitlines()


async def test_drift_bars_mark_each_weight_in_its_cell_and_sum_to_100(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app):
        bars = app.main_screen.query_one(DriftBars)
        inp = start_input()
        plan = solve(inp, "simple")
        before, after = weights_of(inp, inp.holdings), weights_of(inp, plan.final_shares)
        lines = bar_lines(bars)
        width, scale = bars.bar_width(), bars.scale()
        assert [line.split()[0] for line in lines[: len(inp.symbols)]] == inp.symbols
        for symbol, line in zip(inp.symbols, lines, strict=False):
            bar = line[7 : 7 + width]
            now, then = column(before[symbol], scale, width), column(after[symbol], scale, width)
            if now == then:
                assert bar[now] == BOTH, line
            else:
                assert (bar[now], bar[then]) == (NOW, AFTER), line
            drift = after[symbol] - float(inp.targets[symbol])
            glyph = "=" if abs(drift) < 0.0005 else "▲" if drift > 0 else "▼"
            assert f"{glyph} " in line[7 + width :], line
            was_out = abs(before[symbol] - float(inp.targets[symbol])) > 0.02
            assert ("%!→" in line) == was_out, line
        cash = lines[len(inp.symbols)]
        assert cash.startswith("Cash")
        cash_after = 1 - sum(after.values())
        assert f"{cash_after * 100:5.1f}%" in cash
        assert bars.border_title == "Drift and bands: Simple"


async def test_the_highlighted_order_says_why(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        inp = start_input()
        expected = order_reasons(solve(inp, "simple"), inp.options)
        orders = app.main_screen.query_one("#orders", DataTable)
        why = app.main_screen.query_one(OrderReason)
        orders.focus()
        for index in range(orders.row_count):
            orders.move_cursor(row=index)
            await pilot.pause()
            symbol = str(orders.coordinate_to_cell_key(orders.cursor_coordinate).row_key.value)
            assert why.display
            assert str(why.content) == f"Why {symbol}: {expected[symbol]}"


# -- the compare view ----------------------------------------------------------------


async def test_compare_marks_the_best_of_each_measure_and_shows_the_current(
    tmp_path: Path,
) -> None:
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        table = app.screen.query_one(CompareTable)
        inp = start_input()
        plans = {s: solve(inp, s) for s in STRATEGIES}
        keys = [str(c.key.value) for c in table.ordered_columns]
        assert keys == ["measure", CURRENT, *STRATEGIES]
        for measure in ("deviation", "max_drift", "orders", "turnover", "cash_left"):
            values = {s: getattr(p.metrics, measure) for s, p in plans.items()}
            low = min(values.values())
            assert set(table.best_in(measure)) == {s for s, v in values.items() if v == low}
        # Every measure row has a mark, and the current column never has one.
        for measure in ("deviation", "orders", "costs"):
            assert table.best_in(measure) and CURRENT not in table.best_in(measure)
        base = inp.total_value
        deviation = sum(
            (abs(inp.prices[s] * inp.held(s) - inp.targets[s] * base) for s in inp.symbols),
            Decimal(0),
        )
        assert str(table.get_cell("deviation", CURRENT)).strip() == f"${deviation:,.2f}"
        # Each column shows where its plan takes each ETF.
        for strategy, plan in plans.items():
            bars = app.screen.query_one(f"#col-{strategy} DriftBars", DriftBars)
            found = bars.moves
            assert found is not None
            after = weights_of(inp, plan.final_shares)
            assert {m.symbol: m.after for m in found.rows} == pytest.approx(after)
            lines = bar_lines(bars)
            width, scale = bars.bar_width(), bars.scale()
            for symbol, line in zip(inp.symbols, lines, strict=False):
                assert line[7 + column(after[symbol], scale, width)] in (AFTER, BOTH), line
        # Amounts are never cut: each column is as wide as its widest cell.
        for col in table.ordered_columns:
            cells = [str(table.get_cell(r, col.key)) for r in ("deviation", "turnover")]
            assert col.get_render_width(table) >= max(len(c) for c in cells)


async def test_compare_exports_a_chosen_plan_and_asks_before_replacing(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    target = tmp_path / "out.csv"
    async with running(app) as pilot:
        await pilot.press("c")
        await settle(pilot)
        for attempt in range(2):
            await press(pilot, "x")
            assert isinstance(app.screen, Confirm)
            app.screen.query_one("#confirm-tracking-error", Button).press()
            await pilot.pause()
            assert isinstance(app.screen, FilePrompt)
            field = app.screen.query_one("#file-path", Input)
            field.value = str(target)
            await press(pilot, "enter")
            if attempt == 1:  # the file exists now: the prompt asks first
                assert isinstance(app.screen, Confirm)
                app.screen.query_one("#confirm-yes", Button).press()
                await pilot.pause()
            await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), "back")
        plan = solve(start_input(), "tracking-error")
        lines = target.read_text().splitlines()
        assert len(lines) == 1 + len(plan.orders)
        at = lines[0].split(",").index("symbol")
        assert [line.split(",")[at] for line in lines[1:]] == [o.symbol for o in plan.orders]


# -- price histories -----------------------------------------------------------------


def recent_history(days: int, start: Decimal) -> list[tuple[dt.date, Decimal]]:
    """`days` daily prices up to today, a cent a day dearer: a known change."""
    today = dt.date.today()
    return [
        (today - dt.timedelta(days=days - 1 - k), start + Decimal("0.01") * k) for k in range(days)
    ]


async def test_histories_fetch_and_cache_against_the_fake_api(
    fake_api: FakeFintualAPI, tmp_path: Path
) -> None:
    cache = tmp_path / "prices.json"
    fetched, failing = SYMBOLS[:2]
    fake_api.set_history(fetched, recent_history(30, Decimal("100")))
    fake_api.configure(failing, days_mode="500")
    report = await history_feed.fetch(fake_api.url, cache, timeout=0.5, deadline=2)
    got = report.histories[fetched]
    assert got.source == "live" and len(got.points) == 30
    assert got.points[-1][1] - got.points[0][1] == Decimal("0.29")
    assert failing in report.errors and failing not in report.histories
    saved = json.loads(history_feed.history_path(cache).read_text())
    assert fetched in saved["histories"] and failing not in saved["histories"]
    # Next, every /days fails: the cached history stands in, marked with its date.
    fake_api.configure(fetched, days_mode="503")
    again = await history_feed.fetch(fake_api.url, cache, timeout=0.5, deadline=2)
    assert again.histories[fetched].source == "cached"
    assert again.histories[fetched].points == got.points
    assert history_feed.cached(cache).histories[fetched].fetched == dt.date.today()


def spark_cell(preview: FundPreview, symbol: str) -> object:
    return preview.get_cell(symbol, "history")


async def test_preview_sparklines_live_then_offline_from_the_cache(
    fake_api: FakeFintualAPI, tmp_path: Path
) -> None:
    model = CATALOG.model(FUND)
    assert model is not None
    first, second = list(model.weights)[:2]
    fake_api.set_history(first, recent_history(60, Decimal("50")))
    fake_api.configure(second, days_mode="500")
    cache = tmp_path / "prices.json"
    app = RebalancerApp(api_url=fake_api.url, cache_path=cache)
    async with app.run_test(size=SIZE) as pilot:
        preview = app.main_screen.query_one(FundPreview)
        await wait_for(pilot, lambda: preview._histories_live, "live histories")
        await pilot.pause()
        assert isinstance(spark_cell(preview, first), Sparkline)
        assert str(spark_cell(preview, second)) == "no history"
        change = (Decimal("0.59") / Decimal("50")) * 100  # 60 days, a cent a day
        assert str(preview.get_cell(first, "change")) == f"▲ +{change:.1f}%"
        assert "90-day history: live" in str(preview.border_subtitle)
    # Offline, the last history seen, dated; an asset never fetched says so.
    app = RebalancerApp(offline=True, cache_path=cache)
    async with app.run_test(size=SIZE) as pilot:
        preview = app.main_screen.query_one(FundPreview)
        await wait_for(pilot, lambda: bool(preview.histories), "cached histories")
        await pilot.pause()
        assert isinstance(spark_cell(preview, first), Sparkline)
        assert str(preview.get_cell(first, "change")).endswith(" c")
        assert str(spark_cell(preview, second)) == "no history"
        assert f"cached {dt.date.today().isoformat()}" in str(preview.border_subtitle)


async def test_offline_without_a_cache_says_there_is_no_history(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        preview = app.main_screen.query_one(FundPreview)
        await wait_for(pilot, lambda: "none cached" in str(preview.border_subtitle), "note")
        for key in preview.rows:
            assert str(preview.get_cell(key, "history")) == "no history"


# -- keys: j/k, copy, maximise -----------------------------------------------------------


async def test_j_and_k_move_lists_and_tables(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        funds = app.main_screen.query_one("#funds")
        funds.focus()
        start = funds.highlighted  # type: ignore[attr-defined]
        await pilot.press("j")
        assert funds.highlighted == start + 1  # type: ignore[attr-defined]
        await pilot.press("k")
        assert funds.highlighted == start  # type: ignore[attr-defined]
        await settle(pilot)
        orders = app.main_screen.query_one("#orders", DataTable)
        orders.focus()
        await pilot.press("j", "j")
        assert orders.cursor_row == 2
        await pilot.press("k")
        assert orders.cursor_row == 1


async def test_y_copies_the_shown_orders_and_m_maximises_a_pane(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        await pilot.press("y")
        plan = solve(start_input(), "simple")
        lines = app.clipboard.splitlines()
        assert lines[0] == "account,action,symbol,shares,price,amount"
        assert [(r.split(",")[1], r.split(",")[2]) for r in lines[1:]] == [
            (o.action, o.symbol) for o in plan.orders
        ]
        orders = app.main_screen.query_one("#orders", DataTable)
        orders.focus()
        await pilot.press("m")
        assert app.screen.maximized is orders
        await pilot.press("m")
        assert app.screen.maximized is None
        # Over a dialog neither key does anything (no pane to maximise there).
        app.copy_to_clipboard("")
        await press(pilot, "question_mark")
        await pilot.press("m", "y")
        assert app.screen.maximized is None and app.clipboard == ""


# -- themes ------------------------------------------------------------------------------


async def test_the_theme_is_remembered(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        app.theme = "textual-light"
        await wait_for(pilot, lambda: settings_path().exists(), "settings saved")
        await app.workers.wait_for_complete()
    assert load_settings().theme == "textual-light"
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        assert app.theme == "textual-light"
        assert not app.current_theme.dark


@pytest.mark.parametrize(
    "content", ['{"theme": "no-such-theme"}', "{not json", '{"theme": 3}', "x" * 20000]
)
async def test_a_bad_settings_file_means_the_default_theme(tmp_path: Path, content: str) -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(content)
    app = offline_app(tmp_path)
    async with running(app):
        assert app.theme == "textual-dark"


def test_household_moves_are_household_totals() -> None:
    from rebalancer_tui.engine.household import Account, Household
    from rebalancer_tui.engine.household_search import solve_household

    prices = {"AAA": Decimal(10), "BBB": Decimal(20), "CCC": Decimal(5)}
    accounts = (
        Account(name="taxable", holdings={"AAA": 60, "CCC": 40}, cash=Decimal(100)),
        Account(name="ira", kind="tax-deferred", holdings={"BBB": 5}, reserve=Decimal(50)),
    )
    targets = {"AAA": Decimal("0.4"), "BBB": Decimal("0.4"), "CCC": Decimal("0.2")}
    hh = Household(accounts=accounts, prices=prices, targets=targets)
    plan = solve_household(hh, "tracking-error")
    found = moves(plan, hh.options)
    # V - R over both accounts: 600 + 200 + 100 + 100 cash - 50 reserve.
    base = Decimal(950)
    held = {"AAA": 60, "BBB": 5, "CCC": 40}
    assert found.base == pytest.approx(base)
    after = {s: sum(shares.get(s, 0) for shares in plan.final_shares.values()) for s in prices}
    for m in found.rows:
        assert m.before == pytest.approx(float(prices[m.symbol] * held[m.symbol] / base))
        assert m.after == pytest.approx(float(prices[m.symbol] * after[m.symbol] / base))
    assert sum(m.before for m in found.rows) + found.cash_before == pytest.approx(1.0)
    now = current_plan(plan, hh.options)
    assert now.metrics.cash_left == Decimal(100)  # the cash both accounts hold
    reasons = order_reasons(plan, hh.options)
    keys = {o.symbol for o in plan.orders} | {f"{o.account}:{o.symbol}" for o in plan.orders}
    assert set(reasons) == keys


async def test_tables_sort_by_a_column_and_keep_the_cash_last(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        current = app.main_screen.query_one("#current", KeyedTable)
        inp = start_input()
        values = {s: inp.prices[s] * inp.held(s) for s in inp.symbols}
        # A header click: by value, then again: by value, descending.
        for descending in (False, True):
            column = current.columns[ColumnKey("value")]
            current.post_message(DataTable.HeaderSelected(current, column.key, 3, column.label))
            await pilot.pause()
            by_value = sorted(values, key=lambda s: values[s], reverse=descending)
            assert row_keys(current)[: len(by_value)] == by_value
            assert row_keys(current)[-1] == "$cash"
            label = str(current.columns[ColumnKey("value")].label)
            assert label.endswith("▼" if descending else "▲")
        # `s` steps to the next column (weight), ascending.
        current.focus()
        await pilot.press("s")
        weights = weights_of(inp, inp.holdings)
        assert row_keys(current)[: len(weights)] == sorted(weights, key=lambda s: weights[s])
        # A price update keeps the sort.
        await pilot.press("r")  # a new demo portfolio: new rows, same sort
        await settle(pilot)
        shown = [k for k in row_keys(current) if not k.startswith("$")]
        cells = [float(str(current.get_cell(k, "weight")).rstrip("%")) for k in shown]
        assert cells == sorted(cells)


def test_household_reasons_are_per_account_order() -> None:
    from rebalancer_tui.engine.household import Account, Household
    from rebalancer_tui.engine.household_search import solve_household

    prices = {"AAA": Decimal(10), "BBB": Decimal(10)}
    accounts = (
        # Each account must fix its own cash: ira sells AAA to buy BBB,
        # taxable buys AAA with its cash.
        Account(name="taxable", cash=Decimal(300), holdings={"BBB": 20}),
        Account(name="ira", holdings={"AAA": 50}),
    )
    hh = Household(
        accounts=accounts, prices=prices, targets={"AAA": Decimal("0.5"), "BBB": Decimal("0.5")}
    )
    plan = solve_household(hh, "tracking-error")
    reasons = order_reasons(plan, hh.options)
    for order in plan.orders:
        why = reasons[f"{order.account}:{order.symbol}"]
        assert why.startswith(("below", "above", "at or above", "sold"))
        if order.action == "SELL":
            assert not why.startswith("below")
        else:
            assert not why.startswith(("above", "sold"))


async def test_a_hanging_history_never_holds_up_the_app(
    fake_api: FakeFintualAPI, tmp_path: Path
) -> None:
    for symbol in SYMBOLS:
        fake_api.configure(symbol, days_mode="hang")
    app = RebalancerApp(api_url=fake_api.url, cache_path=tmp_path / "prices.json")
    async with app.run_test(size=SIZE) as pilot:
        main = app.main_screen
        preview = main.query_one(FundPreview)
        # Live prices and the plan arrive while every history is still hanging
        # (the history fetch gives up only at its 6 s deadline).
        await wait_for(pilot, lambda: not main.fetching and not main.planning, "prices, plan")
        histories = [w for w in app.workers if w.group == "histories"]
        assert histories and all(w.is_running for w in histories)
        assert "loading" in str(preview.border_subtitle)
        assert main.query_one(DriftBars).moves is not None
        fake_api.release_hangs()
        await wait_for(pilot, lambda: not any(w.is_running for w in histories), "history end")
        assert all(str(preview.get_cell(k, "history")) == "no history" for k in preview.rows)


async def test_help_lists_the_new_keys(tmp_path: Path) -> None:
    from app_pilot import shown

    from rebalancer_tui.screens.help import HelpScreen

    app = offline_app(tmp_path)
    async with running(app) as pilot:
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = shown(app.screen.query_one("#help-keys"))
        for words in ("Down", "Up", "Maximise pane", "Copy orders", "Sort by the next column"):
            assert words in text


@pytest.mark.parametrize("content", ["{not json", '{"histories": {"ESGV": {"points": 3}}}', "x"])
async def test_a_bad_history_cache_means_no_history_not_a_crash(
    tmp_path: Path, content: str
) -> None:
    history_feed.history_path(tmp_path / "prices.json").write_text(content)
    report = history_feed.cached(tmp_path / "prices.json")
    assert report.histories == {} and report.cache_problems
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        preview = app.main_screen.query_one(FundPreview)
        await wait_for(pilot, lambda: "none cached" in str(preview.border_subtitle), "note")


@pytest.mark.parametrize("width", [80, 118, 120, 122, 124, 140, 200])
async def test_compare_columns_never_cut_a_table(tmp_path: Path, width: int) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=(width, 50)) as pilot:
        await settle(pilot)
        # Millions to invest: amounts like $1,234,567.89 widen the orders tables.
        app.main_screen.post_message(PortfolioEdited(cash=Decimal(5_000_000)))
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        # At 80 columns a millions-sized measures table scrolls sideways (known limit).
        selector = ".column-orders, .column-after" + (", #measures" if width > 100 else "")
        for table in screen.query(selector):
            assert isinstance(table, DataTable)
            assert table.virtual_size.width <= table.scrollable_content_region.width, (
                width,
                table.classes,
            )


def test_trimmed_by_cash_only_when_the_cash_ran_out() -> None:
    prices = {"AAA": Decimal(10), "BBB": Decimal(10)}
    targets = {"AAA": Decimal("0.5"), "BBB": Decimal("0.5")}
    # $100 and a $15 fee per order: the simple plan cannot buy 5 + 5 shares.
    inp = RebalanceInput(prices=prices, targets=targets, cash=Decimal(100), options=Options(fee=15))
    plan = solve(inp, "simple")
    reasons = order_reasons(plan, inp.options)
    for symbol, shares in plan.final_shares.items():
        gap = Decimal("0.5") - Decimal(10 * shares) / 100  # of V = $100, no reserve
        assert reasons[symbol] == (
            f"below its band by 48.0 pp; trimmed: cash ({gap * 100:.1f} pp still below)"
        )
    # With the cash to buy one more share, a buy short of target is not "trimmed".
    plan = plan.model_copy(
        update={"metrics": plan.metrics.model_copy(update={"cash_left": Decimal(25)})}
    )
    assert all("trimmed" not in why for why in order_reasons(plan, inp.options).values())


def test_the_engines_order_rule_reasons_join_the_why() -> None:
    inp = hand_input()
    plan = solve(inp, "tracking-error")
    first = plan.orders[0]
    told = first.model_copy(update={"reasons": ("rounded down to a lot of 10",)})
    plan = plan.model_copy(update={"orders": [told, *plan.orders[1:]]})
    reasons = order_reasons(plan, inp.options)
    assert reasons[first.symbol].endswith("; rounded down to a lot of 10")
    assert all("lot" not in why for s, why in reasons.items() if s != first.symbol)
