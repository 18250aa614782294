"""Quality bounds for the tracking-error problem, computed independently of the engine.

Two lower bounds on the deviation Σ|p_i x_i − T_i| any whole-share plan can reach:

- the continuous (LP) relaxation: the same constraints with fractional shares,
  solved here with `scipy.optimize.linprog` (HiGHS). It shows what is possible
  at all, had the broker sold fractions.
- the rounding floor: each asset on its own at its nearest whole-share count
  within its bounds, ignoring the budget. It shows what whole shares alone cost.

A proven-optimal plan can never beat either; the bench checks that.
"""

from __future__ import annotations

import math
from decimal import Decimal

from rebalancer_tui.engine import RebalanceInput


def lp_deviation(inp: RebalanceInput) -> float:
    """Optimal deviation (dollars) of the continuous relaxation of tracking-error.

    Variables: x (fractional shares), d (deviation), and when costs are set,
    t (shares traded) and o in [0, 1] (relaxed order indicators):
        min Σ d   s.t.  d ≥ p x − T,  d ≥ T − p x,
                        Σ p x + r Σ p t + f Σ o ≤ V − R,
                        t ≥ |x − h|,  (x − h) ≤ up·o,  (h − x) ≤ down·o,
                        lo ≤ x ≤ hi  (buy-only, outside-model and budget bounds).
    """
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import coo_array

    syms = inp.symbols
    n = len(syms)
    p = np.array([float(inp.prices[s]) for s in syms])
    h = np.array([float(inp.held(s)) for s in syms])
    target = np.array([float(inp.target_dollars(s)) for s in syms])
    budget = float(inp.investable)
    rate, fee = float(inp.options.cost_rate), float(inp.options.fee)
    lo = np.empty(n)
    hi = np.empty(n)
    for i, s in enumerate(syms):
        a, b = inp.share_bounds(s)
        lo[i] = a
        hi[i] = b if b is not None else max(a, budget / float(inp.prices[s]))

    blocks = ["x", "d"] + (["t"] if rate > 0 else []) + (["o"] if fee > 0 else [])
    col = {name: np.arange(k * n, (k + 1) * n) for k, name in enumerate(blocks)}
    nvars = len(blocks) * n
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    rhs: list[np.ndarray] = []
    next_row = 0

    def add(terms: list[tuple[str, np.ndarray | float]], bound: np.ndarray) -> None:
        """One row per asset: Σ_terms coef_i * var_i ≤ bound_i."""
        nonlocal next_row
        r = np.arange(next_row, next_row + n)
        for name, coef in terms:
            rows.append(r)
            cols.append(col[name])
            vals.append(np.broadcast_to(np.asarray(coef, dtype=float), (n,)))
        rhs.append(bound)
        next_row += n

    add([("x", p), ("d", -1.0)], target)
    add([("x", -p), ("d", -1.0)], -target)
    if rate > 0:
        add([("x", 1.0), ("t", -1.0)], h)
        add([("x", -1.0), ("t", -1.0)], -h)
    if fee > 0:
        add([("x", 1.0), ("o", -(hi - h).clip(min=0))], h)
        add([("x", -1.0), ("o", -(h - lo).clip(min=0))], -h)
    # The single budget row.
    budget_terms = [("x", p)] + ([("t", rate * p)] if rate > 0 else [])
    budget_terms += [("o", np.full(n, fee))] if fee > 0 else []
    for name, coef in budget_terms:
        rows.append(np.full(n, next_row))
        cols.append(col[name])
        vals.append(np.asarray(coef, dtype=float))
    rhs.append(np.array([budget]))
    next_row += 1

    a_ub = coo_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(next_row, nvars),
    ).tocsr()
    c = np.zeros(nvars)
    c[col["d"]] = 1.0
    bounds = np.zeros((nvars, 2))
    bounds[:, 1] = np.inf
    bounds[col["x"], 0], bounds[col["x"], 1] = lo, hi
    if fee > 0:
        bounds[col["o"], 1] = 1.0
    res = linprog(c, A_ub=a_ub, b_ub=np.concatenate(rhs), bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"LP relaxation failed: {res.message}")
    return max(0.0, float(res.fun))


def rounding_floor(inp: RebalanceInput) -> Decimal:
    """Σ_i min over whole x in the asset's bounds of |p_i x − T_i| (exact decimals)."""
    total = Decimal(0)
    for s in inp.symbols:
        p, t = inp.prices[s], inp.target_dollars(s)
        lo, hi = inp.share_bounds(s)
        near = {math.floor(t / p), math.ceil(t / p)}
        clipped = {min(max(x, lo), hi) if hi is not None else max(x, lo) for x in near}
        total += min(abs(p * x - t) for x in clipped)
    return total
