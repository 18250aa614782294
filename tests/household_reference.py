"""An independent brute force for tiny households (SPEC §7), for tests.

It reads only the raw fields of a `Household` (accounts, prices, targets,
options, location) and lists every feasible plan in exact `Fraction`
arithmetic: each account's feasible share vectors on its own (its budget,
its holdings, buy-only, its buy menu, forced sales outside the model), then
every combination of one vector per account. Nothing here calls the engine.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from exact import F

from rebalancer_tui.engine.household import Account, Household
from rebalancer_tui.engine.problem import Options

MAX_PLANS = 400_000


@dataclass(frozen=True)
class HPlan:
    shares: dict[str, dict[str, int]]
    deviation: Fraction
    turnover: Fraction
    orders: int
    in_band: bool
    location: Fraction
    # SPEC §9 band-edge: in every band, and each asset that starts outside its
    # band within w ± (1 - F)·b (the two whole counts around it if none inside).
    in_edge: bool = False


def symbols_of(hh: Household) -> list[str]:
    extra = sorted(
        {s for a in hh.accounts for s, n in a.holdings.items() if n and s not in hh.targets}
    )
    return [*hh.targets, *extra]


def locked_pairs(hh: Household, a: Account) -> set[str]:
    """The symbols locked in this account, read from the raw `locked` entries."""
    out = set()
    for entry in hh.options.locked:
        if ":" in entry:
            name, sym = entry.split(":")
            if name == a.name:
                out.add(sym)
        else:
            out.add(entry)
    return out


def rules_broken(hh: Household, a: Account, x: dict[str, int]) -> list[str]:
    """SPEC §9 from the raw fields: a locked pair never trades; a model asset
    trades in multiples of its lot and for at least the minimum (a forced
    sale of a holding outside the model is exempt)."""
    out = []
    locked = locked_pairs(hh, a)
    minimum = F(hh.options.min_trade)
    for s, n in x.items():
        d = n - a.holdings.get(s, 0)
        if not d:
            continue
        if s in locked:
            out.append(f"{a.name}: {s} locked but traded")
        if s not in hh.targets:
            continue
        if d % hh.options.lots.get(s, 1):
            out.append(f"{a.name}: {s} {d} not a multiple of its lot")
        if F(hh.prices[s]) * abs(d) < minimum:
            out.append(f"{a.name}: {s} order under the minimum")
    return out


def account_vectors(hh: Household, a: Account, syms: list[str]) -> list[dict[str, int]]:
    """Every feasible final-share vector of one account on its own."""
    price = {s: F(hh.prices[s]) for s in syms}
    held = {s: int(a.holdings.get(s, 0)) for s in syms}
    fee, rate = F(hh.options.fee), F(hh.options.cost_rate)
    money = F(a.cash) + sum((price[s] * held[s] for s in syms), Fraction(0))
    budget = money - F(a.reserve)
    ranges = []
    locked = locked_pairs(hh, a)
    for s in syms:
        h = held[s]
        if s in locked:
            ranges.append([h])
            continue
        if s not in hh.targets:
            ranges.append([h] if hh.options.buy_only else [0])
            continue
        lo = h if hh.options.buy_only else 0
        buy = a.buyable is None or s in a.buyable
        hi = int(budget / price[s]) + 1 if buy else h
        ranges.append(list(range(lo, max(lo, hi) + 1)))
    out = []
    for combo in itertools.product(*ranges):
        spend = Fraction(0)
        for s, x in zip(syms, combo, strict=True):
            d = abs(x - held[s])
            spend += price[s] * x + (fee + rate * price[s] * d if d else 0)
        x = dict(zip(syms, combo, strict=True))
        if spend <= budget and not rules_broken(hh, a, x):
            out.append(x)
    return out


def enumerate_household(hh: Household) -> list[HPlan]:
    syms = symbols_of(hh)
    price = {s: F(hh.prices[s]) for s in syms}
    value = sum(
        (F(a.cash) + sum((price[s] * n for s, n in a.holdings.items() if n), Fraction(0))
         for a in hh.accounts),
        Fraction(0),
    )  # fmt: skip
    investable = value - sum((F(a.reserve) for a in hh.accounts), Fraction(0))
    weight = {s: F(hh.targets.get(s, 0)) for s in syms}
    b, q = F(hh.options.band), hh.options.relative_band
    band = {s: b if q is None else min(b, F(q) * weight[s]) for s in hh.targets}
    # The band of a symbol locked in every account is not applied.
    everywhere = set.intersection(*(locked_pairs(hh, a) for a in hh.accounts))
    band = {s: v for s, v in band.items() if s not in everywhere}
    held_total = {s: sum(a.holdings.get(s, 0) for a in hh.accounts) for s in syms}
    dest = F(hh.options.destination)
    edge: dict[str, tuple[Fraction, Fraction]] = {}
    for s in band:
        now = price[s] * held_total[s] / investable if investable > 0 else Fraction(0)
        if abs(now - weight[s]) > band[s]:
            inner = (1 - dest) * band[s]
            lo_n = math.ceil(max(weight[s] - inner, Fraction(0)) * investable / price[s])
            hi_n = math.floor((weight[s] + inner) * investable / price[s])
            if lo_n > hi_n:
                lo_n, hi_n = hi_n, lo_n
            edge[s] = (Fraction(lo_n), Fraction(hi_n))
    per_account = [account_vectors(hh, a, syms) for a in hh.accounts]
    total = 1
    for v in per_account:
        total *= len(v)
    assert total <= MAX_PLANS, f"too many plans to enumerate ({total})"
    plans = []
    for combo in itertools.product(*per_account):
        agg = {s: sum(x[s] for x in combo) for s in syms}
        dev = sum((abs(price[s] * agg[s] - weight[s] * investable) for s in syms), Fraction(0))
        turnover = Fraction(0)
        orders = 0
        location = Fraction(0)
        for a, x in zip(hh.accounts, combo, strict=True):
            for s in syms:
                d = abs(x[s] - a.holdings.get(s, 0))
                turnover += price[s] * d
                orders += d > 0
                if a.kind in hh.location.get(s, frozenset()):
                    location += price[s] * x[s]
        in_band = investable > 0 and all(
            abs(price[s] * agg[s] / investable - weight[s]) <= band[s] for s in band
        )
        in_edge = in_band and all(lo <= agg[s] <= hi for s, (lo, hi) in edge.items())
        shares = {a.name: dict(x) for a, x in zip(hh.accounts, combo, strict=True)}
        plans.append(HPlan(shares, dev, turnover, orders, in_band, location, in_edge))
    return plans


def tiny_household(seed: int, *, fee: str = "0", buy_only: bool = False) -> Household:
    """2 accounts x 2-3 ETFs, tens to a couple of hundred dollars each."""
    r = random.Random(seed)
    n = r.choice([2, 3])
    syms = ["AAA", "BBB", "CCC"][:n]
    cuts = sorted(r.sample(range(5, 96, 5), n - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    targets = {s: Decimal(p) / 100 for s, p in zip(syms, parts, strict=True)}
    prices = {s: Decimal(r.randint(1500, 6000)) / 100 for s in syms}
    if r.random() < 0.3:
        prices["OUT"] = Decimal(r.randint(1000, 3000)) / 100
    accounts = []
    for k, kind in enumerate(["taxable", "tax-deferred"]):
        held = {s: r.randint(0, 3) for s in syms if r.random() < 0.7}
        if "OUT" in prices and r.random() < 0.5:
            held["OUT"] = r.randint(1, 2)
        cash = Decimal(r.randint(0, 12000)) / 100
        buyable = None if r.random() < 0.7 else frozenset(r.sample(syms, 1))
        reserve = Decimal(r.choice([0, 0, 0, 5]))
        if reserve > cash:
            reserve = Decimal(0)
        accounts.append(
            Account(
                name=f"a{k}", kind=kind, cash=cash, reserve=reserve, holdings=held, buyable=buyable
            )
        )
    location = {syms[-1]: frozenset({"tax-deferred"})} if r.random() < 0.5 else {}
    options = Options(
        fee=Decimal(fee), band=Decimal(r.choice(["0.02", "0.05", "0.1"])), buy_only=buy_only
    )
    return Household(
        accounts=tuple(accounts), prices=prices, targets=targets, options=options, location=location
    )


def best(plans: list[HPlan], key: str) -> Fraction:
    return min(getattr(p, key) for p in plans)


def feasibility_problems(hh: Household, shares: dict[str, dict[str, int]]) -> list[str]:
    """Every rule a household plan breaks, checked in exact fractions from the
    raw fields: each account pays for itself (cash never moves), sells no more
    than it holds, buys only from its menu, sells what is outside the model,
    and never sells in buy-only mode."""
    problems = []
    fee, rate = F(hh.options.fee), F(hh.options.cost_rate)
    for a in hh.accounts:
        x = shares[a.name]
        syms = set(x) | {s for s, n in a.holdings.items() if n}
        money = F(a.cash)
        for s in syms:
            h, n = a.holdings.get(s, 0), x.get(s, 0)
            p = F(hh.prices[s])
            money += p * (h - n)
            if n != h:
                money -= fee + rate * p * abs(n - h)
            if n < 0:
                problems.append(f"{a.name}: {s} negative")
            if n > h and a.buyable is not None and s not in a.buyable:
                problems.append(f"{a.name}: buys {s} off its menu")
            if n < h and hh.options.buy_only and s not in locked_pairs(hh, a):
                problems.append(f"{a.name}: sells {s} in buy-only mode")
            kept = hh.options.buy_only or s in locked_pairs(hh, a)
            if s not in hh.targets and n != (h if kept else 0):
                problems.append(f"{a.name}: {s} outside the model not sold")
            if s not in hh.targets and n > h:
                problems.append(f"{a.name}: buys {s} outside the model")
        if money < F(a.reserve):
            problems.append(f"{a.name}: overspends by {float(F(a.reserve) - money)}")
        problems.extend(rules_broken(hh, a, {s: x.get(s, 0) for s in syms}))
    return problems


def random_household(seed: int, accounts: int = 3, n: int = 6) -> Household:
    """Random households bigger than the brute force can list."""
    r = random.Random(seed)
    syms = [f"S{i}" for i in range(n)]
    raw = [r.randint(1, 20) for _ in syms]
    weights = [Decimal(x) / sum(raw) for x in raw]
    weights[-1] = 1 - sum(weights[:-1], Decimal(0))
    prices = {s: Decimal(r.randint(500, 40000)) / 100 for s in syms}
    prices["OLD"] = Decimal("17.25")
    accts = []
    for k in range(accounts):
        held = {s: r.randint(0, 30) for s in syms if r.random() < 0.6}
        if r.random() < 0.3:
            held["OLD"] = r.randint(1, 5)
        cash = Decimal(r.randint(0, 300000)) / 100
        buyable = None if r.random() < 0.6 else frozenset(r.sample(syms, r.randint(1, n)))
        reserve = Decimal(r.choice([0, 0, 25])) if cash > 50 else Decimal(0)
        accts.append(
            Account(
                name=f"acc{k}",
                kind=("taxable", "tax-deferred", "tax-free")[k % 3],
                cash=cash,
                reserve=reserve,
                holdings=held,
                buyable=buyable,
            )
        )
    options = Options(
        fee=Decimal(r.choice(["0", "1", "4.95"])),
        cost_rate=Decimal(r.choice(["0", "0.001"])),
        band=Decimal(r.choice(["0.02", "0.05"])),
        buy_only=r.random() < 0.25,
        time_limit=1.0,
    )
    return Household(
        accounts=tuple(accts), prices=prices, targets=dict(zip(syms, weights, strict=True)),
        options=options, location={syms[0]: frozenset({"tax-deferred"})},
    )  # fmt: skip
