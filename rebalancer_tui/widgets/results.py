"""The results pane: current holdings, orders, holdings after, and metrics."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Container
from textual.widgets import Static

from rebalancer_tui.engine import HoldingRow, Plan
from rebalancer_tui.engine.strategies import LABELS
from rebalancer_tui.widgets.holdings_table import HoldingsTable
from rebalancer_tui.widgets.metrics_line import MetricsLine
from rebalancer_tui.widgets.orders_table import OrdersTable


class ResultsPane(Container):
    def compose(self) -> ComposeResult:
        yield HoldingsTable("Current holdings", id="current")
        yield OrdersTable("Orders", id="orders")
        yield HoldingsTable("Holdings after", id="after")
        yield MetricsLine(id="metrics")
        yield Static("", id="hint")

    def show_current(self, rows: Sequence[HoldingRow], band: float) -> None:
        self.query_one("#current", HoldingsTable).show(rows, band)

    def show_plan(self, plan: Plan, band: float) -> None:
        label = LABELS.get(plan.strategy, plan.strategy)
        orders = self.query_one("#orders", OrdersTable)
        orders.border_title = f"Orders: {label}"
        orders.show(plan.orders)
        after = self.query_one("#after", HoldingsTable)
        after.border_title = f"Holdings after: {label}"
        after.show(plan.holdings_after, band)
        self.query_one("#metrics", MetricsLine).show(plan)

    def show_hint(self, text: str) -> None:
        """A one-line hint under the metrics (e.g. the suggested contribution); '' hides it."""
        hint = self.query_one("#hint", Static)
        hint.update(text)
        hint.display = bool(text)

    def set_loading(self, on: bool) -> None:
        for pane in self.query("#orders, #after"):
            pane.loading = on

    def show_problem(self, message: str) -> None:
        """Inputs the engine refuses: say why instead of showing a stale plan."""
        self.query_one("#orders", OrdersTable).show([])
        self.query_one("#after", HoldingsTable).show([], 0.0)
        self.query_one("#metrics", MetricsLine).update(message)
