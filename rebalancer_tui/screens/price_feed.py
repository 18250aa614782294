"""The screen's door to the price service (`rebalancer_tui.prices`).

One small seam so the screen does not care how quotes are fetched; until the
service lands it serves the built-in fallback prices.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rebalancer_tui.data import fallback_quotes
from rebalancer_tui.models import PriceQuote


@dataclass
class Report:
    quotes: dict[str, PriceQuote]
    errors: dict[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0


def best_known(cache_path: Path | None) -> dict[str, PriceQuote]:
    """Instant and never raises: fallback prices overlaid by cached live ones."""
    try:
        from rebalancer_tui.prices import PriceCache, best_known_quotes
    except ImportError:
        return fallback_quotes()
    return best_known_quotes(PriceCache(cache_path))


async def fetch(api_url: str | None, cache_path: Path | None) -> Report:
    start = time.perf_counter()
    try:
        from rebalancer_tui.prices import PriceCache, fetch_quotes, resolve_api_url
    except ImportError:
        return Report(fallback_quotes(), {"*": "price service not available"})
    report = await fetch_quotes(resolve_api_url(api_url), cache=PriceCache(cache_path))
    return Report(report.quotes, report.errors, time.perf_counter() - start)
