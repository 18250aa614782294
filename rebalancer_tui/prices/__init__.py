"""Price service: live Fintual prices with per-asset fallback and an on-disk cache.

Headless on purpose (no Textual): the CLI, the app and the benchmark all use it.
"""

from rebalancer_tui.prices.cache import PriceCache, best_known_quotes
from rebalancer_tui.prices.client import PriceReport, fetch_history, fetch_quotes
from rebalancer_tui.prices.config import DEFAULT_API_URL, default_cache_path, resolve_api_url
from rebalancer_tui.prices.parse import InvalidAnswer, parse_days, parse_real_asset

__all__ = [
    "DEFAULT_API_URL",
    "InvalidAnswer",
    "PriceCache",
    "PriceReport",
    "best_known_quotes",
    "default_cache_path",
    "fetch_history",
    "fetch_quotes",
    "parse_days",
    "parse_real_asset",
    "resolve_api_url",
]
