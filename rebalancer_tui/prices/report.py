"""The outcome of one price fetch; no HTTP client needed to read one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rebalancer_tui.models import PriceQuote, PriceSource


@dataclass
class PriceReport:
    """Outcome of one fetch: a quote for every asset, and why some are not live."""

    quotes: dict[str, PriceQuote]
    errors: dict[str, str]
    elapsed_s: float
    # Set when live prices were fetched but could not be written to disk.
    cache_error: str | None = None
    # What the cache file held that was ignored, one printable line each.
    cache_problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """E.g. '10 live, 1 cached, 1 fallback' for a status line."""
        counts = Counter(q.source for q in self.quotes.values())
        order: tuple[PriceSource, ...] = ("live", "cached", "fallback", "override")
        return ", ".join(f"{counts[s]} {s}" for s in order if counts[s])
