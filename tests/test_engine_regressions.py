"""Inputs that once broke the engine, pinned."""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_reference import Problem, measures

from rebalancer_tui.engine import RebalanceInput, SolveFailed, solve
from rebalancer_tui.engine.highs import Model
from rebalancer_tui.engine.search import DEFAULT_PIPELINE

# bench/portfolios.py random_input(12, 0, "no cash"): too many combinations for
# enumeration, and HiGHS's presolve ends in "solve error" on its MILP.
PRESOLVE_ERROR_CASE = {
    "holdings": {
        "A0000": 15,
        "A0001": 13,
        "A0002": 41,
        "A0003": 132,
        "A0004": 12,
        "A0005": 7,
        "A0006": 83,
        "A0007": 191,
        "A0008": 13,
        "A0009": 48,
        "A0010": 3,
        "A0011": 17,
    },
    "prices": {
        "A0000": "150.63",
        "A0001": "235.55",
        "A0002": "95.84",
        "A0003": "54.23",
        "A0004": "238.19",
        "A0005": "262.48",
        "A0006": "23.32",
        "A0007": "43.29",
        "A0008": "166.83",
        "A0009": "123.23",
        "A0010": "455.48",
        "A0011": "493.83",
    },
    "targets": {
        "A0000": "0.044413736",
        "A0001": "0.071121855",
        "A0002": "0.034740583",
        "A0003": "0.197699025",
        "A0004": "0.067950784",
        "A0005": "0.052493565",
        "A0006": "0.038343646",
        "A0007": "0.157145286",
        "A0008": "0.046090433",
        "A0009": "0.115381873",
        "A0010": "0.034636087",
        "A0011": "0.139983127",
    },
}


def test_highs_presolve_solve_error_is_retried_not_a_fallback() -> None:
    # Meeting in the middle settles this case before HiGHS now; without it,
    # the case still reaches the HiGHS model that once failed in presolve.
    case = PRESOLVE_ERROR_CASE
    inp = RebalanceInput(
        holdings=case["holdings"],
        prices={k: Decimal(v) for k, v in case["prices"].items()},
        targets={k: Decimal(v) for k, v in case["targets"].items()},
    )
    plan = solve(inp, "tracking-error", methods=DEFAULT_PIPELINE.without("meet-in-the-middle"))
    assert plan.highs_calls, "this case must reach HiGHS, or it no longer tests the retry"
    assert plan.status == "optimal", plan.status
    m = measures(Problem.of(inp), plan.final_shares)
    assert m.feasible
    simple = measures(Problem.of(inp), solve(inp, "simple").final_shares)
    # HiGHS without presolve proves 518.7004...; the simple plan is $654.46.
    assert m.deviation <= Decimal("518.71") < simple.deviation


@pytest.mark.parametrize(("gap", "proven"), [(0.0005, True), (0.05, False)])
def test_time_limit_with_a_proven_gap_still_counts(
    monkeypatch: pytest.MonkeyPatch, gap: float, proven: bool
) -> None:
    """HiGHS can stop at its time limit holding a plan its bound already proves
    within the tolerance: that plan is optimal in the only sense the engine
    claims. A wider gap at the limit is not proof, and the stage fails."""
    import numpy as np
    import scipy.optimize

    real = scipy.optimize.milp

    def stopped_at_the_limit(*args: object, **kwargs: object) -> object:
        res = real(*args, **kwargs)
        res.status = 1  # as HiGHS reports "time limit reached"
        res.mip_dual_bound = res.fun - gap
        return res

    monkeypatch.setattr(scipy.optimize, "milp", stopped_at_the_limit)
    prob = Model()
    x = prob.add_vars(np.zeros(2), np.full(2, 10.0), integer=True)
    prob.add_row(x, np.array([3.0, 5.0]), 7.0, np.inf)  # 3 a + 5 b >= 7
    if proven:
        _, fun, bound = prob.solve(np.array([1.0, 1.0]), 1.0, 0.001, 10.0)
        assert fun == 2.0 and bound == fun - gap
    else:
        with pytest.raises(SolveFailed, match="time limit reached"):
            prob.solve(np.array([1.0, 1.0]), 1.0, 0.001, 10.0)
