"""Households (SPEC §7): brute force on tiny households, properties, and the
one-account household giving exactly the single-account answer."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from exact import CENT
from pydantic import ValidationError

from rebalancer_tui.engine import Options, RebalanceInput, solve
from rebalancer_tui.engine.household import Account, Household, total_shares
from rebalancer_tui.engine.household_plan import HouseholdPlan
from rebalancer_tui.engine.household_search import solve_household
from rebalancer_tui.engine.plan import StatusKind
from tests.household_reference import (
    HPlan,
    enumerate_household,
    feasibility_problems,
    random_household,
    tiny_household,
)

SEEDS = range(40)


def find(plans: list[HPlan], plan: HouseholdPlan) -> HPlan:
    """The reference's record of the engine's plan; failing means the engine's
    plan is not feasible by the reference's own rules."""
    for p in plans:
        if all(
            p.shares[a] == {s: plan.final_shares[a].get(s, 0) for s in p.shares[a]}
            and all(n == 0 or s in p.shares[a] for s, n in plan.final_shares[a].items())
            for a in p.shares
        ):
            return p
    raise AssertionError(f"plan {plan.final_shares} is not feasible for the reference")


def check_sells_first(plan: HouseholdPlan) -> None:
    seen: list[str] = []
    for o in plan.orders:
        if not seen or seen[-1] != o.account:
            assert o.account not in seen, "orders of one account are not together"
            seen.append(o.account)
    for a in seen:
        actions = [o.action for o in plan.orders if o.account == a]
        assert actions == sorted(actions, key=lambda x: x != "SELL")


def against_brute_force(
    seed: int, fee: str, strategy: str
) -> tuple[list[HPlan], HouseholdPlan, HPlan]:
    """Every plan of a tiny household, the solver's plan, and the enumerated one it is."""
    hh = tiny_household(seed, fee=fee)
    plans = enumerate_household(hh)
    plan = solve_household(hh, strategy)
    return plans, plan, find(plans, plan)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fee", ["0", "1"])
def test_tracking_error_brute_force(seed: int, fee: str) -> None:
    plans, plan, mine = against_brute_force(seed, fee, "tracking-error")
    least = min(p.deviation for p in plans)
    assert Fraction(str(plan.metrics.deviation)) == mine.deviation
    if plan.kind is StatusKind.OPTIMAL:
        assert mine.deviation <= least + CENT
    else:
        assert plan.kind is StatusKind.BOUNDED, plan.status
        assert plan.lower_bound is not None
        assert Fraction(str(plan.lower_bound)) <= least <= mine.deviation
    check_sells_first(plan)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fee", ["0", "1"])
def test_trade_minimization_brute_force(seed: int, fee: str) -> None:
    plans, plan, mine = against_brute_force(seed, fee, "trade-minimization")
    banded = [p for p in plans if p.in_band]
    if not banded:
        assert plan.kind is StatusKind.FALLBACK, plan.status
        return
    fewest = min(p.orders for p in banded)
    if plan.kind is StatusKind.OPTIMAL:
        assert mine.in_band
        assert mine.orders == fewest
        closest = min(p.deviation for p in banded if p.orders == fewest)
        assert mine.deviation <= closest + CENT
    else:
        # Not proven: still a feasible plan, and never claimed optimal.
        assert plan.kind in (StatusKind.BOUNDED, StatusKind.FALLBACK), plan.status


@pytest.mark.parametrize("seed", SEEDS)
def test_buy_only_never_sells(seed: int) -> None:
    hh = tiny_household(seed, buy_only=True)
    plans = enumerate_household(hh)
    for strategy in ("simple", "tracking-error", "trade-minimization"):
        plan = solve_household(hh, strategy)
        find(plans, plan)
        assert all(o.action == "BUY" for o in plan.orders), strategy


@pytest.mark.parametrize("seed", SEEDS)
def test_simple_is_each_account_on_its_own(seed: int) -> None:
    hh = tiny_household(seed, fee="1")
    plan = solve_household(hh, "simple")
    find(enumerate_household(hh), plan)
    for a in hh.accounts:
        alone = solve(hh.account_input(a.name), "simple").final_shares
        for s, n in plan.final_shares[a.name].items():
            want = alone.get(s, 0)
            # Off the buy menu a buy is dropped: the holding stays.
            assert n == (want if a.may_buy(s) else min(want, a.holdings.get(s, 0)))


def random_input(r: random.Random) -> RebalanceInput:
    n = r.randint(2, 8)
    syms = [f"S{i}" for i in range(n)]
    raw = [r.randint(1, 20) for _ in syms]
    weights = [Decimal(x) / sum(raw) for x in raw]
    weights[-1] = 1 - sum(weights[:-1], Decimal(0))
    prices = {s: Decimal(r.randint(100, 50000)) / 100 for s in syms}
    holdings = {s: r.randint(0, 60) for s in syms if r.random() < 0.8}
    if r.random() < 0.3:
        prices["OLD"] = Decimal("12.5")
        holdings["OLD"] = r.randint(1, 9)
    cash = Decimal(r.randint(0, 500000)) / 100
    options = Options(
        fee=Decimal(r.choice(["0", "0", "1", "4.95"])),
        cost_rate=Decimal(r.choice(["0", "0", "0.001"])),
        band=Decimal(r.choice(["0.02", "0.05"])),
        relative_band=r.choice([None, Decimal("0.25")]),
        buy_only=r.random() < 0.2,
        reserve=Decimal(r.choice([0, 0, 50])) if cash > 100 else Decimal(0),
    )
    return RebalanceInput(
        holdings=holdings, prices=prices, targets=dict(zip(syms, weights, strict=True)),
        cash=cash, options=options,
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(30))
def test_one_account_household_is_the_single_account_plan(seed: int) -> None:
    inp = random_input(random.Random(seed))
    hh = Household.single(inp)
    assert hh.merged == inp
    for strategy in ("simple", "tracking-error", "trade-minimization"):
        old = solve(inp, strategy)
        new = solve_household(hh, strategy)
        assert new.final_shares["main"] == old.final_shares
        assert (new.kind, new.message) == (old.kind, old.message)
        assert new.solved_by == old.solved_by, "the same exact methods settle it"
        assert new.holdings_after == old.holdings_after
        assert new.metrics.model_copy(update={"solve_ms": 0}) == old.metrics.model_copy(
            update={"solve_ms": 0}
        )
        got = new.to_json()
        want = old.to_json()
        for o in got["orders"]:
            assert o.pop("account") == "main"
        got.pop("accounts_after")
        got["metrics"].pop("location_score")
        got["metrics"]["solve_ms"] = want["metrics"]["solve_ms"]
        assert got == want


def test_cash_never_moves_between_accounts() -> None:
    # All the cash is in the IRA; the taxable account holds only an ETF that
    # is over its target. The taxable account cannot buy anything with the
    # IRA's cash: each account stays within its own money.
    hh = Household(
        accounts=(
            Account(name="taxable", holdings={"AAA": 10}),
            Account(name="ira", kind="tax-deferred", cash=Decimal(1000)),
        ),
        prices={"AAA": Decimal(100), "BBB": Decimal(100)},
        targets={"AAA": Decimal("0.5"), "BBB": Decimal("0.5")},
    )
    for strategy in ("simple", "tracking-error", "trade-minimization"):
        plan = solve_household(hh, strategy)
        for after in plan.accounts_after:
            assert after.cash_left >= 0
        assert hh.infeasibility(plan.final_shares) is None
    plan = solve_household(hh, "tracking-error")
    assert plan.optimal
    assert plan.metrics.deviation == 0
    # The closest plan with the fewest dollars traded: the IRA buys BBB.
    assert [(o.account, o.action, o.symbol, o.shares) for o in plan.orders] == [
        ("ira", "BUY", "BBB", 10)
    ]


def test_location_breaks_ties() -> None:
    # Two accounts with the same cash and nothing held: which buys the bonds
    # is a tie on deviation and turnover; location puts them in the IRA.
    hh = Household(
        accounts=(
            Account(name="taxable", cash=Decimal(500)),
            Account(name="ira", kind="tax-deferred", cash=Decimal(500)),
        ),
        prices={"STK": Decimal(100), "BND": Decimal(100)},
        targets={"STK": Decimal("0.5"), "BND": Decimal("0.5")},
        location={"BND": frozenset({"tax-deferred"})},
    )
    plan = solve_household(hh, "tracking-error")
    assert plan.optimal
    assert plan.final_shares["ira"]["BND"] == 5
    assert plan.final_shares["taxable"]["STK"] == 5
    assert plan.location_score == Decimal(500)


def test_buy_menu_respected() -> None:
    hh = Household(
        accounts=(
            Account(name="k401", cash=Decimal(1000), buyable=frozenset({"AAA"})),
            Account(name="ira", cash=Decimal(0), holdings={"AAA": 5}),
        ),
        prices={"AAA": Decimal(100), "BBB": Decimal(100)},
        targets={"AAA": Decimal("0.5"), "BBB": Decimal("0.5")},
    )
    plan = solve_household(hh, "tracking-error")
    assert plan.final_shares["k401"]["BBB"] == 0
    # Only the IRA can hold BBB: it swaps its $500 of AAA into BBB; the 401k
    # buys 7 AAA (its 8th would overshoot more than the $300 left in cash
    # undershoots). Household: AAA $700, BBB $500 against $750 each.
    assert plan.final_shares["ira"] == {"AAA": 0, "BBB": 5}
    assert plan.final_shares["k401"]["AAA"] == 7
    assert plan.metrics.deviation == 300
    assert plan.optimal


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"accounts": ()}, "at least one account"),
        ({"accounts": (Account(name="a"), Account(name="a"))}, "appears twice"),
        ({"options": Options(reserve=Decimal(1))}, "reserves on its accounts"),
    ],
)
def test_bad_households(kwargs: dict[str, object], words: str) -> None:
    base: dict[str, object] = {
        "accounts": (Account(name="a", cash=Decimal(10)),),
        "prices": {"AAA": Decimal(1)},
        "targets": {"AAA": Decimal(1)},
    }
    with pytest.raises(ValidationError, match=words):
        Household(**{**base, **kwargs})


def test_with_options_changes_only_the_options_and_checks_them() -> None:
    hh = Household(
        accounts=(Account(name="a", cash=Decimal(10)),),
        prices={"AAA": Decimal(1)},
        targets={"AAA": Decimal(1)},
        location={"AAA": frozenset({"taxable"})},
    )
    changed = hh.with_options(min_trade=Decimal(5), locked=frozenset({"a:AAA"}))
    assert changed.options.min_trade == 5
    assert changed.options.locked == frozenset({"a:AAA"})
    assert hh.options.min_trade == 0  # the original is untouched
    assert (changed.accounts, changed.prices, changed.targets, changed.location) == (
        hh.accounts,
        hh.prices,
        hh.targets,
        hh.location,
    )
    with pytest.raises(ValidationError, match="no account b"):
        hh.with_options(locked=frozenset({"b:AAA"}))


def test_total_shares_sums_per_symbol_in_first_seen_order() -> None:
    got = total_shares([{"BBB": 2, "AAA": 1}, {"CCC": 4, "AAA": 3}], symbols=["DDD", "AAA"])
    assert got == {"DDD": 0, "AAA": 4, "BBB": 2, "CCC": 4}
    assert list(got) == ["DDD", "AAA", "BBB", "CCC"]
    assert total_shares([]) == {}


def test_bad_account_fields() -> None:
    with pytest.raises(ValidationError, match="account name"):
        Account(name="a b")
    with pytest.raises(ValidationError):
        Account(name="a", cash=Decimal(-1))
    with pytest.raises(ValidationError, match=r"account x: .*reserve"):
        Household(
            accounts=(Account(name="x", cash=Decimal(1), reserve=Decimal(5)),),
            prices={"AAA": Decimal(1)},
            targets={"AAA": Decimal(1)},
        )


@pytest.mark.parametrize("seed", range(12))
def test_random_households_keep_every_rule(seed: int) -> None:
    hh = random_household(seed)
    simple_plan = solve_household(hh, "simple")
    for strategy in ("simple", "tracking-error", "trade-minimization"):
        plan = solve_household(hh, strategy)
        assert feasibility_problems(hh, plan.final_shares) == [], strategy
        if plan.kind is StatusKind.BOUNDED and plan.lower_bound is not None:
            assert plan.lower_bound <= plan.metrics.deviation
        if strategy == "tracking-error" and plan.kind is not StatusKind.FALLBACK:
            # The per-account baseline is a household plan too: never closer.
            assert plan.metrics.deviation <= simple_plan.metrics.deviation + Decimal("0.01")
        for o in plan.orders:
            assert o.amount == o.price * o.shares


@pytest.mark.parametrize("seed", range(20))
def test_claims_hold_when_time_runs_out(seed: int) -> None:
    # A time limit far too short for any MILP: whatever the plan says it has
    # proven must still be true against the brute force.
    hh = tiny_household(seed, fee="1")
    hh = hh.model_copy(update={"options": hh.options.model_copy(update={"time_limit": 0.001})})
    plans = enumerate_household(hh)
    least = min(p.deviation for p in plans)
    plan = solve_household(hh, "tracking-error")
    mine = find(plans, plan)
    if plan.kind is StatusKind.OPTIMAL:
        assert mine.deviation <= least + CENT
    elif plan.kind is StatusKind.BOUNDED:
        assert plan.lower_bound is not None
        assert Fraction(str(plan.lower_bound)) <= least <= mine.deviation
