"""The incumbent: a quick feasible plan whose deviation bounds the optimum."""

from __future__ import annotations

import heapq
import time

import numpy as np

from rebalancer_tui.engine.view import FloatView

# Share moves allowed per asset (plus a constant): the nearest counts are
# usually a few shares from affordable; far more moves means magnitudes (a
# price of $0.000001 and billions of dollars) where share-by-share steps never end.
MOVES_PER_ASSET = 64
MOVES_BASE = 20_000


def greedy_plan(
    c: FloatView, lo: np.ndarray, hi: np.ndarray, deadline: float = float("inf")
) -> np.ndarray | None:
    """Nearest whole shares, cut until affordable, then filled while it helps.

    None if cutting does not reach an affordable plan within its move budget
    or before `deadline` (time.monotonic()); the fill stops there too, with
    the plan it has (affordable, only better than before)."""
    n = len(c.p)
    moves_left = MOVES_PER_ASSET * n + MOVES_BASE

    def out_of_moves() -> bool:
        nonlocal moves_left
        moves_left -= 1
        return moves_left <= 0 or (moves_left % 1024 == 0 and time.monotonic() > deadline)

    fl = np.clip(np.floor(c.target / c.p), lo, hi)
    ce = np.clip(fl + 1, lo, hi)
    x = np.where(c.dev(np.arange(n), ce) < c.dev(np.arange(n), fl), ce, fl)
    idx = np.arange(n)
    total = float(c.spend(idx, x).sum())

    # Plain floats: this runs once per share moved, where numpy's per-call
    # overhead would dominate.
    p, h, t = c.p.tolist(), c.h.tolist(), c.target.tolist()
    fee, rate = c.fee, c.rate

    def step(i: int, d: int) -> tuple[float, float]:
        """(change in deviation, change in spend) of moving asset i by d shares."""
        a = float(x[i])
        b = a + d
        pi, held = p[i], h[i]
        dev = abs(pi * b - t[i]) - abs(pi * a - t[i])
        spend = (
            pi * d + rate * pi * (abs(b - held) - abs(a - held)) + fee * ((b != held) - (a != held))
        )
        return dev, spend

    limit = c.budget + c.budget_slack()
    if total > limit:
        heap: list[tuple[float, int]] = []
        for i in range(n):
            if x[i] > lo[i]:
                dd, ds = step(i, -1)
                if ds < 0:
                    heapq.heappush(heap, (dd / -ds, i))
        while total > limit:
            if not heap or out_of_moves():
                return None
            _, i = heapq.heappop(heap)
            dd, ds = step(i, -1)
            x[i] -= 1
            total += ds
            if x[i] > lo[i]:
                dd, ds = step(i, -1)
                if ds < 0:
                    heapq.heappush(heap, (dd / -ds, i))
    # Fill: the best deviation gain per dollar first, while it fits.
    heap = []
    for i in range(n):
        if x[i] < hi[i]:
            dd, ds = step(i, 1)
            if dd < 0 and ds > 0:
                heapq.heappush(heap, (dd / ds, i))
    while heap and not out_of_moves():
        _, i = heapq.heappop(heap)
        dd, ds = step(i, 1)
        if total + ds > limit:
            continue
        x[i] += 1
        total += ds
        if x[i] < hi[i]:
            dd, ds = step(i, 1)
            if dd < 0 and ds > 0:
                heapq.heappush(heap, (dd / ds, i))
    return np.asarray(x)
