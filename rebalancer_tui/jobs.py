"""The main screen's background work: plans, the buy-only suggestion, prices.

Each job runs in a worker owned by the screen and reports with a typed
message to it; none raises (a failure is a message too). A newer plan request
cancels the older one and its suggestion: their answers are dropped, so only
the plan for the inputs in force is ever shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from rebalancer_tui.engine import RebalanceInput
from rebalancer_tui.engine.household import Household
from rebalancer_tui.messages import ContributionReady, PlanReady, PricesUpdated
from rebalancer_tui.models import Asset
from rebalancer_tui.workspace import Outcome, price_feed
from rebalancer_tui.workspace.outcome import one_line

log = logging.getLogger(__name__)


class Jobs:
    def __init__(self, node: DOMNode, *, cache_path: Path | None, api_flag: str | None) -> None:
        self.node = node
        self.cache_path = cache_path
        self.api_flag = api_flag
        self.api_url: str | None = None
        self.latest = 0  # the newest plan request
        self.pending: int | None = None  # ...while its plan is not in yet

    # -- plans -------------------------------------------------------------------

    def plan(self, inp: Household, names: Sequence[str], *, after_refresh: bool) -> None:
        """Solve `names` for the household `inp` in a thread (one account or many:
        the same engine call); `after_refresh`: once the screen is painted."""
        self.cancel()
        self.latest += 1
        self.pending = self.latest
        if after_refresh:
            self.node.call_after_refresh(self._start_plan, self.latest, inp, tuple(names))
        else:
            self._start_plan(self.latest, inp, tuple(names))

    def cancel(self) -> None:
        """No answer to the requests made so far will be shown."""
        self.pending = None
        self.node.workers.cancel_group(self.node, "contribution")

    def answered(self, request_id: int) -> bool:
        """Whether a plan answer is for the inputs in force (and take it as such)."""
        if request_id != self.pending:
            return False
        self.pending = None
        return True

    def _start_plan(self, request_id: int, inp: Household, names: tuple[str, ...]) -> None:
        if request_id == self.pending:  # not overtaken while waiting for the refresh
            self.node.run_worker(
                lambda: self._solve(request_id, inp, names),
                thread=True, exclusive=True, group="solve", exit_on_error=False,
            )  # fmt: skip

    def _solve(self, request_id: int, inp: Household, names: tuple[str, ...]) -> None:
        # Off the main thread: touch no widget, only post the result. The
        # household search (and numpy under it) loads here, not at start-up.
        from rebalancer_tui.engine.household_search import solve_household

        worker = get_current_worker()
        try:
            plans = [solve_household(inp, name) for name in names if not worker.is_cancelled]
        except Exception as exc:
            log.exception("solve failed")
            why = f"{', '.join(names)}: {one_line(exc)}"
            self.node.post_message(PlanReady(request_id, names[0], [], failure=why))
            return
        if not worker.is_cancelled:
            self.node.post_message(PlanReady(request_id, names[0], plans))

    def contribute(self, request_id: int, inp: RebalanceInput) -> None:
        """The slower buy-only suggestion, after the plan, in its own cancellable thread."""
        self.node.run_worker(
            lambda: self._contribution(request_id, inp),
            thread=True, exclusive=True, group="contribution", exit_on_error=False,
        )  # fmt: skip

    def _contribution(self, request_id: int, inp: RebalanceInput) -> None:
        from rebalancer_tui.engine.contribution import suggested_contribution
        from rebalancer_tui.engine.errors import Cancelled

        worker = get_current_worker()
        try:
            # A newer request cancels this worker; the engine checks and stops early.
            contribution = suggested_contribution(inp, cancelled=lambda: worker.is_cancelled)
        except Cancelled:
            return
        except Exception:  # a hint only: the plans stand without it
            log.exception("suggested contribution failed")
            contribution = None
        if not worker.is_cancelled:
            self.node.post_message(ContributionReady(request_id, contribution))

    # -- prices -------------------------------------------------------------------

    def prices(self, extra: Sequence[Asset], *, offline: bool, cached_first: bool) -> None:
        # A coroutine function, not a coroutine object (see history_jobs.start_histories).
        async def work() -> None:
            await self._prices(extra, offline, cached_first)

        # The declared result type settles mypy's inference over Textual's WorkType union.
        _worker: Worker[None] = self.node.run_worker(
            work, exclusive=True, group="prices", exit_on_error=False
        )

    async def _prices(self, extra: Sequence[Asset], offline: bool, cached_first: bool) -> None:
        # The price service (and httpx) is imported in this worker, after the first
        # frame: start-up does not wait for it.
        post = self.node.post_message
        try:
            if cached_first:
                quotes = await asyncio.to_thread(price_feed.best_known, self.cache_path, extra)
                post(PricesUpdated(quotes))
            if offline:
                return
            if self.api_url is None:
                try:
                    self.api_url = await asyncio.to_thread(price_feed.resolve, self.api_flag)
                except ValueError as exc:
                    notice = Outcome(False, f"{exc}; working offline.", "warning")
                    post(PricesUpdated({}, notice, offline=True))
                    return
            report = await price_feed.fetch(self.api_url, self.cache_path, extra)
        except Exception as exc:
            log.exception("price fetch failed")
            why = (
                f"Live prices unavailable ({one_line(exc)}); working on cached or fallback prices."
            )
            post(PricesUpdated({}, Outcome(False, why, "warning")))
            return
        log.info("prices in %.2f s, %d errors", report.elapsed_s, len(report.errors))
        notice = price_feed.fetch_outcome(len(report.quotes), report.errors)
        if report.cache_error:
            why = f"{notice.message} Prices not cached: {report.cache_error}"
            notice = Outcome(False, why, "warning")
        post(PricesUpdated(report.quotes, notice))
