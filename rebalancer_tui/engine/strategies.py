"""The four strategies, one record each, and the fallback chain.

trade-minimization -> tracking-error -> simple and band-edge -> tracking-error:
a solver failure, a time-out or an infeasible band falls back to the next
simpler strategy and the plan's status says why.

With an order rule on (SPEC §9) no fast exact method of the pipeline applies
(`Pipeline.applicable`), and the search strategies answer with the rule-aware
MILP of `engine.constrained`; band-edge always does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from rebalancer_tui.engine.attempt import Attempt, Outcome
from rebalancer_tui.engine.errors import SolveFailed
from rebalancer_tui.engine.plan import Plan, StatusKind, build_plan
from rebalancer_tui.engine.problem import RebalanceInput
from rebalancer_tui.engine.simple import simple_shares

if TYPE_CHECKING:
    from rebalancer_tui.engine.search.pipeline import Pipeline

# Re-exported: callers catch it as `strategies.SolveFailed`.
__all__ = [
    "LABELS",
    "STRATEGIES",
    "STRATEGY_RECORDS",
    "SolveFailed",
    "Strategy",
    "solve",
    "solve_all",
    "strategy",
]


@dataclass(frozen=True)
class Strategy:
    """One strategy: its id (CLI, JSON), its label (screen), how it solves, and
    the strategy that answers when it cannot (None: it always answers)."""

    id: str
    label: str
    solver: Callable[[Attempt], Outcome]
    fallback: str | None


def _simple(attempt: Attempt) -> Outcome:
    # A rule of thumb: brute force beats it in about half of random cases.
    return Outcome(simple_shares(attempt.inp), StatusKind.HEURISTIC)


def _with_rules(attempt: Attempt, strategy_id: str) -> Outcome:
    """The rule-aware MILP on the input as a one-account household."""
    from rebalancer_tui.engine.constrained import solve_with_rules
    from rebalancer_tui.engine.household import Household

    hh = Household.single(attempt.inp)
    found = solve_with_rules(hh, strategy_id, attempt.deadline)
    attempt.trace.methods.extend(found.methods)
    attempt.trace.highs_calls += found.highs_calls
    return Outcome(found.shares[hh.names[0]], found.kind, found.message)


def _tracking_error(attempt: Attempt) -> Outcome:
    if not attempt.search().methods:
        return _with_rules(attempt, "tracking-error")
    # The search imports numpy; the app's start-up must not wait for it.
    from rebalancer_tui.engine.tracking import tracking_error

    return tracking_error(attempt)


def _trade_minimization(attempt: Attempt) -> Outcome:
    if not attempt.search().methods:
        return _with_rules(attempt, "trade-minimization")
    from rebalancer_tui.engine.tracking import trade_minimization

    return trade_minimization(attempt)


def _band_edge(attempt: Attempt) -> Outcome:
    return _with_rules(attempt, "band-edge")


STRATEGY_RECORDS: tuple[Strategy, ...] = (
    Strategy("simple", "Simple", _simple, None),
    Strategy("tracking-error", "Tracking Error", _tracking_error, "simple"),
    Strategy("trade-minimization", "Trade Minimization", _trade_minimization, "tracking-error"),
    Strategy("band-edge", "Band Edge", _band_edge, "tracking-error"),
)
_BY_ID = {s.id: s for s in STRATEGY_RECORDS}

STRATEGIES: tuple[str, ...] = tuple(s.id for s in STRATEGY_RECORDS)
LABELS: dict[str, str] = {s.id: s.label for s in STRATEGY_RECORDS}


def strategy(strategy_id: str) -> Strategy:
    """The record of a strategy id; ValueError naming the choices if unknown."""
    try:
        return _BY_ID[strategy_id]
    except KeyError:
        raise ValueError(
            f"unknown strategy {strategy_id!r}; choose one of {', '.join(STRATEGIES)}"
        ) from None


def solve(inp: RebalanceInput, strategy_id: str, *, methods: Pipeline | None = None) -> Plan:
    """The plan of one strategy; never raises for solver trouble (falls back).

    `methods` narrows the exact search pipeline (tests, benchmarks); by
    default every method is tried in `search.DEFAULT_PIPELINE` order."""
    current = strategy(strategy_id)
    start = time.perf_counter()
    attempt = Attempt(inp, time.monotonic() + inp.options.time_limit, methods)
    reasons: list[str] = []
    while True:
        try:
            outcome = current.solver(attempt)
            break
        except SolveFailed as exc:
            if current.fallback is None:  # pragma: no cover - the last resort never fails
                raise
            reasons.append(f"{current.label.lower()}: {exc}")
            current = _BY_ID[current.fallback]
    elapsed = (time.perf_counter() - start) * 1000
    kind, message = outcome.kind, outcome.message
    if reasons:
        kind, message = StatusKind.FALLBACK, f"{'; '.join(reasons)} -> {current.id} plan"
    reference = None
    if inp.options.constrained:
        # The same strategy without the rules: what the orders' reasons tell against.
        free = inp.options.model_copy(
            update={"min_trade": Decimal(0), "lots": {}, "locked": frozenset()}
        )
        plain = RebalanceInput(
            holdings=inp.holdings, prices=inp.prices, targets=inp.targets, cash=inp.cash,
            options=free, share_limit=inp.share_limit,
        )  # fmt: skip
        reference = solve(plain, current.id, methods=methods).final_shares
    return build_plan(
        inp,
        strategy_id,
        outcome.shares,
        kind,
        message,
        elapsed,
        solved_by=tuple(attempt.trace.methods),
        highs_calls=attempt.trace.highs_calls,
        reference=reference,
    )


def solve_all(inp: RebalanceInput, *, methods: Pipeline | None = None) -> list[Plan]:
    return [solve(inp, s, methods=methods) for s in STRATEGIES]
