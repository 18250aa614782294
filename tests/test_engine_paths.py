"""Each exact path of the engine, forced on its own, against brute force.

The engine picks its path by size: numpy enumeration of the tightened box,
the cents DP for buy-only cases, or HiGHS. On tiny cases the first one always
wins, so the others would go untested; here the limits are patched to force
each path, and every path must agree with the independent reference.
"""

from __future__ import annotations

import pytest
from engine_reference import cases, enumerate_plans
from hypothesis import HealthCheck, given, settings
from test_engine_bruteforce import check_tracking_error, check_trade_minimization

from rebalancer_tui.engine import RebalanceInput, exact, milp, solve

PATHS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.function_scoped_fixture],
)


@pytest.fixture(params=["enumeration", "cents-dp", "milp"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Force one path: no enumeration (DP or MILP), and no DP (MILP)."""
    if request.param != "enumeration":
        monkeypatch.setattr(milp, "ENUMERATION_LIMIT", 0)
    if request.param == "milp":
        monkeypatch.setattr(milp, "_cents_dp", lambda *a: None)
    return request.param


@PATHS
@given(inp=cases(buy_only=True, cash=True))
def test_buy_only_every_path_matches_brute_force(path: str, inp: RebalanceInput) -> None:
    e = enumerate_plans(inp)
    plan = solve(inp, "tracking-error")
    assert plan.status == "optimal"
    check_tracking_error(inp, plan, e)


@PATHS
@given(inp=cases())
def test_any_case_every_path_matches_brute_force(path: str, inp: RebalanceInput) -> None:
    e = enumerate_plans(inp)
    check_tracking_error(inp, solve(inp, "tracking-error"), e)
    check_trade_minimization(inp, solve(inp, "trade-minimization"), e)


def test_the_dp_path_is_really_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard against the forcing above silently testing enumeration twice."""
    from decimal import Decimal

    from rebalancer_tui.engine import Options

    calls: list[int] = []
    real = exact.cents_dp

    def spy(*args: object, **kw: object):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(milp, "cents_dp", spy)
    monkeypatch.setattr(milp, "ENUMERATION_LIMIT", 0)
    inp = RebalanceInput(
        holdings={"A": 3, "B": 1}, prices={"A": Decimal("23.96"), "B": Decimal("49.25")},
        targets={"A": Decimal("0.5"), "B": Decimal("0.5")}, cash=Decimal("500"),
        options=Options(buy_only=True),
    )
    solve(inp, "tracking-error")
    assert calls
