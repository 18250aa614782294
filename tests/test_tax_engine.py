"""Tax-aware plans (SPEC §8, issue 13): the engine against an independent
brute force (`tax_reference`), the lot choice, the tax rules as properties
of every strategy's plan, and bad lots refused with one clear line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tax_reference import (
    RefAccount,
    RefLot,
    RefRules,
    best_taxed,
    least_tax,
    least_tax_for,
    lot_choices,
    plan_count,
)

from rebalancer_tui.engine.household import Account, Household
from rebalancer_tui.engine.household_plan import HouseholdPlan
from rebalancer_tui.engine.household_search import solve_household
from rebalancer_tui.engine.plan import StatusKind
from rebalancer_tui.engine.problem import Options
from rebalancer_tui.engine.strategies import STRATEGIES
from rebalancer_tui.engine.tax import TaxLot, choose_lots, fifo_figures, fifo_plan_lots
from rebalancer_tui.engine.tax_search import exact_lots

AS_OF = dt.date(2026, 6, 30)
D = Decimal


# -- random tiny households, in both forms --------------------------------------


def _case(rng: random.Random, most: int = 3) -> tuple[Household, list[RefAccount], RefRules]:
    """`most`: the most shares of a holding (the cash grows with it)."""
    n_sym = rng.choice([2, 2, 3])
    symbols = ["AAA", "BBB", "CCC"][:n_sym]
    prices = {s: D(rng.randint(8, 40)) + D(rng.choice([0, 25, 50])) / 100 for s in symbols}
    raw = [rng.randint(1, 9) for _ in symbols]
    weights = [D(r) / sum(raw) for r in raw]
    weights = [w.quantize(D("0.0001")) for w in weights]
    weights[-1] = D(1) - sum(weights[:-1])
    targets = dict(zip(symbols, weights, strict=True))
    n_acc = rng.choice([1, 1, 2])
    accounts, refs = [], []
    for k in range(n_acc):
        taxable = k == 0 or rng.random() < 0.5
        holdings = {s: rng.randint(0, most) for s in symbols}
        holdings = {s: n for s, n in holdings.items() if n}
        cash = D(rng.randint(0, 10 * most))
        lots: list[TaxLot] = []
        ref_lots: dict[str, tuple[RefLot, ...]] = {}
        if taxable:
            for s, n in holdings.items():
                parts, left = [], n
                while left:
                    k_sh = rng.randint(1, left)
                    parts.append(k_sh)
                    left -= k_sh
                mine = []
                for k_sh in parts[:3] if len(parts) <= 3 else [*parts[:2], sum(parts[2:])]:
                    cost = (prices[s] * D(rng.uniform(0.5, 1.5))).quantize(D("0.01"))
                    date = AS_OF - dt.timedelta(days=rng.choice([5, 20, 200, 400, 900]))
                    lots.append(TaxLot(symbol=s, shares=k_sh, cost=cost, date=date))
                    mine.append(RefLot(k_sh, cost, date))
                ref_lots[s] = tuple(mine)
        name = f"acc{k}"
        kind = "taxable" if taxable else "tax-deferred"
        accounts.append(
            Account(name=name, kind=kind, cash=cash, holdings=holdings, lots=tuple(lots))
        )
        refs.append(RefAccount(name, taxable, cash, holdings, ref_lots))
    rules = RefRules(
        st_rate=D(rng.choice(["0.35", "0.2", "0"])),
        lt_rate=D(rng.choice(["0.15", "0.1"])),
        long_term_days=365,
        as_of=AS_OF,
        tax_weight=D(rng.choice(["1", "1", "0.5", "3"])),
        max_gains=rng.choice([None, None, D(0), D(15)]),
        no_short_term_gains=rng.random() < 0.3,
        wash_sale_days=rng.choice([0, 0, 30]),
    )
    options = Options(**dataclasses.asdict(rules), time_limit=20)  # the same rules, every field
    hh = Household(accounts=tuple(accounts), prices=prices, targets=targets, options=options)
    return hh, refs, rules


def _tiny_cases(
    count: int, seed: int, most_plans: int, most: int = 3
) -> list[tuple[Household, list[RefAccount], RefRules]]:
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        hh, refs, rules = _case(rng, most)
        if plan_count(refs, hh.prices, list(hh.targets)) <= most_plans:
            out.append((hh, refs, rules))
    return out


def _objective(plan: HouseholdPlan, hh: Household) -> Decimal:
    return plan.metrics.deviation + hh.options.tax_weight * plan.metrics.tax


# -- the combined objective against the brute force ------------------------------


_CASES = _tiny_cases(30, 1313, 12_000, 5)


@pytest.mark.parametrize("index", range(30))
def test_tracking_error_with_taxes_matches_brute_force(index: int) -> None:
    hh, refs, rules = _CASES[index]
    ref = best_taxed(refs, hh.prices, hh.targets, rules)
    plan = solve_household(hh, "tracking-error")
    _check_rules(hh, plan)
    if ref is None:
        assert plan.kind is StatusKind.FALLBACK, plan.status
        return
    assert plan.kind is StatusKind.OPTIMAL, plan.status
    assert abs(_objective(plan, hh) - ref.objective) <= D("0.01"), (
        plan.final_shares,
        ref.shares,
    )


# -- lot choice ----------------------------------------------------------------


def test_choose_lots_is_the_least_tax_sale_for_every_pair() -> None:
    for hh, refs, rules in _tiny_cases(25, 77, 10**9):
        for ref in refs:
            for s, lots in ref.lots.items():
                total = sum(lot.shares for lot in lots)
                for n in range(1, total + 1):
                    best = least_tax(lot_choices(lots, n, s, hh.prices[s], refs, rules))
                    if best is None:
                        with pytest.raises(ValueError, match="more shares than its lots allow"):
                            choose_lots(hh, ref.name, s, n)
                        continue
                    sales = choose_lots(hh, ref.name, s, n)
                    assert sum(x.shares for x in sales) == n
                    tax = sum(
                        (x.gain * (rules.lt_rate if x.term == "long" else rules.st_rate)
                         for x in sales),
                        D(0),
                    )  # fmt: skip
                    assert tax == best


def test_exact_lots_under_a_gains_cap_is_the_least_tax_choice() -> None:
    """A gains cap couples the pairs: the least-tax choice per pair may pass
    it while another choice with a little more tax fits."""
    checked = 0
    for hh, refs, rules in _tiny_cases(40, 99, 10**9):
        hh = hh.with_options(max_gains=D(5), wash_sale_days=0)
        rules = RefRules(**{**rules.__dict__, "max_gains": D(5), "wash_sale_days": 0})
        shares = {a.name: {s: 0 for s in hh.symbols} for a in hh.accounts}  # sell everything
        if hh.infeasibility(shares) is not None:
            continue
        choices = [
            lot_choices(lots, sum(lot.shares for lot in lots), s, hh.prices[s], refs, rules)
            for ref in refs
            for s, lots in ref.lots.items()
        ]
        best = None
        import itertools

        for combo in itertools.product(*choices):
            if sum((c.gain for c in combo), D(0)) <= D(5):
                tax = sum((c.tax for c in combo), D(0))
                best = tax if best is None or tax < best else best
        found = exact_lots(hh, shares)
        if best is None:
            assert found is None
            continue
        assert found is not None
        sales = [x for xs in found.values() for x in xs]
        tax = sum((x.gain * (rules.lt_rate if x.term == "long" else rules.st_rate)
                   for x in sales), D(0))  # fmt: skip
        assert tax == best
        assert sum((x.gain for x in sales), D(0)) <= 5
        checked += 1
    assert checked >= 10


def test_fifo_sells_the_oldest_lots() -> None:
    lots = (
        TaxLot(symbol="A", shares=3, cost=D(10), date=dt.date(2026, 1, 1)),
        TaxLot(symbol="A", shares=3, cost=D(90), date=dt.date(2020, 1, 1)),
    )
    hh = Household(
        accounts=(Account(name="t", holdings={"A": 6}, lots=lots),),
        prices={"A": D(50)},
        targets={"A": D(1)},
        options=Options(as_of=AS_OF, st_rate=D("0.3"), lt_rate=D("0.15")),
    )
    fifo = fifo_plan_lots(hh, {"t": {"A": 2}})
    got = [(x.date, x.shares) for x in fifo[("t", "A")]]
    assert got == [(dt.date(2020, 1, 1), 3), (dt.date(2026, 1, 1), 1)]
    # 3 long-term at a $40 loss, 1 short-term at a $40 gain: 0.15·-120 + 0.3·40.
    figures = fifo_figures(hh, {"t": {"A": 2}})
    assert (figures.gains_long, figures.gains_short, figures.tax) == (-120, 40, D("-6"))


# -- properties of every strategy's plan ---------------------------------------


def _check_rules(hh: Household, plan: HouseholdPlan) -> None:
    """The tax rules, checked from the orders alone (not through the engine's checker)."""
    opts = hh.options
    short = long = D(0)
    sold_at_loss: set[str] = set()
    window = {
        lot.symbol
        for a in hh.accounts
        for lot in a.lots
        if opts.wash_sale_days and (AS_OF - lot.date).days < opts.wash_sale_days
    }
    loose = "without the tax rules" in plan.message
    for o in plan.orders:
        acc = hh.account(o.account)
        lots = [lot for lot in acc.lots if lot.symbol == o.symbol]
        if o.action == "BUY" or not lots:
            assert o.lots is None
            continue
        assert o.lots is not None
        assert sum(x.shares for x in o.lots) == o.shares  # shares sold = lots sold
        for x in o.lots:
            (lot,) = [lot for lot in lots if (lot.date, lot.cost) == (x.date, x.cost)]
            used = sum(y.shares for y in o.lots if (y.date, y.cost) == (x.date, x.cost))
            assert 0 < used <= lot.shares  # never oversold
            p = hh.prices[o.symbol]
            assert x.gain == x.shares * (p - lot.cost)
            is_long = (AS_OF - lot.date).days >= opts.long_term_days
            assert x.term == ("long" if is_long else "short")
            if is_long:
                long += x.gain
            else:
                short += x.gain
            if not loose:
                if opts.no_short_term_gains:
                    assert is_long or x.gain <= 0, "short-term gain sold"
                if x.gain < 0:
                    assert o.symbol not in window, "loss sold inside the wash-sale window"
            if x.gain < 0:
                sold_at_loss.add(o.symbol)
    assert plan.metrics.realized_gains_short == short
    assert plan.metrics.realized_gains_long == long
    assert plan.metrics.tax == opts.st_rate * short + opts.lt_rate * long
    if loose:
        return
    if opts.max_gains is not None:
        assert short + long <= opts.max_gains
    if opts.wash_sale_days:
        bought = {o.symbol for o in plan.orders if o.action == "BUY"}
        assert not (bought & sold_at_loss), "bought a symbol sold at a loss"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    strategy=st.sampled_from(STRATEGIES),
    order_rules=st.booleans(),
)
def test_every_strategy_keeps_the_tax_rules(seed: int, strategy: str, order_rules: bool) -> None:
    hh, refs, rules = _case(random.Random(seed))
    hh = hh.with_options(time_limit=5)
    if order_rules:  # SPEC §9 on top: a minimum order, a lot size and a lock
        first = hh.symbols[0]
        hh = hh.with_options(min_trade=D(20), lots={hh.symbols[1]: 2}, locked=frozenset({first}))
    plan = solve_household(hh, strategy)
    _check_rules(hh, plan)
    assert hh.infeasibility(plan.final_shares) is None
    if "without the tax rules" not in plan.message:
        # The lots reported are the least-tax choice for the plan's sales.
        assert plan.metrics.tax == least_tax_for(plan.final_shares, refs, hh.prices, rules)
    if order_rules:
        assert plan.household_shares[hh.symbols[0]] == hh.merged.held(hh.symbols[0])


def test_with_no_rates_and_no_rules_lots_change_nothing() -> None:
    for hh, _, _ in _tiny_cases(8, 5, 10**9):
        plain = hh.with_options(st_rate=D(0), lt_rate=D(0), max_gains=None,
                                no_short_term_gains=False, wash_sale_days=0)  # fmt: skip
        bare = Household(
            accounts=tuple(a.model_copy(update={"lots": ()}) for a in plain.accounts),
            prices=plain.prices,
            targets=plain.targets,
            options=plain.options,
        )
        for strategy in STRATEGIES:
            with_lots = solve_household(plain, strategy)
            without = solve_household(bare, strategy)
            assert with_lots.final_shares == without.final_shares
            assert with_lots.status == without.status
            assert with_lots.metrics.tax == 0


def test_a_gains_cap_changes_the_plan_and_holds() -> None:
    """One account, one big long-term gain: with the cap at 0 the plan may not
    realise it, and says how far it stays from target."""
    lots = (TaxLot(symbol="A", shares=10, cost=D(10), date=dt.date(2020, 1, 1)),)
    acc = Account(name="t", holdings={"A": 10}, lots=lots)
    base = Options(as_of=AS_OF, st_rate=D("0.35"), lt_rate=D("0.15"))
    targets = {"A": D("0.5"), "B": D("0.5")}
    hh = Household(accounts=(acc,), prices={"A": D(50), "B": D(25)}, targets=targets,
                   options=base)  # fmt: skip
    free = solve_household(hh, "tracking-error")
    assert free.final_shares["t"]["A"] < 10 and free.metrics.tax > 0
    capped = solve_household(hh.with_options(max_gains=D(0)), "tracking-error")
    assert capped.final_shares["t"]["A"] == 10 and capped.metrics.tax == 0
    assert capped.kind is StatusKind.OPTIMAL
    simple = solve_household(hh.with_options(max_gains=D(0)), "simple")
    assert simple.kind is StatusKind.FALLBACK
    assert simple.message == (
        "simple: realises $200.00 of gains, over the $0.00 cap -> tracking-error plan"
    )
    assert simple.final_shares == capped.final_shares


def _taxable_and_ira(cost: int, cash: tuple[int, int], **household: Any) -> Household:
    """Taxable `t` holding 10 A (one long-term lot at `cost`) and tax-deferred `ira`,
    with these cash amounts; A and B at $50, half each; rates 35 % and 15 %."""
    lots = (TaxLot(symbol="A", shares=10, cost=D(cost), date=dt.date(2020, 1, 1)),)
    taxable = Account(name="t", holdings={"A": 10}, lots=lots, cash=D(cash[0]))
    ira = Account(name="ira", kind="tax-deferred", cash=D(cash[1]))
    return Household(
        accounts=(taxable, ira),
        prices={"A": D(50), "B": D(50)},
        targets={"A": D("0.5"), "B": D("0.5")},
        options=Options(as_of=AS_OF, st_rate=D("0.35"), lt_rate=D("0.15")),
        **household,
    )


def test_simple_falls_back_when_it_would_buy_a_symbol_it_sells_at_a_loss() -> None:
    hh = _taxable_and_ira(cost=90, cash=(0, 1000)).with_options(wash_sale_days=30)
    plan = solve_household(hh, "simple")
    assert plan.kind is StatusKind.FALLBACK
    assert plan.message.startswith("simple: sells A at a loss and buys it in account ira")
    assert "-> tracking-error plan" in plan.message
    _check_rules(hh, plan)


def test_the_wash_sale_guard_keeps_a_loss_harvest_from_buying_back() -> None:
    """Selling the taxable account's losing A and buying it in the IRA saves
    $60 of tax at no deviation; with the guard on, the plan keeps A instead."""
    hh = _taxable_and_ira(cost=90, cash=(0, 1000))
    free = solve_household(hh, "tracking-error")
    assert free.kind is StatusKind.OPTIMAL
    assert (free.metrics.deviation, free.metrics.tax) == (0, -60)
    guarded = hh.with_options(wash_sale_days=30)
    for strategy in STRATEGIES:
        plan = solve_household(guarded, strategy)
        _check_rules(guarded, plan)
    plan = solve_household(guarded, "tracking-error")
    assert plan.kind is StatusKind.OPTIMAL
    assert (plan.metrics.deviation, plan.metrics.tax) == (0, 0)


def test_asset_location_breaks_the_last_tie() -> None:
    """New cash in both accounts buys 5 A and 15 B; which account buys what
    ties on deviation, tax and turnover: B goes to the IRA, as preferred."""
    hh = _taxable_and_ira(cost=40, cash=(500, 500), location={"B": frozenset({"tax-deferred"})})
    plan = solve_household(hh, "tracking-error")
    assert plan.kind is StatusKind.OPTIMAL
    assert plan.metrics.deviation == 0 and plan.metrics.tax == 0
    assert plan.final_shares["ira"] == {"A": 0, "B": 10}
    assert plan.location_score == 500


def test_no_plan_under_the_tax_rules_falls_back_with_a_reason() -> None:
    """A holding outside the model must be sold, but its only lot is a
    short-term gain and short-term gains are forbidden."""
    lots = (TaxLot(symbol="OLD", shares=5, cost=D(10), date=dt.date(2026, 6, 1)),)
    acc = Account(name="t", holdings={"OLD": 5}, lots=lots, cash=D(100))
    hh = Household(
        accounts=(acc,),
        prices={"OLD": D(20), "A": D(10)},
        targets={"A": D(1)},
        options=Options(as_of=AS_OF, st_rate=D("0.35"), no_short_term_gains=True),
    )
    for strategy in STRATEGIES:
        plan = solve_household(hh, strategy)
        assert plan.kind is StatusKind.FALLBACK, (strategy, plan.status)
        assert "without the tax rules" in plan.message, plan.message
        assert "\n" not in plan.message
        assert plan.final_shares["t"]["OLD"] == 0


# -- bad lots -------------------------------------------------------------------


def test_lots_not_summing_to_the_holding_are_refused() -> None:
    lots = (TaxLot(symbol="A", shares=3, cost=D(10), date=dt.date(2020, 1, 1)),)
    with pytest.raises(
        ValueError, match="the lots of A add up to 3 shares, but the account holds 5"
    ):
        Account(name="t", holdings={"A": 5}, lots=lots)


def test_lots_dated_after_the_plan_day_are_refused() -> None:
    lots = (TaxLot(symbol="A", shares=5, cost=D(10), date=dt.date(2026, 7, 1)),)
    acc = Account(name="t", holdings={"A": 5}, lots=lots)
    with pytest.raises(ValueError, match="lot of 2026-07-01 is dated after 2026-06-30"):
        Household(accounts=(acc,), prices={"A": D(1)}, targets={"A": D(1)},
                  options=Options(as_of=AS_OF))  # fmt: skip


def test_negative_cost_and_lots_in_an_ira_are_refused() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        TaxLot(symbol="A", shares=5, cost=D(-1), date=dt.date(2020, 1, 1))
    lots = (TaxLot(symbol="A", shares=5, cost=D(10), date=dt.date(2020, 1, 1)),)
    with pytest.raises(ValueError, match="tax lots are only for taxable accounts"):
        Account(name="ira", kind="tax-deferred", holdings={"A": 5}, lots=lots)
