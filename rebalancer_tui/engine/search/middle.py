"""Meet in the middle: each half of the free assets enumerated on its own,
for boxes too big to enumerate whole (an exhaustive search too)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rebalancer_tui.engine.search.base import DOLLAR_TOLERANCE, Found, Shares, Task
from rebalancer_tui.engine.search.box import Box, concave_argmax
from rebalancer_tui.engine.view import FloatView


class MeetInTheMiddle:
    """Settles either stage without an order cap, if the halves are small."""

    name = "meet-in-the-middle"

    def _search(self, task: Task) -> Shares | None:
        box = task.box
        if box is None or task.order_cap is not None:
            return None
        return task.first_feasible(meet_in_the_middle(task.view, box, DOLLAR_TOLERANCE) or [])

    def closest(self, task: Task) -> Found | None:
        shares = self._search(task)
        return None if shares is None else Found(shares)

    def least_traded(self, task: Task) -> Shares | None:
        return self._search(task)


# Two
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


def _half(c: FloatView, box: Box, members: list[int]) -> _Half:
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


def meet_in_the_middle(c: FloatView, box: Box, tolerance: float) -> list[np.ndarray] | None:
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
