"""SPEC §9: minimum orders, lots, locks and the band-edge strategy.

Optimality is checked against the independent brute force of
`household_reference` (every feasible plan of a tiny household, in exact
fractions, the rules read from the raw options); properties on bigger random
portfolios check that every order keeps the rules.
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from exact import CENT, F
from household_reference import (
    HPlan,
    enumerate_household,
    feasibility_problems,
    locked_pairs,
    random_household,
    tiny_household,
)

from rebalancer_tui.engine import Options, RebalanceInput, StatusKind, solve
from rebalancer_tui.engine.household import Account, Household
from rebalancer_tui.engine.household_plan import HouseholdPlan
from rebalancer_tui.engine.household_search import solve_household

SEEDS = range(24)


def with_rules(hh: Household, r: random.Random, *, destination: str = "0") -> Household:
    """The household with a random minimum order, lot and lock."""
    syms = list(hh.targets)
    lots = {r.choice(syms): r.choice([2, 3])} if r.random() < 0.7 else {}
    locked: set[str] = set()
    if r.random() < 0.5:
        a = r.choice(hh.accounts)
        held = [s for s, n in a.holdings.items() if n]
        if held:
            locked.add(f"{a.name}:{r.choice(held)}")
    if r.random() < 0.15:
        locked.add(r.choice(syms))
    options = hh.options.model_copy(
        update={
            "min_trade": Decimal(r.choice([0, 40, 90])),
            "lots": lots,
            "locked": frozenset(locked),
            "destination": Decimal(destination),
            "time_limit": 20.0,
        }
    )
    return Household(
        accounts=hh.accounts,
        prices=hh.prices,
        targets=hh.targets,
        options=options,
        location=hh.location,
    )


def find(plans: list[HPlan], plan: HouseholdPlan) -> HPlan:
    for p in plans:
        if all(p.shares[a] == {s: plan.final_shares[a].get(s, 0) for s in p.shares[a]}
               for a in p.shares):  # fmt: skip
            return p
    raise AssertionError(f"{plan.strategy} plan {plan.final_shares} is not a feasible plan")


def check_rules(hh: Household, plan: HouseholdPlan) -> None:
    assert feasibility_problems(hh, plan.final_shares) == [], plan.final_shares
    minimum = F(hh.options.min_trade)
    for o in plan.orders:
        a = hh.account(o.account)
        assert o.symbol not in locked_pairs(hh, a), o
        if o.symbol in hh.targets:
            assert o.shares % hh.options.lots.get(o.symbol, 1) == 0, o
            assert F(o.amount) >= minimum, o
        else:  # a forced sale: everything
            assert o.action == "SELL" and o.shares == a.holdings[o.symbol], o


def within_the_rules(
    hh: Household, plans: list[HPlan], strategy: str
) -> tuple[HouseholdPlan, HPlan]:
    """The strategy's plan, checked against every rule, and the enumerated plan it is."""
    plan = solve_household(hh, strategy)
    check_rules(hh, plan)
    return plan, find(plans, plan)


def cases(seed: int, fee: str = "0") -> tuple[Household, list[HPlan]]:
    r = random.Random(1000 + seed)
    hh = with_rules(tiny_household(seed, fee=fee), r)
    return hh, enumerate_household(hh)


@pytest.mark.parametrize("seed", SEEDS)
def test_tracking_error_under_the_rules_is_the_brute_force_optimum(seed: int) -> None:
    hh, plans = cases(seed)
    plan, mine = within_the_rules(hh, plans, "tracking-error")
    assert plan.kind is StatusKind.OPTIMAL, plan.status
    best = min(p.deviation for p in plans)
    assert mine.deviation <= best + CENT
    near = [p for p in plans if p.deviation <= best + CENT]
    assert mine.turnover <= min(p.turnover for p in near) + CENT


@pytest.mark.parametrize("seed", SEEDS)
def test_trade_minimization_under_the_rules_is_the_brute_force_optimum(seed: int) -> None:
    hh, plans = cases(seed, fee="1")
    plan, mine = within_the_rules(hh, plans, "trade-minimization")
    fits = [p for p in plans if p.in_band]
    if not fits:
        assert plan.kind is StatusKind.FALLBACK, plan.status
        return
    assert plan.kind is StatusKind.OPTIMAL, plan.status
    fewest = min(p.orders for p in fits)
    assert mine.in_band and mine.orders == fewest
    closest = min(p.deviation for p in fits if p.orders == fewest)
    assert mine.deviation <= closest + CENT


@pytest.mark.parametrize("destination", ["0", "0.125", "1"])
@pytest.mark.parametrize("seed", SEEDS)
def test_band_edge_is_the_least_turnover_within_bands_and_destination(
    seed: int, destination: str
) -> None:
    r = random.Random(2000 + seed)
    rules = r.random() < 0.5
    hh = tiny_household(seed)
    if rules:
        hh = with_rules(hh, r, destination=destination)
    else:
        hh = hh.model_copy(update={})  # unconstrained: the fast paths' answers
        hh = Household(
            accounts=hh.accounts, prices=hh.prices, targets=hh.targets, location=hh.location,
            options=hh.options.model_copy(update={"destination": Decimal(destination)}),
        )  # fmt: skip
    plans = enumerate_household(hh)
    plan, mine = within_the_rules(hh, plans, "band-edge")
    fits = [p for p in plans if p.in_edge]
    if not fits:
        assert plan.kind is StatusKind.FALLBACK, plan.status
        assert "band" in plan.message and "tracking-error plan" in plan.message
        return
    assert plan.kind is StatusKind.OPTIMAL, plan.status
    least = min(p.turnover for p in fits)
    assert mine.in_edge and mine.turnover <= least + CENT
    ties = [p for p in fits if p.turnover <= least + CENT]
    fewest = min(p.orders for p in ties)
    assert mine.orders == fewest
    assert mine.deviation <= min(p.deviation for p in ties if p.orders == fewest) + CENT


@pytest.mark.parametrize("seed", SEEDS)
def test_simple_keeps_the_rules(seed: int) -> None:
    hh, plans = cases(seed, fee="1")
    plan = solve_household(hh, "simple")
    check_rules(hh, plan)
    find(plans, plan)


@pytest.mark.parametrize("seed", range(12))
def test_rules_hold_on_bigger_households(seed: int) -> None:
    r = random.Random(3000 + seed)
    base = random_household(seed)
    hh = with_rules(base, r)
    hh = Household(
        accounts=hh.accounts, prices=hh.prices, targets=hh.targets, location=hh.location,
        options=hh.options.model_copy(update={"min_trade": Decimal(r.choice([100, 500])),
                                              "time_limit": 2.0}),
    )  # fmt: skip
    for strategy in ("simple", "tracking-error", "trade-minimization", "band-edge"):
        plan = solve_household(hh, strategy)
        check_rules(hh, plan)
        if plan.kind is StatusKind.OPTIMAL:
            assert not plan.message


def single(**options: object) -> RebalanceInput:
    return RebalanceInput(
        holdings={"ESGV": 40, "BND": 100, "OLD": 3},
        prices={"ESGV": Decimal("119.97"), "BND": Decimal("73.90"), "OLD": Decimal("20")},
        targets={"ESGV": Decimal("0.41"), "BND": Decimal("0.59")},
        cash=Decimal("38"),
        options=Options(**options),  # type: ignore[arg-type]
    )


def test_a_trade_under_the_minimum_is_skipped_with_its_reason() -> None:
    inp = single(min_trade=Decimal(200))
    free = solve(single(), "simple")
    plan = solve(inp, "simple")
    small = [o for o in free.orders if o.symbol != "OLD" and o.amount < 200]
    assert small, "the case needs a small order to drop"
    for o in small:
        assert o.symbol not in {p.symbol for p in plan.orders}
        reason = next(k.reason for k in plan.skipped if k.symbol == o.symbol)
        assert reason == f"{o.symbol}: ${o.amount:,.2f} is under the $200.00 minimum"
    # The forced sale of OLD ($60) stays: it is exempt.
    assert any(o.symbol == "OLD" and o.shares == 3 for o in plan.orders)


def test_locked_holding_is_never_traded_and_says_so() -> None:
    inp = single(locked=frozenset({"OLD", "BND"}))
    for strategy in ("simple", "tracking-error", "trade-minimization", "band-edge"):
        plan = solve(inp, strategy)
        assert plan.final_shares["OLD"] == 3 and plan.final_shares["BND"] == 100
        assert not [o for o in plan.orders if o.symbol in ("OLD", "BND")]
        assert any(k.reason == "OLD: locked" for k in plan.skipped), plan.skipped


def test_lots_round_orders_and_say_so() -> None:
    inp = single(lots={"BND": 25, "ESGV": 10})
    for strategy in ("simple", "tracking-error", "trade-minimization", "band-edge"):
        plan = solve(inp, strategy)
        for o in plan.orders:
            if o.symbol == "BND":
                assert o.shares % 25 == 0
            if o.symbol == "ESGV":
                assert o.shares % 10 == 0


def test_band_edge_on_an_impossible_band_falls_back_flagged() -> None:
    # One share of XXX is 40 % of the portfolio: no count keeps it within 2 pp.
    inp = RebalanceInput(
        holdings={"XXX": 1, "YYY": 10},
        prices={"XXX": Decimal("100"), "YYY": Decimal("15")},
        targets={"XXX": Decimal("0.2"), "YYY": Decimal("0.8")},
    )
    plan = solve(inp, "band-edge")
    assert plan.kind is StatusKind.FALLBACK
    assert "band edge" in plan.message and "tracking-error plan" in plan.message
    assert plan.final_shares == solve(inp, "tracking-error").final_shares


def test_band_edge_destination_moves_further_back_to_target() -> None:
    inp = RebalanceInput(
        holdings={"AAA": 300, "BBB": 100},
        prices={"AAA": Decimal("10"), "BBB": Decimal("10")},
        targets={"AAA": Decimal("0.5"), "BBB": Decimal("0.5")},
        options=Options(band=Decimal("0.05")),
    )
    turnovers = []
    for dest in ("0", "0.5", "1"):
        opts = inp.options.model_copy(update={"destination": Decimal(dest)})
        plan = solve(inp.model_copy(update={"options": opts}), "band-edge")
        assert plan.kind is StatusKind.OPTIMAL, plan.status
        turnovers.append(plan.metrics.turnover)
    # AAA 75 % of $4,000 -> 55 % (the edge), 52.5 %, 50 %: 80, 90, 100 shares
    # sold and as many BBB bought.
    assert turnovers == [Decimal(1600), Decimal(1800), Decimal(2000)]


def test_a_pair_lock_binds_one_account_only() -> None:
    accounts = (
        Account(name="ira", cash=Decimal(0), holdings={"AAA": 50}),
        Account(name="tax", cash=Decimal(0), holdings={"AAA": 50}),
    )
    hh = Household(
        accounts=accounts,
        prices={"AAA": Decimal(10), "BBB": Decimal(10)},
        targets={"AAA": Decimal("0.5"), "BBB": Decimal("0.5")},
        options=Options(locked=frozenset({"ira:AAA"})),
    )
    plan = solve_household(hh, "tracking-error")
    assert plan.kind is StatusKind.OPTIMAL
    assert plan.final_shares["ira"]["AAA"] == 50
    assert plan.final_shares["tax"] == {"AAA": 0, "BBB": 50}
    assert plan.metrics.deviation == 0
    with pytest.raises(ValueError, match="no account"):
        Household(accounts=accounts, prices=hh.prices, targets=hh.targets,
                  options=Options(locked=frozenset({"roth:AAA"})))  # fmt: skip


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="lot"):
        Options(lots={"AAA": 0})
    with pytest.raises(ValueError, match="locked"):
        Options(locked=frozenset({"a:b:c"}))
    with pytest.raises(ValueError):
        Options(destination=Decimal("1.5"))


def test_max_cash_left_counts_only_what_the_rules_let_be_sold() -> None:
    # The reserve can be raised only by selling BND, which is locked.
    with pytest.raises(ValueError, match="no plan can be paid for"):
        RebalanceInput(
            holdings={"BND": 10},
            prices={"BND": Decimal(50)},
            targets={"BND": Decimal(1)},
            options=Options(reserve=Decimal(100), locked=frozenset({"BND"})),
        )


def test_deviation_uses_exact_fractions() -> None:
    # Guard on the helper itself: F never goes through a float.
    assert F(Decimal("0.1")) == Fraction(1, 10)


@pytest.mark.parametrize("seed", SEEDS)
def test_one_account_under_the_rules_is_the_brute_force_optimum(seed: int) -> None:
    r = random.Random(4000 + seed)
    two = tiny_household(seed, fee=r.choice(["0", "1"]))
    first = two.accounts[0].model_copy(update={"buyable": None})
    one = Household(accounts=(first,), prices=two.prices, targets=two.targets,
                    options=two.options)  # fmt: skip
    hh = with_rules(one, r, destination=r.choice(["0", "0.125", "1"]))
    plans = enumerate_household(hh)
    te = solve_household(hh, "tracking-error")
    check_rules(hh, te)
    assert te.kind is StatusKind.OPTIMAL, te.status
    assert find(plans, te).deviation <= min(p.deviation for p in plans) + CENT
    tm = solve_household(hh, "trade-minimization")
    check_rules(hh, tm)
    fits = [p for p in plans if p.in_band]
    if fits:
        assert tm.kind is StatusKind.OPTIMAL, tm.status
        assert find(plans, tm).orders == min(p.orders for p in fits)
    else:
        assert tm.kind is StatusKind.FALLBACK
    be = solve_household(hh, "band-edge")
    check_rules(hh, be)
    edge = [p for p in plans if p.in_edge]
    if edge:
        assert be.kind is StatusKind.OPTIMAL, be.status
        assert find(plans, be).turnover <= min(p.turnover for p in edge) + CENT
    else:
        assert be.kind is StatusKind.FALLBACK
