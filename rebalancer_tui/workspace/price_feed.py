"""The screen's door to the price service (`rebalancer_tui.prices`).

One small seam so the screen does not care how quotes are fetched or cached.
The service (and httpx under it) is imported here, on first use, not when the
app module loads: the first frame does not wait for the HTTP client.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rebalancer_tui.models import Asset, PriceQuote
from rebalancer_tui.workspace.outcome import Outcome

if TYPE_CHECKING:
    from rebalancer_tui.prices import PriceReport


def start_quotes(extra: Sequence[Asset] = ()) -> dict[str, PriceQuote]:
    """The first frame's prices: built-in fallbacks and own assets' own prices.

    No price service import: the cached and live prices follow from the
    prices worker a moment later.
    """
    from rebalancer_tui.data import fallback_quotes

    out = fallback_quotes()
    for asset in extra:
        if asset.price is not None:
            out.setdefault(
                asset.symbol, PriceQuote(symbol=asset.symbol, price=asset.price, source="fallback")
            )
    return out


def best_known(cache_path: Path | None, extra: Sequence[Asset] = ()) -> dict[str, PriceQuote]:
    """Never raises: fallback prices overlaid by cached live ones. The first
    call imports the price service (run it off the main thread)."""
    from rebalancer_tui.prices import PriceCache, best_known_quotes

    return best_known_quotes(PriceCache(cache_path), extra=extra)


async def fetch(api_url: str, cache_path: Path | None, extra: Sequence[Asset] = ()) -> PriceReport:
    """Never raises for network or API trouble (the service reports it per asset)."""
    from rebalancer_tui.data import load_catalog
    from rebalancer_tui.prices import PriceCache, fetch_quotes

    assets = [*load_catalog().assets, *extra]
    return await fetch_quotes(api_url, assets, cache=PriceCache(cache_path))


def resolve(api_url: str | None) -> str:
    """flag > env REBALANCER_API_URL > default; ValueError for a malformed URL."""
    from rebalancer_tui.prices.config import resolve_api_url

    return resolve_api_url(api_url)


def fetch_outcome(quotes_total: int, errors: dict[str, str]) -> Outcome:
    """How the live price fetch went, for a notice."""
    if not errors:
        return Outcome(True, f"Live prices loaded for all {quotes_total} ETFs.")
    shown = [f"{sym}: {why}" for sym, why in list(errors.items())[:3]]
    more = f"; and {len(errors) - 3} more" if len(errors) > 3 else ""
    details = "; ".join(shown) + more
    live = quotes_total - len(errors)
    if live <= 0:
        return Outcome(
            False, f"No live prices ({details}). Working on cached or fallback prices.", "warning"
        )
    return Outcome(
        False,
        f"Live prices for {live} of {quotes_total} ETFs; the others keep cached or "
        f"fallback prices ({details}).",
        "warning",
    )
