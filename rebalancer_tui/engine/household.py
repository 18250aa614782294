"""The household problem (SPEC §7): several accounts, one model, cash silos.

A `Household` holds accounts (each its own cash, reserve, holdings and buy
menu), one set of prices and targets, and the options. A single-account
portfolio is the household with one account `main`: `Household.single(inp)`
turns a `RebalanceInput` into it and `merged()` turns it back unchanged, so
the one-account case runs the very same search as before.

`merged()` is also the household's relaxation: pooling every account's cash,
holdings and reserve (and letting each symbol be bought anywhere) allows
every household plan, with the same deviation and no more orders, costs or
turnover. Its proven optimum is therefore a lower bound for the household.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rebalancer_tui.engine.evaluate import (
    cash_left,
    infeasibility,
    order_count,
    total_cost,
    turnover,
)
from rebalancer_tui.engine.problem import ZERO, Options, RebalanceInput
from rebalancer_tui.engine.tax import TaxLot, as_of, check_lots, late_lot, scan_wash_window
from rebalancer_tui.rules import ACCOUNT_KINDS, ACCOUNT_NAME, SHARES, AccountKind

DEFAULT_ACCOUNT = "main"

# {account name: {symbol: final shares}}
HouseholdShares = dict[str, dict[str, int]]


def total_shares(
    per_account: Iterable[Mapping[str, int]], symbols: Iterable[str] = ()
) -> dict[str, int]:
    """Shares per symbol summed over accounts, in first-seen order (`symbols`
    first, at 0 unless held)."""
    out = dict.fromkeys(symbols, 0)
    for holdings in per_account:
        for s, n in holdings.items():
            out[s] = out.get(s, 0) + n
    return out


class Account(BaseModel):
    """One account: its cash, the dollars it keeps, its shares and what it may buy
    (`buyable` None: every symbol)."""

    model_config = ConfigDict(frozen=True)

    name: str = DEFAULT_ACCOUNT
    kind: AccountKind = "taxable"
    cash: Decimal = Field(default=ZERO, ge=0)
    reserve: Decimal = Field(default=ZERO, ge=0)
    holdings: dict[str, int] = Field(default_factory=dict)
    buyable: frozenset[str] | None = None
    # SPEC §8: tax lots, only in a taxable account; a symbol's lots add up to
    # its holding, and a holding without lots is sold without tax.
    lots: tuple[TaxLot, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Account:
        if not ACCOUNT_NAME.fullmatch(self.name):
            raise ValueError(
                f"account name {self.name!r} must be 1-32 letters, digits, '_', '.' or '-'"
            )
        for sym, n in self.holdings.items():
            if n < 0:
                raise ValueError(f"account {self.name}: holding of {sym} is negative ({n} shares)")
        if self.lots and self.kind != "taxable":
            raise ValueError(
                f"account {self.name}: tax lots are only for taxable accounts "
                f"(this one is {self.kind})"
            )
        why = check_lots(self.name, self.holdings, self.lots)
        if why is not None:
            raise ValueError(why)
        return self

    def may_buy(self, symbol: str) -> bool:
        return self.buyable is None or symbol in self.buyable


class Household(BaseModel):
    """Accounts that follow one model. `options.reserve` must be 0: reserves
    belong to accounts. `location` maps a symbol to the account kinds it
    prefers (asset location, the last tie-break)."""

    model_config = ConfigDict(frozen=True)

    accounts: tuple[Account, ...]
    prices: dict[str, Decimal]
    targets: dict[str, Decimal]
    options: Options = Field(default_factory=Options)
    location: dict[str, frozenset[str]] = Field(default_factory=dict)
    # Most shares of one asset in one account (rules.SHARES); larger only in the
    # one-account household of a pooled relaxation (`single(merged)`).
    share_limit: int = Field(default=int(SHARES.maximum), ge=0)

    @model_validator(mode="after")
    def _check(self) -> Household:
        if not self.accounts:
            raise ValueError("a household needs at least one account")
        seen: set[str] = set()
        for a in self.accounts:
            if a.name in seen:
                raise ValueError(f"account {a.name} appears twice")
            seen.add(a.name)
        if self.options.reserve:
            raise ValueError("a household keeps its reserves on its accounts, not in the options")
        for entry in self.options.locked:
            name = entry.rpartition(":")[0]
            if name and name not in seen:
                raise ValueError(f"locked {entry}: no account {name}")
        today = as_of(self.options)
        late = late_lot(((a.name, a.lots) for a in self.accounts), today)
        if late is not None:
            raise ValueError(f"{late} {today} (the plan's day)")
        for sym, kinds in self.location.items():
            bad = sorted(k for k in kinds if k not in ACCOUNT_KINDS)
            if bad:
                raise ValueError(f"location of {sym}: unknown account kind {bad[0]!r}")
        # Building these validates prices, targets and each account's own
        # feasibility (its reserve must be reachable by its own sales).
        for a in self.accounts:
            try:
                self.account_input(a.name)
            except ValidationError as exc:
                first = exc.errors()[0].get("msg", str(exc)).removeprefix("Value error, ")
                raise ValueError(f"account {a.name}: {first}") from None
        _ = self.merged
        return self

    # -- construction -------------------------------------------------------

    @classmethod
    def single(cls, inp: RebalanceInput, name: str = DEFAULT_ACCOUNT) -> Household:
        """The one-account household of a single-account input."""
        account = Account(
            name=name, cash=inp.cash, reserve=inp.options.reserve, holdings=dict(inp.holdings)
        )
        # One account: every lock, whatever account it names, is this account's.
        locked = frozenset(e.rpartition(":")[2] for e in inp.options.locked)
        options = inp.options.model_copy(update={"reserve": ZERO, "locked": locked})
        return cls(
            accounts=(account,), prices=inp.prices, targets=inp.targets, options=options,
            share_limit=inp.share_limit,
        )  # fmt: skip

    def with_options(self, **update: object) -> Household:
        """The same household with these options changed (built anew, so checked:
        `model_copy` would skip the checks a lock naming an account needs)."""
        return Household(
            accounts=self.accounts,
            prices=self.prices,
            targets=self.targets,
            options=self.options.model_copy(update=update),
            location=self.location,
            share_limit=self.share_limit,
        )

    # -- views ---------------------------------------------------------------

    @cached_property
    def merged(self) -> RebalanceInput:
        """Every account pooled into one (the relaxation; identical for one account)."""
        if len(self.accounts) == 1:
            a = self.accounts[0]
            holdings, cash, reserve = dict(a.holdings), a.cash, a.reserve
        else:
            holdings = total_shares(a.holdings for a in self.accounts)
            cash = sum((a.cash for a in self.accounts), ZERO)
            reserve = sum((a.reserve for a in self.accounts), ZERO)
        # The relaxation keeps only the locks of every account (a pair lock
        # binds one account's shares, which the pooled problem does not see).
        locked = self.options.locked_everywhere(self.names)
        return RebalanceInput(
            holdings=holdings,
            prices=self.prices,
            targets=self.targets,
            cash=cash,
            options=self.options.model_copy(update={"reserve": reserve, "locked": locked}),
            share_limit=self.share_limit * len(self.accounts),
        )

    @cached_property
    def wash_symbols(self) -> frozenset[str]:
        """`tax.wash_window`, scanned once: the lot rules ask it for every lot."""
        return scan_wash_window(self)

    @cached_property
    def pair_lots(self) -> dict[tuple[str, str], tuple[TaxLot, ...]]:
        """The lots of each (taxable account, symbol), grouped once (`tax.lots_of`)."""
        out: dict[tuple[str, str], list[TaxLot]] = {}
        for a in self.accounts:
            if a.kind == "taxable":
                for lot in a.lots:
                    out.setdefault((a.name, lot.symbol), []).append(lot)
        return {key: tuple(lots) for key, lots in out.items()}

    @cached_property
    def _inputs(self) -> dict[str, RebalanceInput]:
        return {}

    def account_input(self, name: str) -> RebalanceInput:
        """One account on its own: its holdings, cash and reserve (exact checks, `simple`)."""
        cached = self._inputs.get(name)
        if cached is not None:
            return cached
        if len(self.accounts) == 1 and name == self.accounts[0].name:
            self._inputs[name] = self.merged  # one account: the very same input
            return self.merged
        a = self.account(name)
        inp = RebalanceInput(
            holdings=dict(a.holdings),
            prices=self.prices,
            targets=self.targets,
            cash=a.cash,
            options=self.options.model_copy(
                update={"reserve": a.reserve, "locked": self.options.locked_in(a.name)}
            ),
            share_limit=self.share_limit,
        )
        self._inputs[name] = inp
        return inp

    def account(self, name: str) -> Account:
        for a in self.accounts:
            if a.name == name:
                return a
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.accounts]

    @property
    def symbols(self) -> list[str]:
        """Model symbols in model order, then held symbols outside the model."""
        return self.merged.symbols

    @property
    def total_value(self) -> Decimal:
        return self.merged.total_value

    @property
    def investable(self) -> Decimal:
        return self.merged.investable

    def account_value(self, name: str) -> Decimal:
        return self.account_input(name).total_value

    def budget(self, name: str) -> Decimal:
        """What the account may hold in shares and costs: its value less its reserve."""
        return self.account_input(name).investable

    def bounds(self, name: str, symbol: str) -> tuple[int, int]:
        """Hard bounds on an account's final shares of a symbol: buy-only never
        sells, outside the model everything is sold (kept in buy-only mode),
        outside the buy menu nothing is bought, and never more than the
        account's budget buys."""
        a = self.account(name)
        h = a.holdings.get(symbol, 0)
        lo, hi = self.account_input(name).share_bounds(symbol)
        if not a.may_buy(symbol):
            hi = h if hi is None else min(hi, h)
        if hi is None:
            hi = max(lo, math.floor(self.budget(name) / self.prices[symbol]))
        return lo, hi

    # -- exact measures of a household plan -----------------------------------

    def aggregate(self, shares: HouseholdShares) -> dict[str, int]:
        return total_shares(shares.values(), self.symbols)

    def infeasibility(self, shares: HouseholdShares) -> str | None:
        """Why a household plan is not feasible (exact decimals), or None."""
        extra = set(shares) - set(self.names)
        if extra:
            return f"unknown accounts {sorted(extra)}"
        for a in self.accounts:
            x = shares.get(a.name, {})
            why = infeasibility(self.account_input(a.name), x)
            if why is not None:
                return f"account {a.name}: {why}"
            for s, n in x.items():
                if n > a.holdings.get(s, 0) and not a.may_buy(s):
                    return f"account {a.name}: buys {s}, which it may not buy"
        return None

    def cash_left(self, name: str, shares: HouseholdShares) -> Decimal:
        return cash_left(self.account_input(name), shares.get(name, {}))

    def costs(self, shares: HouseholdShares) -> Decimal:
        return sum((total_cost(self.account_input(n), shares.get(n, {})) for n in self.names), ZERO)

    def turnover(self, shares: HouseholdShares) -> Decimal:
        return sum((turnover(self.account_input(n), shares.get(n, {})) for n in self.names), ZERO)

    def order_count(self, shares: HouseholdShares) -> int:
        return sum(order_count(self.account_input(n), shares.get(n, {})) for n in self.names)

    def deviation(self, shares: HouseholdShares) -> Decimal:
        from rebalancer_tui.engine.evaluate import deviation

        return deviation(self.merged, self.aggregate(shares))

    def located(self, name: str, symbol: str) -> bool:
        kinds = self.location.get(symbol)
        return kinds is not None and self.account(name).kind in kinds

    def location_score(self, shares: HouseholdShares) -> Decimal:
        """Dollars held after the plan in one of their symbol's preferred kinds."""
        total = ZERO
        for a in self.accounts:
            for s, n in shares.get(a.name, {}).items():
                if n and self.located(a.name, s):
                    total += self.prices[s] * n
        return total


__all__ = [
    "ACCOUNT_KINDS",
    "ACCOUNT_NAME",
    "DEFAULT_ACCOUNT",
    "Account",
    "AccountKind",
    "Household",
    "HouseholdShares",
    "total_shares",
]
