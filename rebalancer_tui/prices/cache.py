"""On-disk cache of the last good live price per asset.

The file is small JSON, replaced atomically (`storage.atomic`), so a crash
mid-write or two instances saving at once leave either the old or the new
file, never half of one. It is read as every per-symbol file is
(`symbol_file`: the bounds of every user file plus an entry count), so a
hostile or runaway cache costs a clear reason, not seconds and gigabytes at
start. Each entry gets the checks a live price gets
(`parse.bounded_price`: the one `rules.PRICE` bound). Reading never raises: a
damaged cache is worth nothing, not an error; what was ignored and why is
kept in `PriceCache.problems`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from rebalancer_tui.data import fallback_quotes
from rebalancer_tui.models import Asset, PriceQuote
from rebalancer_tui.prices.config import default_cache_path
from rebalancer_tui.prices.parse import bounded_price, price_date_problem
from rebalancer_tui.prices.symbol_file import SymbolFile, iso_date
from rebalancer_tui.rules import PRICE, InputError, parse_number

log = logging.getLogger(__name__)

CACHE_VERSION = 1
# Far above any model (the catalog has 12 ETFs, a large own model a few
# thousand); the file-size bound of `storage` stops a runaway file before this.
MAX_CACHE_ENTRIES = 20_000
MAX_CACHE_BYTES = 4 * 1024 * 1024
_FILE = SymbolFile(
    what="price cache",
    key="prices",
    version=CACHE_VERSION,
    max_bytes=MAX_CACHE_BYTES,
    max_entries=MAX_CACHE_ENTRIES,
    dated_by="date",
)
# Plain decimal text for a price of any number of decimals; bounded_price rounds.
_PRICE_TEXT = replace(PRICE, places=None)


def cached_price(value: object) -> Decimal:
    """A price as stored in the cache (text, or a plain JSON number), checked like
    a live one; `InputError` with the rule otherwise."""
    if isinstance(value, str):
        return bounded_price(parse_number(value, _PRICE_TEXT))
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InputError("price: not a number")
    return bounded_price(Decimal(value))


def _entry(symbol: str, entry: Any) -> PriceQuote:
    if not isinstance(entry, dict):
        raise InputError("expected an object with price and date")
    price = cached_price(entry.get("price"))
    date = iso_date(entry.get("date"), "date")
    if (problem := price_date_problem(date)) is not None:
        raise InputError(problem)
    return PriceQuote(symbol=symbol, price=price, source="cached", date=date)


class PriceCache:
    """Last good live price per symbol, at `path` (default: user cache dir)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_cache_path()
        # What the last load() ignored, one line each (the file, or an entry).
        self.problems: list[str] = []

    def load(self) -> dict[str, PriceQuote]:
        """Cached quotes (source 'cached', date of the live price); {} if unusable.

        Never raises. Unusable entries are skipped one by one; a file that is
        not a bounded, regular JSON file of the expected shape is skipped whole.
        Either way the reason is added to `problems`.
        """
        self.problems = []
        return _FILE.load(self.path, _entry, self.problems)

    def save(self, quotes: Mapping[str, PriceQuote]) -> None:
        """Merge the live quotes among `quotes` into the file, atomically.

        Non-live quotes are ignored (a cache of fallbacks would launder them into
        'cached'). Raises `OSError` if the file cannot be written.
        """
        live = {s: q for s, q in quotes.items() if q.source == "live" and q.date is not None}
        if not live:
            return
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        merged: dict[str, dict[str, str]] = {
            s: {"price": str(q.price), "date": q.date.isoformat()}
            for s, q in self.load().items()
            if q.date is not None
        }
        for symbol, quote in live.items():
            assert quote.date is not None  # filtered above; narrows the type
            merged[symbol] = {
                "price": str(bounded_price(quote.price)),
                "date": quote.date.isoformat(),
                "saved_at": now,
            }
        # The newest entries win when there are too many (a huge model, then a smaller one).
        _FILE.save(self.path, merged)


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
