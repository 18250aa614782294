"""Nothing on screen misleads: the widgets checked on what they draw.

Each widget is mounted alone in a small host app (or the real app where a key
is involved) and read back as the text of its rendered lines. Expected
figures are computed here, from the engine's inputs, not with the widgets'
own formatting helpers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest
from app_pilot import offline_app, press, running, settle, shown
from demo_data import FALLBACK, NORRIS
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Footer, Input

from rebalancer_tui.demo import demo_holdings
from rebalancer_tui.engine import (
    LABELS,
    HoldingRow,
    Options,
    Plan,
    RebalanceInput,
    StatusKind,
    solve,
    weights_table,
)
from rebalancer_tui.models import PriceQuote
from rebalancer_tui.screens.compare import CompareScreen
from rebalancer_tui.widgets.holdings_table import HoldingsTable
from rebalancer_tui.widgets.metrics_line import MetricsLine
from rebalancer_tui.widgets.orders_table import OrdersTable
from rebalancer_tui.widgets.price_status import PriceStatus
from rebalancer_tui.widgets.results import ResultsPane
from rebalancer_tui.widgets.strategy_picker import StrategyPicker

W = TypeVar("W", bound=Widget)


class Host(App[None], Generic[W]):
    """One widget on an otherwise empty screen, at a fixed width. The widget
    is made in the app (widgets measure their text with the app's console)."""

    CSS = "Screen > * { height: auto; }"

    def __init__(self, make: Callable[[], W], width: int) -> None:
        super().__init__()
        self.make = make
        self.width = width

    def compose(self) -> ComposeResult:
        self.widget = self.make()
        self.widget.styles.width = self.width
        yield self.widget


@asynccontextmanager
async def hosted(
    make: Callable[[], W], size: tuple[int, int], width: int = 72
) -> AsyncIterator[tuple[W, Pilot[None]]]:
    host = Host(make, width)
    async with host.run_test(size=size) as pilot:
        yield host.widget, pilot


def lines(widget: Widget) -> list[str]:
    """The text of each line the widget draws now (what a user sees of it)."""
    return [widget.render_line(y).text for y in range(widget.size.height)]


def row(symbol: str, shares: int, price: str = "1.50", target: float = 0.5) -> HoldingRow:
    value = Decimal(price) * shares
    return HoldingRow(
        symbol=symbol,
        shares=shares,
        price=Decimal(price),
        value=value,
        weight=0.5,
        target=target,
        drift=0.5 - target,
        in_model=True,
    )


def demo_input(cash: str = "0", **options: Any) -> RebalanceInput:
    weights = dict(NORRIS.weights)
    return RebalanceInput(
        holdings=demo_holdings(weights, FALLBACK, seed=0),
        prices=FALLBACK,
        targets=weights,
        cash=Decimal(cash),
        options=Options(**options),
    )


def percent(text: str) -> Decimal:
    return Decimal(text.strip().rstrip("%"))


def dollars(text: str) -> Decimal:
    return Decimal(text.strip().replace("$", "").replace(",", ""))


# -- tables fit their content --------------------------------------------------


async def test_a_value_that_grows_is_shown_whole() -> None:
    async with hosted(lambda: HoldingsTable("t"), (100, 12)) as (table, pilot):
        table.show([row("ESGV", 5), row("BND", 7)], 0.02)
        await pilot.pause()
        table.show([row("ESGV", 232_685), row("BND", 7)], 0.02)  # same rows: updated in place
        await pilot.pause()
        drawn = "\n".join(lines(table))
        assert "232,685" in drawn
        assert "$349,027.50" in drawn  # 232,685 x $1.50


async def test_a_long_symbol_that_leaves_gives_its_width_back() -> None:
    async with hosted(lambda: HoldingsTable("t"), (100, 12), width=60) as (table, pilot):
        long = "ABCDEFGHIJKLMNOP"  # 16 characters, the longest symbol allowed
        table.show([row(long, 5), row("BND", 7)], 0.02)
        await pilot.pause()
        assert "Drift" not in lines(table)[0]  # 60 columns: pushed out of view
        table.show([row("ESGV", 5), row("BND", 7)], 0.02)
        await pilot.pause()
        assert "Drift" in lines(table)[0]


async def test_a_rebuilt_table_keeps_the_cursor_on_its_symbol() -> None:
    async with hosted(lambda: HoldingsTable("t"), (100, 12)) as (table, pilot):
        table.show([row("ESGV", 5), row("BND", 7), row("TIP", 1)], 0.02)
        await pilot.pause()
        table.move_cursor(row=1)
        table.show([row("QQQM", 2), row("ESGV", 5), row("BND", 7)], 0.02)
        await pilot.pause()
        assert table.row_key_at_cursor() == "BND"


# -- the cash is a row: values add up to the value, weights to 100 % -----------


@pytest.mark.parametrize(("cash", "reserve"), [("1234.56", "0"), ("800", "2500"), ("0", "0")])
async def test_current_holdings_with_cash_add_up(cash: str, reserve: str) -> None:
    inp = demo_input(cash, reserve=Decimal(reserve))
    async with hosted(lambda: HoldingsTable("t"), (100, 30)) as (table, pilot):
        table.show(weights_table(inp, inp.holdings), inp.options, cash=inp.cash)
        await pilot.pause()
        weights = [
            percent(table.cell_text(str(k.value), "weight"))
            for k in table.rows
            if table.cell_text(str(k.value), "weight") != "—"
        ]
        values = [dollars(table.cell_text(str(k.value), "value")) for k in table.rows]
        assert "cash" in table.cell_text("$cash", "symbol").lower()
        # Rounded to 0.01 % each: the sum is within half a hundredth per row.
        assert abs(sum(weights, Decimal(0)) - 100) <= Decimal("0.005") * len(weights)
        assert sum(values, Decimal(0)) == inp.total_value.quantize(Decimal("0.01"))
        assert ("$reserve" in table.rows) == (Decimal(reserve) > 0)


async def test_holdings_after_count_cash_left_and_costs() -> None:
    inp = demo_input("5000", fee=Decimal("4.95"), cost_rate=Decimal("0.001"))
    plan = solve(inp, "tracking-error")
    assert plan.metrics.costs > 0
    async with hosted(lambda: ResultsPane(), (200, 60)) as (pane, pilot):
        pane.show_plan(plan, inp.options)
        await pilot.pause()
        after = pane.query_one("#after", HoldingsTable)
        weights = [percent(after.cell_text(str(k.value), "weight")) for k in after.rows]
        assert abs(sum(weights, Decimal(0)) - 100) <= Decimal("0.005") * len(weights)
        assert dollars(after.cell_text("$cash", "value")) == plan.metrics.cash_left.quantize(
            Decimal("0.01")
        )
        assert dollars(after.cell_text("$costs", "value")) == plan.metrics.costs.quantize(
            Decimal("0.01")
        )


# -- the orders say why there are none ------------------------------------------


async def orders_subtitle_without_orders(inp: RebalanceInput) -> str:
    """What the orders table says of a plan of `inp` that has no orders."""
    plan = solve(inp, "tracking-error")
    assert plan.orders == []
    async with hosted(lambda: ResultsPane(), (200, 40)) as (pane, pilot):
        pane.show_plan(plan, inp.options)
        await pilot.pause()
        return str(pane.query_one("#orders", OrdersTable).border_subtitle)


async def test_an_empty_portfolio_with_nothing_to_invest_says_so() -> None:
    inp = RebalanceInput(holdings={}, prices=FALLBACK, targets=dict(NORRIS.weights))
    subtitle = await orders_subtitle_without_orders(inp)
    assert "nothing to invest" in subtitle
    assert "as close as whole shares allow" not in subtitle


async def test_a_balanced_portfolio_without_orders_says_whole_shares() -> None:
    # Exactly on target: 1 share of each asset of a two-asset 50/50 model.
    prices = {"BND": Decimal("100"), "TIP": Decimal("100")}
    inp = RebalanceInput(
        holdings={"BND": 1, "TIP": 1},
        prices=prices,
        targets={"BND": Decimal("0.5"), "TIP": Decimal("0.5")},
        cash=Decimal("30"),
    )
    subtitle = await orders_subtitle_without_orders(inp)
    assert "as close as whole shares allow" in subtitle
    assert "nothing to invest" not in subtitle


# -- no stale figures while a plan computes -------------------------------------


async def test_metrics_say_computing_while_a_plan_computes() -> None:
    inp = demo_input()
    plan = solve(inp, "tracking-error")
    async with hosted(lambda: ResultsPane(), (200, 40)) as (pane, pilot):
        pane.show_plan(plan, inp.options)
        await pilot.pause()
        metrics = pane.query_one("#metrics", MetricsLine)
        assert "Deviation" in shown(metrics)
        pane.set_loading(True)
        await pilot.pause()
        assert "Deviation" not in shown(metrics)
        assert "Computing" in shown(metrics)
        pane.set_loading(False)  # ended without a new plan: the tables' plan is back
        await pilot.pause()
        assert "Deviation" in shown(metrics)


# -- the status says what the plan promises --------------------------------------


def with_status(plan: Plan, kind: StatusKind, message: str = "") -> Plan:
    return plan.model_copy(update={"kind": kind, "message": message})


@pytest.mark.parametrize(
    ("kind", "message", "expected", "not_expected"),
    [
        (StatusKind.OPTIMAL, "", "Status optimal", "heuristic"),
        (StatusKind.HEURISTIC, "", "Status heuristic", "Status optimal"),
        (StatusKind.FALLBACK, "solver timed out", "fallback: solver timed out", "Status optimal"),
        (StatusKind.BOUNDED, "within $0.50", "within $0.50", "Status optimal"),
    ],
)
async def test_status_follows_the_plans_kind(
    kind: StatusKind, message: str, expected: str, not_expected: str
) -> None:
    plan = with_status(solve(demo_input(), "simple"), kind, message)
    async with hosted(lambda: MetricsLine(), (200, 10)) as (line, pilot):
        line.show(plan)
        await pilot.pause()
        assert expected in shown(line)
        assert not_expected not in shown(line)


# -- the status bar shows every option in force ----------------------------------


def quotes_for(symbols: Iterable[str]) -> dict[str, PriceQuote]:
    return {s: PriceQuote(symbol=s, price=FALLBACK[s], source="fallback") for s in symbols}


async def test_status_bar_shows_every_option_and_counts_the_funds_prices() -> None:
    options = Options(
        band=Decimal("0.05"),
        relative_band=Decimal("0.25"),
        buy_only=True,
        fee=Decimal("1"),
        cost_rate=Decimal("0.001"),
        reserve=Decimal("250"),
    )
    every_quote = quotes_for(FALLBACK)  # all 12 catalog ETFs
    in_use = set(NORRIS.weights)  # the 9 of the fund on screen
    async with hosted(PriceStatus, (300, 10), width=290) as (status, pilot):
        status.show(
            every_quote,
            fetching=False,
            total=Decimal("50000"),
            cash=Decimal("0"),
            demo_seed=0,
            options=options,
            symbols=in_use,
        )
        await pilot.pause()
        text = shown(status)
        assert f"×{len(in_use)}" in text
        assert f"×{len(every_quote)}" not in text
        assert "Band ±5%" not in text  # the relative band is in force too
        assert "25% of target" in text
        assert "buy-only" in text
        assert "fee $1.00" in text
        assert "0.1%" in text
        assert "reserve $250.00" in text


# -- keys shown are keys that work ----------------------------------------------


async def test_each_key_the_strategy_pane_shows_does_what_it_says(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        picker = app.main_screen.query_one(StrategyPicker)
        prompts = [str(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)]
        assert len(prompts) == len(LABELS) + 1
        for prompt in prompts:
            key, label = prompt.split(maxsplit=1)
            await pilot.press(key)
            await settle(pilot)
            if label == "Compare all":
                assert isinstance(app.screen, CompareScreen)
                await pilot.press("escape")
                await settle(pilot)
            else:
                orders = app.main_screen.query_one("#orders", OrdersTable)
                assert orders.border_title == f"Orders: {label}"


async def test_every_tab_stop_on_the_main_screen_shows_focus(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        seen: list[str] = []
        for _ in range(12):
            focused = app.focused
            assert focused is not None
            name = f"{type(focused).__name__}#{focused.id}"
            if name in seen:
                break
            seen.append(name)
            # A visible focus style: the border changes when it has focus.
            focused_border = focused.styles.border
            await press(pilot, "tab")
            assert focused.styles.border != focused_border, f"{name} shows no focus"
        assert len(seen) >= 5


def footer_keys(app: App[None]) -> str:
    """The keys in the footer drawn on the active screen (the one on top)."""
    # The footer draws nothing itself: each key is a FooterKey child.
    keys = [k for f in app.screen.query(Footer) for k in f.query("FooterKey")]
    return " ".join(" ".join(lines(k)) for k in keys)


async def test_a_modal_shows_its_own_keys_in_the_footer(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        await press(pilot, "i")
        keys = footer_keys(app)
        assert "Simple" not in keys
        assert "esc" in keys


async def test_ctrl_c_quits_even_from_a_field(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        await press(pilot, "i")
        assert isinstance(app.focused, Input)  # where ctrl+c would otherwise copy
        await press(pilot, "ctrl+c")
        assert not app.is_running


@pytest.mark.parametrize("width", [100, 120, 139, 140, 170, 190, 209, 210])
async def test_every_result_column_is_in_view_at_any_width(tmp_path: Path, width: int) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=(width, 50)) as pilot:
        await settle(pilot)
        for table_id, last in (("#current", "Drift"), ("#orders", "Cost"), ("#after", "Drift")):
            header = lines(app.screen.query_one(table_id, Widget))[0]
            assert last in header, f"{table_id} at {width} columns: {header!r}"


async def test_compare_columns_keep_amount_and_drift_in_view(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app) as pilot:
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        for table in app.screen.query(".column-orders, .column-after"):
            last = "Amount" if table.has_class("column-orders") else "Drift"
            assert last in lines(table)[0], f"{table.classes}: {lines(table)[0]!r}"
