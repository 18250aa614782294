"""Exact search that exploits the problem's structure before any MILP is built.

Only the budget couples the assets: each asset's deviation |p x - T| and spend
p x + r p |x - h| + f [x != h] depend on its own share count. So:

1. A greedy plan (nearest whole shares, then the cheapest cuts until it is
   affordable, then the best affordable additions) gives an incumbent U.
2. The Lagrangian bound L(l) = sum_i min_x (dev_i + l spend_i) - l K holds for
   every l >= 0. For the best l, a share count v of asset i can be part of a
   plan no worse than U + tol only if L + (dev_i(v) + l spend_i(v) - min_i) stays
   within it (reduced-cost fixing). Most assets keep one or two counts.
3. If the remaining combinations are few, they are enumerated with numpy:
   a proof by exhaustion, no solver needed. Otherwise the caller hands the
   tightened box to HiGHS.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Enumerate at most this many combinations (numpy, a few ms at the limit).
ENUMERATION_LIMIT = 40_000
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


@dataclass
class Costs:
    """Per-asset data as float arrays; the functions are exact enough for
    search, and every answer is re-checked in decimals by the caller."""

    p: np.ndarray
    h: np.ndarray
    target: np.ndarray
    budget: float
    fee: float
    rate: float

    def dev(self, i: int | np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.abs(self.p[i] * v - self.target[i])

    def spend(self, i: int | np.ndarray, v: np.ndarray) -> np.ndarray:
        moved = v - self.h[i]
        return self.p[i] * v + self.rate * self.p[i] * np.abs(moved) + self.fee * (moved != 0)

    def traded(self, i: int | np.ndarray, v: np.ndarray) -> np.ndarray:
        return self.p[i] * np.abs(v - self.h[i])

    def budget_slack(self) -> float:
        """Float tolerance on the budget; the decimal check has the last word."""
        return 1e-9 * max(self.budget, 1.0)


def greedy_plan(c: Costs, lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
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
    return x


def deviation_box(c: Costs, lo: np.ndarray, hi: np.ndarray, ceiling: float) -> Box | None:
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


def lagrangian_fix(c: Costs, box: Box, ceiling: float) -> Box:
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


def enumerate_best(
    c: Costs, box: Box, tolerance: float, order_cap: int | None = None
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


# The DP table holds one int16 choice per free asset and cent of budget.
DP_CELL_LIMIT = 30_000_000


def cents_dp(
    c: Costs,
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


# Meet in the middle: each half of the free assets enumerated on its own. Two
# halves of this many combinations stand for their product (up to ~4e9 plans).
HALF_LIMIT = 1 << 16
# Pairs examined for the tie-break (plans within the tolerance of the least
# deviation); more than this and the caller falls back to the solver.
PAIR_LIMIT = 1_000_000


@dataclass
class _Half:
    """Every combination of one half's share counts, with its sums."""

    grid: np.ndarray  # combinations x assets of this half
    dev: np.ndarray
    spend: np.ndarray
    trade: np.ndarray


def _half(c: Costs, box: Box, members: list[int]) -> _Half:
    if not members:
        zero = np.zeros(1)
        return _Half(np.zeros((1, 0)), zero, zero, zero)
    mesh = np.meshgrid(*(box.values[i] for i in members), indexing="ij")
    grid = np.stack([m.ravel() for m in mesh], axis=1).astype(float)
    idx = np.array(members)
    return _Half(
        grid,
        c.dev(idx, grid).sum(axis=1),
        c.spend(idx, grid).sum(axis=1),
        c.traded(idx, grid).sum(axis=1),
    )


def meet_in_the_middle(c: Costs, box: Box, tolerance: float) -> list[np.ndarray] | None:
    """The same ranking as `enumerate_best` (no order cap) for boxes too big to
    enumerate: plans within `tolerance` of the least deviation, fewest dollars
    traded first. None if either half or the tie-break pairs are too many.

    The least deviation: for each plan of half A, the best half-B plan that
    fits the budget left, from B sorted by spend with a running minimum of
    deviation. The tie-break: only pairs that may lie within the tolerance of
    it are examined (see `_tie_break_pairs`).
    """
    n = len(box.values)
    free = sorted(
        (i for i in range(n) if len(box.values[i]) > 1), key=lambda i: -len(box.values[i])
    )
    halves: tuple[list[int], list[int]] = ([], [])
    sizes = [1.0, 1.0]
    for i in free:
        k = 0 if sizes[0] <= sizes[1] else 1
        halves[k].append(i)
        sizes[k] *= len(box.values[i])
    if max(sizes) > HALF_LIMIT:
        return None
    fixed = [i for i in range(n) if len(box.values[i]) == 1]
    base = np.array([v[0] for v in box.values], dtype=float)
    fixed_idx = np.array(fixed, dtype=int)
    room = c.budget + c.budget_slack() - float(c.spend(fixed_idx, base[fixed_idx]).sum())
    a, b = _half(c, box, halves[0]), _half(c, box, halves[1])

    by_spend = np.argsort(b.spend, kind="stable")
    best_dev_upto = np.minimum.accumulate(b.dev[by_spend])
    last = np.searchsorted(b.spend[by_spend], room - a.spend, side="right") - 1
    fits = last >= 0
    if not fits.any():
        return []
    least = float((a.dev[fits] + best_dev_upto[last[fits]]).min())

    cap = least + tolerance + 1e-9
    ia, ib = _tie_break_pairs(a, b, by_spend, room, cap)
    if ia is None or ib is None:
        return None
    ok = (a.spend[ia] + b.spend[ib] <= room) & (a.dev[ia] + b.dev[ib] <= cap)
    ia, ib = ia[ok], ib[ok]
    dev = a.dev[ia] + b.dev[ib]
    ranked = np.lexsort((dev, a.trade[ia] + b.trade[ib]))
    plans = []
    for r in ranked[:50]:
        x = base.copy()
        x[halves[0]] = a.grid[ia[r]]
        x[halves[1]] = b.grid[ib[r]]
        plans.append(x)
    return plans


def _tie_break_pairs(
    a: _Half, b: _Half, by_spend: np.ndarray, room: float, cap: float
) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    """Index pairs (A, B) that include every pair within the budget and with
    deviation <= cap, found the cheaper of two ways; (None, None) if both
    give more than PAIR_LIMIT pairs.

    By deviation: B sorted by deviation, each A takes the prefix with
    dev_b <= cap - dev_a. By spend: with any multiplier l > 0, dev + l spend
    of a B plan is at least its least value m_B, so a pair within the cap has
    spend_b >= (dev_a + l spend_a + m_B - cap) / l - spend_a, and within the
    budget spend_b <= room - spend_a: a window in B sorted by spend. Where a
    dollar spent buys a dollar less deviation (new cash, buys only) most plans
    tie on deviation and the first way finds them all, while the window is a
    cent wide.
    """
    by_dev = np.argsort(b.dev, kind="stable")
    order = by_dev
    starts = np.zeros(len(a.dev), dtype=np.int64)
    counts = np.searchsorted(b.dev[by_dev], cap - a.dev, side="right")
    lam = _best_multiplier(a, b, room)
    if lam > 0:
        spend_sorted = b.spend[by_spend]
        least_b = float((b.dev + lam * b.spend).min())
        low = (a.dev + lam * a.spend + least_b - cap) / lam - a.spend
        slack = 1e-9 * (abs(room) + 1.0)
        win_start = np.searchsorted(spend_sorted, low - slack, side="left")
        win_end = np.searchsorted(spend_sorted, room - a.spend, side="right")
        win_counts = np.maximum(win_end - win_start, 0)
        if int(win_counts.sum()) < int(counts.sum()):
            order, starts, counts = by_spend, win_start, win_counts
    total = int(counts.sum())
    if total > PAIR_LIMIT:
        return None, None
    ia = np.repeat(np.arange(len(a.dev)), counts)
    # Position within each A's run of B: start .. start + count - 1.
    offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    ib = order[np.repeat(starts, counts) + offset]
    return ia, ib


def _best_multiplier(a: _Half, b: _Half, room: float) -> float:
    """The budget multiplier l >= 0 that maximises the Lagrangian bound
    min_A (dev + l spend) + min_B (dev + l spend) - l room (concave in l)."""

    def bound(lam: float) -> float:
        return float((a.dev + lam * a.spend).min() + (b.dev + lam * b.spend).min() - lam * room)

    return concave_argmax(bound, 4.0, iterations=40, also=(1.0,))
