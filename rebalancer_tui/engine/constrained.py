"""The search strategies under the order rules, and band-edge (SPEC §9), on HiGHS.

The fast exact methods of the pipeline (fill, enumeration, meet-in-the-middle,
cents DP) search share counts one at a time and know nothing of lots, minimum
orders or locks, so `Pipeline.applicable` drops them for such inputs. What is
left is the household MILP (`HouseholdModel`, one account or many) with the
rules modelled: a lock as fixed bounds, a lot as an integer lot count, the
minimum order through the order binary and a direction binary. Each stage is
a lexicographic step: solve, cap the objective at what was found, go on.

A plan is OPTIMAL only when HiGHS proved every stage; otherwise BOUNDED with
the gap, or the strategy raises `SolveFailed` (no plan fits) and the caller
falls back.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from rebalancer_tui.engine.errors import Infeasible, SolveFailed
from rebalancer_tui.engine.evaluate import CENT
from rebalancer_tui.engine.household import Household, HouseholdShares
from rebalancer_tui.engine.household_milp import Answer, HouseholdModel
from rebalancer_tui.engine.plan import StatusKind
from rebalancer_tui.engine.tax import PlanLots, plan_figures, taxed

SOLVER_ABS_GAP = 0.001
# Slack under a cap on an objective already reached (float rounding only).
CAP_SLACK = 1e-6


@dataclass
class Found:
    shares: HouseholdShares
    kind: StatusKind = StatusKind.OPTIMAL
    message: str = ""
    lower_bound: Decimal | None = None
    methods: list[str] = field(default_factory=lambda: ["household-milp"])
    highs_calls: int = 0
    # Tax rules on: the lots each sale sells (verified); None: least-tax by default.
    lots: PlanLots | None = None


def simple_with_rules(hh: Household) -> HouseholdShares:
    """Each account's `simple` plan under the rules (always feasible), a
    symbol outside the account's buy menu left as held."""
    from rebalancer_tui.engine.simple import simple_shares

    out: HouseholdShares = {}
    for a in hh.accounts:
        x = simple_shares(hh.account_input(a.name))
        for s, n in x.items():
            if n > a.holdings.get(s, 0) and not a.may_buy(s):
                x[s] = a.holdings.get(s, 0)
        out[a.name] = x
    return out


def band_totals(
    hh: Household, *, destination: Decimal | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Household share totals within each model asset's band (exact), the
    band of a symbol locked in every account not applied. With `destination`
    F (band-edge), an asset that starts outside its band must end within
    w ± (1 - F)·b, the nearest whole shares when that range holds none.
    Also why the range is empty for some symbols."""
    merged = hh.merged
    base = merged.investable
    lo_l, hi_l, problems = [], [], []
    for s in hh.symbols:
        lo = sum(hh.bounds(a, s)[0] for a in hh.names)
        hi = sum(hh.bounds(a, s)[1] for a in hh.names)
        if merged.in_model(s) and not merged.is_locked(s) and base > 0:
            w, b, p = merged.target_weight(s), merged.band(s), merged.prices[s]
            band_lo = math.ceil(max(w - b, Decimal(0)) * base / p)
            band_hi = math.floor((w + b) * base / p)
            now = p * merged.held(s) / base
            if destination is not None and abs(now - w) > b:
                inner = (1 - destination) * b
                in_lo = math.ceil(max(w - inner, Decimal(0)) * base / p)
                in_hi = math.floor((w + inner) * base / p)
                if in_lo > in_hi:  # no whole count inside: the two around it
                    in_lo, in_hi = in_hi, in_lo
                band_lo, band_hi = max(band_lo, in_lo), min(band_hi, in_hi)
            if band_lo > band_hi:
                problems.append(f"{s}: one share (${p}) is wider than its band")
            elif lo > band_hi:
                problems.append(f"{s}: above its band, and cannot be sold")
            elif hi < band_lo:
                problems.append(f"{s}: below its band, and cannot be bought")
            lo, hi = max(lo, band_lo), min(hi, band_hi)
        lo_l.append(lo)
        hi_l.append(hi)
    return np.array(lo_l, dtype=float), np.array(hi_l, dtype=float), problems


def _stage(
    model: HouseholdModel,
    terms: tuple[np.ndarray, np.ndarray],
    deadline: float,
    *,
    scale: float,
    abs_gap: float,
    caps: list[tuple[tuple[np.ndarray, np.ndarray], float]],
) -> Answer | None:
    """One lexicographic stage; None if HiGHS failed outright. Raises Infeasible."""
    try:
        return model.solve(terms, scale=max(scale, 1.0), abs_gap=abs_gap, deadline=deadline,
                           caps=caps)  # fmt: skip
    except Infeasible:
        raise
    except SolveFailed:
        return None


def _share_of(deadline: float, part: float) -> float:
    return time.monotonic() + max(deadline - time.monotonic(), 0.0) * part


def _usd(x: Decimal) -> str:
    return f"${x.quantize(CENT):,}"


def tracking_error_with_rules(hh: Household, deadline: float) -> Found:
    """Least deviation under the rules, then fewest dollars traded (with tax
    rules on: the least deviation + λ·tax, `tax_search`)."""
    if taxed(hh):
        from rebalancer_tui.engine.tax_search import tracking_error_taxed

        return tracking_error_taxed(hh, deadline)
    incumbent = simple_with_rules(hh)
    dev0 = hh.deviation(incumbent)
    model = HouseholdModel(hh, need_dev=True, need_trades=True)
    calls = 1
    dev_cap = [(model.deviation_terms(), float(dev0) + CAP_SLACK)]
    try:
        ans = _stage(model, model.deviation_terms(), _share_of(deadline, 0.7),
                     scale=float(dev0), abs_gap=SOLVER_ABS_GAP, caps=dev_cap)  # fmt: skip
    except Infeasible:
        # Nothing at or below the incumbent's deviation but the incumbent.
        ans = Answer(incumbent, float(dev0), float(dev0), True)
    best, bound = incumbent, Decimal(0)
    if ans is not None:
        if ans.shares is not None and hh.deviation(ans.shares) < dev0:
            best = ans.shares
        if np.isfinite(ans.bound):
            bound = max(Decimal(0), Decimal(repr(ans.bound)) - Decimal("0.000001"))
    dev = hh.deviation(best)
    if dev - bound > CENT:
        return Found(best, StatusKind.BOUNDED, f"gap {_usd(dev - bound)}",
                     bound.quantize(CENT), highs_calls=calls)  # fmt: skip
    calls += 1
    cap = [(model.deviation_terms(), float(max(bound + CENT, dev)) + CAP_SLACK)]
    traded = float(hh.turnover(best))
    try:
        tie = _stage(model, model.turnover_terms(), deadline, scale=traded,
                     abs_gap=SOLVER_ABS_GAP, caps=cap)  # fmt: skip
    except Infeasible:
        tie = None
    if (
        tie is not None
        and tie.shares is not None
        and hh.deviation(tie.shares) <= bound + CENT
        and hh.turnover(tie.shares) < hh.turnover(best)
    ):
        best = tie.shares
    return Found(best, highs_calls=calls)


def _lexicographic(
    hh: Household,
    model: HouseholdModel,
    stages: list[tuple[str, tuple[np.ndarray, np.ndarray], float, float]],
    deadline: float,
    start: HouseholdShares | None = None,
    start_stages: int = 1,
    start_lots: PlanLots | None = None,
) -> Found:
    """Minimise each stage's terms in turn, capping every earlier one at what
    was reached. `stages`: (name, terms, abs_gap, slack of its cap). Raises
    SolveFailed when the first stage has no plan. `start`: a plan already
    proven optimal for the first `start_stages` stages (they are skipped).
    With tax rules on, a plan's lots come from the solver, verified
    (`tax_search.settle_lots`)."""
    caps: list[tuple[tuple[np.ndarray, np.ndarray], float]] = []
    best: HouseholdShares | None = start
    best_lots: PlanLots | None = start_lots
    unproven: list[str] = []
    calls = 0
    if start is not None:
        for name, terms, _, slack in stages[:start_stages]:
            caps.append((terms, float(_value(hh, name, start, start_lots)) + slack))
    rules = "the order and tax rules" if model.taxed else "the order rules"
    for k, (name, terms, gap, slack) in enumerate(stages):
        if k < start_stages and start is not None:
            continue
        calls += 1
        part = 1.0 / (len(stages) - k)
        try:
            ans = _stage(model, terms, _share_of(deadline, part),
                         scale=_scale(hh, name, best, best_lots), abs_gap=gap,
                         caps=caps)  # fmt: skip
        except Infeasible:
            if best is None:
                raise SolveFailed(f"no plan fits the bands under {rules}") from None
            ans = None
        if ans is not None and ans.shares is not None:
            lots = ans.lots
            if model.taxed:
                from rebalancer_tui.engine.tax_search import settle_lots

                lots = settle_lots(hh, ans.shares, ans.lots)
            usable = lots is not None or not model.taxed
            if usable and (
                best is None
                or _value(hh, name, ans.shares, lots) <= _value(hh, name, best, best_lots)
            ):
                best, best_lots = ans.shares, lots
            if not ans.proven:
                unproven.append(name)
        elif best is None:
            raise SolveFailed("time limit reached before any plan fit the bands")
        else:
            unproven.append(name)
        if best is None:
            raise SolveFailed(f"no plan found meets {rules}")
        caps.append((terms, float(_value(hh, name, best, best_lots)) + slack))
    assert best is not None
    if unproven:
        return Found(best, StatusKind.BOUNDED, f"{', '.join(unproven)} not proven in time",
                     highs_calls=calls, lots=best_lots)  # fmt: skip
    return Found(best, highs_calls=calls, lots=best_lots)


def _value(hh: Household, name: str, shares: HouseholdShares, lots: PlanLots | None) -> Decimal:
    if name == "orders":
        return Decimal(hh.order_count(shares))
    if name == "turnover":
        return hh.turnover(shares)
    if name == "tax":
        return plan_figures(lots or {}, hh.options).tax
    return hh.deviation(shares)


def _scale(hh: Household, name: str, best: HouseholdShares | None, lots: PlanLots | None) -> float:
    if name == "orders":
        return float(len(hh.symbols) * len(hh.accounts))
    if best is None:
        return float(hh.total_value)
    return max(abs(float(_value(hh, name, best, lots))), 1.0)


def trade_minimization_with_rules(hh: Household, deadline: float) -> Found:
    """Fewest orders with every household weight in its band, then closest,
    then fewest dollars traded, under the rules."""
    lo, hi, problems = band_totals(hh)
    if problems:
        raise SolveFailed(f"no whole-share plan fits the band ({'; '.join(problems[:3])})")
    model = HouseholdModel(hh, need_dev=True, need_trades=True, need_orders=True,
                           total_lo=lo, total_hi=hi)  # fmt: skip
    stages = [
        ("orders", model.order_terms(), 0.5, 0.5),
        ("deviation", model.deviation_terms(), SOLVER_ABS_GAP, float(CENT)),
    ]
    if model.taxed:  # SPEC §8: ties broken by least tax
        stages.append(("tax", model.tax_terms(), SOLVER_ABS_GAP, float(CENT)))
    stages.append(("turnover", model.turnover_terms(), SOLVER_ABS_GAP, CAP_SLACK))
    if model.taxed:
        return _taxed_lexicographic(hh, model, stages, deadline, "trade-minimization", lo, hi)
    return _lexicographic(hh, model, stages, deadline)


def band_edge(hh: Household, deadline: float, start: HouseholdShares | None = None) -> Found:
    """SPEC §9 `band-edge`: the fewest dollars traded with every model asset
    in its band and each one that starts outside it within w ± (1 - F)·b;
    then the fewest orders; then the least deviation. `start`: a plan proven
    to trade the fewest dollars (the household's pooled bound reached)."""
    lo, hi, problems = band_totals(hh, destination=hh.options.destination)
    if problems:
        raise SolveFailed(f"no whole-share plan fits the band ({'; '.join(problems[:3])})")
    model = HouseholdModel(hh, need_dev=True, need_trades=True, need_orders=True,
                           total_lo=lo, total_hi=hi)  # fmt: skip
    stages = [
        ("turnover", model.turnover_terms(), SOLVER_ABS_GAP, float(CENT) / 2),
        ("orders", model.order_terms(), 0.5, 0.5),
    ]
    if model.taxed:  # SPEC §8: ties broken by least tax
        stages.append(("deviation", model.deviation_terms(), SOLVER_ABS_GAP, float(CENT)))
        stages.append(("tax", model.tax_terms(), SOLVER_ABS_GAP, CAP_SLACK))
    else:
        stages.append(("deviation", model.deviation_terms(), SOLVER_ABS_GAP, CAP_SLACK))
    if model.taxed and start is None:
        return _taxed_lexicographic(hh, model, stages, deadline, "band-edge", lo, hi)
    return _lexicographic(hh, model, stages, deadline, start)


def _taxed_lexicographic(
    hh: Household,
    model: HouseholdModel,
    stages: list[tuple[str, tuple[np.ndarray, np.ndarray], float, float]],
    deadline: float,
    strategy_id: str,
    lo: np.ndarray,
    hi: np.ndarray,
) -> Found:
    """The stages with the tax tie-break, started from the same strategy's
    plan without taxes when it is proven optimal and meets the tax rules with
    some choice of lots: the tax rules only remove plans, so it is still
    optimal for every stage before the tax stage, which are skipped."""
    from rebalancer_tui.engine.tax_search import untaxed_start

    found = untaxed_start(hh, strategy_id, deadline)
    if found is not None:
        shares, lots = found
        totals = np.array([float(v) for v in hh.aggregate(shares).values()])
        if totals.shape == lo.shape and np.all(lo <= totals) and np.all(totals <= hi):
            first = [name for name, *_ in stages].index("tax")
            res = _lexicographic(hh, model, stages, deadline, shares, first, lots)
            res.methods = ["no-tax-start", *res.methods]
            return res
    return _lexicographic(hh, model, stages, deadline)


def solve_with_rules(hh: Household, strategy_id: str, deadline: float) -> Found:
    """One search strategy on HiGHS with the rules modelled (not `simple`)."""
    if strategy_id == "tracking-error":
        return tracking_error_with_rules(hh, deadline)
    if strategy_id == "trade-minimization":
        return trade_minimization_with_rules(hh, deadline)
    if strategy_id == "band-edge":
        return band_edge(hh, deadline)
    raise ValueError(f"no rule-aware search for {strategy_id!r}")


__all__ = [
    "Found",
    "band_edge",
    "band_totals",
    "simple_with_rules",
    "solve_with_rules",
    "tracking_error_with_rules",
    "trade_minimization_with_rules",
]
