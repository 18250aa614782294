"""The main screen: fund list, strategy picker, preview, results. UI glue only:
state, files and undo live in the headless `Workspace`, background work in
`Jobs`; every change goes through `set_state`, which decides what to autosave,
redraw and re-plan. Panes and editors report with typed messages; the
actions that open dialogs or act on files are in `main_actions`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TypedDict, Unpack, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer

from rebalancer_tui import messages as msg
from rebalancer_tui.engine import STRATEGIES, Plan, weights_table
from rebalancer_tui.jobs import Jobs
from rebalancer_tui.keys import MAIN_KEYS
from rebalancer_tui.screens.main_actions import MainActions
from rebalancer_tui.widgets.accounts_table import AccountsTable
from rebalancer_tui.widgets.fund_list import FundList
from rebalancer_tui.widgets.preview import FundPreview
from rebalancer_tui.widgets.price_status import PriceStatus
from rebalancer_tui.widgets.results import ResultsPane
from rebalancer_tui.widgets.steady_header import SteadyHeader
from rebalancer_tui.widgets.strategy_picker import StrategyPicker
from rebalancer_tui.workspace import Outcome, PortfolioState, Workspace
from rebalancer_tui.workspace.outcome import one_line
from rebalancer_tui.workspace.tax_lots import has_lots, wash_symbols

if TYPE_CHECKING:
    from rebalancer_tui.engine import Options
    from rebalancer_tui.engine.contribution import Contribution
    from rebalancer_tui.engine.household_plan import HouseholdPlan
    from rebalancer_tui.screens.compare import CompareScreen

# Dialogs and the compare view are imported where first opened: the first
# frame does not wait for them.


BREAKPOINTS = [(0, "-narrow"), (140, "-medium"), (210, "-wide")]  # where the tables fit


class Start(TypedDict, total=False):
    """How the app was started (the command line's flags): the price service
    (`api_url`, `offline`, `cache_path`) and what it opens (`fund`,
    `portfolio`, else the demo of `demo_seed`). A key left out: the default."""

    api_url: str | None
    offline: bool
    demo_seed: int
    fund: str | None
    cache_path: Path | None
    portfolio: Path | None


class MainScreen(MainActions):
    AUTO_FOCUS = "#funds"
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = BREAKPOINTS
    BINDINGS: ClassVar[list[BindingType]] = MAIN_KEYS

    def __init__(self, **start: Unpack[Start]) -> None:
        super().__init__(id="main")
        # Nothing is read here: the workspace starts when the screen is composed.
        self.workspace = Workspace(
            fund=start.get("fund"),
            demo_seed=start.get("demo_seed", 0),
            portfolio=start.get("portfolio"),
        )
        self.jobs = Jobs(self, cache_path=start.get("cache_path"), api_flag=start.get("api_url"))
        self.offline, self.fetching = start.get("offline", False), False
        self.highlighted_fund = ""
        self.strategy = "simple"
        self.plans: dict[str, HouseholdPlan] = {}
        self.contribution: Contribution | None = None
        self._compare: CompareScreen | None = None

    def compose(self) -> ComposeResult:
        problems = self.workspace.start()  # the user's models and portfolio file
        for problem in problems:
            self.notify(problem.message, severity=problem.severity, timeout=8)
        self.highlighted_fund = self.state.model.id
        # Textual sets the breakpoint class on the first Resize, after the first
        # layout; the terminal's size is known already, so lay out for it at once.
        width = self.app.size.width
        fits = max((b for b in BREAKPOINTS if b[0] <= width), default=None)
        marks = {n: (at, n) == fits for at, n in BREAKPOINTS}
        self.update_classes(marks, animate=False)
        yield SteadyHeader()
        with VerticalScroll(id="body", can_focus=False):  # its panes take the focus
            with Horizontal(id="top"):
                with Vertical(id="sidebar"):
                    yield FundList(self.workspace.models, id="funds")
                    yield StrategyPicker(id="strategy")
                yield FundPreview(id="preview")
            # The household by account (shown with several accounts), above the results.
            yield AccountsTable("Accounts", id="accounts")
            yield ResultsPane(id="results")
        yield PriceStatus(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._show_fund(self.state.model.id)
        self.query_one(StrategyPicker).show_current(self.strategy)
        self.fetching = not self.offline
        self.refresh_views()
        # The first frame shows the holdings and a loading plan; the solve and
        # price threads start after it, so they do not hold the GIL meanwhile.
        self.request_plans(after_refresh=True)
        self.call_after_refresh(self.action_reload_prices, True)

    def _show_fund(self, fund_id: str) -> None:
        self.highlighted_fund = fund_id
        funds = self.query_one(FundList)
        funds.show_chosen(fund_id)
        funds.highlighted = self.workspace.fund_index(fund_id)

    # -- the one reaction to a change ----------------------------------------------

    def set_state(self, new: PortfolioState, *, undo: str | None = None) -> None:
        """Make `new` the state: autosave what the file holds, redraw, re-plan if
        stale. `undo` names the change for ctrl+z (None: not undoable)."""
        old = self.workspace.state
        if new == old:
            return
        if undo is not None:
            self.workspace.history.record(undo, old)
        self.workspace.state = new
        if new.saved_part() != old.saved_part():
            self.tell(self.workspace.session.autosave_now(new))
        if new.model.id != old.model.id:
            self._show_fund(new.model.id)
        self.refresh_views()
        if new.plan_part() != old.plan_part():
            self.request_plans()

    def apply(self, outcome: Outcome | None) -> None:
        """An action's outcome: its state (if any) through `set_state`, then told."""
        if outcome is not None and outcome.state == self.state:
            self.refresh_views()  # e.g. where it is saved now
        elif outcome is not None and outcome.state is not None:
            self.set_state(outcome.state, undo=outcome.undo)
        self.tell(outcome)

    def tell(self, outcome: Outcome | None) -> None:
        """Show an outcome; a file changed on disk offers to reload it or save elsewhere."""
        if outcome is not None and outcome.message:
            self.notify(outcome.message, severity=outcome.severity, timeout=outcome.timeout)
        if outcome is not None and outcome.conflict:
            self.refresh_views()  # the status line says "not saved" now
            self._offer_reload()

    @on(events.ScreenResume)
    def _offer_reload(self) -> None:
        """After a conflict, once back on this screen (not over an editor's copy)."""
        from rebalancer_tui.screens.confirm import Confirm

        if self.app.screen is self and (question := self.workspace.session.conflict_question()):
            choices = (("reload", "Reload from disk"), ("save", "Save as…"))
            ask = Confirm(question, choices, title="Changed on disk")
            self.app.push_screen(ask, self._after_conflict)

    def _after_conflict(self, answer: str | None) -> None:
        if answer == "reload":
            self.apply(self.workspace.open(self.workspace.session.path))
        elif answer == "save":
            self.action_file("save")

    def refresh_views(self) -> None:
        """Push the state into every pane (cheap: no solving here)."""
        state, ws = self.state, self.workspace
        quotes = state.effective_quotes()
        self.sub_title = f"Target: {state.model.label}"
        chosen = self.highlighted_fund == state.model.id
        preview = ws.model(self.highlighted_fund)
        self.query_one(FundPreview).show(preview, quotes, chosen=chosen, names=ws.names())
        inp = self.workspace.plan_input()
        self.query_one(PriceStatus).show(
            quotes,
            fetching=self.fetching,
            total=inp.total_value if inp is not None else None,
            cash=state.cash,
            options=state.options,
            symbols={*state.model.weights, *state.holdings},  # the prices in use
            demo_seed=state.demo_seed,
            portfolio=self.workspace.session.path.name if self.workspace.session.saving else None,
        )
        results = self.query_one(ResultsPane)
        if inp is not None:
            rows, wash = weights_table(inp, inp.holdings), wash_symbols(state)
            results.show_current(rows, inp.options, cash=state.cash, wash=wash)
        results.show_hint(ws.contribution_hint(self.contribution))
        self._show_accounts()

    def _band(self) -> Options:
        """The options as the tables use them: the household's reserve in force."""
        inp = self.workspace.plan_input()
        return inp.options if inp is not None else self.state.options

    def _show_accounts(self) -> None:
        """The symbol x account view, with several accounts (and the plan's cash left)."""
        state = self.state
        table = self.query_one(AccountsTable)
        table.display = len(state.accounts) > 1
        if not table.display:
            return
        held = [s for a in state.accounts for s, n in a.holdings.items() if n]
        symbols = list(dict.fromkeys([*state.model.weights, *held]))
        plan = None if self.planning else self.plans.get(self.strategy)
        left = None if plan is None else {a.account: a.cash_left for a in plan.accounts_after}
        after = None if plan is None else plan.final_shares
        table.show(state.accounts, symbols, state.prices(), left, after, wash_symbols(state))

    # -- plans: the plan first, then the slower buy-only suggestion -------------------

    def request_plans(self, *, after_refresh: bool = False) -> None:
        """Solve the shown strategy (all of them while comparing); older work is dropped."""
        self.contribution = None
        try:
            household = self.state.to_household()
        except ValueError as exc:
            self.jobs.cancel()
            self.plans.clear()  # no export of a plan for inputs that have changed
            self._set_loading(False)
            self.query_one(ResultsPane).show_problem(f"Cannot plan: {one_line(exc)}")
            self.notify(f"Cannot plan: {one_line(exc)}", severity="error")
            return
        self._set_loading(True)
        names = STRATEGIES if self._compare is not None else (self.strategy,)
        self.jobs.plan(household, names, after_refresh=after_refresh)

    def _set_loading(self, on: bool) -> None:
        for pane in (self.query_one(ResultsPane), self._compare):
            if pane is not None:
                pane.set_loading(on)

    @on(msg.PlanReady)
    def _plan_ready(self, message: msg.PlanReady) -> None:
        if not self.jobs.answered(message.request_id):
            return  # a stale answer to inputs that have changed since
        self._set_loading(False)
        results, band, tax = self.query_one(ResultsPane), self._band(), has_lots(self.state)
        if message.failure is not None:
            results.show_problem(f"Could not compute the plan: {message.failure}")
            self.notify(f"Could not compute the plan: {message.failure}", severity="error")
            return
        self.plans.update((plan.strategy, plan) for plan in message.plans)
        # A household plan has a plan's figures (orders also name their account).
        if self.strategy in self.plans:
            results.show_plan(cast(Plan, self.plans[self.strategy]), band, tax=tax)
        if self._compare is not None and len(message.plans) == len(STRATEGIES):
            self._compare.show_plans(cast(list[Plan], message.plans), band, tax=tax)
        self._show_accounts()
        inp = self.workspace.plan_input()
        if inp is not None and inp.options.buy_only and len(self.state.accounts) == 1:
            self.jobs.contribute(message.request_id, inp)

    @on(msg.ContributionReady)
    def _contribution_ready(self, message: msg.ContributionReady) -> None:
        if message.request_id == self.jobs.latest:
            self.contribution = message.contribution
            self.refresh_views()

    @on(msg.PricesUpdated)
    def _prices_updated(self, message: msg.PricesUpdated) -> None:
        if message.notice is not None:  # a fetch is over
            self.fetching, self.offline = False, self.offline or message.offline
            self.notify(message.notice.message, title="Prices", severity=message.notice.severity)
        self.set_state(self.state.replace(quotes={**self.state.quotes, **message.quotes}))
        if message.notice is not None:
            self.refresh_views()  # the "fetching" mark goes, even when no price moved

    # -- messages up from the panes and editors --------------------------------------

    @on(msg.FundHighlighted)
    def _preview_fund(self, message: msg.FundHighlighted) -> None:
        if message.fund_id != self.highlighted_fund:
            self.highlighted_fund = message.fund_id
            self.refresh_views()

    @on(msg.FundChosen)
    def _use_fund(self, message: msg.FundChosen) -> None:
        self.choose_fund(message.fund_id)

    @on(msg.StrategyChosen)
    def _use_strategy(self, message: msg.StrategyChosen) -> None:
        self.action_strategy(message.strategy)

    @on(msg.PortfolioEdited)
    def _edited(self, message: msg.PortfolioEdited) -> None:
        fields = {k: getattr(message, k) for k in ("holdings", "cash", "options", "overrides")}
        self.apply(self.workspace.edited(account=message.account, **fields))

    @on(msg.AccountsEdited)
    def _accounts_edited(self, message: msg.AccountsEdited) -> None:
        ws = self.workspace
        self.apply(
            ws.accounts_edited(message.accounts, message.what, message.location, message.renamed)
        )

    # -- actions (keys, mouse and the command palette all land here) ------------------

    def choose_fund(self, fund_id: str) -> None:
        self.set_state(self.state.with_fund(self.workspace.model(fund_id)), undo="fund choice")
        if self.highlighted_fund != fund_id:
            self._show_fund(fund_id)
            self.refresh_views()

    def action_strategy(self, strategy: str) -> None:
        """One of `STRATEGIES`, or `COMPARE` (all side by side, in the compare view)."""
        if strategy == msg.COMPARE and self._compare is None:
            from rebalancer_tui.screens.compare import CompareScreen

            self._compare = CompareScreen()
            self.app.push_screen(self._compare, self._compare_closed)
        elif strategy in STRATEGIES:
            self._use(strategy)
            if self._compare is not None:
                self._compare.close(None)  # its dismiss callback re-plans
                return
            if strategy in self.plans and not self.planning:  # the last plan, confirmed below
                plan, tax = cast(Plan, self.plans[strategy]), has_lots(self.state)
                self.query_one(ResultsPane).show_plan(plan, self._band(), tax=tax)
        elif strategy != msg.COMPARE:
            return
        self.request_plans()

    def _compare_closed(self, strategy: str | None) -> None:
        self._compare = None
        if strategy in STRATEGIES:
            self._use(strategy)
        self.request_plans()

    def _use(self, strategy: str) -> None:
        self.strategy = strategy
        self.query_one(StrategyPicker).show_current(strategy)

    def action_reload_prices(self, cached_first: bool = False) -> None:
        """`cached_first` (at start): the cached prices, then live ones unless offline."""
        if self.offline and not cached_first:
            self.notify("Offline: live prices are not fetched.", severity="warning", timeout=3)
            return
        self.fetching = not self.offline
        self.refresh_views()
        extra = self.workspace.extra_assets
        self.jobs.prices(extra, offline=self.offline, cached_first=cached_first)
