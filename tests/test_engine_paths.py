"""Each exact path of the engine, forced on its own, against brute force.

The engine tries its paths in turn (`search.DEFAULT_PIPELINE`): the fill to
the cent (buy-only), numpy enumeration of the tightened box, meeting in the
middle, the cents DP, and HiGHS. On tiny cases the first two always win, so
the others would go untested; here `solve(..., methods=...)` is given the
pipeline from one path on, which forces that path, and every path must agree
with the independent reference. Each plan names the methods that settled it
(`plan.solved_by`), so a test can check the forced path really ran. Cases too
big for brute force are checked against the continuous (LP) bound instead.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from engine_reference import (
    cases,
    check_tracking_error,
    check_trade_minimization,
    enumerate_plans,
)
from hypothesis import HealthCheck, given, settings

from rebalancer_tui.engine import Options, RebalanceInput, solve
from rebalancer_tui.engine.search import DEFAULT_PIPELINE, Pipeline

PATHS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)


PATHS_IN_ORDER = ["fill", "enumeration", "meet-in-the-middle", "cents-dp", "highs"]


def test_the_default_pipeline_order() -> None:
    assert DEFAULT_PIPELINE.names == tuple(PATHS_IN_ORDER)


@pytest.fixture(params=PATHS_IN_ORDER)
def path(request: pytest.FixtureRequest) -> Pipeline:
    """The pipeline from one path on: the ones the engine tries before it are left out."""
    return DEFAULT_PIPELINE.starting_at(request.param)


@PATHS
@given(inp=cases(buy_only=True, cash=True))
def test_buy_only_every_path_matches_brute_force(path: Pipeline, inp: RebalanceInput) -> None:
    e = enumerate_plans(inp)
    plan = solve(inp, "tracking-error", methods=path)
    assert plan.status == "optimal"
    check_tracking_error(inp, plan, e)


@PATHS
@given(inp=cases())
def test_any_case_every_path_matches_brute_force(path: Pipeline, inp: RebalanceInput) -> None:
    e = enumerate_plans(inp)
    check_tracking_error(inp, solve(inp, "tracking-error", methods=path), e)
    check_trade_minimization(inp, solve(inp, "trade-minimization", methods=path), e, path)


def test_the_dp_path_is_really_taken() -> None:
    """Guard against the forcing above silently testing enumeration twice."""
    inp = RebalanceInput(
        holdings={"A": 3, "B": 1},
        prices={"A": Decimal("23.96"), "B": Decimal("49.25")},
        targets={"A": Decimal("0.5"), "B": Decimal("0.5")},
        cash=Decimal("500"),
        options=Options(buy_only=True),
    )
    plan = solve(inp, "tracking-error", methods=DEFAULT_PIPELINE.starting_at("cents-dp"))
    assert plan.solved_by == ("cents-dp",)
    assert plan.status == "optimal"
    check_tracking_error(inp, plan, enumerate_plans(inp))


def test_the_middle_path_is_really_taken() -> None:
    """Without enumeration, meeting in the middle settles a small case alone."""
    inp = RebalanceInput(
        holdings={"A": 30, "B": 1, "C": 4},
        prices={"A": Decimal("23.96"), "B": Decimal("49.25"), "C": Decimal("7.13")},
        targets={"A": Decimal("0.5"), "B": Decimal("0.3"), "C": Decimal("0.2")},
        cash=Decimal("12.50"),
    )
    plan = solve(inp, "tracking-error", methods=DEFAULT_PIPELINE.only("meet-in-the-middle"))
    assert plan.solved_by == ("meet-in-the-middle",)
    assert plan.highs_calls == 0
    check_tracking_error(inp, plan, enumerate_plans(inp))


def test_a_pipeline_that_settles_nothing_falls_back() -> None:
    """With only the fill (which needs buy-only), tracking-error cannot answer
    a case with sells and says so; the plan is the simple one."""
    inp = RebalanceInput(
        holdings={"A": 30, "B": 1},
        prices={"A": Decimal("23.96"), "B": Decimal("49.25")},
        targets={"A": Decimal("0.5"), "B": Decimal("0.5")},
    )
    plan = solve(inp, "tracking-error", methods=DEFAULT_PIPELINE.only("fill"))
    assert plan.status.startswith("fallback: tracking error: no search method settled it")
    assert plan.final_shares == solve(inp, "simple").final_shares


def test_unknown_method_names_are_refused() -> None:
    with pytest.raises(ValueError, match="no search method"):
        DEFAULT_PIPELINE.only("simplex")


def _lp_bound(inp: RebalanceInput) -> float:
    """Least deviation with fractional shares (buy-only): no whole-share plan
    can beat it. Built here from the inputs alone, not from the engine."""
    from scipy.optimize import linprog

    syms = inp.symbols
    n = len(syms)
    p = [float(inp.prices[s]) for s in syms]
    t = [float(inp.target_dollars(s)) for s in syms]
    # Variables x_0..x_n-1 (shares), d_0..d_n-1 (deviation dollars).
    c = [0.0] * n + [1.0] * n
    rows, rhs = [], []
    for i in range(n):
        row = [0.0] * (2 * n)
        row[i], row[n + i] = p[i], -1.0  # p x - T <= d
        rows.append(row)
        rhs.append(t[i])
        row = [0.0] * (2 * n)
        row[i], row[n + i] = -p[i], -1.0  # T - p x <= d
        rows.append(row)
        rhs.append(-t[i])
    # Buys only: spend = sum p (1 + r) x - r sum p h <= investable. Whole
    # shares spend a multiple of the costs' common divisor: no more than the
    # largest such multiple within the budget.
    unit = [Fraction(inp.prices[s]) * (1 + Fraction(inp.options.cost_rate)) for s in syms]
    budget = Fraction(inp.investable) + Fraction(inp.options.cost_rate) * sum(
        Fraction(inp.prices[s]) * inp.held(s) for s in syms
    )
    denom = math.lcm(*(u.denominator for u in unit))
    step = Fraction(math.gcd(*(int(u * denom) for u in unit)), denom)
    rows.append([float(u) for u in unit] + [0.0] * n)
    rhs.append(float(budget // step * step))
    bounds = [(float(inp.held(s)), None) for s in syms] + [(0, None)] * n
    res = linprog(c, A_ub=rows, b_ub=rhs, bounds=bounds, method="highs")
    assert res.status == 0
    return float(res.fun)


def _buy_only_case(seed: int, variant: str, n: int, cash_fraction: float) -> RebalanceInput:
    """n assets, a quarter far above an equal share and the rest below it, new
    cash of `cash_fraction` of the holdings. Live prices can have more decimals
    than cents, and a cost rate changes what a share costs."""
    rng = random.Random(f"{seed}-{variant}-{n}")
    syms = [f"E{i:04d}" for i in range(n)]
    places = 4 if variant == "sub-cent prices" else 2
    prices = {s: Decimal(rng.randint(5 * 10**places, 500 * 10**places)) / 10**places
              for s in syms}  # fmt: skip
    holdings = {s: rng.randint(60, 90) if i % 4 == 0 else rng.randint(0, 15)
                for i, s in enumerate(syms)}  # fmt: skip
    weight = Decimal(1) / n
    targets = {s: weight for s in syms[:-1]}
    targets[syms[-1]] = 1 - weight * (n - 1)
    held = sum(prices[s] * h for s, h in holdings.items())
    rate = Decimal("0.0025") if variant == "cost rate" else Decimal(0)
    return RebalanceInput(
        holdings=holdings,
        prices=prices,
        targets=targets,
        cash=(held * Decimal(str(cash_fraction))).quantize(Decimal("0.01")),
        options=Options(buy_only=True, cost_rate=rate),
    )


VARIANTS = ["cents", "sub-cent prices", "cost rate"]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("cash_fraction", [0.005, 0.05, 0.3])
def test_buy_only_many_assets_within_a_cent_of_the_lp_bound(
    seed: int, variant: str, cash_fraction: float
) -> None:
    """Too many assets for brute force: the continuous bound (built here with
    linprog, not by the engine) is the check. Whichever path settles it, the
    plan is proven optimal, within a cent of the bound, buys only, and leaves
    no cash that one more cent of buying could have used."""
    inp = _buy_only_case(seed, variant, 40, cash_fraction)
    plan = solve(inp, "tracking-error")
    assert plan.status == "optimal"
    assert all(plan.final_shares[s] >= inp.held(s) for s in inp.symbols)
    assert float(plan.metrics.deviation) <= _lp_bound(inp) + 0.01 + 1e-6
    assert plan.metrics.cash_left <= Decimal("0.02")


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_fill_settles_large_buy_only_cases_alone(variant: str) -> None:
    """With hundreds of underweight assets and real new cash the fill is the
    engine's first path and needs no other: given only the fill, it answers."""
    inp = _buy_only_case(0, variant, 300, 0.1)
    plan = solve(inp, "tracking-error", methods=DEFAULT_PIPELINE.only("fill"))
    assert plan.status == "optimal"
    assert plan.solved_by == ("fill",)
    assert float(plan.metrics.deviation) <= _lp_bound(inp) + 0.01 + 1e-6
