"""The screen's door to price histories (the API's `/days`), for the sparklines.

Like `price_feed`: the price service (and httpx) is imported on first use, in
the worker, never on the first frame's path. Histories are kept in
`history.json` beside the price cache, so an offline start shows the last
history seen, dated; none of these functions raises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rebalancer_tui.models import Asset

if TYPE_CHECKING:
    from rebalancer_tui.prices import HistoryReport

HISTORY_DAYS = 90
HISTORY_FILE_NAME = "history.json"


def history_path(price_cache: Path | None) -> Path:
    """Beside the price cache: a given cache path's folder, else the default."""
    if price_cache is not None:
        return price_cache.with_name(HISTORY_FILE_NAME)
    from rebalancer_tui.prices.config import default_history_path

    return default_history_path()


def cached(price_cache: Path | None) -> HistoryReport:
    """The histories kept on disk (source 'cached'), with any problem reading them."""
    from rebalancer_tui.prices import HistoryCache, HistoryReport

    cache = HistoryCache(history_path(price_cache))
    histories = cache.load()
    return HistoryReport(histories, cache_problems=list(cache.problems))


async def fetch(
    api_url: str,
    price_cache: Path | None,
    extra: Sequence[Asset] = (),
    *,
    today: dt.date | None = None,
    timeout: float = 3.0,
    deadline: float = 6.0,
) -> HistoryReport:
    """The last `HISTORY_DAYS` days of every catalog asset (and `extra`), fetched
    concurrently; an asset that fails keeps its cached history, if any."""
    from rebalancer_tui.data import load_catalog
    from rebalancer_tui.prices import HistoryCache, fetch_histories

    end = today if today is not None else dt.date.today()
    assets = [*load_catalog().assets, *extra]
    return await fetch_histories(
        api_url,
        assets,
        end - dt.timedelta(days=HISTORY_DAYS),
        end,
        timeout=timeout,
        deadline=deadline,
        cache=HistoryCache(history_path(price_cache)),
        today=end,
    )
