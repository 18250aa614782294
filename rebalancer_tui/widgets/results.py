"""The results pane: current holdings, orders, holdings after, and metrics.

While a plan is computed the orders and holdings after show a loading
indicator and the metrics say so: figures of the previous plan are never
shown as if they answered the new inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from textual import on
from textual.app import ComposeResult
from textual.containers import Container
from textual.visual import VisualType
from textual.widgets import DataTable, Static

from rebalancer_tui.engine import LABELS, HoldingRow, Options, Plan
from rebalancer_tui.widgets.drift_bars import DriftBars
from rebalancer_tui.widgets.holdings_table import Band, HoldingsTable
from rebalancer_tui.widgets.metrics_line import MetricsLine
from rebalancer_tui.widgets.order_reason import OrderReason
from rebalancer_tui.widgets.orders_table import OrdersTable, order_of
from rebalancer_tui.workspace.explain import order_reasons


def investable(plan: Plan, band: Band) -> Decimal:
    """V' = assets after the plan + its costs + cash left - reserve (SPEC §4)."""
    reserve = band.reserve if isinstance(band, Options) else Decimal(0)
    m = plan.metrics
    held = sum((r.value for r in plan.holdings_after), Decimal(0))
    return held + m.costs + m.cash_left - reserve


def no_orders_note(plan: Plan, band: Band) -> str:
    """Why a plan has no orders, in the subtitle of the orders table."""
    if investable(plan, band) <= 0:
        return "nothing to invest: no holdings and no cash above the reserve"
    return "no orders: already as close as whole shares allow"


class ResultsPane(Container):
    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        # What the metrics line showed last: put back if a computation ends
        # without a new plan (the tables keep showing that plan).
        self._metrics: VisualType = ""

    def compose(self) -> ComposeResult:
        yield HoldingsTable("Current holdings", id="current")
        yield OrdersTable("Orders", id="orders")
        yield HoldingsTable("Holdings after", id="after")
        yield MetricsLine(id="metrics")
        yield Static("", id="hint")
        yield OrderReason(id="order-why")  # why the highlighted order is there
        yield DriftBars(id="drift")

    def show_current(
        self,
        rows: Sequence[HoldingRow],
        band: Band,
        *,
        cash: Decimal | None = None,
        wash: frozenset[str] = frozenset(),
    ) -> None:
        """`band`: the options (per-asset bands, reserve) or a plain band;
        `cash`: the portfolio's cash, shown as a row (with the options, the
        weights then add up to 100 %); `wash`: symbols not sold at a loss."""
        self.query_one("#current", HoldingsTable).show(rows, band, cash=cash, wash=wash)

    def show_plan(self, plan: Plan, band: Band, *, tax: bool = False) -> None:
        """With the options as `band`, the holdings after include the cash
        left, the reserve and the costs paid. `tax`: some account has tax
        lots, so the metrics show the gains realised and their tax."""
        label = LABELS.get(plan.strategy, plan.strategy)
        orders = self.query_one("#orders", OrdersTable)
        orders.border_title = f"Orders: {label}"
        orders.show(plan.orders, empty=no_orders_note(plan, band))
        after = self.query_one("#after", HoldingsTable)
        after.border_title = f"Holdings after: {label}"
        if isinstance(band, Options):
            m = plan.metrics
            after.show(plan.holdings_after, band, cash=m.cash_left, costs=m.costs)
        else:
            after.show(plan.holdings_after, band)
        metrics = self.query_one("#metrics", MetricsLine)
        metrics.show(plan, tax=tax)
        self._metrics = metrics.content
        if isinstance(band, Options):
            self.query_one(DriftBars).show(plan, band)
            self.query_one(OrderReason).set_reasons(order_reasons(plan, band))

    @on(DataTable.RowHighlighted, "#orders")
    def _order_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # A table emptied or rebuilt highlights no row: its key is None then.
        key = getattr(event.row_key, "value", None)
        self.query_one(OrderReason).highlight(None if key is None else order_of(str(key)))

    def show_hint(self, text: str) -> None:
        """A one-line hint under the metrics (e.g. the suggested contribution); '' hides it."""
        hint = self.query_one("#hint", Static)
        hint.update(text)
        hint.display = bool(text)

    def set_loading(self, on: bool) -> None:
        for pane in self.query("#orders, #after, #drift"):
            pane.loading = on
        metrics = self.query_one("#metrics", MetricsLine)
        if on:
            metrics.computing()
        else:
            metrics.update(self._metrics)

    def show_problem(self, message: str) -> None:
        """Inputs the engine refuses: say why instead of showing a stale plan."""
        self.query_one("#orders", OrdersTable).show([], empty="")
        self.query_one("#after", HoldingsTable).show([], 0.0)
        self.query_one(DriftBars).clear(message)
        self.query_one(OrderReason).set_reasons({})
        self._metrics = message
        self.query_one("#metrics", MetricsLine).update(message)
