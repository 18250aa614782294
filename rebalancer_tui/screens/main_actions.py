"""The main screen's actions that open a dialog or act on the portfolio:
inputs, holdings, accounts, location, tax lots, files, lock, undo, demo.

A base class of `MainScreen`, kept apart so the screen stays the glue
between panes, workers and the workspace. Each action turns into an
`Outcome` (through `apply`) or a dialog that posts a typed message back.
Dialogs are imported where first opened: the first frame does not wait
for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from rebalancer_tui.workspace import Outcome, PortfolioState, Workspace

if TYPE_CHECKING:
    from rebalancer_tui.engine.contribution import Contribution
    from rebalancer_tui.engine.household_plan import HouseholdPlan
    from rebalancer_tui.jobs import Jobs

# The tables whose highlighted row names a holding (its symbol is the row key).
HOLDING_TABLES = ("current", "accounts", "after")


class MainActions(Screen[None]):
    workspace: Workspace
    jobs: Jobs
    strategy: str
    plans: dict[str, HouseholdPlan]
    contribution: Contribution | None

    if TYPE_CHECKING:  # the main screen's reaction to a change

        def apply(self, outcome: Outcome | None) -> None: ...
        def tell(self, outcome: Outcome | None) -> None: ...

    @property
    def state(self) -> PortfolioState:
        return self.workspace.state

    @property
    def planning(self) -> bool:
        """Whether the plan for the inputs in force is still being computed."""
        return self.jobs.pending is not None

    def highlighted_holding(self) -> str | None:
        """The symbol of the holding highlighted in Current holdings (or in the
        accounts view or Holdings after, when focused)."""
        from rebalancer_tui.widgets.keyed_table import KeyedTable

        table = self.focused if isinstance(self.focused, KeyedTable) else None
        if table is None or table.id not in HOLDING_TABLES:
            table = self.query_one("#current", KeyedTable)
        key = table.row_key_at_cursor()
        return None if key is None or key.startswith("$") else key

    def action_regenerate(self) -> None:
        self.apply(self.workspace.regenerated())

    def action_undo(self) -> None:
        self.apply(self.workspace.undo())

    def action_toggle_lock(self) -> None:
        """Lock or unlock the highlighted holding, everywhere (its symbol is the row)."""
        from rebalancer_tui.workspace.locks import toggled_lock

        self.apply(toggled_lock(self.state, self.highlighted_holding()))

    def action_apply_contribution(self) -> None:
        self.apply(self.workspace.with_contribution(self.contribution))

    # -- dialogs (editors post msg.PortfolioEdited; file prompts return an Outcome) -------

    def _push(self, screen: Screen[Any], then: Callable[[Any], None] | None = None) -> None:
        if self.app.screen is self:  # one dialog at a time, over the main view only
            self.app.push_screen(screen, then)

    def action_inputs(self) -> None:
        from rebalancer_tui.screens.inputs import InputsScreen

        self._push(InputsScreen.of(self, self.workspace))

    def action_edit_holdings(self, focus_price: bool = False) -> None:
        from rebalancer_tui.screens.holdings_editor import HoldingsEditor

        self._push(HoldingsEditor.of(self, self.state, focus_price))

    def edit_account_holdings(self, account: str) -> None:
        """The holdings editor on one account (from the accounts dialog)."""
        from rebalancer_tui.screens.holdings_editor import HoldingsEditor

        self.app.push_screen(HoldingsEditor.of(self, self.state, False, account=account))

    def action_tax_lots(self) -> None:
        """The tax lots of the highlighted holding (its account: the first
        taxable one holding it; the dialog's tabs pick another)."""
        from rebalancer_tui.screens.lots import LotsScreen

        self._push(LotsScreen.of(self, self.state, self.highlighted_holding()))

    def action_accounts(self) -> None:
        from rebalancer_tui.screens.accounts import AccountsScreen

        self._push(AccountsScreen.of(self, self.state))

    def action_location(self) -> None:
        from rebalancer_tui.screens.accounts import LocationScreen

        self._push(LocationScreen.of(self, self.state))

    def action_file(self, kind: str, ids: dict[str, str] | None = None) -> None:
        """A file dialog: save, open, import, export or export-ibkr (of the plan
        shown); the basket export first asks for the IBKR ids it does not know."""
        from rebalancer_tui.screens.file_prompt import FilePrompt

        plan = None if self.planning else self.plans.get(self.strategy)
        if kind == "export-ibkr" and plan is not None and ids is None:
            missing = self.workspace.missing_ibkr_ids(plan)
            if missing:
                from rebalancer_tui.screens.accounts import IdsPrompt

                self._push(IdsPrompt(missing), lambda got: self._ids_given(got))
                return
        spec = self.workspace.file_action(kind, plan, ids)
        if isinstance(spec, Outcome):
            self.tell(spec)
        else:
            self._push(FilePrompt(spec), self.apply)

    def _ids_given(self, ids: dict[str, str] | None) -> None:
        if ids is not None:  # None: cancelled, nothing exported
            self.action_file("export-ibkr", ids)
