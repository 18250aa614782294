"""Pydantic models shared by the engine, the price service and the UI.

Money and weights are `Decimal` so that feasibility can be checked exactly;
the solver converts to floats internally and the result is re-checked here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rebalancer_tui.rules import PRICE, WEIGHT_SUM_TOLERANCE, check_symbol, plain

__all__ = [
    "WEIGHT_SUM_TOLERANCE",
    "Asset",
    "Catalog",
    "ModelPortfolio",
    "PriceQuote",
    "PriceSource",
]


PriceSource = Literal["live", "cached", "fallback", "override", "file"]


def _price_in_range(p: Decimal | None) -> Decimal | None:
    """Every price, wherever it comes from, within the bounds of `rules.PRICE`
    (decimals are not limited here: live prices may carry more)."""
    if p is not None and not (p.is_finite() and PRICE.minimum <= p <= PRICE.maximum):
        low, high = PRICE.bound_text(PRICE.minimum), PRICE.bound_text(PRICE.maximum)
        got = plain(p) if p.is_finite() and abs(p.adjusted()) < 30 else "an absurd number"
        raise ValueError(f"price: must be between {low} and {high} (got {got})")
    return p


class Asset(BaseModel):
    model_config = ConfigDict(frozen=True)

    symbol: str = Field(min_length=1, max_length=16)
    id: int | None = Field(default=None, description="Fintual real_asset id")
    name: str = ""
    # Built-in assets always carry a fallback price; a user's own asset may give
    # only its Fintual id, and then has no price until a live or cached one.
    price: Decimal | None = Field(default=None, description="fallback price in USD")
    # SPEC §9: shares per lot, when the symbol trades only in lots (None: 1).
    lot: int | None = Field(default=None, ge=1, description="shares per lot")

    @model_validator(mode="after")
    def _priced_or_fetchable(self) -> Asset:
        if self.price is None and self.id is None:
            raise ValueError(f"asset {self.symbol} needs a fallback price or a Fintual id")
        return self

    @field_validator("symbol")
    @classmethod
    def _upper(cls, v: str) -> str:
        return check_symbol(v)

    @field_validator("price")
    @classmethod
    def _price(cls, v: Decimal | None) -> Decimal | None:
        return _price_in_range(v)


class ModelPortfolio(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    label: str = Field(min_length=1)
    weights: dict[str, Decimal]
    builtin: bool = False

    @field_validator("weights")
    @classmethod
    def _weights_valid(cls, v: dict[str, Decimal]) -> dict[str, Decimal]:
        if not v:
            raise ValueError("a model needs at least one symbol")
        out: dict[str, Decimal] = {}
        for sym, w in v.items():
            key = check_symbol(sym)
            if w < 0:
                raise ValueError(f"weight of {key} is negative")
            if key in out:
                raise ValueError(f"symbol {key} appears twice")
            out[key] = w
        total = sum(out.values(), Decimal(0))
        if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
            raise ValueError(f"weights sum to {total}, not 1")
        return out


class Catalog(BaseModel):
    """The built-in data file: ETFs with fallback prices and model portfolios."""

    fallback_date: dt.date
    assets: list[Asset]
    models: list[ModelPortfolio]

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        symbols = [a.symbol for a in self.assets]
        if len(set(symbols)) != len(symbols):
            raise ValueError("duplicate asset symbol in catalog")
        known = set(symbols)
        unpriced = [a.symbol for a in self.assets if a.price is None]
        if unpriced:
            raise ValueError(f"built-in assets need a fallback price: {unpriced}")
        ids = [m.id for m in self.models]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate model id in catalog")
        for m in self.models:
            unknown = set(m.weights) - known
            if unknown:
                raise ValueError(f"model {m.id} uses unknown symbols {sorted(unknown)}")
        return self

    def asset(self, symbol: str) -> Asset | None:
        return next((a for a in self.assets if a.symbol == symbol), None)

    def model(self, model_id: str) -> ModelPortfolio | None:
        return next((m for m in self.models if m.id == model_id), None)


class PriceQuote(BaseModel):
    """A price with its provenance; the UI always shows `source` and `date`."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    price: Decimal
    source: PriceSource
    date: dt.date | None = None
    reason: str | None = Field(
        default=None, description="why a live price was not used (for fallback/cached)"
    )

    @field_validator("price")
    @classmethod
    def _price(cls, v: Decimal) -> Decimal:
        _price_in_range(v)
        return v
