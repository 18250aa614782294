"""The price-history worker for the preview's sparklines, and its message.

Started once the first frame is on screen: the cached histories first (an
offline start shows the last ones seen, dated), then, unless offline, the
live ones (`workspace.history_feed`). The answer goes to the widget that shows
it; a failure only leaves the sparklines as they were (the price worker
already tells about network trouble).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker

from rebalancer_tui.models import Asset
from rebalancer_tui.workspace import history_feed, price_feed

if TYPE_CHECKING:
    from rebalancer_tui.prices import HistoryReport

log = logging.getLogger(__name__)


@dataclass
class HistoriesUpdated(Message):
    """Histories to show: `live` False for the cached ones read at start."""

    report: HistoryReport
    live: bool
    offline: bool


def start_histories(
    node: DOMNode,
    target: DOMNode,
    *,
    api_flag: str | None,
    cache_path: Path | None,
    extra: Sequence[Asset] = (),
    offline: bool,
    today: dt.date | None = None,
) -> None:
    """Run the history worker on `node`; `target` gets each `HistoriesUpdated`."""

    # A coroutine function, not a coroutine object: a worker cancelled (or an app
    # quit) before it starts would leave the coroutine never awaited, and the
    # interpreter could deadlock warning about it at exit (CPython import lock).
    async def work() -> None:
        await _histories(target, api_flag, cache_path, tuple(extra), offline, today)

    # The declared result type settles mypy's inference over Textual's WorkType union.
    _worker: Worker[None] = node.run_worker(
        work, exclusive=True, group="histories", exit_on_error=False
    )


async def _histories(
    target: DOMNode,
    api_flag: str | None,
    cache_path: Path | None,
    extra: tuple[Asset, ...],
    offline: bool,
    today: dt.date | None,
) -> None:
    post = target.post_message
    try:
        report = await asyncio.to_thread(history_feed.cached, cache_path)
        post(HistoriesUpdated(report, live=False, offline=offline))
        if offline:
            return
        api_url = await asyncio.to_thread(price_feed.resolve, api_flag)
        report = await history_feed.fetch(api_url, cache_path, extra, today=today)
    except Exception:  # sparklines are a nicety: the app goes on without them
        log.exception("price history fetch failed")
        return
    log.info("histories in %.2f s, %d errors", report.elapsed_s, len(report.errors))
    post(HistoriesUpdated(report, live=True, offline=False))
