"""A plan's metrics and status: one line in the main view, a block in compare."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Union

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from rebalancer_tui.engine import Plan, StatusKind
from rebalancer_tui.widgets.format import money, pct

if TYPE_CHECKING:
    from rebalancer_tui.engine.household_plan import HouseholdPlan

AnyPlan = Union[Plan, "HouseholdPlan"]
"""A single-account plan or a household's (the same metrics and status)."""

COMPUTING = "Computing the plan…"


def accounts_cash_left(plan: AnyPlan) -> str:
    """ "main $12.30 · ira $0.40" for a household plan of several accounts, else ""."""
    after = getattr(plan, "accounts_after", None) or []
    if len(after) < 2:
        return ""
    return " · ".join(f"{a.account} {money(a.cash_left)}" for a in after)


def signed(amount: Decimal) -> str:
    """ "+$12.00", "-$3.00" or "$0.00": a gain, a loss or neither."""
    return f"+{money(amount)}" if amount > 0 else money(amount)


def tax_items(plan: AnyPlan) -> list[tuple[str, str]]:
    """What the plan's sales from tax lots realise and the tax on it (SPEC §8)."""
    m = plan.metrics
    gains = f"short {signed(m.realized_gains_short)} · long {signed(m.realized_gains_long)}"
    return [("Realised", gains), ("Tax", money(m.tax))]


def metric_items(plan: AnyPlan, tax: bool = False) -> list[tuple[str, str]]:
    """The household's figures; with several accounts, each one's cash left;
    with `tax` (some account has lots), the gains realised and their tax."""
    m = plan.metrics
    per = accounts_cash_left(plan)
    cash = f"{money(m.cash_left)} ({per})" if per else money(m.cash_left)
    return [
        ("Deviation", f"{money(m.deviation)} ({m.deviation_pct:.2f}%)"),
        ("Largest drift", pct(m.max_drift)),
        ("Orders", f"{m.orders} ({m.shares_traded:,} shares)"),
        ("Turnover", money(m.turnover)),
        ("Costs", money(m.costs)),
        ("Cash left", cash),
        *(tax_items(plan) if tax else []),
        ("Solve time", f"{m.solve_ms:.0f} ms"),
    ]


def compact_items(plan: AnyPlan) -> list[tuple[str, str, str]]:
    """(key, short label, value): fits a 22-column compare column."""
    m = plan.metrics
    return [
        ("deviation", "Deviation", money(m.deviation)),
        ("deviation", "Dev. %", f"{m.deviation_pct:.2f}%"),
        ("max_drift", "Max drift", pct(m.max_drift)),
        ("orders", "Orders", str(m.orders)),
        ("shares_traded", "Shares", f"{m.shares_traded:,}"),
        ("turnover", "Turnover", money(m.turnover)),
        ("costs", "Costs", money(m.costs)),
        ("cash_left", "Cash left", money(m.cash_left)),
        ("solve_ms", "Solve", f"{m.solve_ms:.0f} ms"),
    ]


def best_metrics(plans: Sequence[AnyPlan]) -> dict[str, set[str]]:
    """Per strategy, the metrics on which it is best (lowest) among `plans`."""
    keys = ("deviation", "max_drift", "orders", "shares_traded", "turnover", "costs")
    best: dict[str, set[str]] = {p.strategy: set() for p in plans}
    if len(plans) < 2:
        return best
    for key in keys:
        values = {p.strategy: getattr(p.metrics, key) for p in plans}
        low = min(values.values())
        if all(v == low for v in values.values()):
            continue  # a tie everywhere says nothing
        for strategy, v in values.items():
            if v == low:
                best[strategy].add(key)
    return best


STATUS_STYLE = {
    StatusKind.OPTIMAL: "bold green",
    StatusKind.BOUNDED: "bold cyan",
    StatusKind.HEURISTIC: "bold yellow",
    StatusKind.FALLBACK: "bold red",
}
STATUS_WORDS = {
    StatusKind.OPTIMAL: "optimal",
    StatusKind.BOUNDED: "best found",
    StatusKind.HEURISTIC: "heuristic (not proven optimal)",
    StatusKind.FALLBACK: "fallback",
}


def skipped_text(plan: AnyPlan) -> Text:
    """The trades an order rule took away, each with its reason ("ira ESGV:
    $38.00 is under the $100.00 minimum · VTI: locked"); empty when none."""
    skipped = getattr(plan, "skipped", ())
    text = Text()
    if skipped:
        text.append(f"Skipped ({len(skipped)}) ", style="dim")
        reasons = [f"{s.account} {s.reason}" if s.account else s.reason for s in skipped]
        text.append(" · ".join(reasons), style="yellow")
    return text


def status_text(plan: AnyPlan) -> Text:
    """What the plan's status promises, from its kind: proven optimal, best
    found within a proven gap, a rule of thumb, or another strategy's plan
    (with the reason)."""
    words = STATUS_WORDS.get(plan.kind, plan.kind.value)
    text = f"{words}: {plan.message}" if plan.message else words
    return Text(text, style=STATUS_STYLE.get(plan.kind, "bold yellow"))


class MetricsLine(Static):
    def __init__(
        self, *, compact: bool = False, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__("", id=id, classes=classes)
        self.compact = compact

    def clear_plan(self, message: str = "") -> None:
        self.update(message)

    def computing(self) -> None:
        """No figures while a plan is computed: the old ones no longer hold."""
        self.update(Text(COMPUTING, style="italic dim"))

    def show(
        self, plan: AnyPlan, best: set[str] | frozenset[str] = frozenset(), *, tax: bool = False
    ) -> None:
        """`best`: metric names to highlight (the compare view's winners);
        `tax`: show the gains realised and their tax (some account has lots)."""
        if self.compact:
            grid = Table.grid(padding=(0, 1), expand=True)
            grid.add_column(style="dim", no_wrap=True)
            grid.add_column(justify="right")
            for key, label, value in compact_items(plan):
                grid.add_row(label, Text(value, style="bold green" if key in best else ""))
            grid.add_row("Status", status_text(plan))
            if getattr(plan, "skipped", ()):
                grid.add_row("Skipped", Text(str(len(plan.skipped)), style="yellow"))
            self.update(grid)
            return
        items = metric_items(plan, tax)
        line = Text()
        for label, value in items:
            line.append(f"{label} ", style="dim")
            line.append(value, style="bold")
            line.append("  ")
        line.append("Status ", style="dim")
        line.append_text(status_text(plan))
        skipped = skipped_text(plan)
        if skipped:
            line.append("\n")
            line.append_text(skipped)
        self.update(line)
