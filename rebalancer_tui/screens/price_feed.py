"""The screen's door to the price service (`rebalancer_tui.prices`).

One small seam so the screen does not care how quotes are fetched or cached.
"""

from __future__ import annotations

from pathlib import Path

from rebalancer_tui.models import PriceQuote
from rebalancer_tui.prices import PriceCache, PriceReport, best_known_quotes, fetch_quotes


def best_known(cache_path: Path | None) -> dict[str, PriceQuote]:
    """Instant and never raises: fallback prices overlaid by cached live ones."""
    return best_known_quotes(PriceCache(cache_path))


async def fetch(api_url: str, cache_path: Path | None) -> PriceReport:
    """Never raises for network or API trouble (the service reports it per asset)."""
    return await fetch_quotes(api_url, cache=PriceCache(cache_path))
