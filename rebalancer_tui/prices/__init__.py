"""Price service: live Fintual prices with per-asset fallback and an on-disk cache.

Headless on purpose (no Textual): the CLI, the app and the benchmark all use it.
Importing the package, the parser or the cache does not import httpx: only
`prices.client` does, loaded on first use of `fetch_quotes` / `fetch_histories`,
so offline runs and the app's start-up never pay for the HTTP client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rebalancer_tui.prices.cache import PriceCache, best_known_quotes
from rebalancer_tui.prices.config import (
    DEFAULT_API_URL,
    BadApiUrl,
    check_api_url,
    default_cache_path,
    resolve_api_url,
)
from rebalancer_tui.prices.history import History, HistoryCache, HistoryReport
from rebalancer_tui.prices.parse import InvalidAnswer, parse_days, parse_real_asset
from rebalancer_tui.prices.report import PriceReport

if TYPE_CHECKING:
    from rebalancer_tui.prices.client import fetch_histories, fetch_history, fetch_quotes

__all__ = [
    "DEFAULT_API_URL",
    "BadApiUrl",
    "History",
    "HistoryCache",
    "HistoryReport",
    "InvalidAnswer",
    "PriceCache",
    "PriceReport",
    "best_known_quotes",
    "check_api_url",
    "default_cache_path",
    "fetch_histories",
    "fetch_history",
    "fetch_quotes",
    "parse_days",
    "parse_real_asset",
    "resolve_api_url",
]

_LAZY = frozenset({"fetch_histories", "fetch_history", "fetch_quotes"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from rebalancer_tui.prices import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
