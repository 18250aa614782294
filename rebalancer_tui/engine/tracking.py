"""The two search strategies: tracking-error and trade-minimization.

Both reduce to the pipeline's two-stage search (closest, then least traded)
over share bounds: tracking-error over the hard bounds, trade-minimization
over the band and, when orders must be counted, with an order cap.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from rebalancer_tui import rules
from rebalancer_tui.engine.attempt import Attempt, Outcome
from rebalancer_tui.engine.errors import Infeasible, SolveFailed
from rebalancer_tui.engine.evaluate import CENT, Shares, deviation, infeasibility, order_count
from rebalancer_tui.engine.plan import StatusKind
from rebalancer_tui.engine.problem import RebalanceInput
from rebalancer_tui.engine.search.base import DOLLAR_TOLERANCE, SOLVER_ABS_GAP
from rebalancer_tui.engine.search.milp import fewest_orders
from rebalancer_tui.engine.simple import simple_shares
from rebalancer_tui.engine.view import FloatView

# IEEE doubles: the spacing of numbers near 1 (2**-52).
EPSILON = 2.0**-52


def float_exact(view: FloatView) -> bool:
    """Whether the float view holds the problem finely enough for the searches'
    proofs to hold to the cent: share counts exactly representable, and the
    rounding error of a sum over every asset of values this large far below
    the $0.001 the solver is held to."""
    if not len(view.p):
        return True
    largest = max(view.budget, float((view.p * view.hi).max()))
    return float(view.hi.max()) < 2.0**50 and len(view.p) * largest * EPSILON < SOLVER_ABS_GAP


def exact_lower_bound(inp: RebalanceInput) -> Decimal:
    """No plan deviates less than this (exact decimals): each asset's own
    closest whole-share count within its hard bounds, the budget ignored."""
    total = Decimal(0)
    for s in inp.symbols:
        p, t = inp.prices[s], inp.target_dollars(s)
        lo, hi = inp.share_bounds(s)
        near = math.floor(t / p)
        clipped = [max(x, lo) if hi is None else min(max(x, lo), hi) for x in (near, near + 1)]
        total += min(abs(p * x - t) for x in clipped)
    return total


def checked(attempt: Attempt, view: FloatView, shares: Shares) -> Outcome:
    """The search's plan, held against every feasible plan met on the way
    (`trace.known`): a known plan closer by more than a cent means the float
    search was fooled, and the best known plan is the answer (FALLBACK). The
    plan is OPTIMAL only if the float view was exact enough for the search's
    proof; otherwise BOUNDED, with its gap to an exact lower bound.

    Where the view is exact, floats pick out the known plans that could be
    closer and only those are compared in exact decimals (a few ms saved at
    thousands of assets); otherwise every one is."""
    inp = attempt.inp
    exact_view = float_exact(view)
    known = attempt.trace.known
    if exact_view and known:

        def float_dev(x: Shares) -> float:
            counts = np.array([x.get(s, 0) for s in view.symbols], dtype=float)
            return float(view.dev(np.arange(len(counts)), counts).sum())

        mine = float_dev(shares)
        known = [k for k in known if float_dev(k) < mine - DOLLAR_TOLERANCE / 2]
    if known:
        dev = deviation(inp, shares)
        best = min(known, key=lambda k: deviation(inp, k))
        best_dev = deviation(inp, best)
        if best_dev < dev - CENT:
            return Outcome(
                best,
                StatusKind.FALLBACK,
                f"tracking error: the search's plan ({rules.money(dev)}) is farther than a "
                f"known plan ({rules.money(best_dev)}): numbers beyond float precision "
                "-> best known plan",
            )
    if exact_view:
        return Outcome(shares)
    gap = max(deviation(inp, shares) - exact_lower_bound(inp), Decimal(0))
    return Outcome(
        shares,
        StatusKind.BOUNDED,
        f"within {rules.money(gap)} of the optimum (numbers beyond float precision: "
        "not proven to the cent)",
    )


def tracking_error(attempt: Attempt) -> Outcome:
    """Closest whole-share plan in L1 dollars, then fewest dollars traded."""
    inp = attempt.inp
    view = FloatView.of(inp)
    simple = simple_shares(inp)
    attempt.trace.known.append(simple)
    shares = attempt.search().closest_then_least_traded(
        inp, view, view.lo, view.hi, [simple],
        deadline=attempt.deadline, trace=attempt.trace,
    )  # fmt: skip
    return checked(attempt, view, shares)


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


def trade_minimization(attempt: Attempt) -> Outcome:
    """Fewest orders inside the band; then closest; then fewest dollars traded."""
    inp, pipeline = attempt.inp, attempt.search()
    view = FloatView.of(inp)
    bounds, problems = band_bounds(inp)
    if problems:
        shown = "; ".join(problems[:3]) + (
            f"; +{len(problems) - 3} more" if len(problems) > 3 else ""
        )
        raise SolveFailed(f"no whole-share plan fits the band ({shown})")
    lo = np.maximum(view.lo, [bounds[s][0] for s in view.symbols])
    hi = np.minimum(view.hi, [bounds[s][1] for s in view.symbols])
    if np.any(lo > hi):
        raise SolveFailed("no whole-share plan fits the band within the budget")
    forced = (view.h < lo) | (view.h > hi)
    # Fast path: only the assets outside their band trade, each to its cheapest
    # in-band count. If that is affordable, no plan can have fewer orders.
    cheapest = np.where(forced, lo, view.h)
    cheap_shares = view.to_shares(cheapest)
    if infeasibility(inp, cheap_shares) is None:
        fixed_lo = np.where(forced, lo, view.h)
        fixed_hi = np.where(forced, hi, view.h)
        shares = pipeline.closest_then_least_traded(
            inp, view, fixed_lo, fixed_hi, [cheap_shares],
            deadline=attempt.deadline, trace=attempt.trace,
        )  # fmt: skip
        return _trade_minimization_outcome(view, shares)
    try:
        fewest = fewest_orders(inp, view, lo, hi, attempt.deadline, attempt.trace)
    except Infeasible as exc:
        raise SolveFailed("no plan fits the band with the cash available") from exc
    shares = pipeline.closest_then_least_traded(
        inp, view, lo, hi, [fewest],
        deadline=attempt.deadline, trace=attempt.trace, order_cap=order_count(inp, fewest),
    )  # fmt: skip
    return _trade_minimization_outcome(view, shares)


def _trade_minimization_outcome(view: FloatView, shares: Shares) -> Outcome:
    if float_exact(view):
        return Outcome(shares)
    return Outcome(
        shares,
        StatusKind.BOUNDED,
        "fewest orders found, not proven (numbers beyond float precision)",
    )
