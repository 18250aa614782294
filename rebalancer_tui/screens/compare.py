"""Compare view: every strategy side by side, one column each.

The main screen owns the solving and sets the plans here (attributes down);
choosing a column dismisses the view with that strategy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Header

from rebalancer_tui.engine import STRATEGIES, Plan
from rebalancer_tui.screens.modal import OnceScreen
from rebalancer_tui.widgets.holdings_table import Band
from rebalancer_tui.widgets.metrics_line import best_metrics
from rebalancer_tui.widgets.plan_column import PlanColumn


class CompareScreen(OnceScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c", "back", "Back", id="compare.back"),
        Binding("1", "pick('simple')", "Use Simple", id="compare.simple"),
        Binding("2", "pick('tracking-error')", "Use Tracking", id="compare.tracking"),
        Binding("3", "pick('trade-minimization')", "Use Min trades", id="compare.trades"),
    ]

    def __init__(self) -> None:
        super().__init__(id="compare")
        self.sub_title = "Compare all strategies"
        # Kept so plans set before the columns are mounted still show.
        self._plans: tuple[Sequence[Plan], Band] | None = None
        self._loading = False
        self._ready = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="columns"):
            for number, strategy in enumerate(STRATEGIES, start=1):
                yield PlanColumn(strategy, number)
        yield Footer()

    def on_mount(self) -> None:
        # After a refresh: by then the columns have composed their own tables.
        self.call_after_refresh(self._columns_ready)

    def _columns_ready(self) -> None:
        self._ready = True
        self._apply()

    def show_plans(self, plans: Sequence[Plan], band: Band) -> None:
        self._plans = (plans, band)
        self._apply()

    def set_loading(self, on: bool) -> None:
        self._loading = on
        self._apply()

    def _apply(self) -> None:
        if not self._ready:
            return
        with self.app.batch_update():
            for column in self.query(PlanColumn):
                column.loading = self._loading
            if self._plans is not None:
                plans, band = self._plans
                best = best_metrics(plans)
                for plan in plans:
                    column = self.query_one(f"#col-{plan.strategy}", PlanColumn)
                    column.show(plan, band, best[plan.strategy])

    def action_back(self) -> None:
        self.close(None)

    def action_pick(self, strategy: str) -> None:
        self.close(strategy)
