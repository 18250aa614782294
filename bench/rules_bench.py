"""Order rules and band-edge (issue 12).

1. Band-edge at destination F = 0, 0.125 and 1 against trade-minimization and
   tracking-error on the same cases (single portfolios of 12 and 50 ETFs and
   households of 2-3 accounts): dollars traded, deviation, orders, status.
2. Solve times with a minimum order and lots on (every strategy; the fast
   exact methods do not apply, HiGHS answers with the rules modelled).

Run alone: `python -m bench.rules_bench [--quick]` prints a Markdown section.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from bench.household_bench import FULL_RUN, QUICK_RUN, Say, Seeded, household_case, median, share
from bench.portfolios import SCENARIOS, random_input
from rebalancer_tui.engine.household import Household
from rebalancer_tui.engine.household_plan import HouseholdPlan
from rebalancer_tui.engine.household_search import solve_household
from rebalancer_tui.engine.plan import StatusKind

DESTINATIONS: tuple[str, ...] = ("0", "0.125", "1")
# (label, accounts, ETFs); accounts 1 = a single portfolio from the engine bench.
CASES: tuple[tuple[str, int, int], ...] = (
    ("1 x 12", 1, 12),
    ("1 x 50", 1, 50),
    ("2 x 12", 2, 12),
    ("3 x 20", 3, 20),
)
MIN_TRADE = Decimal(250)
LOT = 10  # shares per lot of every third ETF


class Sample(NamedTuple):
    """One solve's figures, as the tables show them."""

    turnover: float
    deviation: float
    orders: int
    ms: float
    proven: bool  # status optimal
    fallback: bool  # no plan fit the bands

    @classmethod
    def of(cls, plan: HouseholdPlan) -> Sample:
        m = plan.metrics
        return cls(float(m.turnover), float(m.deviation), m.orders, m.solve_ms,
                   plan.kind is StatusKind.OPTIMAL, plan.kind is StatusKind.FALLBACK)  # fmt: skip


@dataclass
class CaseRow:
    label: str
    by: dict[str, list[Sample]] = field(default_factory=dict)

    def add(self, key: str, plan: HouseholdPlan) -> None:
        self.by.setdefault(key, []).append(Sample.of(plan))


@dataclass
class RulesResult:
    band_edge: list[CaseRow]
    rules: list[CaseRow]
    seeds: int
    time_limit: float


def _case(label: str, accounts: int, n: int, seed: int, time_limit: float) -> Household:
    if accounts == 1:
        inp = random_input(n, seed, SCENARIOS[0])
        inp = inp.model_copy(
            update={"options": inp.options.model_copy(update={"time_limit": time_limit})}
        )
        return Household.single(inp)
    return household_case(seed, accounts, n, "0", True, time_limit)


def run_rules(
    seeded: Seeded = FULL_RUN,
    say: Say = None,
    cases: tuple[tuple[str, int, int], ...] = CASES,
) -> RulesResult:
    edge_rows, rule_rows = [], []
    for label, accounts, n in cases:
        if say:
            say(f"order rules: {label}")
        edge, rules = CaseRow(label), CaseRow(label)
        for seed in range(seeded.seeds):
            hh = _case(label, accounts, n, seed, seeded.limit)
            for strategy in ("tracking-error", "trade-minimization"):
                edge.add(strategy, solve_household(hh, strategy))
            for f in DESTINATIONS:
                edged = hh.with_options(destination=Decimal(f))
                edge.add(f"band-edge F={f}", solve_household(edged, "band-edge"))
            lots = {s: LOT for s in list(hh.targets)[::3]}
            ruled = hh.with_options(min_trade=MIN_TRADE, lots=lots)
            for strategy in ("simple", "tracking-error", "trade-minimization", "band-edge"):
                rules.add(strategy, solve_household(ruled, strategy))
        edge_rows.append(edge)
        rule_rows.append(rules)
    return RulesResult(edge_rows, rule_rows, seeded.seeds, seeded.limit)


def _rows(rows: list[CaseRow], ms_max: bool) -> list[str]:
    """One table line per case and strategy; `ms_max` adds the slowest solve to the median."""
    out = []
    for row in rows:
        for key, samples in row.by.items():
            ms = [x.ms for x in samples]
            slowest = f" / {max(ms):,.1f}" if ms_max else ""
            out.append(
                f"| {row.label} | {key} | ${median([x.turnover for x in samples]):,.0f} "
                f"| ${median([x.deviation for x in samples]):,.0f} "
                f"| {median([x.orders for x in samples]):.0f} | {median(ms):,.1f}{slowest} "
                f"| {share([x.proven for x in samples])} "
                f"| {share([x.fallback for x in samples])} |"
            )
    return out


def render_rules(result: RulesResult) -> list[str]:
    out = [
        "## Order rules and band-edge (issue 12)",
        "",
        f"{result.seeds} seeded cases per row (single portfolios: the engine bench's "
        "'no cash' portfolios; households: the household bench's, with new cash); "
        f"time limit {result.time_limit:g} s per solve. Medians. `proven` = status "
        "optimal; `fallback` = no plan fit the bands (the tracking-error plan answered).",
        "",
        "### Band-edge against trade-minimization and tracking-error",
        "",
        "| case | strategy | turnover | deviation | orders | ms | proven | fallback |",
        "|---|---|---|---|---|---|---|---|",
    ]
    out += _rows(result.band_edge, ms_max=False)
    out += [
        "",
        f"### With a ${MIN_TRADE} minimum order and lots of {LOT} on every third ETF",
        "",
        "Every strategy honours the rules; the fast exact methods do not model them, so "
        "the search strategies are solved by HiGHS with the rules modelled. A lot of 10 "
        "shares of a $300 ETF is wider than a 2 % band of a small weight: HiGHS then "
        "proves that no plan fits the bands (`fallback`). `ms` is the solve alone; the "
        "reasons' reference (the same strategy without the rules) is solved after it.",
        "",
        "| case | strategy | turnover | deviation | orders | ms (median / max) | proven "
        "| fallback |",
        "|---|---|---|---|---|---|---|---|",
    ]
    out += _rows(result.rules, ms_max=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one seed, 1 s limit")
    args = parser.parse_args(argv)
    seeded = QUICK_RUN if args.quick else FULL_RUN
    result = run_rules(seeded, say=lambda m: print(m, file=sys.stderr, flush=True))
    print("\n".join(render_rules(result)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
