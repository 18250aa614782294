"""Households (issue 11): 2-5 accounts x 12-50 ETFs, with and without fees and
new cash. Per strategy: solve time, share proven optimal, the gap when only
bounded; side by side, the plain HiGHS MILP of the same households (least
deviation, no decomposition) and the per-account `simple` baseline.

Run alone: `python -m bench.household_bench [--quick]` prints a Markdown section.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from rebalancer_tui.engine.household import Account, Household
from rebalancer_tui.engine.household_milp import HouseholdModel
from rebalancer_tui.engine.household_search import solve_household
from rebalancer_tui.engine.plan import StatusKind
from rebalancer_tui.engine.problem import Options

SHAPES: tuple[tuple[int, int], ...] = ((2, 12), (3, 20), (5, 20), (5, 50))
VARIANTS: tuple[tuple[str, bool], ...] = (("0", True), ("0", False), ("1", True), ("1", False))
KINDS = ("taxable", "tax-deferred", "tax-free")


@dataclass(frozen=True)
class Seeded:
    """How a seeded section runs: seeded cases per row, time limit per solve (seconds)."""

    seeds: int = 3
    limit: float = 2.0


FULL_RUN = Seeded()
QUICK_RUN = Seeded(seeds=1, limit=1.0)
Say = Callable[[str], None] | None  # where a section says what it is running


class Market(NamedTuple):
    """A seeded household's ETFs: symbols E00.., target weights summing to 1, prices."""

    symbols: list[str]
    targets: dict[str, Decimal]
    prices: dict[str, Decimal]


def random_market(r: random.Random, n: int) -> Market:
    """`n` ETFs with random weights and prices ($20-$400), drawn from `r` (the
    household and tax benches draw the rest of a case from the same `r` after it)."""
    syms = [f"E{i:02d}" for i in range(n)]
    raw = [r.random() + 0.1 for _ in syms]
    weights = [Decimal(str(round(x / sum(raw), 4))) for x in raw]
    weights[-1] = Decimal(1) - sum(weights[:-1], Decimal(0))
    prices = {s: Decimal(str(round(r.uniform(20, 400), 2))) for s in syms}
    return Market(syms, dict(zip(syms, weights, strict=True)), prices)


def median(xs: list[float] | list[int]) -> float:
    """The median, 0 for no samples (a section run with no seeds)."""
    return float(statistics.median(xs)) if xs else 0.0


def share(flags: list[bool]) -> str:
    """How many of the flags hold, as `k/n`."""
    return f"{sum(flags)}/{len(flags)}"


def household_case(seed: int, accounts: int, n: int, fee: str, new_cash: bool,
                   time_limit: float) -> Household:  # fmt: skip
    """A seeded household: random weights and prices ($20-$400), each account
    holding a random subset of the ETFs, optionally with new cash."""
    r = random.Random(f"{seed}-{accounts}-{n}-{fee}-{new_cash}")
    syms, targets, prices = random_market(r, n)
    accts = []
    for k in range(accounts):
        held = {s: r.randint(0, 40) for s in r.sample(syms, r.randint(2, n))}
        cash = Decimal(str(round(r.uniform(0, 5000), 2))) if new_cash else Decimal(0)
        accts.append(Account(name=f"acc{k}", kind=KINDS[k % 3], cash=cash, holdings=held))
    location = {syms[0]: frozenset({"tax-deferred"})}
    return Household(
        accounts=tuple(accts),
        prices=prices,
        targets=targets,
        options=Options(fee=Decimal(fee), time_limit=time_limit),
        location=location,
    )


@dataclass
class Row:
    accounts: int
    n: int
    fee: str
    new_cash: bool
    ms: dict[str, list[float]] = field(default_factory=dict)
    proven: dict[str, list[bool]] = field(default_factory=dict)
    gaps: dict[str, list[float]] = field(default_factory=dict)
    dev: dict[str, list[float]] = field(default_factory=dict)
    orders: dict[str, list[int]] = field(default_factory=dict)
    plain_ms: list[float] = field(default_factory=list)
    plain_proven: list[bool] = field(default_factory=list)

    def add(self, key: str, ms: float, proven: bool, gap: float, dev: float, orders: int) -> None:
        self.ms.setdefault(key, []).append(ms)
        self.proven.setdefault(key, []).append(proven)
        self.gaps.setdefault(key, []).append(gap)
        self.dev.setdefault(key, []).append(dev)
        self.orders.setdefault(key, []).append(orders)


def plain_highs(hh: Household, limit: float) -> tuple[float, bool]:
    """The obvious household MILP (least deviation) on HiGHS, no decomposition,
    no box: (seconds, proven within $0.01)."""
    t = time.perf_counter()
    model = HouseholdModel(hh, need_dev=True)
    ans = model.solve(model.deviation_terms(), scale=1e4, abs_gap=0.01,
                      deadline=time.monotonic() + limit)  # fmt: skip
    return time.perf_counter() - t, ans.proven


@dataclass
class HouseholdResult:
    rows: list[Row]
    seeds: int
    time_limit: float
    plain_limit: float


def run_households(
    seeded: Seeded = FULL_RUN,
    plain_limit: float = 10.0,
    say: Say = None,
    shapes: tuple[tuple[int, int], ...] = SHAPES,
    variants: tuple[tuple[str, bool], ...] = VARIANTS,
) -> HouseholdResult:
    rows = []
    for accounts, n in shapes:
        for fee, new_cash in variants:
            if say:
                say(f"households: {accounts} x {n}, fee {fee}, new cash {new_cash}")
            row = Row(accounts, n, fee, new_cash)
            for seed in range(seeded.seeds):
                hh = household_case(seed, accounts, n, fee, new_cash, seeded.limit)
                for strategy in ("simple", "tracking-error", "trade-minimization"):
                    plan = solve_household(hh, strategy)
                    gap = 0.0
                    if plan.kind is StatusKind.BOUNDED and plan.lower_bound is not None:
                        gap = float(plan.metrics.deviation - plan.lower_bound)
                    row.add(strategy, plan.metrics.solve_ms, plan.optimal, gap,
                            float(plan.metrics.deviation), plan.metrics.orders)  # fmt: skip
                if plain_limit > 0:
                    secs, proven = plain_highs(hh, plain_limit)
                    row.plain_ms.append(secs * 1000)
                    row.plain_proven.append(proven)
            rows.append(row)
    return HouseholdResult(rows, seeded.seeds, seeded.limit, plain_limit)


def _ms(xs: list[float]) -> str:
    return f"{statistics.median(xs):.0f} / {max(xs):.0f}"


def render_households(result: HouseholdResult) -> list[str]:
    rows, seeds = result.rows, result.seeds
    time_limit, plain = result.time_limit, result.plain_limit
    out = [
        "## Households (issue 11)",
        "",
        f"{seeds} seeded households per row; household solver time limit {time_limit:g} s "
        f"per strategy; plain HiGHS limit {plain:g} s. Times in ms as median / max. "
        "`proven` = status optimal (within $0.01 of a proven bound). `gap` = the largest "
        "proven gap of a `bounded` plan. `simple` is each account rebalanced on its own.",
        "",
        "| accounts x ETFs | fee | new cash | TE proven | TE ms | TE max gap | TM proven | "
        "TM ms | plain HiGHS proven | plain ms | deviation simple / TE | orders simple / TE / TM |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        te, tm, simple = "tracking-error", "trade-minimization", "simple"
        plain_share = share(r.plain_proven) if r.plain_proven else "-"
        plain_ms = _ms(r.plain_ms) if r.plain_ms else "-"
        out.append(
            f"| {r.accounts} x {r.n} | ${r.fee} | {'yes' if r.new_cash else 'no'} | "
            f"{share(r.proven[te])} | {_ms(r.ms[te])} | ${max(r.gaps[te]):,.2f} | "
            f"{share(r.proven[tm])} | {_ms(r.ms[tm])} | {plain_share} | {plain_ms} | "
            f"${statistics.median(r.dev[simple]):,.0f} / ${statistics.median(r.dev[te]):,.0f} | "
            f"{statistics.median(r.orders[simple]):.0f} / {statistics.median(r.orders[te]):.0f}"
            f" / {statistics.median(r.orders[tm]):.0f} |"
        )
    return out


def household_targets(result: HouseholdResult) -> list[tuple[str, str, bool, str]]:
    """(target, measured, ok, note) for the issue-11 targets."""
    te = "tracking-error"
    plans = [(r, k) for r in result.rows for k in range(len(r.ms[te]))]
    within = [r.proven[te][k] or r.gaps[te][k] <= 1.0 for r, k in plans]
    out = [
        (
            "Households: tracking-error proven optimal or bounded within $1",
            f"{sum(r.proven[te][k] for r, k in plans)}/{len(plans)} proven, "
            f"{sum(within)}/{len(plans)} within $1",
            all(within),
            f"largest gap ${max((max(r.gaps[te]) for r in result.rows), default=0):,.2f}",
        )
    ]
    big = [r for r in result.rows if (r.accounts, r.n) == (5, 50)]
    if big:
        times = [t for r in big for t in r.ms[te]]
        med, worst = statistics.median(times), max(times)
        out.append(
            (
                "Households 5 x 50: tracking-error median < 50 ms, every case < 1 s",
                f"median {med:.0f} ms, max {worst:.0f} ms",
                med < 50 and worst < 1000,
                f"time limit {result.time_limit:g} s; a case at the limit is `bounded`",
            )
        )
    pairs = [
        (r.plain_ms[k], r.ms[te][k])
        for r in result.rows
        for k in range(len(r.plain_ms))
        if r.plain_proven[k] and r.proven[te][k]
    ]
    if pairs:
        ratio = statistics.median(p / max(o, 1e-3) for p, o in pairs)
        out.append(
            (
                "Households: at least 10x faster than plain HiGHS where both finish",
                f"median {ratio:.0f}x over {len(pairs)} households",
                ratio >= 10,
                "plain HiGHS: the household MILP of least deviation, no box, no split",
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.household_bench")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--plain", type=float, default=None, help="plain HiGHS limit (0: skip)")
    args = parser.parse_args(argv)
    base = QUICK_RUN if args.quick else FULL_RUN
    seeded = Seeded(args.seeds or base.seeds, args.time_limit or base.limit)
    plain = args.plain if args.plain is not None else (2.0 if args.quick else 10.0)
    result = run_households(seeded, plain, say=lambda m: print(m, file=sys.stderr, flush=True))
    print("\n".join(render_households(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
