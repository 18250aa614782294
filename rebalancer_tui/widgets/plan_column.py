"""One strategy's column in the compare view: metrics, orders, holdings after."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical

from rebalancer_tui.engine import Plan
from rebalancer_tui.engine.strategies import LABELS
from rebalancer_tui.widgets.holdings_table import HoldingsTable
from rebalancer_tui.widgets.metrics_line import MetricsLine
from rebalancer_tui.widgets.orders_table import OrdersTable


class PlanColumn(Vertical):
    def __init__(self, strategy: str, number: int) -> None:
        super().__init__(id=f"col-{strategy}", classes="plan-column")
        self.strategy = strategy
        self.border_title = f"{number} {LABELS.get(strategy, strategy)}"

    def compose(self) -> ComposeResult:
        yield MetricsLine(compact=True, classes="column-metrics")
        yield OrdersTable("Orders", classes="column-orders")
        yield HoldingsTable("Holdings after", classes="column-after")

    def show(self, plan: Plan, band: float, best: set[str]) -> None:
        self.query_one(MetricsLine).show(plan, best)
        self.query_one(OrdersTable).show(plan.orders)
        self.query_one(HoldingsTable).show(plan.holdings_after, band)
