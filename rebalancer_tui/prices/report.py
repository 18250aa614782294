"""The outcome of one price fetch; no HTTP client needed to read one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rebalancer_tui.models import PriceQuote, PriceSource


@dataclass(kw_only=True)
class FetchReport:
    """What every fetch reports besides what it found: why some assets are
    not live (`errors`, by symbol), how long it took, and its cache's trouble."""

    errors: dict[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0
    # Set when what was fetched live could not be written to disk.
    cache_error: str | None = None
    # What the cache file held that was ignored, one printable line each.
    cache_problems: list[str] = field(default_factory=list)


@dataclass
class PriceReport(FetchReport):
    """Outcome of one price fetch: a quote for every asset."""

    quotes: dict[str, PriceQuote]

    def summary(self) -> str:
        """E.g. '10 live, 1 cached, 1 fallback' for a status line."""
        counts = Counter(q.source for q in self.quotes.values())
        order: tuple[PriceSource, ...] = ("live", "cached", "fallback", "override")
        return ", ".join(f"{counts[s]} {s}" for s in order if counts[s])
