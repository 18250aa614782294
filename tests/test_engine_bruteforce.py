"""Brute force on tiny portfolios: the MILP strategies against every feasible plan.

The expected optimum comes from `engine_reference.enumerate_plans`, which
lists every whole-share plan of the case and measures it exactly; the engine
is only asked for its plan through `solve`.

Solver tolerances (in engine_reference, with the checkers): the MILP works in
floats, so a plan may sit a micro-dollar
above the exact optimum (TOL) and a band edge may be read a hair either way
(BAND_TOL, in weight units). Everything else is compared exactly.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_reference import (
    MAX_COMBINATIONS,
    Problem,
    cases,
    check_tracking_error,
    check_trade_minimization,
    describe,
    enumerate_plans,
    measures,
)
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rebalancer_tui.engine import Options, RebalanceInput, solve

BRUTE = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@BRUTE
@given(cases())
def test_tracking_error_matches_brute_force(inp: RebalanceInput) -> None:
    e = enumerate_plans(inp)
    assert len(e.dev) > 0  # the generator keeps cases feasible
    plan = solve(inp, "tracking-error")
    assert plan.strategy == "tracking-error"
    assert plan.status == "optimal", describe(inp, plan)
    check_tracking_error(inp, plan, e)


@BRUTE
@given(cases())
def test_trade_minimization_matches_brute_force(inp: RebalanceInput) -> None:
    e = enumerate_plans(inp)
    assert len(e.dev) > 0
    plan = solve(inp, "trade-minimization")
    assert plan.strategy == "trade-minimization"
    check_trade_minimization(inp, plan, e)


FLAVOURS = {
    "costs": {"costs": True, "buy_only": False},
    "reserve": {"reserve": True, "buy_only": False},
    "buy-only": {"buy_only": True, "cash": True},
    "relative-band": {"relative": True},
    "outside-model": {"outside": True},
    "plain": {
        "costs": False,
        "reserve": False,
        "buy_only": False,
        "relative": False,
        "outside": False,
    },
}


@pytest.mark.parametrize("flavour", list(FLAVOURS))
@settings(BRUTE, max_examples=30)
@given(data=st.data())
def test_each_option_against_brute_force(flavour: str, data: st.DataObject) -> None:
    """Every option forced on, so none is left to the luck of the draw."""
    inp = data.draw(cases(**FLAVOURS[flavour]))
    e = enumerate_plans(inp)
    assert len(e.dev) > 0
    check_tracking_error(inp, solve(inp, "tracking-error"), e)
    check_trade_minimization(inp, solve(inp, "trade-minimization"), e)


def small(
    holdings: dict[str, int],
    prices: dict[str, str],
    targets: dict[str, str],
    cash: str = "0",
    **opts: object,
) -> RebalanceInput:
    return RebalanceInput(
        holdings=holdings,
        prices={k: Decimal(v) for k, v in prices.items()},
        targets={k: Decimal(v) for k, v in targets.items()},
        cash=Decimal(cash),
        options=Options(**opts),
    )


def test_tie_break_prefers_fewer_dollars_traded() -> None:
    """Two plans equally close to target; the one that trades less must win.

    A and B at $100, 50/50; holding 3 A + 0 B and $50 cash: V = 350, T = 175 each.
    Final (2, 1) and (1, 2) both miss by 25 + 75 = 100, the least possible;
    (2, 1) trades $200 (sell 1 A, buy 1 B), (1, 2) trades $400.
    """
    inp = small({"A": 3, "B": 0}, {"A": "100", "B": "100"}, {"A": "0.5", "B": "0.5"}, cash="50")
    e = enumerate_plans(inp)
    plan = solve(inp, "tracking-error")
    check_tracking_error(inp, plan, e)
    assert plan.final_shares == {"A": 2, "B": 1}


@pytest.mark.parametrize("opts", [{"fee": Decimal(1)}, {"cost_rate": Decimal("0.01")}])
def test_tracking_error_pays_its_costs(opts: dict[str, Decimal]) -> None:
    """A and B at $10, 50/50, holding 0 A + 2 B and $20 cash: V = 40, T = 20 each.
    Free trading would buy 2 A (deviation 0), but with costs that overspends, so
    the best is 10 off target, reached by (1, 2) trading $10 or (2, 1) trading $30."""
    inp = small(
        {"A": 0, "B": 2}, {"A": "10", "B": "10"}, {"A": "0.5", "B": "0.5"}, cash="20", **opts
    )
    pr = Problem.of(inp)
    assert not measures(pr, {"A": 2, "B": 2}).feasible
    plan = solve(inp, "tracking-error")
    check_tracking_error(inp, plan, enumerate_plans(inp))
    assert plan.final_shares == {"A": 1, "B": 2}


def test_infeasible_band_falls_back_to_tracking_error() -> None:
    """$100 shares, 50/50, V' = $150: a weight of 48–52% needs $72–78 of each,
    impossible in whole $100 shares."""
    inp = small({"A": 1, "B": 0}, {"A": "100", "B": "100"}, {"A": "0.5", "B": "0.5"}, cash="50")
    e = enumerate_plans(inp)
    assert not (e.band_gap <= 0).any()
    plan = solve(inp, "trade-minimization")
    assert plan.status.startswith("fallback:")
    check_trade_minimization(inp, plan, e)


def test_relative_band_is_tighter_than_absolute() -> None:
    """5/25 rule on a 10% weight: b_i = min(0.05, 0.25·0.10) = 0.025, so 13% is
    out of band although it is inside ±5%. V = $1000, C at $10 a share."""
    inp = small(
        {"A": 87, "C": 13},
        {"A": "10", "C": "10"},
        {"A": "0.9", "C": "0.1"},
        band=Decimal("0.05"),
        relative_band=Decimal("0.25"),
    )
    plan = solve(inp, "trade-minimization")
    e = enumerate_plans(inp)
    check_trade_minimization(inp, plan, e)
    assert plan.orders, "13% vs 10% ± 2.5% must be traded"
    loose = small(
        {"A": 87, "C": 13}, {"A": "10", "C": "10"}, {"A": "0.9", "C": "0.1"}, band=Decimal("0.05")
    )
    assert solve(loose, "trade-minimization").orders == [], "inside ±5%: nothing to do"


@st.composite
def edge_inputs(draw: st.DrawFn) -> tuple[dict[str, object], dict[str, object]]:
    """Raw input fields where a reserve, fees and an outside holding that is
    cheaper than its fee may leave no feasible plan at all."""
    inp = draw(cases(max_assets=3, max_shares=10, reserve=False, costs=False))
    # Without model holdings to sell, only the cash can pay the forced sells' fees.
    keep = draw(st.booleans())
    holdings = {s: n if keep or s not in inp.targets else 0 for s, n in inp.holdings.items()}
    prices = dict(inp.prices)
    if draw(st.booleans()):
        prices["YYY"] = Decimal(draw(st.integers(10, 600))) / 100
        holdings["YYY"] = draw(st.integers(1, 2))
    # Little or no cash, so the fees of forced sells may not be payable.
    cash = draw(st.sampled_from([inp.cash, Decimal(0), Decimal(2)]))
    value = sum((prices[s] * n for s, n in holdings.items()), Decimal(0)) + cash
    if value == 0:
        cash = value = Decimal(1)
    reserve = (value * draw(st.integers(0, 100)) / 100).quantize(Decimal("0.01"))
    opts = {
        "reserve": min(reserve, value),
        "fee": Decimal(draw(st.sampled_from(["0", "1", "4.95", "20"]))),
        "cost_rate": Decimal(draw(st.sampled_from(["0", "0.01", "0.5"]))),
        # Buy-only can only keep a reserve out of its cash.
        "buy_only": inp.options.buy_only and reserve <= cash,
    }
    fields = {"holdings": holdings, "prices": prices, "targets": dict(inp.targets), "cash": cash}
    return fields, opts


@settings(BRUTE, max_examples=150)
@given(edge_inputs())
# Found by this test: an outside holding whose forced sale costs more than the cash.
@example(
    (
        {
            "holdings": {"A": 0, "B": 0, "Y": 1},
            "prices": {"A": Decimal(5), "B": Decimal(5), "Y": Decimal("0.1")},
            "targets": {"A": Decimal("0.01"), "B": Decimal("0.99")},
            "cash": Decimal(0),
        },
        {"reserve": Decimal(0), "fee": Decimal(1), "cost_rate": Decimal(0), "buy_only": False},
    )
)
def test_input_is_accepted_exactly_when_a_feasible_plan_exists(
    raw: tuple[dict[str, object], dict[str, object]],
) -> None:
    """Refused inputs have no feasible plan; accepted ones get a feasible plan
    from every strategy (never a crash)."""
    fields, opts = raw
    unchecked = RebalanceInput.model_construct(**fields, options=Options(**opts))
    assume(Problem.of(unchecked).combinations() <= MAX_COMBINATIONS)
    e = enumerate_plans(unchecked)
    try:
        inp = RebalanceInput(**fields, options=Options(**opts))
    except ValidationError as exc:
        assert len(e.dev) == 0, (
            f"refused ({exc.errors()[0]['msg']}) but {e.plan(0)} is feasible: {fields} {opts}"
        )
        return
    assert len(e.dev) > 0, f"accepted but no plan is feasible: {fields} {opts}"
    for name in ("simple", "tracking-error", "trade-minimization"):
        plan = solve(inp, name)
        m = measures(e.pr, plan.final_shares)
        assert m.feasible, m.why + describe(inp, plan)


def test_unpayable_fee_of_a_forced_sale_is_refused() -> None:
    """Holding 1 share of Y ($0.10) outside the model, $2 cash, a $4.95 fee: Y
    must be sold, but its fee exceeds all the cash there is, so no plan is
    feasible (the brute force agrees) and the input must be refused clearly
    rather than crash in a strategy."""
    fields = {
        "holdings": {"A": 0, "Y": 1},
        "prices": {"A": Decimal(100), "Y": Decimal("0.10")},
        "targets": {"A": Decimal(1)},
        "cash": Decimal(2),
    }
    opts = Options(fee=Decimal("4.95"))
    assert len(enumerate_plans(RebalanceInput.model_construct(**fields, options=opts)).dev) == 0
    with pytest.raises(ValidationError):
        RebalanceInput(**fields, options=opts)


def test_reserve_above_cash_is_raised_by_selling() -> None:
    """1 share of A at $5, 100% A, no cash, $1 reserve: T = 4, so simple's floor
    rule sells nothing, yet the reserve needs A sold. Every strategy must sell
    it (the only feasible plan) instead of failing."""
    inp = small({"A": 1}, {"A": "5"}, {"A": "1"}, reserve=Decimal(1))
    e = enumerate_plans(inp)
    assert [e.plan(k) for k in range(len(e.dev))] == [{"A": 0}]
    for name in ("simple", "tracking-error", "trade-minimization"):
        plan = solve(inp, name)
        assert plan.final_shares == {"A": 0}, describe(inp, plan)
