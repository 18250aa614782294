"""The last method of the pipeline: HiGHS on a MILP over the (narrowed) bounds.

Formulation (one column block per asset i, all sparse):
  x_i  integer final shares
  d_i  >= |p_i x_i - T_i|          deviation dollars    (when the objective needs it)
  t_i  >= |x_i - h_i|              shares traded        (turnover, proportional costs)
  o_i  binary, 1 if x_i != h_i     an order             (fixed fees, order counts)
  budget: sum p_i x_i + r sum p_i t_i + f sum o_i <= V - R

Lexicographic objectives are solved in stages, each later stage keeping the
earlier objective within its tolerance ($0.01 for dollars, exact for counts).
Speed comes from the bounds the box gives (see `box`), not from the solver:
the LP relaxation of a tight box is nearly integral.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from rebalancer_tui.engine.errors import Infeasible, SolveFailed
from rebalancer_tui.engine.evaluate import cash_left, deviation, infeasibility, turnover
from rebalancer_tui.engine.highs import Model
from rebalancer_tui.engine.problem import RebalanceInput
from rebalancer_tui.engine.search.base import (
    DOLLAR_TOLERANCE,
    SOLVER_ABS_GAP,
    Found,
    Shares,
    Task,
    Trace,
)
from rebalancer_tui.engine.view import FloatView

Caps = list[tuple[np.ndarray, np.ndarray, float]]


class HiGHS:
    """Settles either stage whenever the model solves within the time left.

    CLOSEST: proves the least deviation (raises SolveFailed if it cannot: the
    strategy then falls back) and leaves the tie-break to the pipeline.
    LEAST_TRADED: the fewest dollars traded within the deviation cap, or None
    if that cannot be proven (the closest plan then stands)."""

    name = "highs"

    def closest(self, task: Task) -> Found | None:
        inp, view = task.inp, task.view
        lo, hi = task.bounds
        upper = task.incumbent[1]
        b = Builder(view, lo, hi, need_dev=True, need_trades=False,
                    need_orders=task.order_cap is not None)  # fmt: skip
        caps = order_caps(b, task.order_cap)
        objective = b.objective(b.dev, 1.0)
        found: dict[str, float] = {}

        def closest(budget: float) -> tuple[np.ndarray, float, float]:
            task.trace.highs_calls += 1
            xs, fun, bound = b.solve(
                objective, upper, SOLVER_ABS_GAP, budget, time_left(task.deadline), caps
            )
            found["bound"] = bound
            return xs, fun, bound

        try:
            first = exact_feasible(inp, view, closest)
        except Infeasible as exc:
            # A feasible plan is known (the incumbent), so this is float trouble.
            raise SolveFailed(
                "the solver found no plan although one exists (numbers beyond its float precision)"
            ) from exc
        dev_first = float(deviation(inp, first))
        # Within a cent of the proven optimum (never looser than the plan found).
        dev_cap = max(found["bound"] + DOLLAR_TOLERANCE, dev_first + 1e-9)
        return Found(first, settled=False, dev_cap=dev_cap)

    def least_traded(self, task: Task) -> Shares | None:
        inp, view, first = task.inp, task.view, task.first
        assert first is not None
        lo, hi = task.bounds
        b = Builder(view, lo, hi, need_dev=True, need_trades=True,
                    need_orders=task.order_cap is not None)  # fmt: skip
        assert b.dev is not None and b.trades is not None
        caps = [*order_caps(b, task.order_cap), (b.dev, np.ones(len(b.dev)), task.dev_cap)]
        objective = b.objective(b.trades, view.p)
        traded_first = float(turnover(inp, first))

        def least_traded(budget: float) -> tuple[np.ndarray, float, float]:
            task.trace.highs_calls += 1
            return b.solve(
                objective, traded_first, SOLVER_ABS_GAP, budget, time_left(task.deadline), caps
            )

        try:
            second = exact_feasible(inp, view, least_traded)
        except SolveFailed:
            return None
        if float(deviation(inp, second)) > task.dev_cap + 1e-6:
            return None
        return second


def time_left(deadline: float) -> float:
    """Seconds HiGHS may still take; SolveFailed once the solve's time is up."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise SolveFailed("time limit reached")
    return left


def fewest_orders(
    inp: RebalanceInput,
    view: FloatView,
    lo: np.ndarray,
    hi: np.ndarray,
    deadline: float,
    trace: Trace,
) -> Shares:
    """A plan with the fewest orders within [lo, hi] (raises Infeasible if none)."""
    b = Builder(view, lo, hi, need_dev=False, need_trades=False, need_orders=True)
    n = len(view.symbols)
    objective = b.objective(b.orders, 1.0)

    def stage(budget: float) -> tuple[np.ndarray, float, float]:
        trace.highs_calls += 1
        return b.solve(objective, float(n), 0.5, budget, time_left(deadline), [])

    return exact_feasible(inp, view, stage)


class Builder:
    """Builds the shared part of both MILPs for given share bounds."""

    def __init__(
        self,
        d: FloatView,
        lo: np.ndarray,
        hi: np.ndarray,
        *,
        need_dev: bool,
        need_trades: bool,
        need_orders: bool,
    ) -> None:
        self.d = d
        n = len(d.p)
        prob = Model()
        self.prob = prob
        self.x = prob.add_vars(lo, hi, integer=True)
        self.dev: np.ndarray | None = None
        self.trades: np.ndarray | None = None
        self.orders: np.ndarray | None = None
        if need_dev:
            span = np.maximum(np.abs(d.p * lo - d.target), np.abs(d.p * hi - d.target))
            self.dev = prob.add_vars(np.zeros(n), span, integer=False)
            # d_i >= p x - T  and  d_i >= T - p x
            prob.add_rows([(self.x, d.p), (self.dev, -1.0)], np.full(n, -np.inf), d.target)
            prob.add_rows([(self.x, d.p), (self.dev, 1.0)], d.target, np.full(n, np.inf))
        if need_trades or d.rate > 0:
            span = np.maximum(hi - d.h, d.h - lo).clip(min=0)
            self.trades = prob.add_vars(np.zeros(n), span, integer=False)
            prob.add_rows([(self.x, 1.0), (self.trades, -1.0)], np.full(n, -np.inf), d.h)
            prob.add_rows([(self.x, 1.0), (self.trades, 1.0)], d.h, np.full(n, np.inf))
        if need_orders or d.fee > 0:
            up = (hi - d.h).clip(min=0)
            down = (d.h - lo).clip(min=0)
            self.orders = prob.add_vars(
                np.zeros(n), np.where((up + down) > 0, 1.0, 0.0), integer=True
            )
            # x - h <= up * o  and  h - x <= down * o
            prob.add_rows([(self.x, 1.0), (self.orders, -up)], np.full(n, -np.inf), d.h)
            prob.add_rows([(self.x, -1.0), (self.orders, -down)], np.full(n, -np.inf), -d.h)
        cols, vals = [self.x], [d.p]
        if self.trades is not None and d.rate > 0:
            cols.append(self.trades)
            vals.append(d.rate * d.p)
        if self.orders is not None and d.fee > 0:
            cols.append(self.orders)
            vals.append(np.full(n, d.fee))
        self.budget_cols = np.concatenate(cols)
        self.budget_vals = np.concatenate(vals)

    def objective(self, block: np.ndarray | None, weights: np.ndarray | float) -> np.ndarray:
        assert block is not None
        c = np.zeros(len(self.prob.c))
        c[block] = weights
        return c

    def solve(
        self,
        objective: np.ndarray,
        scale: float,
        abs_gap: float,
        budget: float,
        time_limit: float,
        caps: Caps,
    ) -> tuple[np.ndarray, float, float]:
        prob = self.prob.copy()
        prob.add_row(self.budget_cols, self.budget_vals, -np.inf, budget)
        for cols, vals, cap in caps:
            prob.add_row(cols, vals, -np.inf, cap)
        return prob.solve(objective, time_limit, abs_gap, scale)


def order_caps(b: Builder, order_cap: int | None) -> Caps:
    if order_cap is None:
        return []
    assert b.orders is not None
    return [(b.orders, np.ones(len(b.orders)), order_cap + 0.5)]


Stage = Callable[[float], tuple[np.ndarray, float, float]]


def exact_feasible(inp: RebalanceInput, view: FloatView, solve_stage: Stage) -> Shares:
    """Run a stage; if float tolerance let the plan overspend (checked exactly),
    tighten the budget by the overspend and solve again."""
    budget = view.budget
    for _ in range(3):
        xs, _, _ = solve_stage(budget)
        shares = view.to_shares(xs)
        why = infeasibility(inp, shares)
        if why is None:
            return shares
        over = float(inp.options.reserve - cash_left(inp, shares))
        if over <= 0:
            raise SolveFailed(f"solver plan infeasible: {why}")
        budget -= over * 1.5 + 1e-9 * view.budget
    raise SolveFailed("solver plan overspends after tightening")
