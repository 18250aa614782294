"""Spending the budget to the cent: a proof of optimality without a solver.

Where new cash meets many underweight assets in buy-only mode, every dollar
spent below an asset's target lowers the deviation by exactly a dollar. The
Lagrangian bound L (budget multiplier 1) then says: no plan beats L, and a
plan that keeps every asset on its zero-reduced-cost counts ("flat" counts)
and spends the budget K to the cent reaches it. Finding such a plan is a subset-sum in
whole cents, easy when hundreds of assets can move, but a trap for LP-based
branch and bound (the relaxation is degenerate) and too big for a DP over
every cent of a large budget.

So: a greedy fill gets within one share of K, then a meet-in-the-middle search
over a few assets' nearby flat counts closes the last dollars exactly. With
deviation L + Σ rc + λ (K − S) for any plan, a flat plan at S = K proves the
optimum is L; the flat plan at the lowest S with λ (K − S) <= $0.01 is then the
fewest dollars traded among plans within a cent of it (with buys only and no
costs, dollars traded are S less a constant).
"""

from __future__ import annotations

import itertools

import numpy as np

from rebalancer_tui.engine.exact import Costs

# Combinations per half of the meet-in-the-middle search. With many assets to
# move, a small search already covers every sum near the target; the larger
# one (a few ms) is for the few-asset cases.
HALF_LIMITS = (1 << 11, 1 << 17)


def fill_to_the_cent(c: Costs, lo: np.ndarray, hi: np.ndarray, cents: np.ndarray,
                     budget_cents: int, tolerance_cents: int
                     ) -> tuple[np.ndarray, float] | None:
    """A flat plan spending exactly the budget, replaced by one spending less
    if one within `tolerance_cents` of it is flat too (the least such spend);
    with the bound L it reaches (or comes within the tolerance of).

    Requires buys only (lo >= held), no fees or cost rate, and prices and
    budget in whole cents (the caller checks). Then each asset's deviation
    plus spend, |p x - T| + p x, is T on [lo, floor(T / p)] and rises beyond:
    those are its flat counts. Returns None when no such plan was found: the
    caller then proves optimality another way.
    """
    nearest_below = np.floor(c.target / c.p + 1e-9)
    flat_lo = lo
    flat_hi = np.clip(nearest_below, lo, hi)  # lo alone for an asset already above target
    xs = np.arange(len(c.p))
    lower = float((c.dev(xs, flat_lo) + c.spend(xs, flat_lo)).sum()) - c.budget
    floor_spend = int(np.dot(cents, flat_lo.astype(np.int64)))
    top_spend = int(np.dot(cents, flat_hi.astype(np.int64)))
    if not floor_spend <= budget_cents <= top_spend:
        return None  # the bound with multiplier 1 is out of reach
    x = _greedy(flat_lo, flat_hi, cents, budget_cents - floor_spend)
    left = budget_cents - int(np.dot(cents, x.astype(np.int64)))
    for half_limit in HALF_LIMITS:
        moves = _candidate_moves(flat_lo, flat_hi, cents, x, half_limit)
        if _close(moves, x, [left]) is not None:
            break
    else:
        return None  # without a plan at exactly L, the tie-break is not proven
    # (K - S) <= tolerance: the least spend among flat plans that close.
    targets = [left - k for k in range(min(tolerance_cents, 10), -1, -1)]
    best = _close(moves, x, targets)
    assert best is not None  # the last target is the one just met
    return best, lower


def _greedy(flat_lo: np.ndarray, flat_hi: np.ndarray, cents: np.ndarray,
            room: int) -> np.ndarray:
    """From the lowest flat counts, the dearest assets first, each to the most
    flat shares that still fit: what is left is below the cheapest price that
    could still move up."""
    x = flat_lo.copy()
    for i in np.argsort(-cents, kind="stable"):
        k = min(int(flat_hi[i] - flat_lo[i]), room // int(cents[i]))
        x[i] += k
        room -= k * int(cents[i])
    return x


Move = tuple[int, np.ndarray, np.ndarray]  # asset, counts it may take, spend change in cents


def _close(moves: list[Move], x: np.ndarray, targets: list[int]) -> np.ndarray | None:
    """Move a few assets within their flat counts so the spend changes by one
    of `targets` cents (the first that can be met); meet in the middle."""
    half_a, half_b = moves[0::2], moves[1::2]
    sums_a = _all_sums([d for _, _, d in half_a])
    sums_b = _all_sums([d for _, _, d in half_b])
    order_b = np.argsort(sums_b, kind="stable")
    sorted_b = sums_b[order_b]
    for target in targets:
        want = target - sums_a
        pos = np.minimum(np.searchsorted(sorted_b, want), len(sorted_b) - 1)
        hit = np.flatnonzero(sorted_b[pos] == want)
        if len(hit):
            ia = int(hit[0])
            ib = int(order_b[pos[ia]])
            out = x.copy()
            for half, idx in ((half_a, ia), (half_b, ib)):
                digits = _digits(idx, [len(counts) for _, counts, _ in half])
                for (i, counts, _), k in zip(half, digits, strict=True):
                    out[i] = counts[k]
            return out
    return None


def _candidate_moves(flat_lo: np.ndarray, flat_hi: np.ndarray, cents: np.ndarray,
                     x: np.ndarray, half_limit: int) -> list[Move]:
    """The assets with room to move and the flat counts near their current
    ones, windows widened while both halves stay small."""
    # The greedy leaves the dear assets at their top flat count and the cheap
    # ones at their bottom: take from both in turn, or every move would go the
    # same way. Dearer assets first: they move more dollars per share.
    by_price = np.argsort(-cents, kind="stable")
    down = [int(i) for i in by_price if x[i] > flat_lo[i]]
    up = [int(i) for i in by_price if x[i] < flat_hi[i]]
    mobile = list(dict.fromkeys(i for pair in itertools.zip_longest(down, up) for i in pair
                                if i is not None))
    for radius in (64, 16, 4, 2, 1):
        moves: list[Move] = []
        size = [1, 1]
        for i in mobile:
            counts = np.arange(max(flat_lo[i], x[i] - radius), min(flat_hi[i], x[i] + radius) + 1)
            half = len(moves) % 2
            if size[half] * len(counts) > half_limit:
                break
            size[half] *= len(counts)
            moves.append((i, counts, ((counts - x[i]) * cents[i]).astype(np.int64)))
        if len(moves) == len(mobile) or radius == 1:
            return moves
    raise AssertionError("unreachable: radius 1 always returns")


def _all_sums(deltas: list[np.ndarray]) -> np.ndarray:
    sums = np.zeros(1, dtype=np.int64)
    for d in deltas:
        sums = (sums[:, None] + d[None, :]).ravel()
    return sums


def _digits(index: int, radices: list[int]) -> list[int]:
    """Mixed-radix digits of an index into `_all_sums` (last asset fastest)."""
    out = []
    for r in reversed(radices):
        out.append(index % r)
        index //= r
    return out[::-1]
