"""The main screen: fund list, strategy picker, preview, results; owns the workers.

State lives here in one `PortfolioState`; panes get it as attributes and
report back with messages. Prices load in an async worker, plans are solved
in a thread worker; both post messages the screen handles on its own thread.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import ClassVar

from pydantic import ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState, get_current_worker

from rebalancer_tui.data import load_catalog
from rebalancer_tui.engine import STRATEGIES, Plan, RebalanceInput, solve, weights_table
from rebalancer_tui.messages import (
    COMPARE,
    FundChosen,
    FundHighlighted,
    PlanFailed,
    PlanReady,
    PortfolioEdited,
    PricesUpdated,
    StrategyChosen,
)
from rebalancer_tui.models import ModelPortfolio
from rebalancer_tui.portfolio_io import InputError, load_portfolio
from rebalancer_tui.prices import DEFAULT_API_URL, resolve_api_url
from rebalancer_tui.screens import price_feed
from rebalancer_tui.screens.compare import CompareScreen
from rebalancer_tui.screens.state import PortfolioState
from rebalancer_tui.widgets.fund_list import FundList
from rebalancer_tui.widgets.preview import FundPreview
from rebalancer_tui.widgets.price_status import PriceStatus
from rebalancer_tui.widgets.results import ResultsPane
from rebalancer_tui.widgets.strategy_picker import StrategyPicker

log = logging.getLogger(__name__)


def readable(exc: BaseException) -> str:
    """One line for a notice: pydantic's first error without its boilerplate."""
    if isinstance(exc, ValidationError) and exc.errors():
        msg = str(exc.errors()[0].get("msg", exc))
        return msg.removeprefix("Value error, ")
    return str(exc) or type(exc).__name__


def price_notice(quotes_total: int, errors: dict[str, str]) -> tuple[str, str]:
    """(message, severity) telling the user how the live price fetch went."""
    if not errors:
        return f"Live prices loaded for all {quotes_total} ETFs.", "information"
    shown = [f"{sym}: {why}" for sym, why in list(errors.items())[:3]]
    more = f"; and {len(errors) - 3} more" if len(errors) > 3 else ""
    details = "; ".join(shown) + more
    live = quotes_total - len(errors)
    if live <= 0:
        return (
            f"No live prices ({details}). Working on cached or fallback prices.",
            "warning",
        )
    return (
        f"Live prices for {live} of {quotes_total} ETFs; the others keep cached or "
        f"fallback prices ({details}).",
        "warning",
    )


class MainScreen(Screen[None]):
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-narrow"),
        (100, "-medium"),
        (170, "-wide"),
    ]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "strategy('simple')", "Simple", id="strategy.simple"),
        Binding("2", "strategy('tracking-error')", "Tracking", id="strategy.tracking"),
        Binding("3", "strategy('trade-minimization')", "Min trades", id="strategy.trades"),
        Binding("c", "strategy('compare')", "Compare", id="strategy.compare"),
        Binding("r", "regenerate", "New demo", id="regenerate"),
        Binding("p", "reload_prices", "Prices", id="prices.reload"),
    ]

    def __init__(
        self,
        *,
        api_url: str | None = None,
        offline: bool = False,
        demo_seed: int = 0,
        fund: str | None = None,
        cache_path: Path | None = None,
        portfolio: Path | None = None,
    ) -> None:
        super().__init__(id="main")
        self.offline = offline
        self.cache_path = cache_path
        self._problems: list[str] = []
        try:
            self.api_url = resolve_api_url(api_url)
        except ValueError as exc:
            self._problems.append(f"{exc}; working offline.")
            self.api_url, self.offline = DEFAULT_API_URL, True
        self.models: list[ModelPortfolio] = list(load_catalog().models)
        model = next((m for m in self.models if m.id == fund), self.models[0])
        if fund is not None and model.id != fund:
            self._problems.append(f"Unknown fund {fund!r}; showing {model.label}.")
        self.state = PortfolioState.demo(model, price_feed.best_known(cache_path), demo_seed)
        if portfolio is not None:
            self._open_portfolio(portfolio)
        self.highlighted_fund = self.state.model.id
        self.strategy = "simple"
        self.plans: dict[str, Plan] = {}
        self.fetching = False
        self._request_id = 0
        self._pending: int | None = None
        self._compare: CompareScreen | None = None

    # -- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="body"):
            with Horizontal(id="top"):
                with Vertical(id="sidebar"):
                    yield FundList(self.models, id="funds")
                    yield StrategyPicker(id="strategy")
                yield FundPreview(id="preview")
            yield ResultsPane(id="results")
        yield PriceStatus(id="status")
        yield Footer()

    def on_mount(self) -> None:
        funds = self.query_one(FundList)
        funds.highlighted = self._fund_index(self.state.model.id)
        funds.show_chosen(self.state.model.id)
        funds.focus()
        self.query_one(StrategyPicker).show_current(self.strategy)
        for problem in self._problems:
            self.notify(problem, severity="warning", timeout=8)
        self.refresh_views()
        self.request_plans()
        if not self.offline:
            self.action_reload_prices()

    def _open_portfolio(self, path: Path) -> None:
        """Start on the user's portfolio file; a bad file is reported, never fatal."""
        catalog = load_catalog()
        try:
            pf = load_portfolio(
                path,
                known_symbols=[a.symbol for a in catalog.assets],
                known_models=[m.id for m in self.models],
            )
        except InputError as exc:
            self._problems.append(f"{exc} (showing the demo portfolio)")
            return
        self.state = self.state.replace(
            model=self._model(pf.model),
            holdings=dict(pf.holdings),
            cash=pf.cash,
            options=pf.options.to_engine(),
            overrides=dict(pf.price_overrides),
            demo_seed=None,
        )

    def _fund_index(self, fund_id: str) -> int:
        return next(i for i, m in enumerate(self.models) if m.id == fund_id)

    def _model(self, fund_id: str) -> ModelPortfolio:
        return next(m for m in self.models if m.id == fund_id)

    # -- attributes down --------------------------------------------------------

    def refresh_views(self) -> None:
        """Push the state into every pane (cheap: no solving here)."""
        state = self.state
        quotes = state.effective_quotes()
        self.sub_title = f"Target: {state.model.label}"
        self.query_one(FundPreview).show(
            self._model(self.highlighted_fund),
            quotes,
            chosen=self.highlighted_fund == state.model.id,
        )
        inp = self._input()
        self.query_one(PriceStatus).show(
            quotes,
            fetching=self.fetching,
            total=inp.total_value if inp is not None else None,
            cash=state.cash,
            band=state.options.band,
            demo_seed=state.demo_seed,
        )
        if inp is not None:
            self.query_one(ResultsPane).show_current(
                weights_table(inp, inp.holdings), float(state.options.band)
            )

    def _input(self, *, tell: bool = False) -> RebalanceInput | None:
        try:
            return self.state.to_input()
        except ValueError as exc:
            if tell:
                self.notify(f"Cannot plan: {readable(exc)}", severity="error")
                self.query_one(ResultsPane).show_problem(f"Cannot plan: {readable(exc)}")
            return None

    # -- solving ---------------------------------------------------------------

    def request_plans(self) -> None:
        """Solve the shown strategy (all of them while comparing) in a thread."""
        inp = self._input(tell=True)
        if inp is None:
            return
        self._request_id += 1
        self._pending = self._request_id
        names = STRATEGIES if self._compare is not None else (self.strategy,)
        self._set_loading(True)
        self._solve(self._request_id, inp, tuple(names))

    @work(thread=True, exclusive=True, exit_on_error=False, group="solve")
    def _solve(self, request_id: int, inp: RebalanceInput, names: tuple[str, ...]) -> None:
        # Runs off the main thread: touch no widget, only post the result.
        worker = get_current_worker()
        try:
            plans = [solve(inp, name) for name in names]
        except Exception as exc:
            log.exception("solve failed")
            self.post_message(PlanFailed(request_id, f"{', '.join(names)}: {readable(exc)}"))
            return
        if not worker.is_cancelled:
            self.post_message(PlanReady(request_id, names[0], plans))

    def _set_loading(self, on: bool) -> None:
        results = self.query_one(ResultsPane)
        results.set_loading(on)
        if self._compare is not None:
            self._compare.set_loading(on)

    def on_plan_ready(self, message: PlanReady) -> None:
        if message.request_id != self._pending:
            return  # a stale answer to inputs that have changed since
        self._pending = None
        self._set_loading(False)
        band = float(self.state.options.band)
        for plan in message.plans:
            self.plans[plan.strategy] = plan
        shown = self.plans.get(self.strategy)
        if shown is not None:
            self.query_one(ResultsPane).show_plan(shown, band)
        if self._compare is not None and len(message.plans) == len(STRATEGIES):
            self._compare.show_plans(message.plans, band)

    def on_plan_failed(self, message: PlanFailed) -> None:
        if message.request_id != self._pending:
            return
        self._pending = None
        self._set_loading(False)
        self.query_one(ResultsPane).show_problem(f"Could not compute the plan: {message.reason}")
        self.notify(f"Could not compute the plan: {message.reason}", severity="error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The one place worker errors become notices; nothing reaches the user raw.
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        log.error("worker %s failed: %r", event.worker.name, error)
        if event.worker.group == "prices":
            self.fetching = False
            self.refresh_views()
            self.notify(
                f"Live prices unavailable ({readable(error) if error else 'unknown error'}); "
                "working on cached or fallback prices.",
                severity="warning",
            )
        else:
            self._pending = None
            self._set_loading(False)
            self.notify(f"Something went wrong: {error}", severity="error")

    # -- prices ----------------------------------------------------------------

    @work(exclusive=True, group="prices", exit_on_error=False)
    async def _fetch_prices(self) -> None:
        report = await price_feed.fetch(self.api_url, self.cache_path)
        self.post_message(
            PricesUpdated(report.quotes, report.errors, report.elapsed_s, report.cache_error)
        )

    def on_prices_updated(self, message: PricesUpdated) -> None:
        self.fetching = False
        quotes = {**self.state.quotes, **message.quotes}
        self.state = self.state.replace(quotes=quotes)
        log.info("prices updated in %.2f s, %d errors", message.elapsed_s, len(message.errors))
        text, severity = price_notice(len(message.quotes), message.errors)
        self.notify(text, title="Prices", severity=severity)  # type: ignore[arg-type]
        if message.cache_error:
            self.notify(f"Prices not cached: {message.cache_error}", severity="warning")
        self.refresh_views()
        self.request_plans()

    # -- messages up from the panes -------------------------------------------

    @on(FundHighlighted)
    def _preview_fund(self, message: FundHighlighted) -> None:
        self.highlighted_fund = message.fund_id
        self.refresh_views()

    @on(FundChosen)
    def _use_fund(self, message: FundChosen) -> None:
        self.choose_fund(message.fund_id)

    @on(StrategyChosen)
    def _use_strategy(self, message: StrategyChosen) -> None:
        self.choose_strategy(message.strategy)

    def on_portfolio_edited(self, message: PortfolioEdited) -> None:
        changes: dict[str, object] = {}
        if message.holdings is not None:
            changes["holdings"] = message.holdings
            changes["demo_seed"] = None  # the user's own holdings: never regenerated
        if message.cash is not None:
            changes["cash"] = message.cash
        if message.options is not None:
            changes["options"] = message.options
        if message.overrides is not None:
            changes["overrides"] = message.overrides
        self.state = self.state.replace(**changes)
        self.refresh_views()
        self.request_plans()

    # -- actions (keys, mouse and the command palette all land here) ----------

    def choose_fund(self, fund_id: str) -> None:
        model = self._model(fund_id)
        self.state = self.state.with_fund(model)
        self.highlighted_fund = fund_id
        funds = self.query_one(FundList)
        funds.show_chosen(fund_id)
        funds.highlighted = self._fund_index(fund_id)
        self.refresh_views()
        self.request_plans()

    def choose_strategy(self, strategy: str) -> None:
        if strategy == COMPARE:
            self.open_compare()
            return
        if strategy not in STRATEGIES:
            return
        self.strategy = strategy
        self.query_one(StrategyPicker).show_current(strategy)
        if self._compare is not None:
            self._compare.leave(None)
            return  # the dismiss callback re-plans
        shown = self.plans.get(strategy)
        if shown is not None and self._pending is None:
            # Show the last plan at once; the fresh solve below confirms it.
            self.query_one(ResultsPane).show_plan(shown, float(self.state.options.band))
        self.request_plans()

    def open_compare(self) -> None:
        if self._compare is not None:
            self.request_plans()
            return
        self._compare = CompareScreen()
        self.app.push_screen(self._compare, self._compare_closed)
        self.request_plans()

    def _compare_closed(self, strategy: str | None) -> None:
        self._compare = None
        if strategy in STRATEGIES:
            self.strategy = strategy
            self.query_one(StrategyPicker).show_current(strategy)
        self.request_plans()

    def action_strategy(self, strategy: str) -> None:
        self.choose_strategy(strategy)

    def action_regenerate(self) -> None:
        seed = (self.state.demo_seed if self.state.demo_seed is not None else -1) + 1
        self.state = self.state.regenerated(seed)
        self.notify(f"New demo portfolio (seed {seed}).", timeout=2)
        self.refresh_views()
        self.request_plans()

    def action_reload_prices(self) -> None:
        if self.offline:
            self.notify("Offline: live prices are not fetched.", severity="warning", timeout=3)
            return
        self.fetching = True
        self.refresh_views()
        self._fetch_prices()
