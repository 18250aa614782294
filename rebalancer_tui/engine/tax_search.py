"""Tax-aware plans (SPEC §8): the strategies when `tax.taxed(hh)` holds.

Every search strategy then runs on the household MILP with the lot columns
(`household_milp`): tracking-error minimises `deviation + λ·tax`, then the
fewest dollars traded; trade-minimization and band-edge keep their stages and
break ties by least tax (`constrained._lexicographic`). `simple` is the
per-account simple plan with sells held to what the tax rules let a holding
sell, and least-tax lots; when that plan still breaks a rule it falls back.

A plan is its final shares and the lots each sale sells: for the solver's
final shares, the least-tax lots pair by pair when they meet the rules, else
the exact least-tax choice for those sales (a small MILP: a gains cap or the
wash-sale guard couples the pairs), every choice verified exactly
(`tax.tax_violation`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from rebalancer_tui.engine.constrained import (
    CAP_SLACK,
    SOLVER_ABS_GAP,
    Found,
    _share_of,
    _stage,
    _usd,
)
from rebalancer_tui.engine.errors import Infeasible, SolveFailed
from rebalancer_tui.engine.evaluate import CENT
from rebalancer_tui.engine.household import Household, HouseholdShares
from rebalancer_tui.engine.household_milp import Answer, HouseholdModel
from rebalancer_tui.engine.plan import StatusKind
from rebalancer_tui.engine.tax import (
    PlanLots,
    TaxLot,
    fifo_plan_lots,
    greedy_plan_lots,
    lot_block,
    lot_order,
    lots_of,
    plan_figures,
    sale,
    sellable,
    sold,
    tax_per_share,
    tax_violation,
    term,
)

# The no-tax plan (the warm start) gets this share of the time limit.
WARM_SHARE_OF_TIME = 0.2
EXACT_LOTS_TIME = 2.0
TIE_SHARE_OF_TIME = 0.2
# Trade-minimization and band-edge start from their plan without taxes: when
# proven it settles every stage before the tax tie-break (half the time).
START_SHARE_OF_TIME = 0.5
# A stage that failed at once is solved again only with this much time left.
RETRY_MIN_TIME = 0.2


@dataclass
class TaxedPlan:
    """Final shares and the lots their sales sell (verified)."""

    shares: HouseholdShares
    lots: PlanLots


def without_tax_rules(hh: Household) -> Household:
    """The household with the tax constraints off (the rates kept)."""
    return hh.with_options(max_gains=None, no_short_term_gains=False, wash_sale_days=0)


def untaxed(hh: Household) -> Household:
    """The household planned as if there were no taxes (lots only reported)."""
    return hh.with_options(
        st_rate=Decimal(0),
        lt_rate=Decimal(0),
        max_gains=None,
        no_short_term_gains=False,
        wash_sale_days=0,
    )


def combined(hh: Household, shares: HouseholdShares, lots: PlanLots) -> Decimal:
    """`deviation + λ·tax` of a plan, exact."""
    return hh.deviation(shares) + hh.options.tax_weight * plan_figures(lots, hh.options).tax


def tax_floor(hh: Household) -> Decimal:
    """The least tax any plan can owe: every sellable loss lot sold (a bound)."""
    total = Decimal(0)
    for a in hh.accounts:
        if a.kind != "taxable":
            continue
        for lot in a.lots:
            t = tax_per_share(lot, hh.prices[lot.symbol], hh.options)
            if t < 0 and lot_block(hh, lot) is None:
                total += t * lot.shares
    return total


def settle_lots(
    hh: Household, shares: HouseholdShares, lots: PlanLots | None = None
) -> PlanLots | None:
    """The least-tax lots for these final shares that satisfy every tax
    rule, or None when no choice does. The least-tax lots pair by pair when
    they satisfy the rules (then no choice owes less); else the exact choice
    for these sales under the gains cap and wash-sale guard; else `lots`
    (the solver's), if they satisfy the rules."""
    try:
        greedy: PlanLots | None = greedy_plan_lots(hh, shares)
    except ValueError:
        greedy = None  # some sale needs a blocked lot: no choice can help
    if greedy is not None and tax_violation(hh, shares, greedy) is None:
        return greedy
    if greedy is not None:
        exact = exact_lots(hh, shares)
        if exact is not None:
            return exact
    if lots is not None and tax_violation(hh, shares, lots) is None:
        return lots
    return None


def exact_lots(hh: Household, shares: HouseholdShares) -> PlanLots | None:
    """The least-tax lots for these sales under the gains cap and the
    wash-sale guard (a small HiGHS model), or None if none satisfies them."""
    from rebalancer_tui.engine.highs import Model

    sales = sold(hh, shares)
    if not sales:
        return {} if tax_violation(hh, shares, {}) is None else None
    bought = {
        s
        for a in hh.accounts
        for s, n in shares.get(a.name, {}).items()
        if n > a.holdings.get(s, 0)
    }
    wash = bool(hh.options.wash_sale_days)
    m = Model()
    entries: list[tuple[TaxLot, int]] = []
    # As in the household model: lot columns are continuous and each class of
    # a sale's lots (same term, same side) has an integer total, filled
    # least-tax lots first (exact, and a few integer columns, not one per lot).
    classes: list[tuple[tuple[str, str], list[TaxLot], int]] = []
    for key, n in sales.items():
        lots = lots_of(hh, *key)
        p = hh.prices[key[1]]
        ub = [
            0.0
            if lot_block(hh, lot) is not None or (wash and key[1] in bought and lot.cost > p)
            else float(lot.shares)
            for lot in lots
        ]
        if sum(ub) < n:
            return None
        cols = m.add_vars(np.zeros(len(lots)), np.array(ub), integer=False)
        m.lot_columns += len(lots)
        entries.extend((lot, int(c)) for lot, c in zip(lots, cols, strict=True))
        groups: dict[tuple[str, bool], list[int]] = {}
        for j, lot in enumerate(lots):
            if ub[j] > 0:
                groups.setdefault((term(lot, hh.options), lot.cost > p), []).append(j)
        totals = []
        for members in groups.values():
            most = sum(ub[j] for j in members)
            y = int(m.add_vars(np.zeros(1), np.array([most]), integer=True)[0])
            m.add_row(np.array([*(int(cols[j]) for j in members), y]),
                      np.array([*([1.0] * len(members)), -1.0]), 0.0, 0.0)  # fmt: skip
            ordered = sorted((lots[j] for j in members), key=lambda lot: lot_order(hh, lot))
            classes.append((key, ordered, y))
            totals.append(y)
        m.add_row(np.array(totals, dtype=int), np.ones(len(totals)), float(n), float(n))
    all_cols = np.array([c for _, c in entries], dtype=int)
    if hh.options.max_gains is not None:
        gains = np.array([float(hh.prices[lot.symbol] - lot.cost) for lot, _ in entries])
        m.add_row(all_cols, gains, -np.inf, float(hh.options.max_gains))
    objective = np.zeros(len(m.c))
    for lot, c in entries:
        objective[c] = float(tax_per_share(lot, hh.prices[lot.symbol], hh.options))
    scale = float(np.abs(objective).sum()) * max(float(max(sales.values())), 1.0)
    try:
        xs, _, _ = m.solve(objective, EXACT_LOTS_TIME, 0.001, max(scale, 1.0))
    except SolveFailed:
        return None
    out: PlanLots = {}
    for key, ordered, y in classes:
        left = round(float(xs[y]))
        for lot in ordered:
            if left <= 0:
                break
            k = min(left, lot.shares)
            out.setdefault(key, []).append(sale(hh, lot, k))
            left -= k
    return out if tax_violation(hh, shares, out) is None else None


# ---------------------------------------------------------------------------
# simple


def simple_taxed(hh: Household) -> tuple[HouseholdShares, PlanLots | None, str | None]:
    """Each account's simple plan with sells of holdings with lots held to
    what the tax rules allow (like a partial lock), least-tax lots. Returns
    (shares, lots, None), or (shares, None, why it breaks a tax rule)."""
    from rebalancer_tui.engine.household_search import simple_household
    from rebalancer_tui.engine.simple import _fit_with_rules, trim_buys

    shares, _ = simple_household(hh)
    for a in hh.accounts:
        inp = hh.account_input(a.name)
        x = dict(shares[a.name])
        changed = False
        for s in {lot.symbol for lot in a.lots}:
            most = sellable(hh, a.name, s)
            h = a.holdings.get(s, 0)
            if most is None or not inp.in_model(s) or h - x.get(s, h) <= most:
                continue  # a forced sale sells everything: checked below
            n = most
            if inp.options.constrained:
                n -= n % inp.options.lot(s)
                if n and inp.prices[s] * n < inp.options.min_trade:
                    n = 0
            x[s] = h - n
            changed = True
        if changed:
            x = _fit_with_rules(inp, x) if inp.options.constrained else trim_buys(inp, x)
            for s, n in x.items():
                if n > a.holdings.get(s, 0) and not a.may_buy(s):
                    x[s] = a.holdings.get(s, 0)
            shares[a.name] = x
    why = hh.infeasibility(shares)
    if why is not None:
        return shares, None, why
    lots = settle_lots(hh, shares)
    if lots is not None:
        return shares, lots, None
    try:
        greedy = greedy_plan_lots(hh, shares)
    except ValueError as exc:
        return shares, None, str(exc)
    return shares, None, tax_violation(hh, shares, greedy) or "breaks a tax rule"


# ---------------------------------------------------------------------------
# tracking-error: deviation + λ·tax


def warm_starts(hh: Household, deadline: float) -> list[TaxedPlan]:
    """Plans that satisfy the tax rules, to cap the search: the no-tax
    tracking-error plan with least-tax lots, and the tax-aware simple plan."""
    out: list[TaxedPlan] = []
    shares, lots, _ = simple_taxed(hh)
    if lots is not None:
        out.append(TaxedPlan(shares, lots))
    plain = _untaxed_plan(hh, "tracking-error", deadline, WARM_SHARE_OF_TIME, proven_only=False)
    if plain is not None:
        out.append(plain)
    return out


def untaxed_start(
    hh: Household, strategy_id: str, deadline: float
) -> tuple[HouseholdShares, PlanLots] | None:
    """The strategy's plan without taxes, if proven optimal by that strategy
    itself (no fallback) and some choice of lots meets the tax rules."""
    plain = _untaxed_plan(hh, strategy_id, deadline, START_SHARE_OF_TIME, proven_only=True)
    return None if plain is None else (plain.shares, plain.lots)


def _untaxed_plan(
    hh: Household, strategy_id: str, deadline: float, share: float, *, proven_only: bool
) -> TaxedPlan | None:
    """The strategy's plan as if there were no taxes, on `share` of the time
    left, with lots that meet the tax rules; None when it is not feasible
    here, no lot choice meets the rules, or (`proven_only`) it is not proven."""
    from rebalancer_tui.engine.household_search import solve_household

    limit = max(0.2, (deadline - time.monotonic()) * share)
    plain = solve_household(untaxed(hh).with_options(time_limit=limit), strategy_id)
    if proven_only and plain.kind is not StatusKind.OPTIMAL:
        return None
    x = plain.final_shares
    if hh.infeasibility(x) is not None:
        return None
    lots = settle_lots(hh, x)
    return None if lots is None else TaxedPlan(x, lots)


def _dec(x: float) -> Decimal:
    return Decimal(repr(x)) - Decimal("0.000001")


def tracking_error_taxed(hh: Household, deadline: float) -> Found:
    """The least `deviation + λ·tax` under the order and tax rules, then the
    fewest dollars traded among plans within a cent of it. Raises SolveFailed
    when no plan satisfies the tax rules (or none is found in time)."""
    starts = warm_starts(hh, deadline)
    best = min(starts, key=lambda c: combined(hh, c.shares, c.lots), default=None)
    value = combined(hh, best.shares, best.lots) if best is not None else None
    floor = hh.options.tax_weight * tax_floor(hh)
    box: tuple[np.ndarray | None, np.ndarray | None] = (None, None)
    if value is not None:
        # A plan beating the incumbent has deviation <= value - λ·(least tax):
        # the household totals such a plan can hold, proven on the pooled problem.
        from rebalancer_tui.engine.household_search import _pooled_box

        box = _pooled_box(hh, float(value - floor) + 1e-6)
    scale = float(abs(value)) if value is not None else float(hh.total_value)
    calls = 1
    bound = floor
    try:
        model, terms, ans = _combined_stage(hh, box, value, scale, deadline)
    except Infeasible:
        model = HouseholdModel(hh, need_dev=True, need_trades=True)
        terms = model.combined_terms()
        if best is None or value is None:
            raise SolveFailed("no plan satisfies the tax rules") from None
        ans = None
        bound = value  # nothing below the incumbent: it is optimal
    if ans is not None:
        if ans.shares is not None:
            lots = settle_lots(hh, ans.shares, ans.lots)
            if lots is not None and (value is None or combined(hh, ans.shares, lots) < value):
                best, value = TaxedPlan(ans.shares, lots), combined(hh, ans.shares, lots)
        if np.isfinite(ans.bound):
            bound = max(bound, _dec(ans.bound))
    if best is None or value is None:
        raise SolveFailed("time limit reached before any plan met the tax rules")
    if value - bound > CENT:
        return Found(best.shares, StatusKind.BOUNDED, f"gap {_usd(value - bound)}",
                     bound.quantize(CENT), highs_calls=calls, lots=best.lots)  # fmt: skip
    calls += 1
    cap = [(terms, float(max(bound + CENT, value)) + CAP_SLACK)]
    traded = float(hh.turnover(best.shares))
    try:
        # A tie-break only: its proof does not change the status, so it gets
        # a share of the time, not all that is left.
        tie_deadline = min(deadline, time.monotonic() + TIE_SHARE_OF_TIME * hh.options.time_limit)
        tie = _stage(model, model.turnover_terms(), tie_deadline, scale=traded,
                     abs_gap=float(CENT), caps=cap)  # fmt: skip
    except Infeasible:
        tie = None
    if tie is not None and tie.shares is not None:
        lots = settle_lots(hh, tie.shares, tie.lots)
        if (
            lots is not None
            and combined(hh, tie.shares, lots) <= bound + CENT
            and hh.turnover(tie.shares) < hh.turnover(best.shares)
        ):
            best = TaxedPlan(tie.shares, lots)
    if hh.location:
        calls += 1
        best = _best_located(hh, model, best, cap, deadline, bound + CENT)
    return Found(best.shares, highs_calls=calls, lots=best.lots)


def _combined_stage(
    hh: Household,
    box: tuple[np.ndarray | None, np.ndarray | None],
    value: Decimal | None,
    scale: float,
    deadline: float,
) -> tuple[HouseholdModel, tuple[np.ndarray, np.ndarray], Answer | None]:
    """The `deviation + λ·tax` stage: (model, its terms, the answer). Raises
    Infeasible when nothing beats the incumbent `value`.

    HiGHS (SciPy 1.17) can end in "solve error" at once, with or without its
    presolve, on a boxed model that has plans (the pooled box together with
    the incumbent's cap): nothing found and no bound, long before the time
    limit. The box only speeds the search up, so the same stage is then
    solved once more without it, in the time left."""
    answer: Answer | None = None
    for lo, hi in (box, (None, None)):
        model = HouseholdModel(hh, need_dev=True, need_trades=True, total_lo=lo, total_hi=hi)
        terms = model.combined_terms()
        caps = [] if value is None else [(terms, float(value) + CAP_SLACK)]
        answer = _stage(model, terms, _share_of(deadline, 0.7), scale=scale,
                        abs_gap=SOLVER_ABS_GAP, caps=caps)  # fmt: skip
        failed = answer is None or (answer.shares is None and not np.isfinite(answer.bound))
        if lo is None or not failed or deadline - time.monotonic() < RETRY_MIN_TIME:
            break
    return model, terms, answer


def _best_located(
    hh: Household,
    model: HouseholdModel,
    best: TaxedPlan,
    cap: list[tuple[tuple[np.ndarray, np.ndarray], float]],
    deadline: float,
    within: Decimal,
) -> TaxedPlan:
    """Asset location (SPEC §7), the last tie-break: the most dollars in
    preferred kinds among plans as good on deviation + λ·tax and turnover."""
    traded = hh.turnover(best.shares)
    caps = [*cap, (model.turnover_terms(), float(traded + CENT))]
    until = min(deadline, time.monotonic() + TIE_SHARE_OF_TIME * hh.options.time_limit)
    try:
        loc = _stage(model, model.location_terms(), until, scale=float(hh.total_value),
                     abs_gap=SOLVER_ABS_GAP, caps=caps)  # fmt: skip
    except Infeasible:
        return best
    if loc is None or loc.shares is None:
        return best
    lots = settle_lots(hh, loc.shares, loc.lots)
    if (
        lots is not None
        and combined(hh, loc.shares, lots) <= within
        and hh.turnover(loc.shares) <= traded + CENT
        and hh.location_score(loc.shares) > hh.location_score(best.shares)
    ):
        return TaxedPlan(loc.shares, lots)
    return best


__all__ = [
    "TaxedPlan",
    "combined",
    "exact_lots",
    "fifo_plan_lots",
    "settle_lots",
    "simple_taxed",
    "tax_floor",
    "tracking_error_taxed",
    "untaxed",
    "untaxed_start",
    "warm_starts",
    "without_tax_rules",
]
