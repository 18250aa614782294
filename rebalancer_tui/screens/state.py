"""The main screen's state in one place: what the plan is computed from.

Pure data (no Textual): the screen owns one `PortfolioState`, replaces it
whole on every change and passes it down; a future holdings editor only has
to post `PortfolioEdited` with the fields it changed.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from rebalancer_tui.demo import demo_holdings
from rebalancer_tui.engine import Options, RebalanceInput
from rebalancer_tui.models import ModelPortfolio, PriceQuote


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
        return cls(
            model=model,
            quotes=quotes,
            holdings=demo_holdings(dict(model.weights), prices, seed=seed),
            demo_seed=seed,
        )

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
        """Raises pydantic ValidationError (a ValueError) on inconsistent input."""
        return RebalanceInput(
            holdings=dict(self.holdings),
            prices=self.prices(),
            targets=dict(self.model.weights),
            cash=self.cash,
            options=self.options,
        )
