"""An independent exact reference for tax-aware plans (SPEC §8) on tiny households.

It shares no code with the engine: every whole-share plan that keeps each
account's cash non-negative (no fees, no reserve, model symbols only) and
every choice of lots for its sales are enumerated, the rules applied
(`max_gains`, `no_short_term_gains`, the wash-sale guard) and `deviation +
λ·tax` computed in exact decimals. Only for tiny cases: it is exponential.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class RefLot:
    shares: int
    cost: Decimal
    date: dt.date


@dataclass(frozen=True)
class RefAccount:
    name: str
    taxable: bool
    cash: Decimal
    holdings: dict[str, int]
    lots: dict[str, tuple[RefLot, ...]]  # taxable only; every holding has its lots


@dataclass(frozen=True)
class RefRules:
    st_rate: Decimal
    lt_rate: Decimal
    long_term_days: int
    as_of: dt.date
    tax_weight: Decimal
    max_gains: Decimal | None
    no_short_term_gains: bool
    wash_sale_days: int


@dataclass(frozen=True)
class RefChoice:
    """A sale's lot choice: shares per lot (in lot order), its gain and tax,
    whether it sells any lot at a loss."""

    counts: tuple[int, ...]
    gain: Decimal
    tax: Decimal
    loss: bool


def lot_rate(lot: RefLot, rules: RefRules) -> Decimal:
    long = (rules.as_of - lot.date).days >= rules.long_term_days
    return rules.lt_rate if long else rules.st_rate


def in_wash_window(symbol: str, accounts: list[RefAccount], rules: RefRules) -> bool:
    if not rules.wash_sale_days:
        return False
    return any(
        (rules.as_of - lot.date).days < rules.wash_sale_days
        for a in accounts
        for lot in a.lots.get(symbol, ())
    )


def blocked(
    lot: RefLot, symbol: str, price: Decimal, accounts: list[RefAccount], rules: RefRules
) -> bool:
    gain = price - lot.cost
    long = (rules.as_of - lot.date).days >= rules.long_term_days
    if gain > 0 and rules.no_short_term_gains and not long:
        return True
    return gain < 0 and in_wash_window(symbol, accounts, rules)


def lot_choices(
    lots: tuple[RefLot, ...],
    n: int,
    symbol: str,
    price: Decimal,
    accounts: list[RefAccount],
    rules: RefRules,
) -> list[RefChoice]:
    """Every way to sell n shares from these lots that the rules allow."""
    out = []
    ranges = [
        range(0, 1 if blocked(lot, symbol, price, accounts, rules) else lot.shares + 1)
        for lot in lots
    ]
    for counts in itertools.product(*ranges):
        if sum(counts) != n:
            continue
        gain = sum((k * (price - lot.cost) for k, lot in zip(counts, lots, strict=True)),
                   Decimal(0))  # fmt: skip
        tax = sum(
            (k * (price - lot.cost) * lot_rate(lot, rules) for k, lot in zip(counts, lots,
                                                                             strict=True)),
            Decimal(0),
        )  # fmt: skip
        loss = any(k and lot.cost > price for k, lot in zip(counts, lots, strict=True))
        out.append(RefChoice(tuple(counts), gain, tax, loss))
    return out


@dataclass(frozen=True)
class RefBest:
    objective: Decimal
    shares: dict[str, dict[str, int]]


def plans(
    accounts: list[RefAccount], prices: dict[str, Decimal], symbols: list[str]
) -> Iterator[dict[str, dict[str, int]]]:
    """Every whole-share plan that keeps each account's cash >= 0."""
    per_account = []
    for a in accounts:
        value = a.cash + sum((prices[s] * n for s, n in a.holdings.items()), Decimal(0))
        ranges = [range(0, int(value // prices[s]) + 1) for s in symbols]
        options = []
        for xs in itertools.product(*ranges):
            if sum((prices[s] * x for s, x in zip(symbols, xs, strict=True)), Decimal(0)) <= value:
                options.append(dict(zip(symbols, xs, strict=True)))
        per_account.append(options)
    for combo in itertools.product(*per_account):
        yield {a.name: x for a, x in zip(accounts, combo, strict=True)}


def plan_count(accounts: list[RefAccount], prices: dict[str, Decimal], symbols: list[str]) -> int:
    total = 1
    for a in accounts:
        value = a.cash + sum((prices[s] * n for s, n in a.holdings.items()), Decimal(0))
        for s in symbols:
            total *= int(value // prices[s]) + 1
    return total


def deviation(
    shares: dict[str, dict[str, int]],
    accounts: list[RefAccount],
    prices: dict[str, Decimal],
    targets: dict[str, Decimal],
) -> Decimal:
    value = sum(
        (a.cash + sum((prices[s] * n for s, n in a.holdings.items()), Decimal(0))
         for a in accounts),
        Decimal(0),
    )  # fmt: skip
    return sum(
        (abs(prices[s] * sum(x[s] for x in shares.values()) - w * value)
         for s, w in targets.items()),
        Decimal(0),
    )  # fmt: skip


def best_taxed(
    accounts: list[RefAccount],
    prices: dict[str, Decimal],
    targets: dict[str, Decimal],
    rules: RefRules,
) -> RefBest | None:
    """The least deviation + λ·tax over every plan and lot choice (None: no
    plan satisfies the rules)."""
    symbols = list(targets)
    best: RefBest | None = None
    cache: dict[tuple[str, str, int], list[RefChoice]] = {}
    for shares in plans(accounts, prices, symbols):
        dev = deviation(shares, accounts, prices, targets)
        sales: list[list[RefChoice]] = []
        bought = {s for a in accounts for s in symbols if shares[a.name][s] > a.holdings.get(s, 0)}
        ok = True
        for a in accounts:
            for s in symbols:
                n = a.holdings.get(s, 0) - shares[a.name][s]
                if n <= 0 or not a.taxable:
                    continue
                key = (a.name, s, n)
                if key not in cache:
                    cache[key] = lot_choices(a.lots[s], n, s, prices[s], accounts, rules)
                choices = cache[key]
                if not choices:
                    ok = False
                    break
                sales.append(choices)
            if not ok:
                break
        if not ok:
            continue
        for combo in itertools.product(*sales):
            gains = sum((c.gain for c in combo), Decimal(0))
            if rules.max_gains is not None and gains > rules.max_gains:
                continue
            if rules.wash_sale_days and any(
                c.loss and s in bought
                for c, s in zip(combo, _sale_symbols(accounts, shares, symbols), strict=True)
            ):
                continue
            tax = sum((c.tax for c in combo), Decimal(0))
            obj = dev + rules.tax_weight * tax
            if best is None or obj < best.objective:
                best = RefBest(obj, shares)
    return best


def _sale_symbols(
    accounts: list[RefAccount], shares: dict[str, dict[str, int]], symbols: list[str]
) -> list[str]:
    return [
        s
        for a in accounts
        for s in symbols
        if a.taxable and a.holdings.get(s, 0) - shares[a.name][s] > 0
    ]


def least_tax(choices: list[RefChoice]) -> Decimal | None:
    """The least tax among a sale's lot choices (None: no choice is allowed)."""
    return min((c.tax for c in choices), default=None)


def least_tax_for(
    shares: dict[str, dict[str, int]],
    accounts: list[RefAccount],
    prices: dict[str, Decimal],
    rules: RefRules,
) -> Decimal | None:
    """The least tax of these final shares' sales over every lot choice the
    rules allow (None: no choice does)."""
    symbols = sorted({s for x in shares.values() for s in x})
    bought = {
        s for a in accounts for s in symbols if shares[a.name].get(s, 0) > a.holdings.get(s, 0)
    }
    sales: list[tuple[str, list[RefChoice]]] = []
    for a in accounts:
        for s in symbols:
            n = a.holdings.get(s, 0) - shares[a.name].get(s, 0)
            if n > 0 and a.taxable:
                sales.append((s, lot_choices(a.lots[s], n, s, prices[s], accounts, rules)))
    best: Decimal | None = None
    for combo in itertools.product(*(c for _, c in sales)):
        if rules.max_gains is not None and sum((c.gain for c in combo), Decimal(0)) > (
            rules.max_gains
        ):
            continue
        if rules.wash_sale_days and any(
            c.loss and s in bought for c, (s, _) in zip(combo, sales, strict=True)
        ):
            continue
        tax = sum((c.tax for c in combo), Decimal(0))
        best = tax if best is None or tax < best else best
    return best
