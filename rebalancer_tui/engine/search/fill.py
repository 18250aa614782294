"""Spending the budget to the cent: a proof of optimality without a solver.

Where new cash meets many underweight assets in buy-only mode, every dollar
spent below an asset's target lowers the deviation by a dollar (by 1 / (1 + r)
of one with a cost rate r). The Lagrangian bound L with that budget multiplier
λ says: no plan beats L, and any plan that keeps every asset on its
zero-reduced-cost counts ("flat" counts: from what is held up to the last
share below target) has deviation exactly L + λ (K − S), K the budget and S
its spend. Finding a flat plan with S at K is a subset sum: easy when many
assets can move, but a trap for LP-based branch and bound (the relaxation is
degenerate) and too big for a DP over every cent of a large budget.

So: a greedy fill gets within one share of K, then a meet-in-the-middle search
over a few assets' nearby flat counts closes the rest, in exact integers. The
flat plan closest to K pins the optimum (within `pin`); among flat plans with
λ (K − S) <= $0.01, the one with the least S trades the fewest dollars (with
buys only and no fees, dollars traded are (S − constant) / (1 + r)) and no
plan outside the flat ones can reach that band with less.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from rebalancer_tui.engine.evaluate import deviation, infeasibility
from rebalancer_tui.engine.search.base import (
    DOLLAR_TOLERANCE,
    DOLLAR_TOLERANCE_DEC,
    SOLVER_ABS_GAP,
    Found,
    Shares,
    Task,
)
from rebalancer_tui.engine.view import FloatView

# Combinations per half of the meet-in-the-middle search, tried in turn. With
# many assets to move, a small search already covers every sum near the
# target; the larger ones (a few ms, then tens) are for few assets or a small
# budget, where sums are sparser.
HALF_LIMITS = (1 << 11, 1 << 14, 1 << 17, 1 << 19)


@dataclass(frozen=True)
class Budget:
    """The spend side in exact integer units (money x `scale`).

    `unit_cost[i]` is what one more share of asset i costs, rate included,
    and `total` the budget those costs must fit in, so that a plan's spend is
    sum(unit_cost * x) on the same scale. `lam` is the budget multiplier that
    makes flat counts flat (1 / (1 + r)). A plan is `pin` units or fewer
    below the budget to count as reaching the bound, and may be down to
    `band` units below it (λ (K − S) <= $0.01) for the tie-break.
    `unspendable` is the part of the budget (dollars) no whole-share plan can
    spend, because every spend is a multiple of the costs' common divisor:
    it raises the bound by λ times as much.
    """

    unit_cost: np.ndarray
    total: int
    lam: float
    pin: int
    band: int
    unspendable: float = 0.0


# Past this many decimal places, money times 10^places may not fit in int64.
FILL_MAX_PLACES = 10
# How far below the budget the fill may stop and still pin the bound (dollars):
# the precision HiGHS is held to; with prices in whole cents it is exact.
FILL_PIN = Decimal(str(SOLVER_ABS_GAP))


class Fill:
    """Settles the CLOSEST stage of a buy-only task without fees or order cap,
    when the budget can be spent to the cent on flat counts.

    Its deviation is the Lagrangian bound itself (or a cent above it, to
    trade a cent less), so it is proven optimal with no search."""

    name = "fill"

    def closest(self, task: Task) -> Found | None:
        inp, view, lo, hi = task.inp, task.view, task.lo, task.hi
        if task.order_cap is not None or inp.options.fee or not np.all(lo >= view.h):
            return None
        budget = fill_budget(task)
        if budget is None:
            return None
        found = fill_to_the_cent(view, lo, hi, budget)
        if found is None:
            return None
        xs, lower = found
        shares = view.to_shares(xs)
        proven = float(deviation(inp, shares)) <= lower + DOLLAR_TOLERANCE + 1e-6
        return Found(shares) if proven and infeasibility(inp, shares) is None else None

    def least_traded(self, task: Task) -> Shares | None:
        return None


def fill_budget(task: Task) -> Budget | None:
    """The budget and per-share costs in exact integer units, if few decimals.

    With a cost rate r a buy of x − h shares costs p (1 + r) (x − h), so the
    plan's spend is sum p (1 + r) x less the constant r sum p h: that constant
    moves to the budget side. Units are divided by the costs' greatest common
    divisor, and the budget rounded down to a multiple of it (the rest can
    never be spent)."""
    inp, symbols = task.inp, task.view.symbols
    rate = inp.options.cost_rate
    unit = [inp.prices[s] * (1 + rate) for s in symbols]
    total = inp.investable + rate * sum((inp.prices[s] * inp.held(s) for s in symbols), Decimal(0))
    exponents = [v.normalize().as_tuple().exponent for v in [*unit, total]]
    places = max(-min(e for e in exponents if isinstance(e, int)), 0)
    if places > FILL_MAX_PLACES:
        return None
    scale = Decimal(10) ** places
    costs = [int(v * scale) for v in unit]
    step = math.gcd(*costs)
    spendable = int(total * scale) // step
    lam = 1 / (1 + rate)
    return Budget(
        unit_cost=np.array([v // step for v in costs], dtype=np.int64),
        total=spendable,
        lam=float(lam),
        pin=int(FILL_PIN * scale / lam) // step,
        band=int(DOLLAR_TOLERANCE_DEC * scale / lam) // step,
        unspendable=float(total - spendable * step / scale),
    )


def fill_to_the_cent(
    c: FloatView, lo: np.ndarray, hi: np.ndarray, budget: Budget
) -> tuple[np.ndarray, float] | None:
    """The flat plan with the least spend among those within `band` of the
    budget, provided some flat plan comes within `pin` of it; with the bound L.

    Requires buys only (lo >= held) and no fees (the caller checks). Returns
    None when no such plan was found: the caller then proves optimality
    another way.
    """
    nearest_below = np.floor(c.target / c.p + 1e-9)
    flat_lo = lo
    flat_hi = np.clip(nearest_below, lo, hi)  # lo alone for an asset already above target
    xs = np.arange(len(c.p))
    lower = (
        float((c.dev(xs, flat_lo) + budget.lam * c.spend(xs, flat_lo)).sum())
        - budget.lam * c.budget
        + budget.lam * budget.unspendable
    )
    cost = budget.unit_cost
    floor_spend = _spend(cost, flat_lo)
    if not floor_spend <= budget.total <= _spend(cost, flat_hi):
        return None  # the bound with this multiplier is out of reach
    x = _greedy(flat_lo, flat_hi, cost, budget.total - floor_spend)
    left = budget.total - _spend(cost, x)
    for half_limit in HALF_LIMITS:
        search = _Search(_candidate_moves(flat_lo, flat_hi, cost, x, half_limit))
        closest = search.most_at_most(left)
        if closest is not None and left - search.change(closest) <= budget.pin:
            break
    else:
        return None  # the bound is not pinned: the tie-break could not be proven
    # `closest` itself qualifies (pin <= band), so this finds at least it.
    least = search.least_at_least(left - budget.band, left) or closest
    return search.apply(x, least), lower


def _spend(cost: np.ndarray, x: np.ndarray) -> int:
    # Python integers: money x 10^decimals can pass int64 when multiplied out.
    return sum(int(a) * int(b) for a, b in zip(cost.tolist(), x.tolist(), strict=True))


def _greedy(flat_lo: np.ndarray, flat_hi: np.ndarray, cost: np.ndarray, room: int) -> np.ndarray:
    """Every asset the same fraction of the way up its flat counts, then the
    dearest first to the most shares that still fit: what is left is below
    the cheapest price that could still move up, and most assets sit inside
    their flat range, free to move either way for the search that follows."""
    width = flat_hi - flat_lo
    full = _spend(cost, width)
    x = flat_lo.copy()
    if full > 0:
        # A hair under the exact fraction, so float rounding never overspends.
        share = np.floor(width * min(room / full * (1 - 1e-12), 1.0))
        room -= _spend(cost, share)
        x += share
    # One share into each asset still at the bottom of its flat range, the
    # cheapest first: from there it can move either way. With a small budget
    # this keeps the search's target inside its range of sums, not at an edge.
    # (Sorted by cost, the affordable ones are a prefix.)
    bottom = np.flatnonzero((x == flat_lo) & (flat_hi - x >= 2))
    bottom = bottom[np.argsort(cost[bottom], kind="stable")]
    paid = list(itertools.accumulate(int(v) for v in cost[bottom]))  # exact, unbounded
    raised = bottom[: bisect.bisect_right(paid, room)]
    x[raised] += 1
    room -= paid[len(raised) - 1] if len(raised) else 0
    for i in np.argsort(-cost, kind="stable"):
        k = min(int(flat_hi[i] - x[i]), room // int(cost[i]))
        x[i] += k
        room -= k * int(cost[i])
    return x


Move = tuple[int, np.ndarray, np.ndarray]  # asset, counts it may take, spend change


class _Search:
    """Every spend change two halves of `moves` can make, to meet in the middle."""

    def __init__(self, moves: list[Move]) -> None:
        self.halves = (moves[0::2], moves[1::2])
        self.sums_a = _all_sums([d for _, _, d in self.halves[0]])
        sums_b = _all_sums([d for _, _, d in self.halves[1]])
        self.order_b = np.argsort(sums_b, kind="stable")
        self.sorted_b = sums_b[self.order_b]

    def most_at_most(self, limit: int) -> tuple[int, int] | None:
        """(index in A, index in sorted B) of the largest change <= limit."""
        pos = np.searchsorted(self.sorted_b, limit - self.sums_a, side="right") - 1
        ok = np.flatnonzero(pos >= 0)
        if not len(ok):
            return None
        total = self.sums_a[ok] + self.sorted_b[pos[ok]]
        k = int(np.argmax(total))
        return int(ok[k]), int(pos[ok[k]])

    def least_at_least(self, low: int, high: int) -> tuple[int, int] | None:
        """The smallest change in [low, high]."""
        pos = np.searchsorted(self.sorted_b, low - self.sums_a, side="left")
        ok = np.flatnonzero(pos < len(self.sorted_b))
        total = self.sums_a[ok] + self.sorted_b[pos[ok]]
        fits = total <= high
        if not fits.any():
            return None
        k = int(np.argmin(np.where(fits, total, np.iinfo(np.int64).max)))
        return int(ok[k]), int(pos[ok[k]])

    def change(self, at: tuple[int, int]) -> int:
        return int(self.sums_a[at[0]] + self.sorted_b[at[1]])

    def apply(self, x: np.ndarray, at: tuple[int, int]) -> np.ndarray:
        out = x.copy()
        for half, idx in ((self.halves[0], at[0]), (self.halves[1], int(self.order_b[at[1]]))):
            digits = _digits(idx, [len(counts) for _, counts, _ in half])
            for (i, counts, _), k in zip(half, digits, strict=True):
                out[i] = counts[k]
        return out


def _candidate_moves(
    flat_lo: np.ndarray, flat_hi: np.ndarray, cost: np.ndarray, x: np.ndarray, half_limit: int
) -> list[Move]:
    """The assets with room to move and the flat counts near their current
    ones, windows widened while both halves stay small."""
    # The greedy leaves the dear assets at their top flat count and the cheap
    # ones at their bottom: take from both in turn, or every move would go the
    # same way. Dearer assets first: they move more dollars per share.
    by_price = np.argsort(-cost, kind="stable")
    down = [int(i) for i in by_price if x[i] > flat_lo[i]]
    up = [int(i) for i in by_price if x[i] < flat_hi[i]]
    mobile = list(
        dict.fromkeys(i for pair in itertools.zip_longest(down, up) for i in pair if i is not None)
    )
    for radius in (64, 16, 4, 2, 1):
        moves: list[Move] = []
        size = [1, 1]
        for i in mobile:
            counts = np.arange(
                max(int(flat_lo[i]), int(x[i]) - radius),
                min(int(flat_hi[i]), int(x[i]) + radius) + 1,
            )
            half = len(moves) % 2
            if size[half] * len(counts) > half_limit:
                break
            size[half] *= len(counts)
            moves.append((i, counts, ((counts - x[i]) * cost[i]).astype(np.int64)))
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
