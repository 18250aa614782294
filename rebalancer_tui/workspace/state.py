"""The app's state in one place: what the plan is computed from.

Pure data (no Textual): the main screen holds one `PortfolioState`, replaces
it whole on every change (`MainScreen.set_state`) and passes it down; editors
post `PortfolioEdited` with the fields they changed.

The portfolio is a household (SPEC §7): one or more accounts (`engine.Account`:
name, kind, cash, reserve, holdings, buy menu) following one model. A
one-account portfolio is the account `main`; `holdings` and `cash` read the
household's totals, and `replace(holdings=..., cash=...)` writes the one
account (or the account named by `account=`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rebalancer_tui.demo import demo_holdings
from rebalancer_tui.engine import Options, RebalanceInput
from rebalancer_tui.engine.household import DEFAULT_ACCOUNT, Account, Household, total_shares
from rebalancer_tui.models import ModelPortfolio, PriceQuote

if TYPE_CHECKING:
    from rebalancer_tui.storage.portfolio_file import PortfolioFile

ZERO = Decimal(0)
MAIN = (Account(),)


@dataclasses.dataclass(frozen=True)
class PortfolioState:
    model: ModelPortfolio
    quotes: dict[str, PriceQuote]
    accounts: tuple[Account, ...] = MAIN
    options: Options = dataclasses.field(default_factory=Options)
    overrides: dict[str, Decimal] = dataclasses.field(default_factory=dict)
    # Holdings stay a demo portfolio (regenerated with the fund) until edited.
    demo_seed: int | None = 0
    # Asset location: symbol -> the account kinds it prefers (the last tie-break).
    location: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    # Overrides that came from a broker file's price column: their date (or None).
    # Shown with source "file"; not saved (the file keeps them as overrides).
    file_prices: dict[str, dt.date | None] = dataclasses.field(default_factory=dict)
    # IBKR account ids read from a broker file, for the basket export (not saved).
    broker_ids: dict[str, str] = dataclasses.field(default_factory=dict)

    # -- the household --------------------------------------------------------

    @property
    def holdings(self) -> dict[str, int]:
        """Shares per symbol across the accounts (the household's totals)."""
        if len(self.accounts) == 1:
            return dict(self.accounts[0].holdings)
        return total_shares(a.holdings for a in self.accounts)

    @property
    def cash(self) -> Decimal:
        return sum((a.cash for a in self.accounts), ZERO)

    @property
    def account_names(self) -> list[str]:
        return [a.name for a in self.accounts]

    def account(self, name: str) -> Account:
        for a in self.accounts:
            if a.name == name:
                return a
        raise KeyError(name)

    def with_account(self, name: str, **changes: Any) -> PortfolioState:
        """The state with account `name` changed (an Account field each; `name=` renames)."""
        accounts = tuple(
            a.model_copy(update=changes) if a.name == name else a for a in self.accounts
        )
        if accounts == self.accounts:
            return self
        # model_copy skips validation: build the account anew so a bad field is refused.
        checked = tuple(Account(**a.model_dump()) for a in accounts)
        return dataclasses.replace(self, accounts=checked, demo_seed=None)

    @classmethod
    def demo(
        cls, model: ModelPortfolio, quotes: dict[str, PriceQuote], seed: int
    ) -> PortfolioState:
        prices = {s: q.price for s, q in quotes.items()}
        # An own model's asset known only by its Fintual id has no price until a
        # live or cached one arrives: the demo holds none of it meanwhile.
        priced = {s: w for s, w in model.weights.items() if s in prices}
        held = demo_holdings(priced, prices, seed=seed) if priced else {}
        return cls(model=model, quotes=quotes, accounts=(Account(holdings=held),), demo_seed=seed)

    @classmethod
    def from_file(
        cls, pf: PortfolioFile, model: ModelPortfolio, quotes: dict[str, PriceQuote]
    ) -> PortfolioState:
        return cls(
            model=model,
            quotes=quotes,
            accounts=tuple(a.to_account() for a in pf.accounts),
            options=pf.options.to_engine(),
            overrides=dict(pf.price_overrides),
            demo_seed=None,
            location={s: frozenset(k) for s, k in pf.location.items()},
        )

    def to_file(self) -> PortfolioFile:
        from rebalancer_tui.storage.portfolio_file import (
            AccountEntry,
            PortfolioFile,
            PortfolioOptions,
        )

        return PortfolioFile(
            model=self.model.id,
            accounts=[AccountEntry.from_account(a) for a in self.accounts],
            options=PortfolioOptions.from_engine(self.options),
            location={s: sorted(k) for s, k in self.location.items()},
            price_overrides=dict(self.overrides),
        )

    def saved_part(self) -> tuple[object, ...]:
        """What the portfolio file holds: a change here is worth an autosave."""
        return (self.model.id, self.accounts, self.options, self.overrides, self.location)

    def plan_part(self) -> tuple[object, ...]:
        """What a plan is computed from: a change here makes the shown plan stale."""
        return (*self.saved_part(), self.quotes)

    def replace(self, **changes: Any) -> PortfolioState:
        """`holdings=` and `cash=` set one account's (`account=`, else the only one)."""
        name = changes.pop("account", None)
        per: dict[str, Any] = {k: changes.pop(k) for k in ("holdings", "cash") if k in changes}
        state = dataclasses.replace(self, **changes)
        if per:
            if name is None:
                if len(self.accounts) != 1:
                    raise ValueError("several accounts: say which account's holdings or cash")
                name = self.accounts[0].name
            accounts = tuple(
                Account(**{**a.model_dump(), **per}) if a.name == name else a
                for a in state.accounts
            )
            state = dataclasses.replace(state, accounts=accounts)
        return state

    def effective_quotes(self) -> dict[str, PriceQuote]:
        """Fetched quotes with the user's overrides on top (source 'override', or
        'file' with the file's date for a price read from a broker file)."""
        out = dict(self.quotes)
        for sym, p in self.overrides.items():
            if sym in self.file_prices:
                out[sym] = PriceQuote(
                    symbol=sym, price=p, source="file", date=self.file_prices[sym]
                )
            else:
                out[sym] = PriceQuote(symbol=sym, price=p, source="override")
        return out

    def prices(self) -> dict[str, Decimal]:
        return {s: q.price for s, q in self.effective_quotes().items()}

    def unpriced(self) -> list[str]:
        """Held or targeted symbols with no price at all (nothing fetched, cached or typed)."""
        prices = self.prices()
        held = [s for a in self.accounts for s in a.holdings]
        wanted = dict.fromkeys([*self.model.weights, *held])
        return [s for s in wanted if s not in prices]

    def with_fund(self, model: ModelPortfolio) -> PortfolioState:
        if self.demo_seed is not None:
            return self._kept(PortfolioState.demo(model, self.quotes, self.demo_seed))
        return self.replace(model=model)

    def regenerated(self, seed: int) -> PortfolioState:
        return self._kept(PortfolioState.demo(self.model, self.quotes, seed))

    def _kept(self, demo: PortfolioState) -> PortfolioState:
        # A demo is one account; the cash, options and prices typed stay.
        return demo.replace(
            cash=self.cash, options=self.options, overrides=self.overrides,
            location=self.location, file_prices=self.file_prices,
        )  # fmt: skip

    def to_household(self) -> Household:
        """The engine's household; raises ValueError on inconsistent input.

        With one account, the options' reserve (the inputs dialog's) is that
        account's; with several, reserves are per account only."""
        missing = self.unpriced()
        if missing:
            raise ValueError(
                f"no price for {', '.join(missing)}: wait for live prices or type a "
                "price override (key o)"
            )
        reserve = self.options.reserve
        accounts = self.accounts
        if reserve and len(accounts) > 1:
            raise ValueError(
                "with several accounts the reserve is kept per account: set it in the "
                "accounts dialog (key A) and the inputs' reserve to 0"
            )
        if len(accounts) == 1:
            self.to_input()  # one account: its problems in the single-account words
        if reserve:
            accounts = (accounts[0].model_copy(update={"reserve": accounts[0].reserve + reserve}),)
        return Household(
            accounts=accounts,
            prices=self.prices(),
            targets=dict(self.model.weights),
            options=self.options.model_copy(update={"reserve": ZERO}),
            location=dict(self.location),
        )

    def to_input(self) -> RebalanceInput:
        """The household pooled into one input (the current weights, the buy-only
        suggestion); for one account, exactly that account. Raises ValueError."""
        if len(self.accounts) == 1:
            missing = self.unpriced()
            if missing:
                raise ValueError(
                    f"no price for {', '.join(missing)}: wait for live prices or type a "
                    "price override (key o)"
                )
            a = self.accounts[0]
            return RebalanceInput(
                holdings=dict(a.holdings),
                prices=self.prices(),
                targets=dict(self.model.weights),
                cash=a.cash,
                options=self.options.model_copy(
                    update={"reserve": self.options.reserve + a.reserve}
                ),
            )
        return self.to_household().merged


__all__ = ["DEFAULT_ACCOUNT", "PortfolioState"]
