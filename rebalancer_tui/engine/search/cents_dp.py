"""An exact group-knapsack DP over the budget in whole cents.

Exact when there are no fees or cost rate and every price is a whole number
of cents: then spend is linear in cents and the budget is too.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from rebalancer_tui.engine.evaluate import deviation
from rebalancer_tui.engine.search.base import DOLLAR_TOLERANCE, Found, Shares, Task
from rebalancer_tui.engine.search.box import Box
from rebalancer_tui.engine.view import FloatView

# A DP table this small (free assets x budget cents) costs a few ms.
SMALL_DP_CELLS = 1_000_000


class CentsDP:
    """Settles the CLOSEST stage without an order cap. With buys only it
    settles the tie-break too; with sells it proves the least deviation and
    leaves the tie-break to the methods after it."""

    name = "cents-dp"

    def closest(self, task: Task) -> Found | None:
        inp, view, box = task.inp, task.view, task.box
        if box is None or task.order_cap is not None:
            return None
        if inp.options.fee or inp.options.cost_rate:
            return None
        cents = _whole_cents(task)
        if cents is None:
            return None
        floor_spend = sum(
            (inp.prices[s] * int(v) for s, v in zip(view.symbols, box.lo, strict=True)),
            Decimal(0),
        )
        widest = int(sum(int(cents[i]) * (len(v) - 1) for i, v in enumerate(box.values)))
        cap = min(math.floor((inp.investable - floor_spend) * 100), widest)
        buys_only = bool(np.all(box.lo >= view.h))
        # With sells the DP settles only the deviation and HiGHS may still be
        # needed for the tie-break, so it is worth it only when it is cheap;
        # with buys only it settles both, and beats HiGHS on these
        # subset-sum-like cases by orders of magnitude.
        limit = DP_CELL_LIMIT if buys_only else SMALL_DP_CELLS
        xs = cents_dp(view, box, cents, cap, DOLLAR_TOLERANCE if buys_only else 0.0, limit)
        if xs is None:
            return None
        shares = task.first_feasible([xs])
        if shares is None:
            return None
        if buys_only:
            # The spend above the box floor is the dollars traded, so the
            # DP's least-spend tie-break is the turnover tie-break too.
            return Found(shares)
        dev_cap = float(deviation(inp, shares)) + DOLLAR_TOLERANCE
        return Found(shares, settled=False, dev_cap=dev_cap)

    def least_traded(self, task: Task) -> Shares | None:
        return None


def _whole_cents(task: Task) -> np.ndarray | None:
    """Prices in cents, if every one is a whole number of cents."""
    prices = [task.inp.prices[s] * 100 for s in task.view.symbols]
    if any(p != p.to_integral_value() for p in prices):
        return None
    return np.array([int(p) for p in prices], dtype=np.int64)


# The DP table holds one int16 choice per free asset and cent of budget.
DP_CELL_LIMIT = 30_000_000


def cents_dp(
    c: FloatView,
    box: Box,
    cents: np.ndarray,
    cap: int,
    tolerance: float,
    cell_limit: int = DP_CELL_LIMIT,
) -> np.ndarray | None:
    """Exact group-knapsack DP over the budget in whole cents, for plans whose
    extra spend over the box's lowest counts is their only cost and equals the
    dollars they trade (buy-only, no fees, no cost rate, prices in cents).

    Subset-sum-like cases (new cash spread over a few ETFs, where every dollar
    spent below target lowers the deviation by a dollar) defeat both the
    Lagrangian bound and LP-based branch and bound; a DP over cents does not.
    Returns the plan with the least deviation, then (within `tolerance`) the
    least spend, i.e. the fewest dollars traded; None if the table is too big.
    """
    free = [i for i, v in enumerate(box.values) if len(v) > 1]
    if cap < 0 or len(free) * (cap + 1) > cell_limit:
        return None
    base = np.array([v[0] for v in box.values], dtype=float)
    best = np.full(cap + 1, np.inf)
    best[0] = 0.0
    choices = np.zeros((len(free), cap + 1), dtype=np.int16)
    for row, i in enumerate(free):
        vals = box.values[i]
        steps = np.round((vals - vals[0]) * cents[i]).astype(np.int64)
        gains = c.dev(i, vals) - c.dev(i, vals[0])
        nxt = np.full(cap + 1, np.inf)
        for k, (w, g) in enumerate(zip(steps, gains, strict=True)):
            if w > cap:
                break
            shifted = best[: cap + 1 - w] + g
            view = nxt[w:]
            better = shifted < view
            view[better] = shifted[better]
            choices[row, w:][better] = k
        best = nxt
    least = best.min()
    if not np.isfinite(least):
        return None
    spend = int(np.argmax(best <= least + tolerance + 1e-9))
    x = base.copy()
    for row in range(len(free) - 1, -1, -1):
        i = free[row]
        k = int(choices[row, spend])
        x[i] = box.values[i][k]
        spend -= round((box.values[i][k] - box.values[i][0]) * cents[i])
    return x
