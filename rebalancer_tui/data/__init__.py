"""Built-in data: the ETF catalog and Fintual's four model portfolios."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from rebalancer_tui.models import Catalog, ModelPortfolio, PriceQuote


@cache
def load_catalog() -> Catalog:
    raw = json.loads(resources.files(__package__).joinpath("catalog.json").read_text("utf-8"))
    for m in raw["models"]:
        m["builtin"] = True
    return Catalog.model_validate(raw)


def builtin_models() -> list[ModelPortfolio]:
    return list(load_catalog().models)


def fallback_quotes() -> dict[str, PriceQuote]:
    cat = load_catalog()
    return {
        a.symbol: PriceQuote(
            symbol=a.symbol, price=a.price, source="fallback", date=cat.fallback_date
        )
        for a in cat.assets
        if a.price is not None
    }
