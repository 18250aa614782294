"""Properties of every plan on many random portfolios (too big to brute force).

Each plan is re-measured exactly by `engine_reference` from its final shares:
feasibility in exact decimals, metrics consistent with the shares, options
honoured, and cheap independent optimality certificates (no single-share move
or one-for-one swap improves the tracking-error plan).
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from engine_reference import Problem, cases, measures, metric_mismatches
from engine_reference import describe as ctx
from exact import F
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rebalancer_tui.data import fallback_quotes, load_catalog
from rebalancer_tui.demo import demo_holdings
from rebalancer_tui.engine import (
    STRATEGIES,
    Options,
    Plan,
    RebalanceInput,
    StatusKind,
    solve,
    solve_all,
)

TOL = Fraction(1, 10**6)  # dollars: float solvers may land a hair off the exact optimum
BAND_TOL = Fraction(1, 10**7)  # weight: a band edge may be read a hair generously
SLACK = Fraction(1, 100)  # the spec's "within $0.01 of that optimum"

PROPS = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

portfolios = cases(min_assets=1, max_assets=8, tiny=False)


def check_plan(inp: RebalanceInput, plan: Plan, strategy: str) -> None:
    """What every plan of every strategy must satisfy."""
    pr = Problem.of(inp)
    where = ctx(inp, plan)
    assert plan.strategy == strategy, where
    if strategy == "simple":
        assert plan.kind is StatusKind.HEURISTIC and plan.status == "heuristic", where
    else:
        assert plan.status == "optimal" or plan.status.startswith("fallback:"), where
    m = measures(pr, plan.final_shares)
    assert m.feasible, m.why + where
    assert m.cash_left >= pr.reserve, where  # the reserve is kept, exactly
    assert metric_mismatches(inp, plan) == [], where
    for o in plan.orders:
        if o.action == "SELL":
            assert o.shares <= pr.held[o.symbol], f"sold more {o.symbol} than held" + where
            assert not pr.buy_only, "buy-only plan sells" + where
    for s in pr.symbols:
        x = plan.final_shares.get(s, 0)
        assert x >= 0, where
        if pr.buy_only:
            assert x >= pr.held[s], where
        if s not in pr.model:
            assert x == (pr.held[s] if pr.buy_only else 0), "outside-model holding" + where
    if strategy == "trade-minimization" and plan.status == "optimal":
        assert measures(pr, plan.final_shares, band_slack=BAND_TOL).in_band, (
            "optimal trade-minimization plan outside the band" + where
        )


def check_locally_optimal(inp: RebalanceInput, plan: Plan) -> None:
    """No feasible plan one share away (one asset ±1, or -1 of one and +1 of
    another) is more than $0.01 closer to target than the tracking-error plan:
    a necessary condition of optimality, checked without any solver."""
    pr = Problem.of(inp)
    x = dict(plan.final_shares)
    dev = measures(pr, x).deviation
    model = [s for s in pr.symbols if s in pr.model]
    moves: list[dict[str, int]] = [{s: d} for s in model for d in (1, -1)]
    moves += [{s: -1, t: 1} for s in model for t in model if s != t]
    for move in moves:
        y = {s: x[s] + move.get(s, 0) for s in x}
        my = measures(pr, y)
        if my.feasible:
            assert my.deviation >= dev - SLACK - TOL, (
                f"moving {move} gives deviation {float(my.deviation):.4f} "
                f"< {float(dev):.4f}" + ctx(inp, plan)
            )


@PROPS
@given(portfolios)
def test_every_strategy_gives_a_feasible_consistent_plan(inp: RebalanceInput) -> None:
    plans = {s: solve(inp, s) for s in STRATEGIES}
    for name, plan in plans.items():
        check_plan(inp, plan, name)
    pr = Problem.of(inp)
    te, simple = plans["tracking-error"], plans["simple"]
    assert te.status == "optimal", ctx(inp, te)
    # Tracking error is never further from target than simple, except within the
    # $0.01 it may give up for fewer dollars traded.
    d_te = measures(pr, te.final_shares).deviation
    d_simple = measures(pr, simple.final_shares).deviation
    assert d_te <= d_simple + SLACK + TOL, ctx(inp, te) + ctx(inp, simple)
    if d_te > d_simple:
        assert F(te.metrics.turnover) <= F(simple.metrics.turnover), ctx(inp, te)
    check_locally_optimal(inp, te)


@PROPS
@given(portfolios)
def test_trade_minimization_against_known_plans(inp: RebalanceInput) -> None:
    """Plans we can name bound the fewest orders: standing still (only the forced
    sells of outside holdings), and the tracking-error plan if it fits the band."""
    pr = Problem.of(inp)
    tm = solve(inp, "trade-minimization")
    te = solve(inp, "tracking-error")
    still = {s: pr.held[s] if s in pr.model or pr.buy_only else 0 for s in pr.symbols}
    m_still = measures(pr, still, band_slack=-BAND_TOL)
    if m_still.feasible and m_still.in_band:
        assert tm.status == "optimal", ctx(inp, tm)
        assert tm.metrics.orders == m_still.orders, ctx(inp, tm)
    m_te = measures(pr, te.final_shares, band_slack=-BAND_TOL)
    if m_te.in_band:
        assert tm.status == "optimal", "the tracking-error plan fits the band" + ctx(inp, tm)
        assert tm.metrics.orders <= te.metrics.orders, ctx(inp, tm) + ctx(inp, te)
    if tm.status != "optimal":
        assert tm.final_shares == te.final_shares, "fallback must be the tracking-error plan"


def test_solve_all_is_each_strategy_in_order() -> None:
    cat = load_catalog()
    prices = {s: q.price for s, q in fallback_quotes().items()}
    targets = dict(cat.model("moderate-pitt").weights)
    inp = RebalanceInput(
        holdings=demo_holdings(targets, prices, seed=3), prices=prices, targets=targets
    )
    plans = solve_all(inp)
    assert [p.strategy for p in plans] == list(STRATEGIES)
    for p in plans:
        assert p.final_shares == solve(inp, p.strategy).final_shares


def test_unknown_strategy_is_refused_clearly() -> None:
    inp = RebalanceInput(prices={"A": Decimal(10)}, targets={"A": Decimal(1)}, cash=Decimal(100))
    with pytest.raises(ValueError, match="strategy"):
        solve(inp, "fastest")


@settings(PROPS, max_examples=30)
@given(
    inp=cases(
        min_assets=2,
        max_assets=5,
        tiny=False,
        costs=False,
        buy_only=False,
        outside=False,
        cash=False,
    ),
    multiple=st.integers(20, 200),
)
@example(  # no plan fits both bands: trade-minimization falls back
    inp=RebalanceInput(
        holdings={"AAA": 0, "BBB": 0},
        prices={"AAA": Decimal("5"), "BBB": Decimal("81.46")},
        targets={"AAA": Decimal("0.01"), "BBB": Decimal("0.99")},
        cash=Decimal("81.46"),
    ),
    multiple=20,
)
def test_large_extra_cash_is_invested(inp: RebalanceInput, multiple: int) -> None:
    """With cash many times the portfolio and every weight above its band, each
    strategy invests it: what stays uninvested beyond the reserve is less than
    one share of each asset (else buying one more share would get closer)."""
    # Even weights to 4 places (as a person would type them), summing to exactly 1.
    weights = [(Decimal(1) / len(inp.targets)).quantize(Decimal("0.0001"))] * len(inp.targets)
    weights[-1] = 1 - sum(weights[:-1])
    targets = dict(zip(inp.targets, weights, strict=True))
    value = sum((inp.prices[s] * n for s, n in inp.holdings.items()), Decimal(0))
    cash = (value + sum(inp.prices.values())) * multiple
    big = RebalanceInput(
        holdings=inp.holdings,
        prices=inp.prices,
        targets=targets,
        cash=cash,
        options=Options(band=Decimal("0.02"), reserve=inp.options.reserve),
    )
    one_each = sum((F(inp.prices[s]) for s in targets), Fraction(0))
    for name in STRATEGIES:
        plan = solve(big, name)
        check_plan(big, plan, name)
        if name in ("trade-minimization", "band-edge") and plan.kind is StatusKind.FALLBACK:
            # Whole shares and the budget can leave no plan inside every band
            # (e.g. $5 and $81.46 shares, $1,729.20): then the tracking-error plan.
            assert "fits the band" in plan.message, ctx(big, plan)
            assert plan.final_shares == solve(big, "tracking-error").final_shares
        else:
            assert plan.status == ("heuristic" if name == "simple" else "optimal"), ctx(big, plan)
        if name == "band-edge":
            continue  # it trades only as far as the bands ask: cash may stay idle
        idle = F(plan.metrics.cash_left) - F(big.options.reserve)
        assert idle < one_each + SLACK, f"{float(idle):.2f} left idle" + ctx(big, plan)


@PROPS
@given(cases(min_assets=1, max_assets=8, tiny=False))
def test_simple_follows_its_rule(inp: RebalanceInput) -> None:
    """floor(|T_i - p_i h_i| / p_i) shares toward each target; sells as computed,
    buys only ever trimmed (and only when the full plan would overspend)."""
    pr = Problem.of(inp)
    rule: dict[str, int] = {}
    for s in pr.symbols:
        h = pr.held[s]
        if s not in pr.model:
            rule[s] = h if pr.buy_only else 0
            continue
        gap = pr.target(s) - pr.price[s] * h
        n = math.floor(abs(gap) / pr.price[s])
        rule[s] = h + n if gap >= 0 else (h if pr.buy_only else h - n)
    plan = solve(inp, "simple")
    check_plan(inp, plan, "simple")
    x = plan.final_shares
    if measures(pr, rule).feasible:
        assert x == rule, ctx(inp, plan)
        return
    for s in pr.symbols:
        if rule[s] > pr.held[s]:
            assert pr.held[s] <= x[s] <= rule[s], f"{s} buy not a trim of the rule" + ctx(inp, plan)
        elif pr.reserve <= F(inp.cash):
            # Sells only fund buys; with the reserve covered by cash none is added.
            assert x[s] == rule[s], f"{s}" + ctx(inp, plan)


FUNDS = ("risky-norris", "moderate-pitt", "conservative-clooney", "very-conservative-streep")
OPTION_SETS: tuple[dict[str, object], ...] = (
    {},
    {"fee": Decimal("4.95"), "cost_rate": Decimal("0.001")},
    {"band": Decimal("0.05"), "relative_band": Decimal("0.25")},
    {"buy_only": True},
    {"reserve": Decimal(1500), "fee": Decimal(1)},
)


@settings(PROPS, max_examples=25)
@given(
    fund=st.sampled_from(FUNDS),
    seed=st.integers(0, 10**6),
    opts=st.sampled_from(OPTION_SETS),
)
def test_built_in_models_on_demo_portfolios(fund: str, seed: int, opts: dict[str, object]) -> None:
    """The real sizes: up to 9 ETFs, ~$50,000, with an outside holding and cash."""
    prices = {s: q.price for s, q in fallback_quotes().items()}
    targets = dict(load_catalog().model(fund).weights)
    holdings = demo_holdings(targets, prices, seed=seed)
    outside = next(s for s in prices if s not in targets)
    holdings[outside] = 7
    cash = Decimal(2500) if opts.get("buy_only") else Decimal("812.34")
    inp = RebalanceInput(
        holdings=holdings, prices=prices, targets=targets, cash=cash, options=Options(**opts)
    )
    plans = solve_all(inp)
    for plan in plans:
        check_plan(inp, plan, plan.strategy)
    check_locally_optimal(inp, plans[1])
    assert plans[1].status == "optimal", ctx(inp, plans[1])
    pr = Problem.of(inp)
    assert measures(pr, plans[1].final_shares).deviation <= (
        measures(pr, plans[0].final_shares).deviation + SLACK + TOL
    )
