"""The incumbent: a quick feasible plan whose deviation bounds the optimum."""

from __future__ import annotations

import heapq

import numpy as np

from rebalancer_tui.engine.view import FloatView


def greedy_plan(c: FloatView, lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
    """Nearest whole shares, cut until affordable, then filled while it helps."""
    n = len(c.p)
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
            if not heap:
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
    while heap:
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
