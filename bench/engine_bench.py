"""Engine scaling: solve times and plan quality on seeded random portfolios."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from decimal import Decimal

from bench.bounds import lp_deviation, rounding_floor
from bench.portfolios import SCENARIOS, Scenario, random_input
from rebalancer_tui.engine import STRATEGIES, Options, RebalanceInput, solve


@dataclass
class StrategyResult:
    strategy: str
    status: str
    solve_ms: float  # median of the engine's own timing (plan.metrics.solve_ms)
    wall_ms: float  # median of solve() timed here, including building the plan
    runs: int
    deviation: float
    deviation_pct: float
    orders: int
    turnover: float
    cash_left: float
    highs_calls: int | None  # MILP solver calls in one diagnostic run (None: unknown)


@dataclass
class CaseResult:
    n: int
    scenario: str
    value: float  # investable value V'
    lp_bound: float
    floor: float
    strategies: list[StrategyResult]


@dataclass
class SweepResult:
    """Tracking-error status and time over several seeds (one run each)."""

    n: int
    runs: int = 0
    optimal: int = 0
    worst_ms: float = 0.0
    failures: list[str] = field(default_factory=list)


def warm_up() -> None:
    """Import numpy/SciPy and run every strategy once so timings are warm."""
    inp = random_input(12, 999, SCENARIOS[1])
    for name in STRATEGIES:
        solve(inp, name)
    lp_deviation(inp)


def run_case(
    n: int, scenario: Scenario, repeats: int, budget_s: float, seed: int = 0
) -> CaseResult:
    """Each strategy `repeats` times, or fewer once its runs took `budget_s`
    (a multi-second solve is timed once: its median would say nothing new)."""
    inp = random_input(n, seed, scenario)
    results = []
    for name in STRATEGIES:
        solve_ms: list[float] = []
        wall_ms: list[float] = []
        plan = None
        highs: int | None = None
        while not wall_ms or (len(wall_ms) < repeats and sum(wall_ms) < budget_s * 1000):
            # A fresh input each time: the input caches derived values.
            fresh = random_input(n, seed, scenario)
            t0 = time.perf_counter()
            plan = solve(fresh, name)
            wall_ms.append((time.perf_counter() - t0) * 1000)
            highs = plan.highs_calls
            solve_ms.append(plan.metrics.solve_ms)
        assert plan is not None
        m = plan.metrics
        results.append(
            StrategyResult(
                strategy=name,
                status=plan.status,
                solve_ms=statistics.median(solve_ms),
                wall_ms=statistics.median(wall_ms),
                runs=len(wall_ms),
                deviation=float(m.deviation),
                deviation_pct=m.deviation_pct,
                orders=m.orders,
                turnover=float(m.turnover),
                cash_left=float(m.cash_left),
                highs_calls=highs,
            )
        )
    return CaseResult(
        n=n,
        scenario=scenario.name,
        value=float(inp.investable),
        lp_bound=lp_deviation(inp),
        floor=float(rounding_floor(inp)),
        strategies=results,
    )


def run_sweep(n: int, seeds: range) -> SweepResult:
    """Is tracking-error proven optimal on other seeds too? One warm run each.
    Seed 0 is the main table's; sweeps use the seeds after it."""
    out = SweepResult(n=n)
    for seed in seeds:
        for scenario in SCENARIOS:
            plan = solve(random_input(n, seed, scenario), "tracking-error")
            out.runs += 1
            out.worst_ms = max(out.worst_ms, plan.metrics.solve_ms)
            if plan.optimal:
                out.optimal += 1
            else:
                out.failures.append(f"seed {seed}, {scenario.name}: {plan.status}")
    return out


CONTRIBUTION_SIZES = (400, 1600, 5000)


@dataclass
class ContributionResult:
    """The suggested contribution (buy-only, no cash, relative band 0.25, so
    every ETF needs buying) beside the tracking-error plan of the same input."""

    n: int
    ms: float  # suggested_contribution, one warm run
    plan_ms: float  # tracking-error on the input without the contribution
    amount: float
    buys: int


def contribution_input(n: int, seed: int = 0) -> RebalanceInput:
    base = random_input(n, seed, Scenario("no cash, buy-only", 0.0, buy_only=True))
    return RebalanceInput(
        holdings=base.holdings,
        prices=base.prices,
        targets=base.targets,
        cash=base.cash,
        options=Options(buy_only=True, relative_band=Decimal("0.25")),
    )


def run_contribution(n: int) -> ContributionResult:
    from rebalancer_tui.engine.contribution import suggested_contribution

    inp = contribution_input(n)
    t0 = time.perf_counter()
    c = suggested_contribution(inp)
    ms = (time.perf_counter() - t0) * 1000
    plan = solve(contribution_input(n), "tracking-error")
    return ContributionResult(
        n=n,
        ms=ms,
        plan_ms=plan.metrics.solve_ms,
        amount=float(c.amount) if c else float("nan"),
        buys=len(c.buys) if c else 0,
    )
