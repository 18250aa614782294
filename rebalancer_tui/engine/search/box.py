"""Tightening: which share counts can a plan no worse than a ceiling use?

Only the budget couples the assets: each asset's deviation |p x - T| and
spend p x + r p |x - h| + f [x != h] depend on its own share count. Every
asset's deviation is at least its own best whole-share deviation m_i, so a
plan with deviation <= U has |p_i x_i - T_i| <= U - sum_{j != i} m_j. Then the
Lagrangian bound L(l) = sum_i min_x (dev_i + l spend_i) - l K holds for every
l >= 0: for the best l a count v of asset i can be part of a plan within the
ceiling only if L + (dev_i(v) + l spend_i(v) - min_i) stays within it
(reduced-cost fixing). Most assets keep one or two counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rebalancer_tui.engine.view import FloatView

# A box wider than this per asset, or with more cells in all, is left to the
# MILP: the Lagrangian step needs a dense (assets x counts) table.
WINDOW_LIMIT = 4096
CELL_LIMIT = 2_000_000


@dataclass
class Box:
    """Candidate share counts per asset (values[i] sorted ascending)."""

    values: list[np.ndarray]

    @property
    def lo(self) -> np.ndarray:
        return np.array([v[0] for v in self.values], dtype=float)

    @property
    def hi(self) -> np.ndarray:
        return np.array([v[-1] for v in self.values], dtype=float)

    def combinations(self) -> float:
        return math.prod(float(len(v)) for v in self.values)


def deviation_box(c: FloatView, lo: np.ndarray, hi: np.ndarray, ceiling: float) -> Box | None:
    """Share counts any plan with deviation <= ceiling can use; None if too wide."""
    n = len(c.p)
    idx = np.arange(n)
    near = np.clip(np.floor(c.target / c.p), lo, hi)
    best = np.minimum(c.dev(idx, near), c.dev(idx, np.clip(near + 1, lo, hi)))
    slack = ceiling - (best.sum() - best) + 1e-7 * (abs(ceiling) + c.budget) + 1e-6
    new_lo = np.maximum(lo, np.ceil((c.target - slack) / c.p - 1e-9))
    new_hi = np.minimum(hi, np.floor((c.target + slack) / c.p + 1e-9))
    if np.any(new_hi < new_lo):
        return Box([np.array([v]) for v in np.maximum(new_lo, lo)])  # nothing fits
    widths = new_hi - new_lo + 1
    if widths.max() > WINDOW_LIMIT or widths.max() * len(widths) > CELL_LIMIT:
        return None
    box = Box([np.arange(a, b + 1) for a, b in zip(new_lo, new_hi, strict=True)])
    return lagrangian_fix(c, box, ceiling)


def concave_argmax(
    f: Callable[[float], float], hi: float, iterations: int, also: tuple[float, ...] = ()
) -> float:
    """Where a concave f peaks on [0, hi], by golden-section search; 0 and the
    points in `also` are tried as well (a bound often peaks exactly there)."""
    g = (math.sqrt(5) - 1) / 2
    a, b = 0.0, hi
    x1, x2 = b - g * (b - a), a + g * (b - a)
    f1, f2 = f(x1), f(x2)
    for _ in range(iterations):
        if f1 < f2:
            a, x1, f1 = x1, x2, f2
            x2 = a + g * (b - a)
            f2 = f(x2)
        else:
            b, x2, f2 = x2, x1, f1
            x1 = b - g * (b - a)
            f1 = f(x1)
    tried = [(x, f(x)) for x in (0.0, *also)] + [(x1, f1), (x2, f2)]
    return max(tried, key=lambda t: t[1])[0]


def lagrangian_fix(c: FloatView, box: Box, ceiling: float) -> Box:
    """Drop share counts whose Lagrangian reduced cost alone exceeds the gap."""
    n = len(box.values)
    width = max(len(v) for v in box.values)
    vals = np.full((n, width), np.nan)
    for i, v in enumerate(box.values):
        vals[i, : len(v)] = v
    mask = ~np.isnan(vals)
    filled = np.where(mask, vals, 0.0)
    rows = np.arange(n)[:, None]
    dev = c.dev(rows, filled)
    spend = c.spend(rows, filled)

    def reduced_costs(lam: float) -> np.ndarray:
        return np.where(mask, dev + lam * spend, np.inf)

    def bound(lam: float) -> float:
        return float(np.min(reduced_costs(lam), axis=1).sum() - lam * c.budget)

    lam = concave_argmax(bound, 4.0 / max(1e-9, 1.0 - c.rate), iterations=60)
    reduced = reduced_costs(lam)
    phi = np.min(reduced, axis=1)
    lower = phi.sum() - lam * c.budget
    tol = 1e-7 * (abs(ceiling) + c.budget) + 1e-6
    keep = reduced - phi[:, None] <= ceiling - lower + tol
    out = []
    for i, v in enumerate(box.values):
        kept = v[keep[i, : len(v)]]
        out.append(kept if len(kept) else v[np.argmin(reduced[i, : len(v)])][None])
    return Box(out)
