"""The strategies on a household (SPEC §7): one code path for one account or many.

1. Solve the pooled relaxation `Household.merged` with the single-account
   strategy (its exact pipeline answers in about a millisecond). Its proven
   optimum bounds the household's: every household plan is a pooled plan
   with the same deviation and no more orders or turnover.
2. Split the pooled plan's final shares among the accounts: whole shares per
   account summing to the pooled totals, each account within its own cash,
   holdings and buy menu, with the fewest dollars traded (then the best asset
   location). If a split exists the household plan reaches the bound: it is
   proven optimal. With one account the split is the pooled plan itself, so
   a single-account portfolio gets exactly the single-account answer.
3. Otherwise (cash stranded in an account, fees for the extra orders a split
   needs, a buy menu) the household MILP searches within the time left, from
   the per-account `simple` plan as incumbent and inside the box that the
   pooled problem proves every better plan lies in. Its best plan is
   reported `optimal` when within $0.01 of the best proven lower bound,
   else `bounded: gap $X`.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from rebalancer_tui.engine import strategies
from rebalancer_tui.engine.errors import Infeasible, SolveFailed
from rebalancer_tui.engine.evaluate import CENT
from rebalancer_tui.engine.household import Household, HouseholdShares
from rebalancer_tui.engine.household_plan import HouseholdPlan, build_household_plan, from_plan
from rebalancer_tui.engine.plan import Plan, StatusKind
from rebalancer_tui.engine.strategies import STRATEGIES
from rebalancer_tui.engine.tax import PlanLots, taxed

if TYPE_CHECKING:
    from rebalancer_tui.engine.search.pipeline import Pipeline

SOLVER_ABS_GAP = 0.001
# The split is a feasibility question; it should not eat the whole time limit.
SPLIT_SHARE_OF_TIME = 0.3
# Perturbed greedy packings tried before HiGHS (each well under a millisecond).
GREEDY_RETRIES = 12


@dataclass
class Result:
    shares: HouseholdShares
    kind: StatusKind
    message: str = ""
    lower_bound: Decimal | None = None
    methods: list[str] = field(default_factory=list)
    highs_calls: int = 0
    # One account: the single-account plan these shares are (its figures are reused).
    pooled: Plan | None = None
    # The strategy whose plan this is, when a fallback answered (the reasons' reference).
    answered_by: str | None = None
    # Tax rules on (SPEC §8): the lots each sale sells; None: least-tax by default.
    lots: PlanLots | None = None


def solve_household(
    hh: Household, strategy_id: str, *, methods: Pipeline | None = None
) -> HouseholdPlan:
    """The plan of one strategy for a household; never raises for solver trouble."""
    if strategy_id not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy_id!r}; choose one of {', '.join(STRATEGIES)}")
    start = time.perf_counter()
    deadline = time.monotonic() + hh.options.time_limit
    if strategy_id == "simple" and taxed(hh):
        res = _simple_taxed(hh, methods, deadline)
    elif strategy_id == "simple":
        res = _simple(hh)
    elif strategy_id == "band-edge" or hh.options.constrained or taxed(hh):
        res = _with_rules(hh, strategy_id, methods, deadline)
    elif strategy_id == "tracking-error":
        res = _tracking_error(hh, methods, deadline)
    else:
        res = _trade_minimization(hh, methods, deadline)
    elapsed = (time.perf_counter() - start) * 1000
    reference = None
    if hh.options.constrained:
        reference = _reference(hh, res.answered_by or strategy_id, methods)
    if (
        reference is None
        and res.pooled is not None
        and not any(a.lots for a in hh.accounts)  # the pooled plan names no lots
        and res.kind is res.pooled.kind
        and res.message == res.pooled.message
    ):
        return from_plan(hh, res.pooled, elapsed)
    return build_household_plan(
        hh,
        strategy_id,
        res.shares,
        res.kind,
        res.message,
        elapsed,
        lower_bound=res.lower_bound,
        solved_by=tuple(res.methods),
        highs_calls=res.highs_calls,
        reference=reference,
        lots=res.lots,
    )


# With an order rule on, the same strategy without the rules, for the reasons.
REFERENCE_SHARE_OF_TIME = 0.2
_FALLBACK = {"band-edge": "tracking-error", "trade-minimization": "tracking-error"}
_FALLBACK["tracking-error"] = "simple"


def without_rules(hh: Household, time_limit: float | None = None) -> Household:
    """The household with no minimum order, lots or locks."""
    update: dict[str, object] = {"min_trade": Decimal(0), "lots": {}, "locked": frozenset()}
    if time_limit is not None:
        update["time_limit"] = time_limit
    return hh.with_options(**update)


def _reference(hh: Household, strategy_id: str, methods: Pipeline | None) -> HouseholdShares:
    limit = max(0.5, hh.options.time_limit * REFERENCE_SHARE_OF_TIME)
    return solve_household(without_rules(hh, limit), strategy_id, methods=methods).final_shares


def _with_rules(
    hh: Household, strategy_id: str, methods: Pipeline | None, deadline: float
) -> Result:
    """A search strategy under the order rules, or band-edge, with its
    fallback chain (band-edge and trade-minimization -> tracking-error ->
    simple): each failure's reason goes into the status."""
    from rebalancer_tui.engine.constrained import solve_with_rules

    reasons: list[str] = []
    current = strategy_id
    label = ""
    tax_on = taxed(hh)
    while True:
        if current == "simple" and tax_on:
            from rebalancer_tui.engine.tax_search import simple_taxed

            shares, lots, why = simple_taxed(hh)
            if why is None:
                res = Result(shares, StatusKind.HEURISTIC, lots=lots)
            else:
                reasons.append(f"simple: {why}")
                res, label = _loose_simple(hh), "simple plan without the tax rules"
            break
        if current == "simple":
            res = _simple(hh)
            break
        if current == "tracking-error" and not hh.options.constrained and not tax_on:
            res = _tracking_error(hh, methods, deadline)
            break
        start = None
        if current == "band-edge" and len(hh.accounts) > 1 and not tax_on:
            quick, start = _band_edge_split(hh, methods)
            if quick is not None:
                res = quick
                break
        try:
            if start is not None:
                from rebalancer_tui.engine.constrained import band_edge

                found = band_edge(hh, deadline, start)
                found.methods = ["band-edge-split", *found.methods]
            else:
                found = solve_with_rules(hh, current, deadline)
        except SolveFailed as exc:
            reasons.append(f"{strategies.LABELS[current].lower()}: {exc}")
            current = _FALLBACK[current]
            continue
        res = Result(found.shares, found.kind, found.message, found.lower_bound,
                     found.methods, found.highs_calls, lots=found.lots)  # fmt: skip
        break
    res.answered_by = current
    if reasons:
        res.kind = StatusKind.FALLBACK
        res.message = f"{'; '.join(reasons)} -> {label or current + ' plan'}"
        res.pooled = None
    return res


def _band_edge_split(
    hh: Household, methods: Pipeline | None
) -> tuple[Result | None, HouseholdShares | None]:
    """Band-edge on the pooled relaxation (no minimum order: per-account
    minimums do not bind totals), then a split without swaps. Every household
    plan is a pooled plan with no less turnover, and with the least turnover
    its totals are among the pooled ones, each traded symbol needing an order:
    so a split with the pooled turnover and order count is optimal for the
    household too (its deviation is the pooled one): (result, None). A split
    with the pooled turnover but more orders proves only the turnover:
    (None, split), the MILP's start. Else (None, None)."""
    from rebalancer_tui.engine.problem import RebalanceInput

    merged = hh.merged
    relaxed = RebalanceInput(
        holdings=merged.holdings, prices=merged.prices, targets=merged.targets,
        cash=merged.cash, options=merged.options.model_copy(update={"min_trade": Decimal(0)}),
        share_limit=merged.share_limit,
    )  # fmt: skip
    pooled = strategies.solve(relaxed, "band-edge", methods=methods)
    if pooled.kind is not StatusKind.OPTIMAL:
        return None, None
    splits = [
        x
        for x in (
            greedy_split(hh, pooled.final_shares, fewest_orders=True),
            greedy_split(hh, pooled.final_shares),
        )
        if x is not None and hh.turnover(x) <= pooled.metrics.turnover
    ]
    if not splits:
        return None, None
    split = min(splits, key=hh.order_count)
    if hh.order_count(split) > pooled.metrics.orders:
        return None, split
    return Result(split, StatusKind.OPTIMAL, "", None, [*pooled.solved_by, "split"],
                  pooled.highs_calls), None  # fmt: skip


def solve_household_all(hh: Household, *, methods: Pipeline | None = None) -> list[HouseholdPlan]:
    return [solve_household(hh, s, methods=methods) for s in STRATEGIES]


# ---------------------------------------------------------------------------
# simple: each account on its own


def simple_household(hh: Household) -> tuple[HouseholdShares, list[Plan]]:
    """Each account rebalanced to the model on its own (SPEC §4 `simple`), a
    symbol outside the account's buy menu left as held instead of bought."""
    shares: HouseholdShares = {}
    plans = []
    for a in hh.accounts:
        plan = strategies.solve(hh.account_input(a.name), "simple")
        x = dict(plan.final_shares)
        for s, n in x.items():
            if n > a.holdings.get(s, 0) and not a.may_buy(s):
                x[s] = a.holdings.get(s, 0)  # buying less only frees cash
        shares[a.name] = x
        plans.append(plan)
    return shares, plans


def _simple_taxed(hh: Household, methods: Pipeline | None, deadline: float) -> Result:
    """`simple` under the tax rules (`tax_search.simple_taxed`); a plan that
    still breaks a rule falls back to the tracking-error plan with taxes."""
    from rebalancer_tui.engine.tax_search import simple_taxed

    shares, lots, why = simple_taxed(hh)
    if why is None:
        return Result(shares, StatusKind.HEURISTIC, lots=lots)
    res = _with_rules(hh, "tracking-error", methods, deadline)
    if res.kind is StatusKind.FALLBACK:
        res.message = f"simple: {why}; {res.message}"
    else:
        detail = f" ({res.message})" if res.message else ""
        res.message = f"simple: {why} -> tracking-error plan{detail}"
        res.kind = StatusKind.FALLBACK
    return res


def _loose_simple(hh: Household) -> Result:
    """The last resort when no plan satisfies the tax rules: the simple plan
    with the tax constraints off, its least-tax lots free to break them."""
    from rebalancer_tui.engine.tax import greedy_plan_lots
    from rebalancer_tui.engine.tax_search import without_tax_rules

    loose = without_tax_rules(hh)
    shares, _ = simple_household(loose)
    return Result(shares, StatusKind.FALLBACK, lots=greedy_plan_lots(loose, shares))


def _simple(hh: Household) -> Result:
    shares, plans = simple_household(hh)
    if len(plans) == 1:
        only = plans[0]
        pooled = only if shares == {hh.names[0]: dict(only.final_shares)} else None
        return Result(shares, only.kind, only.message, methods=list(only.solved_by),
                      pooled=pooled)  # fmt: skip
    return Result(shares, plans[0].kind)


# ---------------------------------------------------------------------------
# tracking-error


def _tracking_error(hh: Household, methods: Pipeline | None, deadline: float) -> Result:
    pooled = strategies.solve(hh.merged, "tracking-error", methods=methods)
    trace = list(pooled.solved_by)
    calls = pooled.highs_calls
    proven = pooled.kind is StatusKind.OPTIMAL
    bound = pooled.metrics.deviation - CENT if proven else Decimal(0)
    split = _split(hh, pooled.final_shares, deadline, orders_first=False)
    calls += split.highs_calls
    if split.shares is not None:
        one = len(hh.accounts) == 1
        return Result(split.shares, pooled.kind, pooled.message, None,
                      trace if one else [*trace, "split"], calls,
                      pooled if one else None)  # fmt: skip
    if not proven:
        # The pooled problem itself fell back: no bound to prove against.
        shares, _ = simple_household(hh)
        return Result(shares, StatusKind.FALLBACK,
                      f"{pooled.status}; no household split -> simple plan", None,
                      [*trace, "simple"], calls)  # fmt: skip
    res = _closest_search(hh, bound, deadline, pooled.final_shares)
    res.methods = [*trace, *res.methods]
    res.highs_calls += calls
    return res


def _closest_search(
    hh: Household, bound: Decimal, deadline: float, pooled_totals: dict[str, int] | None = None
) -> Result:
    """The household MILP for the least deviation, from the per-account simple
    plan, inside the pooled problem's box; then fewest dollars traded."""
    from rebalancer_tui.engine.household_milp import HouseholdModel

    incumbent, _ = simple_household(hh)
    best_dev = hh.deviation(incumbent)
    if pooled_totals is not None and len(hh.accounts) > 1:
        near = partial_split(hh, pooled_totals)
        if near is not None and hh.deviation(near) < best_dev:
            incumbent, best_dev = near, hh.deviation(near)
    box = _pooled_box(hh, float(best_dev))
    scale = max(float(best_dev), 1.0)
    calls = 1
    ans = None
    # HiGHS can end in "solve error" at once on the boxed, capped model though
    # it has plans (no plan, no bound): the box only speeds the search up, so
    # the stage is then solved once more without it.
    for lo, hi in (box, (None, None)):
        model = HouseholdModel(hh, need_dev=True, total_lo=lo, total_hi=hi)
        try:
            ans = model.solve(model.deviation_terms(), scale=scale, abs_gap=SOLVER_ABS_GAP,
                              deadline=deadline,
                              caps=[(model.deviation_terms(), float(best_dev) + 1e-6)])  # fmt: skip
        except Infeasible:
            ans = None
            break
        except SolveFailed:
            ans = None
        if ans is not None and (ans.shares is not None or np.isfinite(ans.bound)):
            break
        if deadline - time.monotonic() < 0.2:
            break
    if ans is not None:
        if ans.shares is not None and hh.deviation(ans.shares) < best_dev:
            incumbent, best_dev = ans.shares, hh.deviation(ans.shares)
        if np.isfinite(ans.bound):
            bound = max(bound, Decimal(repr(ans.bound)) - Decimal("0.000001"))
        if ans.proven and ans.shares is not None:
            bound = max(bound, min(best_dev, Decimal(repr(ans.bound))) - Decimal("0.000001"))
    bound = max(bound, Decimal(0))
    if best_dev - bound <= CENT:
        tie = _least_traded(hh, incumbent, bound, deadline)
        calls += 1
        return Result(tie, StatusKind.OPTIMAL, "", None, ["household-milp"], calls)
    gap = best_dev - bound
    return Result(incumbent, StatusKind.BOUNDED, f"gap {_usd(gap)}", bound.quantize(CENT),
                  ["household-milp"], calls)  # fmt: skip


def _least_traded(
    hh: Household, first: HouseholdShares, bound: Decimal, deadline: float
) -> HouseholdShares:
    """Fewest dollars traded among plans within a cent of the proven optimum
    (the plan found if nothing better is proven in time)."""
    from rebalancer_tui.engine.household_milp import HouseholdModel

    dev_first = hh.deviation(first)
    cap = float(max(bound + CENT, dev_first)) + 1e-9
    lo, hi = _pooled_box(hh, cap)
    model = HouseholdModel(hh, need_dev=True, need_trades=True, total_lo=lo, total_hi=hi)
    traded = float(hh.turnover(first))
    try:
        ans = model.solve(model.turnover_terms(), scale=max(traded, 1.0), abs_gap=SOLVER_ABS_GAP,
                          deadline=deadline, caps=[(model.deviation_terms(), cap)])  # fmt: skip
    except (Infeasible, SolveFailed):
        return first
    if ans.shares is None or hh.deviation(ans.shares) > bound + CENT:
        return first
    if hh.turnover(ans.shares) >= hh.turnover(first):
        return first
    return ans.shares


def _pooled_box(hh: Household, ceiling: float) -> tuple[np.ndarray, np.ndarray]:
    """Household totals any plan with deviation <= ceiling can hold, as proven
    on the pooled problem (its budget and costs are no tighter than the
    accounts' together)."""
    from rebalancer_tui.engine.search.box import deviation_box
    from rebalancer_tui.engine.view import FloatView

    view = FloatView.of(hh.merged)
    lo = np.array([sum(hh.bounds(a, s)[0] for a in hh.names) for s in hh.symbols], dtype=float)
    hi = np.array([sum(hh.bounds(a, s)[1] for a in hh.names) for s in hh.symbols], dtype=float)
    lo, hi = np.maximum(lo, view.lo), np.minimum(hi, view.hi)
    box = deviation_box(view, lo, hi, ceiling)
    if box is None:
        return lo, hi
    return np.maximum(lo, box.lo), np.minimum(hi, box.hi)


# ---------------------------------------------------------------------------
# the split of pooled totals among accounts


@dataclass
class Split:
    shares: HouseholdShares | None
    orders: int = 0
    highs_calls: int = 0


def greedy_split(
    hh: Household, totals: dict[str, int], *, fewest_orders: bool = False
) -> HouseholdShares | None:
    """The first of a few greedy splits (see `_greedy_split`) that fits; with
    `fewest_orders`, the one with the fewest orders among them. Then a few
    seeded perturbations of the buying order (deterministic)."""
    found = _greedy_variants(hh, totals, fewest_orders=fewest_orders)
    if found or fewest_orders:
        return min(found, key=hh.order_count) if found else None
    rng = random.Random(0)
    for _ in range(GREEDY_RETRIES):
        for best_fit in (False, True):
            shares = _greedy_split(
                hh, totals, sell_poorest=rng.random() < 0.5, best_fit=best_fit, shuffle=rng
            )
            if shares is not None:
                return shares
    return None


def _greedy_variants(
    hh: Household, totals: dict[str, int], *, fewest_orders: bool
) -> list[HouseholdShares]:
    found = []
    for whole in (True, False) if fewest_orders else (False,):
        for sell_poorest in (False, True):
            for best_fit in (False, True):
                shares = _greedy_split(
                    hh, totals, sell_poorest=sell_poorest, best_fit=best_fit, whole=whole
                )
                if shares is not None:
                    found.append(shares)
                    if not fewest_orders:
                        return found
    return found


def partial_split(hh: Household, totals: dict[str, int]) -> HouseholdShares | None:
    """The closest greedy split that leaves out the shares that do not fit (a
    feasible household plan near the pooled optimum: the search's incumbent)."""
    found = [
        _greedy_split(hh, totals, sell_poorest=a, best_fit=b, partial=True)
        for a in (False, True)
        for b in (False, True)
    ]
    plans = [x for x in found if x is not None]
    return min(plans, key=hh.deviation) if plans else None


def _greedy_split(
    hh: Household,
    totals: dict[str, int],
    *,
    sell_poorest: bool,
    best_fit: bool,
    partial: bool = False,
    whole: bool = False,
    shuffle: random.Random | None = None,
) -> HouseholdShares | None:
    """A split without swaps, found in microseconds when there is room: every
    symbol is only sold (from the accounts holding it, least preferred
    location first) or only bought (most expensive symbols first, each into
    the preferred accounts, then the account with the most cash left). None
    if some share does not fit; the exact check has the last word."""
    names = hh.names
    fee, rate = float(hh.options.fee), float(hh.options.cost_rate)
    held = {a: hh.account(a).holdings for a in names}
    x = {a: {s: held[a].get(s, 0) for s in hh.symbols} for a in names}
    spent = {a: 0.0 for a in names}
    for a in names:
        for s in hh.symbols:
            lo, hi = hh.bounds(a, s)
            x[a][s] = min(max(x[a][s], lo), hi)
    price = {s: float(hh.prices[s]) for s in hh.symbols}
    cash = {a: float(hh.budget(a)) - sum(price[s] * n for s, n in x[a].items()) for a in names}
    for a in names:  # forced sales pay their costs
        for s, n in x[a].items():
            moved = abs(n - held[a].get(s, 0))
            if moved:
                cash[a] -= fee + rate * price[s] * moved
                spent[a] += 1
    buys: list[tuple[str, int]] = []
    for s in hh.symbols:
        delta = totals.get(s, 0) - sum(x[a][s] for a in names)
        if delta < 0:
            order = sorted(
                names,
                key=lambda a: (hh.located(a, s), cash[a] if sell_poorest else -x[a][s]),
            )
            if whole:  # one order: an account that alone holds enough, if any
                enough = [a for a in order if x[a][s] - hh.bounds(a, s)[0] >= -delta]
                order = enough[:1] + [a for a in order if a not in enough[:1]]
            for a in order:
                lo = hh.bounds(a, s)[0]
                k = min(-delta, x[a][s] - lo)
                if k <= 0:
                    continue
                new = x[a][s] == held[a].get(s, 0)
                cash[a] += price[s] * k * (1 - rate) - (fee if new else 0.0)
                x[a][s] -= k
                delta += k
                if delta == 0:
                    break
            if delta:
                return None
        elif delta > 0:
            buys.append((s, delta))
    buys.sort(key=lambda t: -price[t[0]] * (t[1] if whole else 1))
    if shuffle is not None:  # a perturbed order: another packing to try
        buys.sort(key=lambda t: -price[t[0]] * shuffle.uniform(0.5, 1.5))
    for s, count in buys:
        p = price[s] * (1 + rate)

        def _fits(a: str, s: str = s, p: float = p) -> int:
            new = x[a][s] == held[a].get(s, 0)
            fits = int((cash[a] - (fee if new else 0.0) + 1e-9) // p)
            return min(fits, hh.bounds(a, s)[1] - x[a][s])

        while count:
            best, room = None, 0
            ranked = sorted(names, key=lambda a: (not hh.located(a, s), -cash[a]))
            if whole:  # one order: the first account that takes every share
                takes_all = [a for a in ranked if _fits(a) >= count]
                ranked = takes_all[:1] + [a for a in ranked if a not in takes_all[:1]]
            for a in ranked:
                hi = hh.bounds(a, s)[1]
                new = x[a][s] == held[a].get(s, 0)
                fits = int((cash[a] - (fee if new else 0.0) + 1e-9) // p)
                fits = min(fits, hi - x[a][s], count)
                if fits <= 0:
                    continue
                # Best fit: the account that this symbol's shares fill completely.
                if best is None or (best_fit and fits == count and room < count):
                    best, room = a, fits
                if not best_fit:
                    break
            if best is None:
                if partial:
                    break
                return None
            new = x[best][s] == held[best].get(s, 0)
            cash[best] -= p * room + (fee if new else 0.0)
            x[best][s] += room
            count -= room
    shares: HouseholdShares = x
    return shares if hh.infeasibility(shares) is None else None


def _split(
    hh: Household,
    totals: dict[str, int],
    deadline: float,
    *,
    orders_first: bool,
    order_cap: int | None = None,
) -> Split:
    """Account shares summing to `totals`, each account feasible on its own:
    fewest orders first when `orders_first`, then fewest dollars traded, then
    the best location. None if no split is found in time."""
    if len(hh.accounts) == 1:
        shares = {hh.names[0]: {s: totals.get(s, 0) for s in hh.symbols}}
        if hh.infeasibility(shares) is None:
            return Split(shares, hh.order_count(shares))
    else:
        # Without swaps a split trades exactly the pooled dollars, the least
        # any split can; for trade-minimization it must also keep the pooled
        # order count. Location is then only a greedy preference.
        greedy = greedy_split(hh, totals, fewest_orders=orders_first)
        if greedy is not None:
            orders = hh.order_count(greedy)
            if not orders_first or (order_cap is not None and orders <= order_cap):
                return Split(greedy, orders)
    from rebalancer_tui.engine.household_milp import HouseholdModel

    x = np.array([float(totals.get(s, 0)) for s in hh.symbols])
    model = HouseholdModel(
        hh, need_dev=False, need_trades=True, need_orders=orders_first, total_lo=x, total_hi=x
    )
    limit = min(deadline, time.monotonic() + SPLIT_SHARE_OF_TIME * hh.options.time_limit)
    calls = 0
    caps: list[tuple[tuple[np.ndarray, np.ndarray], float]] = []
    first: HouseholdShares | None = None
    try:
        if not orders_first:
            # Any split at all proves the deviation; HiGHS finds (or refutes)
            # one far sooner than the least-traded one, which may then time out.
            calls += 1
            none = (np.array([], dtype=int), np.array([]))
            found = model.solve(none, scale=1.0, abs_gap=0.5, deadline=limit)
            if found.shares is None:
                return Split(None, 0, calls)
            first = found.shares
        if orders_first:
            calls += 1
            ans = model.solve(model.order_terms(), scale=float(x.size * len(hh.names)),
                              abs_gap=0.5, deadline=limit)  # fmt: skip
            if ans.shares is None:
                return Split(None, 0, calls)
            orders = hh.order_count(ans.shares)
            if order_cap is not None and orders > order_cap:
                # Feasible, but more orders than the pooled bound: the caller's
                # incumbent, not a proof.
                return Split(ans.shares, orders, calls)
            caps.append((model.order_terms(), orders + 0.5))
        calls += 1
        traded = float(hh.merged.total_value)
        ans = model.solve(model.turnover_terms(), scale=max(traded, 1.0),
                          abs_gap=SOLVER_ABS_GAP, deadline=limit, caps=caps)  # fmt: skip
    except (Infeasible, SolveFailed):
        if first is None:
            return Split(None, 0, calls)
        return Split(first, hh.order_count(first), calls)
    if ans.shares is None or (first is not None and hh.turnover(ans.shares) > hh.turnover(first)):
        if first is None:
            return Split(None, 0, calls)
        return Split(first, hh.order_count(first), calls)
    shares = ans.shares
    if hh.location and ans.proven:
        calls += 1
        cap = (model.turnover_terms(), float(hh.turnover(shares)) + 0.01)
        try:
            loc = model.solve(model.location_terms(), scale=max(traded, 1.0),
                              abs_gap=SOLVER_ABS_GAP, deadline=limit,
                              caps=[*caps, cap])  # fmt: skip
            if loc.shares is not None and hh.location_score(loc.shares) > hh.location_score(shares):
                shares = loc.shares
        except (Infeasible, SolveFailed):
            pass
    return Split(shares, hh.order_count(shares), calls)


# ---------------------------------------------------------------------------
# trade-minimization


def _trade_minimization(hh: Household, methods: Pipeline | None, deadline: float) -> Result:
    pooled = strategies.solve(hh.merged, "trade-minimization", methods=methods)
    trace = list(pooled.solved_by)
    calls = pooled.highs_calls
    if pooled.kind is not StatusKind.OPTIMAL:
        # No band plan for the pooled problem means none for the household
        # either; a time-out there leaves no bound. Either way the household
        # answers with its tracking-error plan, flagged.
        message = pooled.message if pooled.kind is StatusKind.FALLBACK else pooled.status
        if pooled.kind is StatusKind.FALLBACK:
            # The pooled answer is already the pooled tracking-error plan: split it.
            split = _split(hh, pooled.final_shares, deadline, orders_first=False)
            if split.shares is not None:
                one = len(hh.accounts) == 1
                return Result(split.shares, StatusKind.FALLBACK, message, None,
                              trace if one else [*trace, "split"],
                              calls + split.highs_calls, pooled if one else None)  # fmt: skip
        te = _tracking_error(hh, methods, deadline)
        if len(hh.accounts) > 1 and te.kind is StatusKind.BOUNDED:
            message += f" (household tracking-error {te.message})"
        return Result(te.shares, StatusKind.FALLBACK, message, te.lower_bound,
                      [*trace, *te.methods], calls + te.highs_calls)  # fmt: skip
    fewest = pooled.metrics.orders
    split = _split(hh, pooled.final_shares, deadline, orders_first=True, order_cap=fewest)
    calls += split.highs_calls
    if split.shares is not None and split.orders == fewest:
        one = len(hh.accounts) == 1
        return Result(split.shares, pooled.kind, pooled.message, None,
                      trace if one else [*trace, "split"], calls,
                      pooled if one else None)  # fmt: skip
    incumbent = split.shares
    cheap = greedy_split(hh, _cheapest_in_band(hh), fewest_orders=True)
    if cheap is not None and (
        incumbent is None
        or (hh.order_count(cheap), hh.deviation(cheap))
        < (hh.order_count(incumbent), hh.deviation(incumbent))
    ):
        incumbent = cheap
    res = _band_search(hh, fewest, pooled.metrics.deviation - CENT, deadline, incumbent)
    res.methods = [*trace, *res.methods]
    res.highs_calls += calls
    return res


def _cheapest_in_band(hh: Household) -> dict[str, int]:
    """Household totals where only the assets outside their band move, each to
    its nearest in-band count (the pooled fast path's plan): small trades that
    one account can often make alone."""
    from rebalancer_tui.engine.tracking import band_bounds

    bounds, _ = band_bounds(hh.merged)
    held = hh.merged.holdings
    return {s: min(max(held.get(s, 0), bounds[s][0]), bounds[s][1]) for s in hh.symbols}


def _band_search(
    hh: Household,
    fewest: int,
    dev_bound: Decimal,
    deadline: float,
    incumbent: HouseholdShares | None = None,
) -> Result:
    """Household MILP: fewest orders with every household weight in its band,
    then the least deviation. A known in-band `incumbent` caps the search
    below its order count, so an infeasible model proves it has the fewest."""
    from rebalancer_tui.engine.household_milp import Answer, HouseholdModel
    from rebalancer_tui.engine.tracking import band_bounds

    bounds, _ = band_bounds(hh.merged)
    lo = np.array([bounds[s][0] for s in hh.symbols], dtype=float)
    hi = np.array([bounds[s][1] for s in hh.symbols], dtype=float)
    calls = 1
    model = HouseholdModel(hh, need_dev=True, need_orders=True, total_lo=lo, total_hi=hi)
    n_orders = float(len(hh.symbols) * len(hh.accounts))
    # Half the time left for the fewest orders, the rest for the closest.
    half = time.monotonic() + (deadline - time.monotonic()) / 2
    known = hh.order_count(incumbent) if incumbent is not None else None
    caps = [] if known is None else [(model.order_terms(), known - 0.5)]
    try:
        if known is not None and known <= fewest:
            # The pooled bound already proves the incumbent has the fewest orders.
            raise Infeasible("no plan with fewer orders than the pooled fewest")
        ans = model.solve(model.order_terms(), scale=n_orders, abs_gap=0.5, deadline=half,
                          caps=caps)  # fmt: skip
    except Infeasible:
        ans = None
        if known is not None:  # nothing below the incumbent's count: proven fewest
            ans = Answer(incumbent, float(known), float(known), True)
    except SolveFailed:
        ans = None
    if incumbent is not None and (ans is None or ans.shares is None):
        below = ans.bound if ans is not None else -float("inf")
        ans = Answer(incumbent, float(known or 0), below, False)
    if ans is None or ans.shares is None:
        te = _tracking_error(hh, None, deadline)
        why = "no household plan fits the band" if ans is None else "time limit reached"
        return Result(te.shares, StatusKind.FALLBACK, f"{why} -> tracking-error plan",
                      te.lower_bound, ["household-milp", *te.methods],
                      calls + te.highs_calls)  # fmt: skip
    orders = hh.order_count(ans.shares)
    orders_bound = max(fewest, int(np.ceil(ans.bound - 1e-6)) if np.isfinite(ans.bound) else 0)
    incumbent = ans.shares
    # The closest plan that trades only where the incumbent trades: a small
    # model (no order binaries) that usually lands near the optimum.
    calls += 1
    support = {(a, s) for a in hh.names for s, n in incumbent[a].items()
               if n != hh.account(a).holdings.get(s, 0)}  # fmt: skip
    local = HouseholdModel(hh, need_dev=True, total_lo=lo, total_hi=hi, free=support)
    third = time.monotonic() + (deadline - time.monotonic()) / 3
    try:
        near = local.solve(local.deviation_terms(), scale=max(float(hh.deviation(incumbent)), 1.0),
                           abs_gap=SOLVER_ABS_GAP, deadline=third)  # fmt: skip
        if (
            near.shares is not None
            and hh.order_count(near.shares) <= orders
            and hh.deviation(near.shares) < hh.deviation(incumbent)
        ):
            incumbent = near.shares
    except (Infeasible, SolveFailed):
        pass
    calls += 1
    cap = [(model.order_terms(), orders + 0.5)]
    dev = hh.deviation(incumbent)
    try:
        closer = model.solve(model.deviation_terms(), scale=max(float(dev), 1.0),
                             abs_gap=SOLVER_ABS_GAP, deadline=deadline, caps=cap)  # fmt: skip
    except (Infeasible, SolveFailed):
        closer = None
    dev_proven = False
    # The pooled bound holds only among plans with the pooled fewest orders.
    bound = dev_bound if orders == fewest else Decimal(0)
    if closer is not None and closer.shares is not None:
        if hh.deviation(closer.shares) <= dev:
            incumbent, dev = closer.shares, hh.deviation(closer.shares)
        if np.isfinite(closer.bound):
            bound = max(bound, Decimal(repr(closer.bound)) - Decimal("0.000001"))
        dev_proven = closer.proven
    if orders > orders_bound:
        return Result(incumbent, StatusKind.BOUNDED,
                      f"{orders} orders, at least {orders_bound} proven",
                      None, ["household-milp"], calls)  # fmt: skip
    if not dev_proven and dev - max(bound, Decimal(0)) > CENT:
        gap = dev - max(bound, Decimal(0))
        return Result(incumbent, StatusKind.BOUNDED, f"gap {_usd(gap)}",
                      max(bound, Decimal(0)).quantize(CENT), ["household-milp"],
                      calls)  # fmt: skip
    return Result(incumbent, StatusKind.OPTIMAL, "", None, ["household-milp"], calls)


def _usd(x: Decimal) -> str:
    return f"${x.quantize(CENT):,}"


__all__ = ["simple_household", "solve_household", "solve_household_all"]
