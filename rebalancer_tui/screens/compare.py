"""Compare view: every strategy side by side, one column each.

The main screen owns the solving and sets the plans here (attributes down);
choosing a column dismisses the view with that strategy. On top, a table of
the measures with the current portfolio as its first column and the best
value of each measure marked; `x` exports one plan's orders through the main
screen's file prompt (which asks before replacing a file).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer

from rebalancer_tui.engine import LABELS, STRATEGIES, Options, Plan
from rebalancer_tui.screens.modal import OnceScreen
from rebalancer_tui.widgets.compare_table import CompareTable
from rebalancer_tui.widgets.holdings_table import Band
from rebalancer_tui.widgets.plan_column import PlanColumn
from rebalancer_tui.widgets.steady_header import SteadyHeader
from rebalancer_tui.workspace import Outcome
from rebalancer_tui.workspace.explain import current_plan

# Below this width the columns stack (each gets the full width: no amount is cut);
# above it they also stack when their tables would not fit whole (-stacked).
BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]


class CompareScreen(OnceScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c", "back", "Back", id="compare.back"),
        Binding("1", "pick('simple')", "Use Simple", id="compare.simple"),
        Binding("2", "pick('tracking-error')", "Use Tracking", id="compare.tracking"),
        Binding("3", "pick('trade-minimization')", "Use Min trades", id="compare.trades"),
        *(
            [Binding("4", "pick('band-edge')", "Use Band edge", id="compare.band_edge")]
            if "band-edge" in STRATEGIES
            else []
        ),
        Binding("x", "export", "Export orders", id="compare.export"),
    ]
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = BREAKPOINTS

    def __init__(self) -> None:
        super().__init__(id="compare")
        self.sub_title = "Compare all strategies"
        # Kept so plans set before the columns are mounted still show.
        self._plans: tuple[Sequence[Plan], Band] | None = None
        self._loading = False
        self._ready = False
        self._tax = False  # some account has tax lots: the measures show gains and tax

    def compose(self) -> ComposeResult:
        yield SteadyHeader()
        with VerticalScroll(id="compare-body", can_focus=False):
            yield CompareTable(id="measures")
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

    def show_plans(self, plans: Sequence[Plan], band: Band, *, tax: bool = False) -> None:
        self._plans, self._tax = (plans, band), tax
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
                for plan in plans:
                    column = self.query_one(f"#col-{plan.strategy}", PlanColumn)
                    # No colour-only marks here: the measures table marks the best.
                    column.show(plan, band, set())
                shown = list(plans)
                if isinstance(band, Options) and plans:
                    shown.insert(0, current_plan(plans[0], band))
                self.query_one(CompareTable).show(shown, tax=self._tax)
        self.call_after_refresh(self._fit_columns)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_columns)

    def _fit_columns(self) -> None:
        """Side by side only if every column's tables fit whole (a household's
        orders have an account column too); else stacked, full width."""
        tables = list(self.query(".column-orders, .column-after"))
        if not tables or not self.is_mounted:
            return
        # Each table's content, its border, its column's border and padding.
        need = max(t.virtual_size.width for t in tables) + 6
        self.set_class(need * len(STRATEGIES) > self.size.width, "-stacked")

    def action_back(self) -> None:
        self.close(None)

    def action_pick(self, strategy: str) -> None:
        self.close(strategy)

    def shown_plans(self) -> dict[str, Plan]:
        """The plans on show, by strategy (none while they are computed)."""
        if self._plans is None or self._loading:
            return {}
        return {p.strategy: p for p in self._plans[0]}

    def action_export(self) -> None:
        """Ask which plan, then the file (the main screen's export prompt)."""
        from rebalancer_tui.screens.confirm import Confirm

        plans = self.shown_plans()
        if not plans:
            self.notify("No plan to export yet.", severity="warning")
            return
        choices = tuple((s, f"{n} {LABELS.get(s, s)}") for n, s in enumerate(plans, start=1))
        ask = Confirm("Export the orders of which plan?", choices, title="Export orders")
        self.app.push_screen(ask, lambda s: self._export(plans.get(s or "")))

    def _export(self, plan: Plan | None) -> None:
        from rebalancer_tui.screens.file_prompt import FilePrompt
        from rebalancer_tui.screens.main import MainScreen

        main = self.app.get_default_screen()
        if plan is None or not isinstance(main, MainScreen) or not self.is_active:
            return
        spec = main.workspace.file_action("export", cast(Any, plan))
        if isinstance(spec, Outcome):
            main.tell(spec)
        else:
            self.app.push_screen(FilePrompt(spec), main.tell)
