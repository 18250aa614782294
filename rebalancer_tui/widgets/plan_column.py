"""One strategy's column in the compare view: metrics, orders, holdings after,
and where the plan takes each ETF (compact drift and band bars)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical

from rebalancer_tui.engine import LABELS, Options, Plan
from rebalancer_tui.widgets.drift_bars import DriftBars
from rebalancer_tui.widgets.holdings_table import Band, CompactHoldingsTable, HoldingsTable
from rebalancer_tui.widgets.metrics_line import MetricsLine
from rebalancer_tui.widgets.orders_table import CompactOrdersTable, OrdersTable
from rebalancer_tui.widgets.results import no_orders_note


class PlanColumn(Vertical):
    def __init__(self, strategy: str, number: int) -> None:
        super().__init__(id=f"col-{strategy}", classes="plan-column")
        self.strategy = strategy
        self.border_title = f"{number} {LABELS.get(strategy, strategy)}"

    def compose(self) -> ComposeResult:
        yield MetricsLine(compact=True, classes="column-metrics")
        yield CompactOrdersTable("Orders", classes="column-orders")
        yield CompactHoldingsTable("Holdings after", classes="column-after")
        yield DriftBars(compact=True, classes="column-drift")

    def show(self, plan: Plan, band: Band, best: set[str]) -> None:
        """`band`: the options (per-asset bands; the cash left, reserve and
        costs become rows) or a plain band."""
        self.query_one(MetricsLine).show(plan, best)
        self.query_one(OrdersTable).show(plan.orders, empty=no_orders_note(plan, band))
        after = self.query_one(HoldingsTable)
        if isinstance(band, Options):
            m = plan.metrics
            after.show(plan.holdings_after, band, cash=m.cash_left, costs=m.costs)
            self.query_one(DriftBars).show(plan, band)
        else:
            after.show(plan.holdings_after, band)
