"""Tax lots and tax-aware selling (SPEC §8): the lots, their terms and gains,
which lots may be sold, and the least-tax choice of lots for a sale.

Everything here is exact (decimals) and knows nothing of the solver: the
household MILP models the same rules as columns (`household_milp`), and every
plan it returns is checked and reported through these functions.

A lot is `long` when `as_of - date >= long_term_days`. Selling `k` shares of a
lot at price `p` realises `k·(p - cost)`; its tax is that times the rate of its
term (a loss is tax saved). Only `taxable` accounts have lots; a holding with
no lots is sold without tax (its basis is not known).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rebalancer_tui.engine.evaluate import money

if TYPE_CHECKING:
    from rebalancer_tui.engine.household import Household, HouseholdShares
    from rebalancer_tui.engine.problem import Options

ZERO = Decimal(0)
TaxTerm = Literal["short", "long"]


class TaxLot(BaseModel):
    """Shares of one symbol bought on one day at one unit cost."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    shares: int = Field(ge=1)
    cost: Decimal = Field(ge=0, description="unit cost")
    date: dt.date


class LotSale(BaseModel):
    """Shares sold from one lot: what to name at the broker, and what it realises."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    shares: int
    cost: Decimal
    gain: Decimal
    term: TaxTerm

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "shares": self.shares,
            "cost": float(self.cost),
            "gain": money(self.gain),
            "term": self.term,
        }


class TaxFigures(BaseModel):
    """Realised gains by term (losses negative) and the tax on them."""

    model_config = ConfigDict(frozen=True)

    gains_short: Decimal = ZERO
    gains_long: Decimal = ZERO
    tax: Decimal = ZERO

    @property
    def gains(self) -> Decimal:
        return self.gains_short + self.gains_long


# {(account, symbol): lots sold} for one plan, only the pairs that sell from lots.
PlanLots = dict[tuple[str, str], list[LotSale]]


def as_of(options: Options) -> dt.date:
    """The day the terms and the wash-sale window are counted from."""
    return options.as_of if options.as_of is not None else dt.date.today()


def term(lot: TaxLot, options: Options) -> TaxTerm:
    held_days = (as_of(options) - lot.date).days
    return "long" if held_days >= options.long_term_days else "short"


def rate(lot: TaxLot, options: Options) -> Decimal:
    return options.lt_rate if term(lot, options) == "long" else options.st_rate


def gain_per_share(lot: TaxLot, price: Decimal) -> Decimal:
    return price - lot.cost


def tax_per_share(lot: TaxLot, price: Decimal, options: Options) -> Decimal:
    return rate(lot, options) * gain_per_share(lot, price)


def tax_rules_on(options: Options) -> bool:
    """Whether any tax option changes what a plan may be or prefers."""
    return bool(
        options.st_rate
        or options.lt_rate
        or options.max_gains is not None
        or options.no_short_term_gains
        or options.wash_sale_days
    )


def taxed(hh: Household) -> bool:
    """Whether the household's plans depend on its lots: some taxable account
    has lots and some tax option is on. Without both, every strategy plans
    exactly as before (lots are then only reported)."""
    return tax_rules_on(hh.options) and any(a.lots for a in hh.accounts if a.kind == "taxable")


def wash_window(hh: Household) -> frozenset[str]:
    """Symbols with a lot acquired within the last `wash_sale_days` days in any
    account: none of their lots may be sold at a loss (SPEC §8). Scanned once
    per household (`lot_block` asks it for every lot)."""
    return hh.wash_symbols


def scan_wash_window(hh: Household) -> frozenset[str]:
    """`wash_window` from a scan of every lot (use `wash_window`)."""
    days = hh.options.wash_sale_days
    if not days:
        return frozenset()
    today = as_of(hh.options)
    return frozenset(
        lot.symbol for a in hh.accounts for lot in a.lots if (today - lot.date).days < days
    )


def lot_block(hh: Household, lot: TaxLot) -> str | None:
    """Why this lot may not be sold under the tax rules, or None."""
    gain = gain_per_share(lot, hh.prices[lot.symbol])
    if gain > 0 and hh.options.no_short_term_gains and term(lot, hh.options) == "short":
        return "short-term gain"
    if gain < 0 and lot.symbol in wash_window(hh):
        return f"loss inside the {hh.options.wash_sale_days}-day wash-sale window"
    return None


def lots_of(hh: Household, account: str, symbol: str) -> tuple[TaxLot, ...]:
    """The lots of a holding; empty when it has none (or the account is not taxable)."""
    return hh.pair_lots.get((account, symbol), ())


def sellable(hh: Household, account: str, symbol: str) -> int | None:
    """The most shares of a holding the tax rules let a plan sell (None: no
    lots, so no tax rule binds it)."""
    lots = lots_of(hh, account, symbol)
    if not lots:
        return None
    return sum(lot.shares for lot in lots if lot_block(hh, lot) is None)


def lot_order(hh: Household, lot: TaxLot) -> tuple[Decimal, Decimal, dt.date]:
    """The sort key of the least-tax lot choice (`choose_lots`)."""
    # Least tax first; among equal tax (say, both rates 0) the least gain,
    # then the oldest lot (what a broker's FIFO would also pick).
    p = hh.prices[lot.symbol]
    return tax_per_share(lot, p, hh.options), gain_per_share(lot, p), lot.date


def sale(hh: Household, lot: TaxLot, shares: int) -> LotSale:
    p = hh.prices[lot.symbol]
    return LotSale(
        date=lot.date,
        shares=shares,
        cost=lot.cost,
        gain=shares * gain_per_share(lot, p),
        term=term(lot, hh.options),
    )


def choose_lots(hh: Household, account: str, symbol: str, shares: int) -> list[LotSale]:
    """The lots of one sale that realise the least tax (exact; greedy is
    optimal: every share weighs the same, so the cheapest shares go first).
    Blocked lots are never used. Raises ValueError when the sale needs more
    shares than the allowed lots hold."""
    allowed = [lot for lot in lots_of(hh, account, symbol) if lot_block(hh, lot) is None]
    out, left = _take(hh, sorted(allowed, key=lambda lot: lot_order(hh, lot)), shares)
    if left > 0:
        raise ValueError(
            f"account {account}: selling {shares} {symbol} needs {left} more shares than "
            "its lots allow under the tax rules"
        )
    return out


def fifo_lots(hh: Household, account: str, symbol: str, shares: int) -> list[LotSale]:
    """The lots a broker sells by default (oldest first), for comparison."""
    return _take(hh, sorted(lots_of(hh, account, symbol), key=lambda lot: lot.date), shares)[0]


def _take(hh: Household, lots: Iterable[TaxLot], shares: int) -> tuple[list[LotSale], int]:
    """`shares` sold from `lots` in their order, each lot whole before the
    next; and the shares they could not cover."""
    out: list[LotSale] = []
    left = shares
    for lot in lots:
        if left <= 0:
            break
        k = min(left, lot.shares)
        out.append(sale(hh, lot, k))
        left -= k
    return out, left


def fifo_plan_lots(hh: Household, shares: HouseholdShares) -> PlanLots:
    """The lots a broker would sell by default (oldest first) for every sale
    of a plan: what the engine's lot choice is compared with."""
    return {key: fifo_lots(hh, *key, n) for key, n in sold(hh, shares).items()}


def fifo_figures(hh: Household, shares: HouseholdShares) -> TaxFigures:
    """Gains and tax of a plan's sales with FIFO lots (the plan's own
    `Metrics.tax` less this is what the lot choice saves; FIFO may sell lots
    the tax rules block)."""
    return plan_figures(fifo_plan_lots(hh, shares), hh.options)


def sold(hh: Household, shares: HouseholdShares) -> dict[tuple[str, str], int]:
    """Shares sold per (account, symbol) that has lots."""
    out: dict[tuple[str, str], int] = {}
    for a in hh.accounts:
        if a.kind != "taxable" or not a.lots:
            continue
        x = shares.get(a.name, {})
        for sym in {lot.symbol for lot in a.lots}:
            n = a.holdings.get(sym, 0) - x.get(sym, a.holdings.get(sym, 0))
            if n > 0:
                out[(a.name, sym)] = n
    return out


def greedy_plan_lots(hh: Household, shares: HouseholdShares) -> PlanLots:
    """Least-tax lots for every sale of a plan, pair by pair (the least total
    tax when no gains cap couples the pairs)."""
    return {key: choose_lots(hh, *key, n) for key, n in sold(hh, shares).items()}


def figures(sales: Iterable[LotSale], options: Options) -> TaxFigures:
    short = long = ZERO
    for s in sales:
        if s.term == "short":
            short += s.gain
        else:
            long += s.gain
    return TaxFigures(
        gains_short=short, gains_long=long, tax=options.st_rate * short + options.lt_rate * long
    )


def plan_figures(lots: PlanLots, options: Options) -> TaxFigures:
    return figures((s for sales in lots.values() for s in sales), options)


def sold_at_loss(lots: PlanLots) -> frozenset[str]:
    return frozenset(sym for (_, sym), sales in lots.items() if any(s.gain < 0 for s in sales))


def tax_violation(hh: Household, shares: HouseholdShares, lots: PlanLots) -> str | None:
    """Why a plan with these lot sales breaks a tax rule (exact), or None:
    lots oversold or not matching the shares sold, a blocked lot sold, the
    gains cap passed, or (wash-sale rule on) a symbol bought in any account
    that the plan sells at a loss."""
    if set(lots) != set(sold(hh, shares)):
        return "the lots sold do not match the holdings sold"
    for (name, sym), n in sold(hh, shares).items():
        sales = lots[(name, sym)]
        if sum(s.shares for s in sales) != n:
            return f"account {name}: {sym} lots sold do not add up to the {n} shares sold"
        # Lots are matched to sales by (date, cost): counted once per pair, so
        # the check stays linear in lots and sales.
        used_by: dict[tuple[dt.date, Decimal], int] = {}
        for x in sales:
            used_by[(x.date, x.cost)] = used_by.get((x.date, x.cost), 0) + x.shares
        held = lots_of(hh, name, sym)
        alike: dict[tuple[dt.date, Decimal], int] = {}
        for lot in held:
            alike[(lot.date, lot.cost)] = alike.get((lot.date, lot.cost), 0) + 1
        for lot in held:
            used = used_by.get((lot.date, lot.cost), 0)
            if used > lot.shares and alike[(lot.date, lot.cost)] == 1:
                return f"account {name}: the {sym} lot of {lot.date} is oversold"
            if used and lot_block(hh, lot) is not None:
                return f"account {name}: sells the {sym} lot of {lot.date} ({lot_block(hh, lot)})"
    gains = plan_figures(lots, hh.options).gains
    cap = hh.options.max_gains
    if cap is not None and gains > cap:
        return f"realises ${gains:,.2f} of gains, over the ${cap:,.2f} cap"
    if hh.options.wash_sale_days:
        for sym in sold_at_loss(lots):
            for a in hh.accounts:
                if shares.get(a.name, {}).get(sym, 0) > a.holdings.get(sym, 0):
                    return f"sells {sym} at a loss and buys it in account {a.name}"
    return None


def check_lots(name: str, holdings: Mapping[str, int], lots: Iterable[TaxLot]) -> str | None:
    """Why an account's lots do not fit its holdings (one line), or None: the
    lots of each symbol must add up to its shares."""
    by_symbol: dict[str, int] = {}
    for lot in lots:
        by_symbol[lot.symbol] = by_symbol.get(lot.symbol, 0) + lot.shares
    for sym, n in by_symbol.items():
        held = holdings.get(sym, 0)
        if n != held:
            return (
                f"account {name}: the lots of {sym} add up to {n:,} shares, "
                f"but the account holds {held:,}"
            )
    return None


def late_lot(accounts: Iterable[tuple[str, Iterable[TaxLot]]], latest: dt.date) -> str | None:
    """The first lot bought after `latest` (a typo, or the wrong as_of) as
    "account A: the VTI lot of 2031-01-02 is dated after", or None."""
    for name, lots in accounts:
        for lot in lots:
            if lot.date > latest:
                return f"account {name}: the {lot.symbol} lot of {lot.date} is dated after"
    return None


__all__ = [
    "LotSale",
    "PlanLots",
    "TaxFigures",
    "TaxLot",
    "TaxTerm",
    "as_of",
    "check_lots",
    "choose_lots",
    "fifo_figures",
    "fifo_lots",
    "fifo_plan_lots",
    "figures",
    "gain_per_share",
    "greedy_plan_lots",
    "late_lot",
    "lot_block",
    "lot_order",
    "lots_of",
    "plan_figures",
    "rate",
    "sale",
    "scan_wash_window",
    "sellable",
    "sold",
    "sold_at_loss",
    "tax_per_share",
    "tax_rules_on",
    "tax_violation",
    "taxed",
    "term",
    "wash_window",
]
