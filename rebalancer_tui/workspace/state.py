"""The app's state in one place: what the plan is computed from.

Pure data (no Textual): the main screen holds one `PortfolioState`, replaces
it whole on every change (`MainScreen.set_state`) and passes it down; editors
post `PortfolioEdited` with the fields they changed.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING

from rebalancer_tui.demo import demo_holdings
from rebalancer_tui.engine import Options, RebalanceInput
from rebalancer_tui.models import ModelPortfolio, PriceQuote

if TYPE_CHECKING:
    from rebalancer_tui.portfolio_io import PortfolioFile


@dataclasses.dataclass(frozen=True)
class PortfolioState:
    model: ModelPortfolio
    quotes: dict[str, PriceQuote]
    holdings: dict[str, int]
    cash: Decimal = Decimal(0)
    options: Options = dataclasses.field(default_factory=Options)
    overrides: dict[str, Decimal] = dataclasses.field(default_factory=dict)
    # Holdings stay a demo portfolio (regenerated with the fund) until edited.
    demo_seed: int | None = 0

    @classmethod
    def demo(
        cls, model: ModelPortfolio, quotes: dict[str, PriceQuote], seed: int
    ) -> PortfolioState:
        prices = {s: q.price for s, q in quotes.items()}
        # An own model's asset known only by its Fintual id has no price until a
        # live or cached one arrives: the demo holds none of it meanwhile.
        priced = {s: w for s, w in model.weights.items() if s in prices}
        return cls(
            model=model,
            quotes=quotes,
            holdings=demo_holdings(priced, prices, seed=seed) if priced else {},
            demo_seed=seed,
        )

    @classmethod
    def from_file(
        cls, pf: PortfolioFile, model: ModelPortfolio, quotes: dict[str, PriceQuote]
    ) -> PortfolioState:
        return cls(
            model=model,
            quotes=quotes,
            holdings=dict(pf.holdings),
            cash=pf.cash,
            options=pf.options.to_engine(),
            overrides=dict(pf.price_overrides),
            demo_seed=None,
        )

    def to_file(self) -> PortfolioFile:
        from rebalancer_tui.portfolio_io import PortfolioFile, PortfolioOptions

        return PortfolioFile(
            model=self.model.id,
            holdings={s: n for s, n in self.holdings.items()},
            cash=self.cash,
            options=PortfolioOptions.from_engine(self.options),
            price_overrides=dict(self.overrides),
        )

    def saved_part(self) -> tuple[object, ...]:
        """What the portfolio file holds: a change here is worth an autosave."""
        return (self.model.id, self.holdings, self.cash, self.options, self.overrides)

    def plan_part(self) -> tuple[object, ...]:
        """What a plan is computed from: a change here makes the shown plan stale."""
        return (*self.saved_part(), self.quotes)

    def replace(self, **changes: object) -> PortfolioState:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def effective_quotes(self) -> dict[str, PriceQuote]:
        """Fetched quotes with the user's overrides on top (source 'override')."""
        out = dict(self.quotes)
        for sym, p in self.overrides.items():
            out[sym] = PriceQuote(symbol=sym, price=p, source="override")
        return out

    def prices(self) -> dict[str, Decimal]:
        return {s: q.price for s, q in self.effective_quotes().items()}

    def unpriced(self) -> list[str]:
        """Held or targeted symbols with no price at all (nothing fetched, cached or typed)."""
        prices = self.prices()
        wanted = [*self.model.weights, *(s for s in self.holdings if s not in self.model.weights)]
        return [s for s in wanted if s not in prices]

    def with_fund(self, model: ModelPortfolio) -> PortfolioState:
        if self.demo_seed is not None:
            return PortfolioState.demo(model, self.quotes, self.demo_seed).replace(
                cash=self.cash, options=self.options, overrides=self.overrides
            )
        return self.replace(model=model)

    def regenerated(self, seed: int) -> PortfolioState:
        return PortfolioState.demo(self.model, self.quotes, seed).replace(
            cash=self.cash, options=self.options, overrides=self.overrides
        )

    def to_input(self) -> RebalanceInput:
        """Raises ValueError (pydantic ValidationError is one) on inconsistent input."""
        missing = self.unpriced()
        if missing:
            raise ValueError(
                f"no price for {', '.join(missing)}: wait for live prices or type a "
                "price override (key o)"
            )
        return RebalanceInput(
            holdings=dict(self.holdings),
            prices=self.prices(),
            targets=dict(self.model.weights),
            cash=self.cash,
            options=self.options,
        )
