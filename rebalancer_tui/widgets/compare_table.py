"""The compare view's measures table: one row per measure, one column per plan,
the current portfolio first.

The best value of each measure (the lowest, among the strategies) carries a
★ and is bold, so the mark never rests on colour alone. Columns are as wide
as their widest cell: no amount is ever cut.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from rebalancer_tui.engine import LABELS
from rebalancer_tui.widgets.format import money, pct
from rebalancer_tui.widgets.metrics_line import STATUS_STYLE, signed
from rebalancer_tui.workspace.explain import (
    CURRENT,
    MEASURES,
    TAX_MEASURES,
    PlanLike,
    best_by_measure,
)

BEST = "★"
# Short labels (as in the footer's keys), so the whole table fits 80 columns;
# a strategy not named here shows the engine's label.
SHORT_LABELS = {
    CURRENT: "Current",
    "simple": "Simple",
    "tracking-error": "Tracking",
    "trade-minimization": "Min trades",
    "band-edge": "Band edge",
}


def column_label(strategy: str) -> str:
    return SHORT_LABELS.get(strategy) or LABELS.get(strategy, strategy)


def measure_text(plan: PlanLike, key: str) -> str:
    m = plan.metrics
    value = getattr(m, key)
    if key in ("deviation", "turnover", "costs", "cash_left", "tax"):
        return money(value)
    if key.startswith("realized_gains"):
        return signed(value)
    if key == "deviation_pct":
        return f"{value:.2f}%"
    if key == "max_drift":
        return pct(value)
    return f"{value:,}"


class CompareTable(DataTable[Text]):
    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        # No cell padding: every value cell starts with its own gap (and the
        # best its mark), which is what lets five columns fit in 80.
        super().__init__(
            id=id, classes=classes, cursor_type="row", zebra_stripes=True, cell_padding=0
        )
        self.border_title = f"Measures ({BEST} best among the strategies; lower is better)"

    def show(self, plans: Sequence[PlanLike], *, tax: bool = False) -> None:
        """`plans`: the current portfolio's pseudo-plan (optional) and each strategy's;
        `tax`: add the gains realised and their tax (some account has lots)."""
        measures = (*MEASURES, *TAX_MEASURES) if tax else MEASURES
        best = best_by_measure(plans, measures)
        with self.app.batch_update():
            self.clear(columns=True)
            self.add_column(" Measure", key="measure")
            for plan in plans:
                label = f" {column_label(plan.strategy)}"
                self.add_column(Text(label, justify="right"), key=plan.strategy)
            for key, label in measures:
                cells = [Text(f" {label}", style="dim")]
                for plan in plans:
                    value = measure_text(plan, key)
                    if plan.strategy in best[key]:
                        cells.append(Text(f" {BEST} {value}", style="bold", justify="right"))
                    else:  # the current column is never marked: no room kept for a mark
                        pad = " " if plan.strategy == CURRENT else "   "
                        cells.append(Text(f"{pad}{value}", justify="right"))
                self.add_row(*cells, key=key)
            status = [Text(" Status", style="dim")]
            for plan in plans:
                # The kind alone ("optimal", "fallback"...): the columns below say why.
                if plan.strategy == CURRENT:
                    status.append(Text("now", style="dim", justify="right"))
                else:
                    style = STATUS_STYLE.get(plan.kind, "")
                    status.append(Text(plan.kind.value, style=style, justify="right"))
            self.add_row(*status, key="status")

    def best_in(self, measure: str) -> list[str]:
        """The columns whose cell in `measure`'s row carries the mark (tests use this)."""
        row = self.get_row(measure)
        keys = [str(c.key.value) for c in self.ordered_columns]
        return [k for k, v in zip(keys, row, strict=True) if str(v).lstrip().startswith(BEST)]
