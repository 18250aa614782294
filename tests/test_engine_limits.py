"""Issue 10, engine: every solve is time-bounded at any magnitude, and a plan's
status never promises more than was proven.

No timings are asserted: each case would take minutes to hours (or never end)
if a share-by-share loop were left on its path, so finishing at all is the
check, together with the status and the plan's exact figures.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from engine_reference import Problem, measures
from exact import F
from pydantic import ValidationError

from rebalancer_tui.engine import Options, RebalanceInput, StatusKind, solve
from rebalancer_tui.engine.search import DEFAULT_PIPELINE, Found, Pipeline, Task
from rebalancer_tui.rules import MAX_TOTAL_VALUE, PRICE

EXTREMES = {
    # Cheapest price, largest cash, costs and a reserve: ~1e17 shares to trim.
    "cheapest price": RebalanceInput(
        holdings={"A": 10**9, "B": 5},
        prices={"A": Decimal("0.000001"), "B": Decimal("0.00000123")},
        targets={"A": Decimal("0.3"), "B": Decimal("0.7")},
        cash=Decimal("99990000000"),
        options=Options(cost_rate=Decimal("0.003"), fee=Decimal(5), reserve=Decimal(1000)),
    ),
    # Dearest price and largest cash with a cost rate.
    "dearest price": RebalanceInput(
        holdings={"A": 1, "B": 5},
        prices={"A": Decimal("1000000"), "B": Decimal("999999.99")},
        targets={"A": Decimal("0.5"), "B": Decimal("0.5")},
        cash=Decimal("99990000000"),
        options=Options(cost_rate=Decimal("0.01"), fee=Decimal(5), reserve=Decimal(1000)),
    ),
    # Buy-only at the cheapest price, with a reserve above nothing to sell.
    "cheapest price, buy-only": RebalanceInput(
        holdings={"A": 3, "B": 0, "C": 7},
        prices={"A": Decimal("0.000001"), "B": Decimal("0.00000999"), "C": Decimal("12.5")},
        targets={"A": Decimal("0.2"), "B": Decimal("0.5"), "C": Decimal("0.3")},
        cash=Decimal("50000000000"),
        options=Options(buy_only=True, cost_rate=Decimal("0.5"), reserve=Decimal("0.01")),
    ),
}


@pytest.mark.parametrize("name", list(EXTREMES))
def test_every_strategy_finishes_at_extreme_magnitudes(name: str) -> None:
    inp = EXTREMES[name]
    pr = Problem.of(inp)
    simple = solve(inp, "simple")
    assert simple.kind is StatusKind.HEURISTIC and simple.status == "heuristic"
    simple_dev = measures(pr, simple.final_shares).deviation
    for strategy in ("tracking-error", "trade-minimization"):
        plan = solve(inp, strategy)
        m = measures(pr, plan.final_shares)
        assert m.feasible, m.why
        if plan.kind is StatusKind.FALLBACK:
            assert plan.message and " -> " in plan.message
        if strategy == "tracking-error":
            # Never worse than the simple plan it knows (exact fractions).
            assert m.deviation <= simple_dev + Fraction(1, 100), plan.status


def test_simple_trims_exactly_as_the_share_by_share_rule_would() -> None:
    """One model asset bought at $0.000001 with a cost rate and a reserve: the
    rule buys floor(T / p) shares (here exactly the 1e9-share bound), then
    gives back the fewest that pay for the costs and the reserve, here about
    3e8 of them: a closed form checked with exact fractions, not the engine's
    own code."""
    p, rate, reserve, cash = Fraction(1, 10**6), Fraction(1, 2), 1, 1001
    inp = RebalanceInput(
        holdings={"A": 0},
        prices={"A": Decimal("0.000001")},
        targets={"A": Decimal(1)},
        cash=Decimal(cash),
        options=Options(cost_rate=Decimal("0.5"), reserve=Decimal(reserve)),
    )
    bought = math.floor((cash - reserve) / p)
    assert bought == 10**9
    # cash - p x (1 + r) >= reserve  <=>  x <= (cash - reserve) / (p (1 + r))
    kept = math.floor((cash - reserve) / (p * (1 + rate)))
    plan = solve(inp, "simple")
    assert bought - kept > 3 * 10**8
    assert plan.final_shares == {"A": kept}
    assert plan.status == "heuristic"


def test_simple_is_a_heuristic_in_json() -> None:
    inp = EXTREMES["dearest price"]
    assert solve(inp, "simple").to_json()["status"] == "heuristic"


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        # The case: a price of 1e-9 and 8.8e12 shares (~$8,800).
        ({"holdings": {"A": 8_800_000_000_000}, "prices": {"A": Decimal("1e-9")}}, "price of A"),
        ({"holdings": {"A": 10**10}, "prices": {"A": Decimal(1)}}, "holding of A"),
        ({"holdings": {"A": 1}, "prices": {"A": Decimal(1)}, "cash": Decimal(10**12)}, "cash"),
        (
            {"holdings": {"A": 10**9}, "prices": {"A": Decimal(10**6)}},
            "total value",
        ),
    ],
)
def test_magnitudes_beyond_the_float_view_are_refused(
    fields: dict[str, object], words: str
) -> None:
    with pytest.raises(ValidationError, match=words):
        RebalanceInput(targets={"A": Decimal(1)}, **fields)  # type: ignore[arg-type]


def test_the_bounds_are_the_rules_bounds() -> None:
    at_bounds = RebalanceInput(
        holdings={"A": 10**9},
        prices={"A": PRICE.minimum},
        targets={"A": Decimal(1)},
        cash=MAX_TOTAL_VALUE - PRICE.minimum * 10**9,
    )
    assert at_bounds.total_value == MAX_TOTAL_VALUE


class Liar:
    """A search method that claims a poor plan (hold everything) is settled,
    as a float search fooled by magnitudes would."""

    name = "liar"

    def closest(self, task: Task) -> Found | None:
        return Found({s: task.inp.held(s) for s in task.view.symbols})

    def least_traded(self, task: Task) -> dict[str, int] | None:
        return None


def drifted() -> RebalanceInput:
    return RebalanceInput(
        holdings={"A": 300, "B": 2},
        prices={"A": Decimal("10.00"), "B": Decimal("20.00")},
        targets={"A": Decimal("0.5"), "B": Decimal("0.5")},
    )


def test_a_plan_worse_than_a_known_one_is_never_returned_or_called_optimal() -> None:
    inp = drifted()
    plan = solve(inp, "tracking-error", methods=Pipeline((Liar(),)))
    simple = solve(inp, "simple")
    pr = Problem.of(inp)
    held = {s: inp.held(s) for s in inp.symbols}
    assert measures(pr, simple.final_shares).deviation < measures(pr, held).deviation
    assert plan.kind is StatusKind.FALLBACK
    assert "farther than a known plan" in plan.message
    assert plan.final_shares != held
    assert measures(pr, plan.final_shares).deviation <= measures(pr, simple.final_shares).deviation


def test_an_honest_pipeline_still_proves_optimal() -> None:
    """The guard above must not fire on a correct answer."""
    plan = solve(drifted(), "tracking-error", methods=DEFAULT_PIPELINE)
    assert plan.status == "optimal"
    assert plan.final_shares == {"A": 152, "B": 76}  # $1,520 each of $3,040


def test_the_time_limit_reaches_the_solver_and_is_the_reason() -> None:
    """With no time at all, HiGHS (the only method left) is never started:
    tracking-error falls back to the simple plan and says why."""
    inp = RebalanceInput(**{**drifted().model_dump(), "options": Options(time_limit=1e-9)})
    plan = solve(inp, "tracking-error", methods=DEFAULT_PIPELINE.only("highs"))
    assert plan.kind is StatusKind.FALLBACK
    assert "time limit reached" in plan.message
    assert plan.final_shares == solve(inp, "simple").final_shares
    assert json.loads(json.dumps(plan.to_json()))["status"].startswith("fallback: ")


def test_fractions_helper_is_exact() -> None:
    # Guards the reference used above: F never goes through a float.
    assert F(Decimal("0.000001")) == Fraction(1, 10**6)


@pytest.mark.parametrize("fee", ["1439.63", "1439.64", "1439.65", "1440", "5000", "10000"])
@pytest.mark.parametrize(
    "strategy", ["simple", "tracking-error", "trade-minimization", "band-edge"]
)
def test_a_fee_as_large_as_the_portfolio_never_breaks_a_plan(fee: str, strategy: str) -> None:
    """A fee at or above the whole holding's value ($1,439.64): simple sold
    half, found the sale did not pay its fee, and failed with an internal
    AssertionError (a traceback from `plan`). Now a sale that only costs cash
    is undone: every strategy answers with a plan that never overspends."""
    from rebalancer_tui.engine.evaluate import infeasibility

    inp = RebalanceInput(
        holdings={"ESGV": 12},
        prices={"ESGV": Decimal("119.97"), "BND": Decimal("73.90")},
        targets={"ESGV": Decimal("0.5"), "BND": Decimal("0.5")},
        options=Options(fee=Decimal(fee)),
    )
    plan = solve(inp, strategy)
    assert infeasibility(inp, dict(plan.final_shares)) is None
    assert plan.metrics.cash_left >= 0
