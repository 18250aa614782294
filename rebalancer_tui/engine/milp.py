"""The two MILP strategies, solved with HiGHS through `scipy.optimize.milp`.

Formulation (one column block per asset i, all sparse):
  x_i  integer final shares, bounds tightened as described below
  d_i  >= |p_i x_i - T_i|          deviation dollars    (when the objective needs it)
  t_i  >= |x_i - h_i|              shares traded        (turnover, proportional costs)
  o_i  binary, 1 if x_i != h_i     an order             (fixed fees, order counts)
  budget: sum p_i x_i + r sum p_i t_i + f sum o_i <= V - R

Lexicographic objectives are solved in stages, each later stage keeping the
earlier objective within its tolerance ($0.01 for dollars, exact for counts).

Speed comes from bounds, not from the solver: the simple plan is a feasible
incumbent with deviation U, and every asset's deviation is at least its own
best whole-share deviation m_i, so in any plan no worse than U,
|p_i x_i - T_i| <= U - sum_{j != i} m_j. That leaves each x_i a handful of
values, and HiGHS's LP relaxation becomes nearly integral.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import numpy as np

from rebalancer_tui.engine.exact import (
    DP_CELL_LIMIT,
    ENUMERATION_LIMIT,
    Box,
    Costs,
    cents_dp,
    deviation_box,
    enumerate_best,
    greedy_plan,
    meet_in_the_middle,
)
from rebalancer_tui.engine.fill import Budget, fill_to_the_cent
from rebalancer_tui.engine.inputs import RebalanceInput
from rebalancer_tui.engine.plan import cash_left, deviation, infeasibility, turnover
from rebalancer_tui.engine.simple import simple_shares
from rebalancer_tui.engine.strategies import SolveFailed

# "Optimal" means within a cent of the true optimum; the solver is asked for a
# tenth of that so the stage that follows has room for float noise.
DOLLAR_TOLERANCE = 0.01
DOLLAR_TOLERANCE_DEC = Decimal("0.01")
SOLVER_ABS_GAP = 0.001
# A DP table this small (free assets x budget cents) costs a few ms.
SMALL_DP_CELLS = 1_000_000

# HiGHS status codes as scipy reports them.
_OPTIMAL, _LIMIT, _INFEASIBLE, _UNBOUNDED, _SOLVE_ERROR = 0, 1, 2, 3, 4


@dataclass
class _Problem:
    """Arrays of one MILP under construction (columns, then sparse rows)."""

    c: list[float] = field(default_factory=list)
    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integrality: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    row_lb: list[float] = field(default_factory=list)
    row_ub: list[float] = field(default_factory=list)

    def add_vars(self, lb: np.ndarray, ub: np.ndarray, integer: bool) -> np.ndarray:
        start = len(self.c)
        n = len(lb)
        self.c.extend([0.0] * n)
        self.lb.extend(lb.tolist())
        self.ub.extend(ub.tolist())
        self.integrality.extend([1 if integer else 0] * n)
        return np.arange(start, start + n)

    def add_row(self, cols: np.ndarray, vals: np.ndarray, lo: float, hi: float) -> None:
        r = len(self.row_lb)
        self.rows.extend([r] * len(cols))
        self.cols.extend(np.asarray(cols).tolist())
        self.vals.extend(np.asarray(vals, dtype=float).tolist())
        self.row_lb.append(lo)
        self.row_ub.append(hi)

    def add_rows(
        self, blocks: list[tuple[np.ndarray, np.ndarray]], lo: np.ndarray, hi: np.ndarray
    ) -> None:
        """One row per asset: row k = sum over blocks of vals[k] * x[cols[k]]."""
        k = len(lo)
        first = len(self.row_lb)
        row_idx = np.arange(first, first + k)
        for cols, vals in blocks:
            self.rows.extend(row_idx.tolist())
            self.cols.extend(np.asarray(cols).tolist())
            self.vals.extend(np.broadcast_to(np.asarray(vals, dtype=float), (k,)).tolist())
        self.row_lb.extend(np.asarray(lo, dtype=float).tolist())
        self.row_ub.extend(np.asarray(hi, dtype=float).tolist())

    def solve(
        self, objective: np.ndarray, time_limit: float, abs_gap: float, objective_scale: float
    ) -> tuple[np.ndarray, float, float]:
        """Minimise; returns (x, objective, proven lower bound) or raises SolveFailed."""
        # SciPy costs ~0.3 s to import; the exact fast paths never need it.
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_array

        n = len(self.c)
        a = csr_array((self.vals, (self.rows, self.cols)), shape=(len(self.row_lb), n))
        # scipy exposes only a relative gap; derive it from the absolute gap we
        # need and an upper bound on the objective, so the proof is in dollars.
        rel_gap = min(1e-4, abs_gap / max(objective_scale, 1.0))
        started = time.monotonic()
        for presolve in (True, False):
            with _quiet_stdout():
                res = milp(
                    objective,
                    integrality=np.array(self.integrality),
                    bounds=Bounds(np.array(self.lb), np.array(self.ub)),
                    constraints=LinearConstraint(a, np.array(self.row_lb), np.array(self.row_ub)),
                    options={
                        "time_limit": time_limit,
                        "mip_rel_gap": rel_gap,
                        "presolve": presolve,
                    },
                )
            # HiGHS 1.x (SciPy 1.17) sometimes ends in "solve error" after its
            # presolve on small, well-posed models; the same model solves
            # without presolve, so retry once that way within the time left.
            time_limit = max(0.1, time_limit - (time.monotonic() - started))
            if res.status != _SOLVE_ERROR:
                break
        if res.status == _INFEASIBLE:
            raise _Infeasible("no whole-share plan satisfies the constraints")
        if res.x is None:
            raise SolveFailed(_reason(res))
        bound = res.mip_dual_bound if res.mip_dual_bound is not None else res.fun
        # At the time limit the incumbent still counts if the dual bound
        # already proves it within the gap: that is all "optimal" means here.
        if res.status not in (_OPTIMAL, _LIMIT) or res.fun - bound > abs_gap + 1e-9 * abs(res.fun):
            raise SolveFailed(f"not proven optimal ({_reason(res)}; gap {res.fun - bound:.4f})")
        return np.asarray(res.x), float(res.fun), float(bound)


_STDOUT_LOCK = threading.Lock()


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 while HiGHS runs.

    The HiGHS build in SciPy printf()s debug lines (e.g. from
    transformNewIntegerFeasibleSolution) even with logging off; they would
    corrupt `plan --json` output and the terminal under the app (Textual
    draws on stderr, so fd 1 is free to mute). The lock serialises solves so
    two threads never interleave the redirection.
    """
    with _STDOUT_LOCK:
        sys.stdout.flush()
        try:
            saved = os.dup(1)
        except OSError:  # no fd 1 at all: nothing to protect
            yield
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)


class _Infeasible(SolveFailed):
    pass


def _reason(res: object) -> str:
    status = getattr(res, "status", None)
    if status == _LIMIT:
        return "time limit reached"
    return str(getattr(res, "message", "solver failure")).strip().rstrip(".").lower()


@dataclass
class _Data:
    """The inputs as float arrays, in `inp.symbols` order."""

    symbols: list[str]
    p: np.ndarray
    h: np.ndarray
    target: np.ndarray
    lo: np.ndarray  # hard bounds on x (buy-only, outside the model, budget)
    hi: np.ndarray
    budget: float  # V - R
    fee: float
    rate: float

    @cached_property
    def costs(self) -> Costs:
        """The same arrays as the exact search sees them."""
        return Costs(
            p=self.p, h=self.h, target=self.target, budget=self.budget, fee=self.fee, rate=self.rate
        )

    @classmethod
    def of(cls, inp: RebalanceInput) -> _Data:
        syms = inp.symbols
        budget = inp.investable
        lo, hi = [], []
        for s in syms:
            a, b = inp.share_bounds(s)
            lo.append(a)
            # Holding more than the budget buys is never feasible.
            hi.append(b if b is not None else max(a, math.floor(budget / inp.prices[s])))
        return cls(
            symbols=syms,
            p=np.array([float(inp.prices[s]) for s in syms]),
            h=np.array([float(inp.held(s)) for s in syms]),
            target=np.array([float(inp.target_dollars(s)) for s in syms]),
            lo=np.array(lo, dtype=float),
            hi=np.array(hi, dtype=float),
            budget=float(budget),
            fee=float(inp.options.fee),
            rate=float(inp.options.cost_rate),
        )


class _Builder:
    """Builds the shared part of both MILPs for given share bounds."""

    def __init__(
        self,
        d: _Data,
        lo: np.ndarray,
        hi: np.ndarray,
        *,
        need_dev: bool,
        need_trades: bool,
        need_orders: bool,
    ) -> None:
        self.d = d
        n = len(d.p)
        prob = _Problem()
        self.prob = prob
        self.x = prob.add_vars(lo, hi, integer=True)
        self.dev = self.trades = self.orders = None
        if need_dev:
            span = np.maximum(np.abs(d.p * lo - d.target), np.abs(d.p * hi - d.target))
            self.dev = prob.add_vars(np.zeros(n), span, integer=False)
            # d_i >= p x - T  and  d_i >= T - p x
            prob.add_rows([(self.x, d.p), (self.dev, -1.0)], np.full(n, -np.inf), d.target)
            prob.add_rows([(self.x, d.p), (self.dev, 1.0)], d.target, np.full(n, np.inf))
        if need_trades or d.rate > 0:
            span = np.maximum(hi - d.h, d.h - lo).clip(min=0)
            self.trades = prob.add_vars(np.zeros(n), span, integer=False)
            prob.add_rows([(self.x, 1.0), (self.trades, -1.0)], np.full(n, -np.inf), d.h)
            prob.add_rows([(self.x, 1.0), (self.trades, 1.0)], d.h, np.full(n, np.inf))
        if need_orders or d.fee > 0:
            up = (hi - d.h).clip(min=0)
            down = (d.h - lo).clip(min=0)
            self.orders = prob.add_vars(
                np.zeros(n), np.where((up + down) > 0, 1.0, 0.0), integer=True
            )
            # x - h <= up * o  and  h - x <= down * o
            prob.add_rows([(self.x, 1.0), (self.orders, -up)], np.full(n, -np.inf), d.h)
            prob.add_rows([(self.x, -1.0), (self.orders, -down)], np.full(n, -np.inf), -d.h)
        cols, vals = [self.x], [d.p]
        if self.trades is not None and d.rate > 0:
            cols.append(self.trades)
            vals.append(d.rate * d.p)
        if self.orders is not None and d.fee > 0:
            cols.append(self.orders)
            vals.append(np.full(n, d.fee))
        self.budget_cols = np.concatenate(cols)
        self.budget_vals = np.concatenate(vals)

    def objective(self, block: np.ndarray | None, weights: np.ndarray | float) -> np.ndarray:
        assert block is not None
        c = np.zeros(len(self.prob.c))
        c[block] = weights
        return c

    def solve(
        self,
        objective: np.ndarray,
        scale: float,
        abs_gap: float,
        budget: float,
        time_limit: float,
        caps: list[tuple[np.ndarray, np.ndarray, float]],
    ) -> tuple[np.ndarray, float, float]:
        prob = _Problem(**{k: list(v) for k, v in self.prob.__dict__.items()})
        prob.add_row(self.budget_cols, self.budget_vals, -np.inf, budget)
        for cols, vals, cap in caps:
            prob.add_row(cols, vals, -np.inf, cap)
        return prob.solve(objective, time_limit, abs_gap, scale)


def _to_shares(d: _Data, xs: np.ndarray) -> dict[str, int]:
    return {s: round(v) for s, v in zip(d.symbols, xs[: len(d.symbols)], strict=True)}


_Stage = Callable[[float], tuple[np.ndarray, float, float]]


def _exact_feasible(inp: RebalanceInput, d: _Data, solve_stage: _Stage) -> dict[str, int]:
    """Run a stage; if float tolerance let the plan overspend (checked exactly),
    tighten the budget by the overspend and solve again."""
    budget = d.budget
    for _ in range(3):
        xs, _, _ = solve_stage(budget)
        shares = _to_shares(d, xs)
        why = infeasibility(inp, shares)
        if why is None:
            return shares
        over = float(inp.options.reserve - cash_left(inp, shares))
        if over <= 0:
            raise SolveFailed(f"solver plan infeasible: {why}")
        budget -= over * 1.5 + 1e-9 * d.budget
    raise SolveFailed("solver plan overspends after tightening")


def tracking_error_shares(inp: RebalanceInput) -> dict[str, int]:
    """Closest whole-share plan in L1 dollars, then fewest dollars traded."""
    d = _Data.of(inp)
    return _closest_then_least_traded(inp, d, d.lo, d.hi, [simple_shares(inp)])


def _orders(inp: RebalanceInput, shares: dict[str, int]) -> int:
    return sum(1 for s, n in shares.items() if n != inp.held(s))


def _best_incumbent(
    inp: RebalanceInput,
    d: _Data,
    lo: np.ndarray,
    hi: np.ndarray,
    candidates: list[dict[str, int]],
    order_cap: int | None,
) -> tuple[dict[str, int], float]:
    greedy = greedy_plan(d.costs, lo, hi)
    if greedy is not None:
        candidates = [*candidates, _to_shares(d, greedy)]
    feasible = [
        x
        for x in candidates
        if infeasibility(inp, x) is None and (order_cap is None or _orders(inp, x) <= order_cap)
    ]
    best = min(feasible, key=lambda x: deviation(inp, x))
    return best, float(deviation(inp, best))


def _closest_then_least_traded(
    inp: RebalanceInput,
    d: _Data,
    lo: np.ndarray,
    hi: np.ndarray,
    candidates: list[dict[str, int]],
    order_cap: int | None = None,
) -> dict[str, int]:
    """Minimise deviation, then turnover among plans within a cent of it.

    `candidates` are known feasible plans inside [lo, hi] (at least one)."""
    c = d.costs
    if order_cap is None:
        filled = _filled(inp, d, lo, hi)
        if filled is not None:
            return filled
    incumbent, upper = _best_incumbent(inp, d, lo, hi, candidates, order_cap)
    box = deviation_box(c, lo, hi, upper + DOLLAR_TOLERANCE)
    if box is not None and box.combinations() <= ENUMERATION_LIMIT:
        return _enumerated(inp, d, box, order_cap) or incumbent
    if box is not None and order_cap is None:
        met = _met_in_the_middle(inp, d, box)
        if met is not None:
            return met
        planned = _cents_dp(inp, d, box)
        if planned is not None:
            closest, spend_is_turnover = planned
            if spend_is_turnover:
                return closest
            # The DP proved the least deviation; only the tie-break is left.
            dev_cap = float(deviation(inp, closest)) + DOLLAR_TOLERANCE
            return _least_traded_within(inp, d, lo, hi, closest, dev_cap, order_cap)
    if box is not None:
        lo, hi = box.lo, box.hi
    return _milp_closest_then_least_traded(inp, d, lo, hi, upper, order_cap)


def _whole_cents(inp: RebalanceInput, d: _Data) -> np.ndarray | None:
    """Prices in cents, if every one is a whole number of cents."""
    prices = [inp.prices[s] * 100 for s in d.symbols]
    if any(p != p.to_integral_value() for p in prices):
        return None
    return np.array([int(p) for p in prices], dtype=np.int64)


def _filled(inp: RebalanceInput, d: _Data, lo: np.ndarray, hi: np.ndarray) -> dict[str, int] | None:
    """The buy-only plan that spends the budget to the cent on flat counts
    (see `fill`), if there is one and it passes the decimal check.

    Its deviation is the Lagrangian bound itself (or a cent above it, to trade
    a cent less), so it is proven optimal with no search."""
    if inp.options.fee or not np.all(lo >= d.h):
        return None
    budget = _fill_budget(inp, d)
    if budget is None:
        return None
    found = fill_to_the_cent(d.costs, lo, hi, budget)
    if found is None:
        return None
    xs, lower = found
    shares = _to_shares(d, xs)
    proven = float(deviation(inp, shares)) <= lower + DOLLAR_TOLERANCE + 1e-6
    return shares if proven and infeasibility(inp, shares) is None else None


# Past this many decimal places, money times 10^places may not fit in int64.
FILL_MAX_PLACES = 10
# How far below the budget the fill may stop and still pin the bound (dollars):
# the precision HiGHS is held to; with prices in whole cents it is exact.
FILL_PIN = Decimal(str(SOLVER_ABS_GAP))


def _fill_budget(inp: RebalanceInput, d: _Data) -> Budget | None:
    """The budget and per-share costs in exact integer units, if few decimals.

    With a cost rate r a buy of x − h shares costs p (1 + r) (x − h), so the
    plan's spend is sum p (1 + r) x less the constant r sum p h: that constant
    moves to the budget side. Units are divided by the costs' greatest common
    divisor, and the budget rounded down to a multiple of it (the rest can
    never be spent)."""
    rate = inp.options.cost_rate
    unit = [inp.prices[s] * (1 + rate) for s in d.symbols]
    total = inp.investable + rate * sum(
        (inp.prices[s] * inp.held(s) for s in d.symbols), Decimal(0)
    )
    places = max(-min(v.normalize().as_tuple().exponent for v in [*unit, total]), 0)  # type: ignore[operator]
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


def _cents_dp(inp: RebalanceInput, d: _Data, box: Box) -> tuple[dict[str, int], bool] | None:
    """The least-deviation plan in the box by an exact DP over whole cents, and
    whether its spend above the box floor equals the dollars it trades (then
    the DP's least-spend tie-break is the turnover tie-break too).

    Exact when there are no fees or cost rate and every price is a whole
    number of cents: then spend is linear in cents and the budget is too."""
    if inp.options.fee or inp.options.cost_rate:
        return None
    cents = _whole_cents(inp, d)
    if cents is None:
        return None
    floor_spend = sum(
        (inp.prices[s] * int(v) for s, v in zip(d.symbols, box.lo, strict=True)), Decimal(0)
    )
    widest = int(sum(int(cents[i]) * (len(v) - 1) for i, v in enumerate(box.values)))
    cap = min(math.floor((inp.investable - floor_spend) * 100), widest)
    buys_only = bool(np.all(box.lo >= d.h))
    # With sells the DP settles only the deviation and HiGHS may still be
    # needed for the tie-break, so it is worth it only when it is cheap; with
    # buys only it settles both, and beats HiGHS on these subset-sum-like
    # cases by orders of magnitude.
    limit = DP_CELL_LIMIT if buys_only else SMALL_DP_CELLS
    xs = cents_dp(d.costs, box, cents, cap, DOLLAR_TOLERANCE if buys_only else 0.0, limit)
    if xs is None:
        return None
    shares = _to_shares(d, xs)
    return (shares, buys_only) if infeasibility(inp, shares) is None else None


def _enumerated(
    inp: RebalanceInput, d: _Data, box: Box, order_cap: int | None
) -> dict[str, int] | None:
    """The best plan in the box by exhaustion that also passes the decimal check."""
    for xs in enumerate_best(d.costs, box, DOLLAR_TOLERANCE, order_cap):
        shares = _to_shares(d, xs)
        if infeasibility(inp, shares) is None:
            return shares
    return None


def _met_in_the_middle(inp: RebalanceInput, d: _Data, box: Box) -> dict[str, int] | None:
    """The best plan in the box by meeting in the middle (an exhaustive search
    too), if the halves are small enough and one passes the decimal check."""
    for xs in meet_in_the_middle(d.costs, box, DOLLAR_TOLERANCE) or []:
        shares = _to_shares(d, xs)
        if infeasibility(inp, shares) is None:
            return shares
    return None


def _order_caps(b: _Builder, order_cap: int | None) -> list[tuple[np.ndarray, np.ndarray, float]]:
    if order_cap is None:
        return []
    assert b.orders is not None
    return [(b.orders, np.ones(len(b.orders)), order_cap + 0.5)]


def _milp_closest_then_least_traded(
    inp: RebalanceInput,
    d: _Data,
    lo: np.ndarray,
    hi: np.ndarray,
    upper: float,
    order_cap: int | None,
) -> dict[str, int]:
    b = _Builder(d, lo, hi, need_dev=True, need_trades=False, need_orders=order_cap is not None)
    caps = _order_caps(b, order_cap)
    stage1 = b.objective(b.dev, 1.0)
    found: dict[str, float] = {}

    def closest(budget: float) -> tuple[np.ndarray, float, float]:
        xs, fun, bound = b.solve(
            stage1, upper, SOLVER_ABS_GAP, budget, inp.options.time_limit, caps
        )
        found["bound"] = bound
        return xs, fun, bound

    first = _exact_feasible(inp, d, closest)
    dev_first = float(deviation(inp, first))
    # Within a cent of the proven optimum (never looser than the plan found).
    dev_cap = max(found["bound"] + DOLLAR_TOLERANCE, dev_first + 1e-9)
    return _least_traded_within(inp, d, lo, hi, first, dev_cap, order_cap)


def _least_traded_within(
    inp: RebalanceInput,
    d: _Data,
    lo: np.ndarray,
    hi: np.ndarray,
    first: dict[str, int],
    dev_cap: float,
    order_cap: int | None,
) -> dict[str, int]:
    """Among plans with deviation <= dev_cap, the fewest dollars traded.

    `first` is a proven-closest plan; if the tie-break cannot be proven it
    stands (it is still optimal in deviation)."""
    # Re-tighten: only plans within a cent of the optimum matter.
    box = deviation_box(d.costs, lo, hi, dev_cap)
    if box is not None and box.combinations() <= ENUMERATION_LIMIT:
        return _enumerated(inp, d, box, order_cap) or first
    if box is not None and order_cap is None:
        met = _met_in_the_middle(inp, d, box)
        if met is not None:
            return met
    if box is not None:
        lo, hi = box.lo, box.hi
    b = _Builder(d, lo, hi, need_dev=True, need_trades=True, need_orders=order_cap is not None)
    assert b.dev is not None and b.trades is not None
    caps = [*_order_caps(b, order_cap), (b.dev, np.ones(len(b.dev)), dev_cap)]
    stage2 = b.objective(b.trades, d.p)
    traded_first = float(turnover(inp, first))

    def least_traded(budget: float) -> tuple[np.ndarray, float, float]:
        return b.solve(stage2, traded_first, SOLVER_ABS_GAP, budget, inp.options.time_limit, caps)

    try:
        second = _exact_feasible(inp, d, least_traded)
    except SolveFailed:
        return first
    if float(deviation(inp, second)) > dev_cap + 1e-6:
        return first
    return second


def band_bounds(inp: RebalanceInput) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Whole-share range that keeps each model asset within its band (exact), and
    why that range is empty for some symbols (one reason each)."""
    out: dict[str, tuple[int, int]] = {}
    problems: list[str] = []
    base = inp.investable
    for s in inp.symbols:
        lo, hi = inp.share_bounds(s)
        if inp.in_model(s):
            w, b, p = inp.target_weight(s), inp.band(s), inp.prices[s]
            band_lo = math.ceil(max(w - b, Decimal(0)) * base / p)
            band_hi = math.floor((w + b) * base / p)
            if band_lo > band_hi:
                problems.append(f"{s}: one share (${p}) is wider than its band")
            elif lo > band_hi:
                problems.append(f"{s}: above its band, and buy-only mode cannot sell")
            lo = max(lo, band_lo)
            hi = band_hi if hi is None else min(hi, band_hi)
        assert hi is not None
        out[s] = (lo, hi)
    return out, problems


def trade_minimization_shares(inp: RebalanceInput) -> dict[str, int]:
    """Fewest orders inside the band; then closest; then fewest dollars traded."""
    d = _Data.of(inp)
    bounds, problems = band_bounds(inp)
    if problems:
        shown = "; ".join(problems[:3]) + (
            f"; +{len(problems) - 3} more" if len(problems) > 3 else ""
        )
        raise SolveFailed(f"no whole-share plan fits the band ({shown})")
    lo = np.maximum(d.lo, [bounds[s][0] for s in d.symbols])
    hi = np.minimum(d.hi, [bounds[s][1] for s in d.symbols])
    if np.any(lo > hi):
        raise SolveFailed("no whole-share plan fits the band within the budget")
    forced = (d.h < lo) | (d.h > hi)
    # Fast path: only the assets outside their band trade, each to its cheapest
    # in-band count. If that is affordable, no plan can have fewer orders.
    cheapest = np.where(forced, lo, d.h)
    cheap_shares = _to_shares(d, cheapest)
    if infeasibility(inp, cheap_shares) is None:
        fixed_lo = np.where(forced, lo, d.h)
        fixed_hi = np.where(forced, hi, d.h)
        return _closest_then_least_traded(inp, d, fixed_lo, fixed_hi, [cheap_shares])
    b = _Builder(d, lo, hi, need_dev=False, need_trades=False, need_orders=True)
    assert b.orders is not None
    n = len(d.symbols)
    try:
        fewest = _exact_feasible(
            inp,
            d,
            lambda budget: b.solve(
                b.objective(b.orders, 1.0), float(n), 0.5, budget, inp.options.time_limit, []
            ),
        )
    except _Infeasible as exc:
        raise SolveFailed("no plan fits the band with the cash available") from exc
    order_count = _orders(inp, fewest)
    return _closest_then_least_traded(inp, d, lo, hi, [fewest], order_cap=order_count)
