"""On-disk cache of the last good live price per asset.

The file is small JSON, replaced atomically, so a crash mid-write or two
instances saving at once leave either the old or the new file, never half of
one. Reading never raises: a damaged cache is worth nothing, not an error.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from rebalancer_tui.atomic import write_text_atomically
from rebalancer_tui.data import fallback_quotes
from rebalancer_tui.models import Asset, PriceQuote
from rebalancer_tui.prices.config import default_cache_path

log = logging.getLogger(__name__)

CACHE_VERSION = 1


class CachedPrice(BaseModel):
    price: Decimal = Field(gt=0)
    date: dt.date
    saved_at: dt.datetime | None = None


class CacheFile(BaseModel):
    version: int = CACHE_VERSION
    prices: dict[str, CachedPrice] = {}


class PriceCache:
    """Last good live price per symbol, at `path` (default: user cache dir)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_cache_path()

    def load(self) -> dict[str, PriceQuote]:
        """Cached quotes (source 'cached', date of the live price); {} if unreadable."""
        try:
            raw = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("price cache %s unreadable, ignored: %s", self.path, exc)
            return {}
        if not isinstance(raw, dict) or not isinstance(raw.get("prices"), dict):
            log.warning("price cache %s has an unexpected shape, ignored", self.path)
            return {}
        quotes: dict[str, PriceQuote] = {}
        # Entry by entry: one bad entry must not cost the others.
        for symbol, entry in raw["prices"].items():
            try:
                cached = CachedPrice.model_validate(entry)
                quotes[symbol] = PriceQuote(
                    symbol=symbol, price=cached.price, source="cached", date=cached.date
                )
            except ValidationError:
                log.warning("price cache entry %r invalid, ignored", symbol)
        return quotes

    def save(self, quotes: Mapping[str, PriceQuote]) -> None:
        """Merge the live quotes among `quotes` into the file, atomically.

        Non-live quotes are ignored (a cache of fallbacks would launder them into
        'cached'). Raises `OSError` if the file cannot be written.
        """
        live = {s: q for s, q in quotes.items() if q.source == "live" and q.date is not None}
        if not live:
            return
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        merged = {
            s: CachedPrice(price=q.price, date=q.date)
            for s, q in self.load().items()
            if q.date is not None
        }
        for symbol, quote in live.items():
            assert quote.date is not None  # filtered above; narrows the type
            merged[symbol] = CachedPrice(price=quote.price, date=quote.date, saved_at=now)
        text = CacheFile(prices=dict(sorted(merged.items()))).model_dump_json(indent=2)
        write_text_atomically(self.path, text + "\n", make_dirs=True)


def best_known_quotes(
    cache: PriceCache | None = None, extra: Sequence[Asset] = ()
) -> dict[str, PriceQuote]:
    """Every catalog asset's best price without the network: fallback overlaid by cached.

    `cache=None` reads the default cache file. A cached price older than the
    built-in fallback date loses to the fallback (the built-in one is newer).
    `extra` adds a user's own assets. Never raises.
    """
    try:
        cached = (cache if cache is not None else PriceCache()).load()
    except Exception:  # e.g. an unusable cache dir from the environment
        log.exception("price cache unavailable")
        cached = {}
    return known_quotes(extra, cached)


def known_quotes(extra: Sequence[Asset], cached: Mapping[str, PriceQuote]) -> dict[str, PriceQuote]:
    """Catalog fallback plus `extra` assets (a user's own), overlaid by `cached`.

    An extra asset known only by its Fintual id has no fallback; it is priced
    here only if the cache has it.
    """
    base = fallback_quotes()
    for asset in extra:
        # Assets outside the catalog carry their own price, of unknown date.
        if asset.price is not None:
            base.setdefault(
                asset.symbol,
                PriceQuote(symbol=asset.symbol, price=asset.price, source="fallback"),
            )
    out = overlay_cached(base, cached)
    for asset in extra:
        if asset.symbol not in out and asset.symbol in cached:
            out[asset.symbol] = cached[asset.symbol]
    return out


def overlay_cached(
    base: Mapping[str, PriceQuote], cached: Mapping[str, PriceQuote]
) -> dict[str, PriceQuote]:
    """`base` with each symbol replaced by its cached quote when that is not older."""
    out = dict(base)
    for symbol, quote in cached.items():
        current = out.get(symbol)
        if current is None:
            continue  # not an asset we know: a stale entry from an older catalog
        if current.date is None or quote.date is None or quote.date >= current.date:
            out[symbol] = quote
    return out
