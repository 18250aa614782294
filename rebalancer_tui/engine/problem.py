"""The rebalancing problem (SPEC §4): inputs and options, validated once, here.

Besides the rules of the problem itself, the bounds of `rules` (prices,
shares, cash, total value) are checked again here: the searches work on a
float view of the problem that is exact to the cent only within them, so the
engine refuses what it cannot answer reliably, whoever calls it.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rebalancer_tui import rules
from rebalancer_tui.models import WEIGHT_SUM_TOLERANCE

ZERO = Decimal(0)


class Options(BaseModel):
    model_config = ConfigDict(frozen=True)

    band: Decimal = Field(default=Decimal("0.02"), ge=0, le=1, description="absolute band")
    relative_band: Decimal | None = Field(
        default=None, gt=0, le=1, description="relative band q: b_i = min(b, q*w_i)"
    )
    reserve: Decimal = Field(default=ZERO, ge=0, description="dollars kept uninvested")
    fee: Decimal = Field(default=ZERO, ge=0, description="fixed fee per order")
    cost_rate: Decimal = Field(default=ZERO, ge=0, lt=1, description="cost per traded dollar")
    buy_only: bool = False
    time_limit: float = Field(default=10.0, gt=0, description="seconds per solve")
    # SPEC §9: the order rules a broker imposes.
    min_trade: Decimal = Field(default=ZERO, ge=0, description="least dollars of an order")
    lots: dict[str, int] = Field(default_factory=dict, description="shares per lot by symbol")
    locked: frozenset[str] = Field(
        default=frozenset(), description="never traded: 'SYM' (everywhere) or 'ACCOUNT:SYM'"
    )
    destination: Decimal = Field(
        default=ZERO, ge=0, le=1, description="band-edge: 0 the band edge, 1 the target"
    )
    # SPEC §8: tax lots and tax-aware selling (they bind only accounts with lots).
    st_rate: Decimal = Field(default=ZERO, ge=0, le=1, description="short-term gains rate")
    lt_rate: Decimal = Field(default=ZERO, ge=0, le=1, description="long-term gains rate")
    long_term_days: int = Field(default=365, ge=0, description="days held to be long-term")
    as_of: dt.date | None = Field(default=None, description="the plan's day; None: today")
    tax_weight: Decimal = Field(default=Decimal(1), ge=0, description="λ in deviation + λ·tax")
    max_gains: Decimal | None = Field(default=None, ge=0, description="cap on net gains")
    no_short_term_gains: bool = False
    wash_sale_days: int = Field(default=0, ge=0, description="0: no wash-sale guard")

    @model_validator(mode="after")
    def _check_rules(self) -> Options:
        for sym, n in self.lots.items():
            if n < 1:
                raise ValueError(f"lot of {sym} must be at least 1 share (got {n})")
        for entry in self.locked:
            if not entry or entry.startswith(":") or entry.endswith(":") or entry.count(":") > 1:
                raise ValueError(f"locked entry {entry!r} must be SYMBOL or ACCOUNT:SYMBOL")
        return self

    @property
    def constrained(self) -> bool:
        """Whether any order rule (minimum, lots, locks) is on: the fast exact
        methods of the search pipeline do not model them."""
        return self.min_trade > 0 or any(n > 1 for n in self.lots.values()) or bool(self.locked)

    def lot(self, symbol: str) -> int:
        return self.lots.get(symbol, 1)

    def locked_in(self, account: str) -> frozenset[str]:
        """The symbols locked in one account: locked everywhere or in that pair."""
        out = set()
        for entry in self.locked:
            name, _, sym = entry.rpartition(":")
            if not name or name == account:
                out.add(sym)
        return frozenset(out)

    def locked_everywhere(self, accounts: list[str]) -> frozenset[str]:
        """Symbols locked in every one of these accounts."""
        sets = [self.locked_in(a) for a in accounts]
        return frozenset.intersection(*sets) if sets else frozenset()


class RebalanceInput(BaseModel):
    """Holdings, prices, targets, extra cash and options.

    Symbols are upper-case. Every held or targeted symbol needs a price.
    """

    model_config = ConfigDict(frozen=True)

    holdings: dict[str, int] = Field(default_factory=dict)
    prices: dict[str, Decimal]
    targets: dict[str, Decimal]
    cash: Decimal = Field(default=ZERO, ge=0)
    options: Options = Field(default_factory=Options)
    # The most shares of one asset held or planned (rules.SHARES); a household's
    # pooled relaxation allows the bound once per account it pools.
    share_limit: int = Field(default=int(rules.SHARES.maximum), ge=0)

    @model_validator(mode="after")
    def _check(self) -> RebalanceInput:
        for sym, n in self.holdings.items():
            if n < 0:
                raise ValueError(f"holding of {sym} is negative ({n} shares)")
        for sym, p in self.prices.items():
            if p <= 0:
                raise ValueError(f"price of {sym} must be positive (got {p})")
        if not self.targets:
            raise ValueError("no target weights")
        for sym, w in self.targets.items():
            if w < 0:
                raise ValueError(f"target weight of {sym} is negative")
        total = sum(self.targets.values(), ZERO)
        if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
            raise ValueError(f"target weights sum to {total}, not 1")
        missing = [s for s in self.symbols if s not in self.prices]
        if missing:
            raise ValueError(f"no price for {', '.join(missing)}")
        self._check_bounds()
        if self.options.reserve > self.total_value:
            raise ValueError(
                f"cash reserve {self.options.reserve} exceeds the portfolio value "
                f"{self.total_value:.2f}"
            )
        if self.options.buy_only and self.options.reserve > self.cash:
            raise ValueError(
                f"buy-only mode cannot keep a cash reserve of {self.options.reserve} "
                f"with only {self.cash} in cash (nothing may be sold)"
            )
        if self.max_cash_left < self.options.reserve:
            raise ValueError(
                f"no plan can be paid for: even selling everything possible leaves "
                f"{self.max_cash_left:.2f} in cash after fees, below the reserve of "
                f"{self.options.reserve}"
            )
        return self

    def _check_bounds(self) -> None:
        price, shares, cash = rules.PRICE, rules.SHARES, rules.CASH
        for sym in self.symbols:
            p = self.prices[sym]
            if not price.minimum <= p <= price.maximum:
                raise ValueError(
                    f"price of {sym} must be between {price.bound_text(price.minimum)} and "
                    f"{price.bound_text(price.maximum)} (got {rules.plain(p)})"
                )
        for sym, n in self.holdings.items():
            if n > self.share_limit:
                most = shares.bound_text(Decimal(self.share_limit))
                raise ValueError(f"holding of {sym} must be at most {most} shares (got {n})")
        if self.cash > cash.maximum:
            raise ValueError(f"cash must be at most {cash.bound_text(cash.maximum)}")
        rules.check_total_value(self.total_value)

    @cached_property
    def symbols(self) -> list[str]:
        """Model symbols in model order, then held symbols outside the model."""
        extra = sorted(s for s, n in self.holdings.items() if s not in self.targets and n > 0)
        return [*self.targets, *extra]

    @cached_property
    def max_cash_left(self) -> Decimal:
        """The most cash any feasible-in-kind plan can end with: forced sales of
        holdings outside the model, plus every model holding sold whole when its
        proceeds beat its fee (none in buy-only mode). A plan exists iff this
        covers the reserve."""
        if self.options.buy_only:
            return self.cash
        rate, fee = self.options.cost_rate, self.options.fee
        total = self.cash
        for s, n in self.holdings.items():
            if not n or self.is_locked(s):
                continue
            if s in self.targets:
                # Only whole lots may be sold, and only an order of the minimum.
                lot = self.options.lot(s)
                n -= n % lot
                if self.prices[s] * n < self.options.min_trade:
                    continue
            net = self.prices[s] * n * (1 - rate) - fee
            total += net if s not in self.targets else max(ZERO, net)
        return total

    @cached_property
    def total_value(self) -> Decimal:
        return sum((self.prices[s] * n for s, n in self.holdings.items() if n), ZERO) + self.cash

    @cached_property
    def investable(self) -> Decimal:
        return self.total_value - self.options.reserve

    def held(self, symbol: str) -> int:
        return self.holdings.get(symbol, 0)

    def target_weight(self, symbol: str) -> Decimal:
        return self.targets.get(symbol, ZERO)

    def target_dollars(self, symbol: str) -> Decimal:
        return self.target_weight(symbol) * self.investable

    def band(self, symbol: str) -> Decimal:
        b = self.options.band
        q = self.options.relative_band
        if q is not None:
            b = min(b, q * self.target_weight(symbol))
        return b

    def in_model(self, symbol: str) -> bool:
        return symbol in self.targets

    def is_locked(self, symbol: str) -> bool:
        """Locked here (an input is one account: an 'ACCOUNT:SYM' entry locks SYM)."""
        return any(e.rpartition(":")[2] == symbol for e in self.options.locked)

    def min_shares(self, symbol: str) -> int:
        """Fewest shares an order of this symbol may trade (the minimum order,
        exact): a forced sale of a holding outside the model is exempt."""
        m = self.options.min_trade
        if not m or not self.in_model(symbol):
            return 1
        return max(1, math.ceil(m / self.prices[symbol]))

    def order_rule_violation(self, symbol: str, final: int) -> str | None:
        """Why moving this symbol to `final` shares breaks an order rule, or None."""
        d = final - self.held(symbol)
        if not d:
            return None
        if self.is_locked(symbol):
            return f"{symbol}: locked, but traded"
        if not self.in_model(symbol):
            return None  # the forced sale sells everything
        lot = self.options.lot(symbol)
        if d % lot:
            return f"{symbol}: {abs(d)} shares is not a multiple of its lot of {lot}"
        if self.prices[symbol] * abs(d) < self.options.min_trade:
            return f"{symbol}: order under the minimum of {self.options.min_trade}"
        return None

    def share_bounds(self, symbol: str) -> tuple[int, int | None]:
        """Hard bounds on final shares: buy-only never sells; outside the model
        everything is sold (kept as is in buy-only mode); a locked holding is
        never traded; no plan holds more than the budget buys, nor more than
        the share bound (rules.SHARES) the input itself obeys, so a plan is
        always a valid next input (and at $0.000001 the bound, not the budget,
        is what binds)."""
        h = self.held(symbol)
        if self.is_locked(symbol):
            return (h, h)
        if not self.in_model(symbol):
            return (h, h) if self.options.buy_only else (0, 0)
        lo = h if self.options.buy_only else 0
        afford = math.floor(self.investable / self.prices[symbol])
        return (lo, max(lo, min(self.max_shares, afford)))

    @property
    def max_shares(self) -> int:
        """The most shares a plan may hold of one asset (rules.SHARES)."""
        return self.share_limit
