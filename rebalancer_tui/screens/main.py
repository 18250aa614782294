"""The main screen: fund list, strategy picker, preview, results; owns the workers.

State lives here in one `PortfolioState`; panes get it as attributes and
report back with messages. Prices load in an async worker, plans are solved
in a thread worker; both post messages the screen handles on its own thread.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pydantic import ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState, get_current_worker

from rebalancer_tui.data import load_catalog
from rebalancer_tui.engine import (
    STRATEGIES,
    Options,
    Plan,
    RebalanceInput,
    solve,
    weights_table,
)
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
from rebalancer_tui.models import Asset, ModelPortfolio
from rebalancer_tui.screens import price_feed
from rebalancer_tui.screens.session import PortfolioSession
from rebalancer_tui.screens.state import PortfolioState
from rebalancer_tui.widgets.format import money
from rebalancer_tui.widgets.fund_list import FundList
from rebalancer_tui.widgets.preview import FundPreview
from rebalancer_tui.widgets.price_status import PriceStatus
from rebalancer_tui.widgets.results import ResultsPane
from rebalancer_tui.widgets.strategy_picker import StrategyPicker

if TYPE_CHECKING:
    from rebalancer_tui.engine.contribution import Contribution
    from rebalancer_tui.screens.compare import CompareScreen

# Screens and engine parts that only a key press or a buy-only plan needs are
# imported where they are used: the first frame does not wait for them.

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
    AUTO_FOCUS = "#funds"
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
        Binding("e", "edit_holdings", "Holdings", id="portfolio.edit"),
        Binding("i", "inputs", "Inputs", id="portfolio.inputs"),
        Binding("o", "override_price", "Price override", show=False, id="portfolio.override"),
        Binding("a", "apply_contribution", "Add suggested cash", show=False,
                id="portfolio.contribution"),
        Binding("x", "export_orders", "Export orders", id="orders.export"),
        Binding("ctrl+s", "save", "Save", id="file.save"),
        Binding("ctrl+o", "open", "Open", show=False, id="file.open"),
        Binding("I", "import_holdings", "Import CSV", show=False, key_display="I",
                id="file.import"),
        Binding("r", "regenerate", "New demo", show=False, id="regenerate"),
        Binding("p", "reload_prices", "Prices", show=False, id="prices.reload"),
    ]  # fmt: skip

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
        # Resolved in the prices worker: the price service is not imported before
        # the first frame.
        self._api_flag = api_url
        self.api_url: str | None = None
        self.models, self.extra_assets = self._load_models()
        model = next((m for m in self.models if m.id == fund), self.models[0])
        if fund is not None and model.id != fund:
            self._problems.append(f"Unknown fund {fund!r}; showing {model.label}.")
        self.state = PortfolioState.demo(
            model, price_feed.start_quotes(self.extra_assets), demo_seed
        )
        self.session = PortfolioSession(portfolio)
        pf, problem = self.session.open_at_start(self._known_symbols(), self._model_ids())
        if problem:
            self._problems.append(problem)
        if pf is not None:
            chosen = self._model(pf.model) if fund is None else model
            self.state = PortfolioState.from_file(pf, chosen, self.state.quotes)
        self.highlighted_fund = self.state.model.id
        self.contribution: Contribution | None = None
        self.strategy = "simple"
        self.plans: dict[str, Plan] = {}
        self.fetching = False
        self._request_id = 0
        self._pending: int | None = None
        self._compare: CompareScreen | None = None

    # -- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Textual sets the breakpoint class on the screen's first Resize, which it
        # handles after the first layout: that frame would be laid out for another
        # width, then restyled and redrawn. The terminal's size is known already.
        width = self.app.size.width
        fits = max((b for b in self.HORIZONTAL_BREAKPOINTS if b[0] <= width), default=None)
        self.update_classes(
            {name: (at, name) == fits for at, name in self.HORIZONTAL_BREAKPOINTS}, animate=False
        )
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
        self.query_one(StrategyPicker).show_current(self.strategy)
        for problem in self._problems:
            self.notify(problem, severity="warning", timeout=8)
        self.fetching = not self.offline
        self.refresh_views()
        # The first frame shows the holdings and a loading plan; the solve and the
        # price threads start after it, so that they do not hold the GIL while it
        # is drawn.
        self.request_plans(after_refresh=True)
        self.call_after_refresh(self._fetch_prices, cached_first=True)

    def _load_models(self) -> tuple[list[ModelPortfolio], list[Asset]]:
        """The built-in models, then the user's own (each bad one is a notice)."""
        from rebalancer_tui.user_models import load_user_models

        own, extra, errors = load_user_models()
        self._problems.extend(errors)
        return [*load_catalog().models, *own], extra

    def _known_symbols(self) -> list[str]:
        return [*(a.symbol for a in load_catalog().assets), *(a.symbol for a in self.extra_assets)]

    def _model_ids(self) -> list[str]:
        return [m.id for m in self.models]

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
            names={a.symbol: a.name for a in self.extra_assets},
        )
        inp = self._input()
        self.query_one(PriceStatus).show(
            quotes,
            fetching=self.fetching,
            total=inp.total_value if inp is not None else None,
            cash=state.cash,
            band=state.options.band,
            demo_seed=state.demo_seed,
            portfolio=self.session.path.name if self.session.saving else None,
        )
        if inp is not None:
            self.query_one(ResultsPane).show_current(
                weights_table(inp, inp.holdings), float(state.options.band)
            )
        self.query_one(ResultsPane).show_hint(self._contribution_hint())

    def _contribution_hint(self) -> str:
        if not self.state.options.buy_only or self.contribution is None:
            return ""
        amount = self.contribution.amount
        if amount <= 0:
            return "Your cash already brings every ETF within its band without selling."
        return (
            f"Add {money(amount)} to bring every ETF within its band without selling "
            "(a: add it as extra cash)."
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

    def request_plans(self, *, after_refresh: bool = False) -> None:
        """Solve the shown strategy (all of them while comparing) in a thread.

        `after_refresh`: start the thread once the screen has been painted.
        """
        inp = self._input(tell=True)
        if inp is None:
            self.plans.clear()  # no export of a plan for inputs that have changed
            self.contribution = None
            return
        self._request_id += 1
        self._pending = self._request_id
        names = STRATEGIES if self._compare is not None else (self.strategy,)
        self._set_loading(True)
        if after_refresh:
            self.call_after_refresh(self._solve_if_pending, self._request_id, inp, tuple(names))
        else:
            self._solve(self._request_id, inp, tuple(names))

    def _solve_if_pending(
        self, request_id: int, inp: RebalanceInput, names: tuple[str, ...]
    ) -> None:
        # A newer request may have started its (exclusive) worker meanwhile; this
        # one must not cancel it.
        if request_id == self._pending:
            self._solve(request_id, inp, names)

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
        contribution = None
        if inp.options.buy_only:
            from rebalancer_tui.engine.contribution import suggested_contribution

            try:
                contribution = suggested_contribution(inp)
            except Exception:  # a hint only: the plans stand without it
                log.exception("suggested contribution failed")
        if not worker.is_cancelled:
            self.post_message(PlanReady(request_id, names[0], plans, contribution))

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
        self.contribution = message.contribution
        self.query_one(ResultsPane).show_hint(self._contribution_hint())
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
    async def _fetch_prices(self, cached_first: bool = False) -> None:
        # The price service (and httpx) is imported here, off the main thread,
        # after the first frame: start-up does not wait for it.
        if cached_first:
            quotes = await asyncio.to_thread(
                price_feed.best_known, self.cache_path, self.extra_assets
            )
            self.post_message(PricesUpdated(quotes, {}, 0.0, live=False))
        if self.offline:
            return
        if self.api_url is None:
            try:
                self.api_url = await asyncio.to_thread(price_feed.resolve, self._api_flag)
            except ValueError as exc:
                self.offline, self.fetching = True, False
                self.refresh_views()
                self.notify(f"{exc}; working offline.", severity="warning", timeout=8)
                return
        report = await price_feed.fetch(self.api_url, self.cache_path, self.extra_assets)
        self.post_message(
            PricesUpdated(report.quotes, report.errors, report.elapsed_s, report.cache_error)
        )

    def on_prices_updated(self, message: PricesUpdated) -> None:
        quotes = {**self.state.quotes, **message.quotes}
        if not message.live and quotes == self.state.quotes:
            return  # the cache holds nothing newer than the prices shown
        self.state = self.state.replace(quotes=quotes)
        if not message.live:
            # The cached prices read at start: no fetch was tried, nothing to tell.
            self.refresh_views()
            self.request_plans()
            return
        self.fetching = False
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
        if message.fund_id == self.highlighted_fund:
            return  # e.g. the highlight set at mount: the preview already shows it
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
        self.changed()

    def changed(self) -> None:
        """After any accepted change: autosave, show it, re-plan."""
        problem = self.session.autosave_now(self.state)
        if problem:
            self.notify(problem, severity="error", timeout=10)
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
        self.changed()

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
        from rebalancer_tui.screens.compare import CompareScreen

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
        own = self.state.demo_seed is None
        seed = (self.state.demo_seed if self.state.demo_seed is not None else -1) + 1
        self.state = self.state.regenerated(seed)
        kept = f" Your file {self.session.path} is unchanged (ctrl+o reopens it)." if own else ""
        self.notify(f"New demo portfolio (seed {seed}).{kept}", timeout=4 if own else 2)
        self.refresh_views()
        self.request_plans()

    def action_reload_prices(self) -> None:
        if self.offline:
            self.notify("Offline: live prices are not fetched.", severity="warning", timeout=3)
            return
        self.fetching = True
        self.refresh_views()
        self._fetch_prices()

    # -- editing the portfolio (modals post PortfolioEdited back here) --------

    def _modal_open(self) -> bool:
        # One editor at a time, and only over the main view.
        return self.app.screen is not self

    def action_inputs(self) -> None:
        from rebalancer_tui.screens.inputs import InputsScreen

        if not self._modal_open():
            self.app.push_screen(
                InputsScreen(self, self.state.cash, self.state.options, self._inputs_problem)
            )

    def _inputs_problem(self, cash: Decimal, options: Options) -> str | None:
        """Why these inputs cannot be planned with the current holdings, if so."""
        candidate = self.state.replace(cash=cash, options=options)
        if candidate.unpriced():
            return None  # a missing price is not the inputs' fault
        try:
            candidate.to_input()
        except ValueError as exc:
            return readable(exc)
        return None

    def action_edit_holdings(self, focus_price: bool = False) -> None:
        if self._modal_open():
            return
        from rebalancer_tui.screens.holdings_editor import HoldingsEditor

        s = self.state
        self.app.push_screen(
            HoldingsEditor(
                self, s.model, s.holdings, s.quotes, s.overrides, focus_price=focus_price
            )
        )

    def action_override_price(self) -> None:
        self.action_edit_holdings(focus_price=True)

    def action_apply_contribution(self) -> None:
        c = self.contribution
        if not self.state.options.buy_only or c is None:
            self.notify(
                "No suggested contribution: it is shown in buy-only mode (key i).", timeout=3
            )
            return
        if c.amount <= 0:
            self.notify("Your cash already suffices: nothing to add.", timeout=3)
            return
        self.state = self.state.replace(cash=self.state.cash + c.amount)
        self.notify(f"Added {money(c.amount)} as extra cash.", timeout=3)
        self.changed()

    # -- files ----------------------------------------------------------------

    def _ask_path(self, title: str, default: Path, hint: str, then: object) -> None:
        from rebalancer_tui.screens.file_prompt import FilePrompt

        if not self._modal_open():
            self.app.push_screen(FilePrompt(title, default, hint), then)  # type: ignore[arg-type]

    def action_save(self) -> None:
        self._ask_path(
            "Save portfolio", self.session.path, "holdings, cash, options and model", self._save_to
        )

    def _save_to(self, path: Path | None) -> None:
        if path is None:
            return
        from rebalancer_tui.portfolio_io import InputError

        state = self.state.replace(demo_seed=None)  # saved holdings are the user's own
        try:
            self.session.save_as(state, path)
        except InputError as exc:
            self.notify(f"Not saved: {exc}", severity="error", timeout=10)
            return
        self.state = state
        self.refresh_views()
        self.notify(f"Saved to {path}; changes are now saved as you make them.", timeout=4)

    def action_open(self) -> None:
        self._ask_path("Open portfolio", self.session.path, "a portfolio JSON file", self._open)

    def _open(self, path: Path | None) -> None:
        if path is None:
            return
        from rebalancer_tui.portfolio_io import InputError

        try:
            pf = self.session.load(path, self._known_symbols(), self._model_ids())
        except InputError as exc:
            self.notify(f"Not opened: {exc}", severity="error", timeout=10)
            return
        self.state = PortfolioState.from_file(pf, self._model(pf.model), self.state.quotes)
        self.highlighted_fund = pf.model
        funds = self.query_one(FundList)
        funds.show_chosen(pf.model)
        funds.highlighted = self._fund_index(pf.model)
        self.notify(f"Opened {path}.", timeout=3)
        self.refresh_views()
        self.request_plans()

    def action_import_holdings(self) -> None:
        self._ask_path(
            "Import holdings CSV",
            Path.cwd() / "holdings.csv",
            "columns symbol,shares; replaces the holdings",
            self._import,
        )

    def _import(self, path: Path | None) -> None:
        if path is None:
            return
        from rebalancer_tui.portfolio_io import InputError, read_holdings_csv

        known = [*self._known_symbols(), *self.state.overrides]
        try:
            holdings = read_holdings_csv(path, known=known)
        except InputError as exc:
            self.notify(f"Not imported: {exc}", severity="error", timeout=10)
            return
        self.state = self.state.replace(holdings=holdings, demo_seed=None)
        self.notify(f"Imported {len(holdings)} holdings from {path}.", timeout=3)
        self.changed()

    def action_export_orders(self) -> None:
        plan = self.plans.get(self.strategy)
        if plan is None or self._pending is not None:
            self.notify("No plan to export yet.", severity="warning", timeout=3)
            return
        self._ask_path(
            f"Export orders: {plan.strategy}",
            Path.cwd() / f"orders-{plan.strategy}.csv",
            "columns action,symbol,shares,price,amount",
            lambda path: self._export(plan, path),
        )

    def _export(self, plan: Plan, path: Path | None) -> None:
        if path is None:
            return
        from rebalancer_tui.portfolio_io import InputError, write_orders_csv

        try:
            write_orders_csv(path, plan)
        except InputError as exc:
            self.notify(f"Not exported: {exc}", severity="error", timeout=10)
            return
        self.notify(f"Exported {len(plan.orders)} orders to {path}.", timeout=4)
