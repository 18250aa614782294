"""Exhaustion: every combination of a small box, ranked with numpy.

A proof by exhaustion, no solver needed; it handles the order cap of
trade-minimization too.
"""

from __future__ import annotations

import itertools

import numpy as np

from rebalancer_tui.engine.search.base import DOLLAR_TOLERANCE, Found, Shares, Task
from rebalancer_tui.engine.search.box import Box
from rebalancer_tui.engine.view import FloatView

# Enumerate at most this many combinations (numpy, a few ms at the limit).
ENUMERATION_LIMIT = 40_000


class Enumeration:
    """Settles either stage when the box has at most `limit` combinations."""

    name = "enumeration"

    def __init__(self, limit: int = ENUMERATION_LIMIT) -> None:
        self.limit = limit

    def _search(self, task: Task) -> Shares | None:
        box = task.box
        if box is None or box.combinations() > self.limit:
            return None
        return task.first_feasible(enumerate_best(task.view, box, DOLLAR_TOLERANCE, task.order_cap))

    def closest(self, task: Task) -> Found | None:
        shares = self._search(task)
        return None if shares is None else Found(shares)

    def least_traded(self, task: Task) -> Shares | None:
        return self._search(task)


def enumerate_best(
    c: FloatView, box: Box, tolerance: float, order_cap: int | None = None
) -> list[np.ndarray]:
    """All affordable plans in the box, best first: deviation within
    `tolerance` of the least, then fewest dollars traded, then deviation.
    Returned as a ranked list so the caller can skip one that fails the exact
    decimal check."""
    n = len(box.values)
    fixed = [i for i in range(n) if len(box.values[i]) == 1]
    free = [i for i in range(n) if len(box.values[i]) > 1]
    base = np.array([box.values[i][0] for i in range(n)], dtype=float)
    fixed_idx = np.array(fixed, dtype=int)
    dev0 = float(c.dev(fixed_idx, base[fixed_idx]).sum()) if fixed else 0.0
    spend0 = float(c.spend(fixed_idx, base[fixed_idx]).sum()) if fixed else 0.0
    trade0 = float(c.traded(fixed_idx, base[fixed_idx]).sum()) if fixed else 0.0
    orders0 = int(np.count_nonzero(base[fixed_idx] != c.h[fixed_idx])) if fixed else 0
    if free:
        grids = np.array(list(itertools.product(*(box.values[i] for i in free))), dtype=float)
        free_idx = np.array(free)
        dev = dev0 + c.dev(free_idx, grids).sum(axis=1)
        spend = spend0 + c.spend(free_idx, grids).sum(axis=1)
        trade = trade0 + c.traded(free_idx, grids).sum(axis=1)
        orders = orders0 + np.count_nonzero(grids != c.h[free_idx], axis=1)
    else:
        grids = np.zeros((1, 0))
        dev, spend, trade = np.array([dev0]), np.array([spend0]), np.array([trade0])
        orders = np.array([orders0])
    ok = spend <= c.budget + c.budget_slack()
    if order_cap is not None:
        ok &= orders <= order_cap
    if not ok.any():
        return []
    best = dev[ok].min()
    near = ok & (dev <= best + tolerance + 1e-9)
    ranked = np.lexsort((dev, trade))  # by traded, then deviation
    ranked = ranked[near[ranked]]
    # After the tie-break candidates, the rest by deviation (fallbacks only).
    rest = np.argsort(dev, kind="stable")
    rest = rest[ok[rest] & ~near[rest]]
    plans = []
    for r in itertools.chain(ranked, rest[:50]):
        x = base.copy()
        if free:
            x[free] = grids[r]
        plans.append(x)
    return plans
