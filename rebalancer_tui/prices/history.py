"""Price histories (the API's `/days`) and their on-disk cache beside the price cache.

Groundwork for sparklines: `client.fetch_histories` fetches many assets'
histories at once and falls back per asset to the last history kept here.
The cache file holds, per symbol, the asset's last good history with the date
it was fetched; each history is one compact string ("2026-03-02:74.64,...")
so a large cache stays a few values for the bounded JSON reader, and every
point is checked like a live price when read. Reading never raises.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from rebalancer_tui.prices.config import default_history_path
from rebalancer_tui.prices.parse import bounded_price
from rebalancer_tui.prices.report import FetchReport
from rebalancer_tui.prices.symbol_file import SymbolFile, iso_date
from rebalancer_tui.rules import InputError, shown

HISTORY_VERSION = 1
# About 16 years of trading days: more than any sparkline shows.
MAX_HISTORY_POINTS = 4000
MAX_HISTORY_ENTRIES = 5000
MAX_HISTORY_CACHE_BYTES = 16 * 1024 * 1024
_FILE = SymbolFile(
    what="history cache",
    key="histories",
    version=HISTORY_VERSION,
    max_bytes=MAX_HISTORY_CACHE_BYTES,
    max_entries=MAX_HISTORY_ENTRIES,
    dated_by="fetched",
)
_POINT = re.compile(r"(\d{4}-\d{2}-\d{2}):(\d{1,7}(?:\.\d{1,8})?)")

Point = tuple[dt.date, Decimal]


@dataclass(frozen=True)
class History:
    """One asset's daily prices, oldest first, with where they came from."""

    symbol: str
    points: tuple[Point, ...]
    source: Literal["live", "cached"]
    fetched: dt.date  # the day these points were fetched from the API
    reason: str | None = None  # why a cached history stands in for a live one

    def between(self, start: dt.date, end: dt.date) -> tuple[Point, ...]:
        return tuple(p for p in self.points if start <= p[0] <= end)


@dataclass
class HistoryReport(FetchReport):
    """Outcome of one history fetch: a history for every asset that has one."""

    histories: dict[str, History]


def encode_points(points: Sequence[Point]) -> str:
    return ",".join(f"{day.isoformat()}:{price}" for day, price in points)


def decode_points(text: object) -> tuple[Point, ...]:
    """Points from their cache text, each checked like a live price; InputError if any is bad."""
    if not isinstance(text, str):
        raise InputError("points: expected text")
    if not text:
        return ()
    items = text.split(",")
    if len(items) > MAX_HISTORY_POINTS:
        raise InputError(f"points: more than {MAX_HISTORY_POINTS:,}")
    points: dict[dt.date, Decimal] = {}
    for item in items:
        match = _POINT.fullmatch(item)
        if match is None:
            raise InputError(f"points: {shown(item, 24)} is not DATE:PRICE")
        try:
            day = dt.date.fromisoformat(match.group(1))
        except ValueError:
            raise InputError(f"points: {shown(item, 24)} has no valid date") from None
        points[day] = bounded_price(Decimal(match.group(2)))
    return tuple(sorted(points.items()))


def _entry(symbol: str, raw: Any) -> History:
    if not isinstance(raw, dict):
        raise InputError("expected an object with fetched and points")
    return History(
        symbol=symbol,
        points=decode_points(raw.get("points")),
        source="cached",
        fetched=iso_date(raw.get("fetched"), "fetched"),
    )


class HistoryCache:
    """Last good history per symbol, at `path` (default: `history.json` beside the price cache)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_history_path()
        self.problems: list[str] = []

    def load(self) -> dict[str, History]:
        """Cached histories (source 'cached'); {} if the file is unusable. Never raises."""
        self.problems = []
        return _FILE.load(self.path, _entry, self.problems)

    def save(self, histories: Mapping[str, History]) -> None:
        """Merge the live histories among `histories` into the file, atomically.

        Raises `OSError` if the file cannot be written.
        """
        live = {s: h for s, h in histories.items() if h.source == "live"}
        if not live:
            return
        merged = {
            s: {"fetched": h.fetched.isoformat(), "points": encode_points(h.points)}
            for s, h in {**self.load(), **live}.items()
        }
        _FILE.save(self.path, merged)
