"""The two search strategies: tracking-error and trade-minimization.

Both reduce to the pipeline's two-stage search (closest, then least traded)
over share bounds: tracking-error over the hard bounds, trade-minimization
over the band and, when orders must be counted, with an order cap.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from rebalancer_tui.engine.attempt import Attempt, Outcome
from rebalancer_tui.engine.errors import Infeasible, SolveFailed
from rebalancer_tui.engine.evaluate import infeasibility, order_count
from rebalancer_tui.engine.problem import RebalanceInput
from rebalancer_tui.engine.search.milp import fewest_orders
from rebalancer_tui.engine.simple import simple_shares
from rebalancer_tui.engine.view import FloatView


def tracking_error(attempt: Attempt) -> Outcome:
    """Closest whole-share plan in L1 dollars, then fewest dollars traded."""
    inp = attempt.inp
    view = FloatView.of(inp)
    shares = attempt.search().closest_then_least_traded(
        inp, view, view.lo, view.hi, [simple_shares(inp)],
        deadline=attempt.deadline, trace=attempt.trace,
    )  # fmt: skip
    return Outcome(shares)


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
        return Outcome(shares)
    try:
        fewest = fewest_orders(inp, view, lo, hi, attempt.deadline, attempt.trace)
    except Infeasible as exc:
        raise SolveFailed("no plan fits the band with the cash available") from exc
    shares = pipeline.closest_then_least_traded(
        inp, view, lo, hi, [fewest],
        deadline=attempt.deadline, trace=attempt.trace, order_cap=order_count(inp, fewest),
    )  # fmt: skip
    return Outcome(shares)
