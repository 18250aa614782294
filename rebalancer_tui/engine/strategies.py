"""The three strategies behind one interface, and the fallback chain.

trade-minimization -> tracking-error -> simple: a solver failure, a time-out
or an infeasible band falls back to the next simpler strategy and the plan's
status says why.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rebalancer_tui.engine.inputs import RebalanceInput
from rebalancer_tui.engine.plan import Plan, build_plan
from rebalancer_tui.engine.simple import simple_shares

STRATEGIES: tuple[str, ...] = ("simple", "tracking-error", "trade-minimization")

LABELS: dict[str, str] = {
    "simple": "Simple",
    "tracking-error": "Tracking Error",
    "trade-minimization": "Trade Minimization",
}


class SolveFailed(Exception):
    """A strategy could not produce a proven plan; the message is the reason."""


def _tracking_error(inp: RebalanceInput) -> dict[str, int]:
    from rebalancer_tui.engine.milp import tracking_error_shares

    return tracking_error_shares(inp)


def _trade_minimization(inp: RebalanceInput) -> dict[str, int]:
    from rebalancer_tui.engine.milp import trade_minimization_shares

    return trade_minimization_shares(inp)


_SOLVERS: dict[str, Callable[[RebalanceInput], dict[str, int]]] = {
    "simple": simple_shares,
    "tracking-error": _tracking_error,
    "trade-minimization": _trade_minimization,
}

_FALLBACK: dict[str, str] = {
    "trade-minimization": "tracking-error",
    "tracking-error": "simple",
}


def solve(inp: RebalanceInput, strategy: str) -> Plan:
    """The plan of one strategy; never raises for solver trouble (falls back)."""
    if strategy not in _SOLVERS:
        raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    start = time.perf_counter()
    reasons: list[str] = []
    current = strategy
    while True:
        try:
            shares = _SOLVERS[current](inp)
            break
        except SolveFailed as exc:
            reasons.append(f"{LABELS[current].lower()}: {exc}")
            current = _FALLBACK[current]
    elapsed = (time.perf_counter() - start) * 1000
    status = "optimal" if not reasons else f"fallback: {'; '.join(reasons)} -> {current} plan"
    return build_plan(inp, strategy, shares, status, elapsed)


def solve_all(inp: RebalanceInput) -> list[Plan]:
    return [solve(inp, s) for s in STRATEGIES]
