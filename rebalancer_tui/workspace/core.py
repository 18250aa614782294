"""Everything the app works on, without a screen: the models, the state, its
file session and its undo history.

Constructing a `Workspace` reads nothing; `start()` reads the user's models
and portfolio file (the main screen calls it when it is mounted).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from rebalancer_tui.data import load_catalog
from rebalancer_tui.engine import Options, RebalanceInput
from rebalancer_tui.models import Asset, ModelPortfolio
from rebalancer_tui.workspace import price_feed
from rebalancer_tui.workspace.history import History
from rebalancer_tui.workspace.outcome import Outcome, one_line
from rebalancer_tui.workspace.session import PortfolioSession
from rebalancer_tui.workspace.state import PortfolioState

if TYPE_CHECKING:
    from rebalancer_tui.engine import Plan
    from rebalancer_tui.engine.contribution import Contribution


@dataclasses.dataclass(frozen=True)
class FileAction:
    """A file dialog: what it asks, what it would lose (`check`), what it does (`act`)."""

    title: str
    default: Path
    hint: str
    act: Callable[[Path], Outcome]
    check: Callable[[Path], str | None] | None = None


class Workspace:
    state: PortfolioState

    def __init__(
        self, *, fund: str | None = None, demo_seed: int = 0, portfolio: Path | None = None
    ) -> None:
        self.fund_flag = fund
        self.demo_seed = demo_seed
        self.session = PortfolioSession(portfolio)
        self.history = History()
        self.models: list[ModelPortfolio] = []
        self.extra_assets: list[Asset] = []

    def start(self) -> list[Outcome]:
        """Read the user's models and portfolio (once); the problems found, to tell."""
        from rebalancer_tui.user_models import load_user_models

        if self.models:
            return []
        own, extra, errors = load_user_models()
        problems = [Outcome(False, e, "warning") for e in errors]
        self.models, self.extra_assets = [*load_catalog().models, *own], extra
        model = next((m for m in self.models if m.id == self.fund_flag), self.models[0])
        if self.fund_flag is not None and model.id != self.fund_flag:
            problems.append(
                Outcome(
                    False, f"Unknown fund {self.fund_flag!r}; showing {model.label}.", "warning"
                )
            )
        quotes = price_feed.start_quotes(self.extra_assets)
        self.state = PortfolioState.demo(model, quotes, self.demo_seed)
        pf, problem = self.session.start(self.known_symbols(), self.model_ids())
        if problem is not None:
            problems.append(problem)
        if pf is not None:
            chosen = self.model(pf.model) if self.fund_flag is None else model
            self.state = PortfolioState.from_file(pf, chosen, quotes)
        return problems

    def plan_input(self) -> RebalanceInput | None:
        """The engine's input for the state, or None while it cannot be planned."""
        try:
            return self.state.to_input()
        except ValueError:
            return None

    def known_symbols(self) -> list[str]:
        return [*(a.symbol for a in load_catalog().assets), *(a.symbol for a in self.extra_assets)]

    def model_ids(self) -> list[str]:
        return [m.id for m in self.models]

    def model(self, fund_id: str) -> ModelPortfolio:
        return next(m for m in self.models if m.id == fund_id)

    def fund_index(self, fund_id: str) -> int:
        return next(i for i, m in enumerate(self.models) if m.id == fund_id)

    def names(self) -> dict[str, str]:
        """Names of the user's own assets (the catalog's are known to the preview)."""
        return {a.symbol: a.name for a in self.extra_assets}

    # -- changes that need more than one field -------------------------------------

    def regenerated(self) -> Outcome:
        """A new demo. If the holdings were the user's file's, the session lets go of
        the file: nothing made from the demo is saved over it."""
        seed = (self.state.demo_seed if self.state.demo_seed is not None else -1) + 1
        message = f"New demo portfolio (seed {seed})."
        if self.session.saving and self.state.demo_seed is None:
            self.session.detach()
            message += (
                f" Your file {self.session.path} is unchanged and no longer saved to: "
                "ctrl+o reopens it, ctrl+z goes back."
            )
        return Outcome.done(message, self.state.regenerated(seed), "new demo")

    def edited(self, **fields: object) -> Outcome:
        """An editor's change (None fields unchanged), undoable, told by the screen itself."""
        state = self.state
        changes = {k: v for k, v in fields.items() if v is not None and v != getattr(state, k)}
        what = " and ".join(changes)
        if "holdings" in changes:
            changes["demo_seed"] = None  # the user's own holdings: never regenerated
        return Outcome.done("", state.replace(**changes), f"edit of {what}")

    def with_contribution(self, suggested: Contribution | None) -> Outcome:
        """The suggested contribution (buy-only) added as extra cash."""
        if not self.state.options.buy_only or suggested is None:
            return Outcome(False, "No suggested contribution: it is shown in buy-only mode (i).")
        amount = suggested.amount
        if amount <= 0:
            return Outcome(False, "Your cash already suffices: nothing to add.")
        state = self.state.replace(cash=self.state.cash + amount)
        return Outcome.done(f"Added ${amount:,.2f} as extra cash.", state, "added cash")

    def undo(self) -> Outcome:
        step = self.history.undo(self.state)
        if step is None:
            return Outcome(False, "Nothing to undo.")
        return Outcome.done(f"Undone: {step[0]}.", step[1])

    def inputs_problem(self, cash: Decimal, options: Options) -> str | None:
        """Why these inputs cannot be planned with the current holdings, if so."""
        candidate = self.state.replace(cash=cash, options=options)
        if candidate.unpriced():
            return None  # a missing price is not the inputs' fault
        try:
            candidate.to_input()
        except ValueError as exc:
            return one_line(exc)
        return None

    def contribution_hint(self, suggested: Contribution | None) -> str:
        """The line under the results in buy-only mode ('' hides it)."""
        if not self.state.options.buy_only or suggested is None:
            return ""
        amount = suggested.amount
        if amount <= 0:
            return "Your cash already brings every ETF within its band without selling."
        return (
            f"Add ${amount:,.2f} to bring every ETF within its band without selling "
            "(a: add it as extra cash)."
        )

    # -- file actions: a question first (None: nothing to confirm), then an Outcome --

    def file_action(self, kind: str, plan: Plan | None = None) -> FileAction | Outcome:
        """The dialog for `kind` (save, open, import, export), or why there is none."""
        cwd, path = Path.cwd(), self.session.path
        if kind == "save":
            hint = "holdings, cash, options and model"
            return FileAction("Save portfolio", path, hint, self.save_as, self.save_question)
        if kind == "open":
            return FileAction("Open portfolio", path, "a portfolio JSON file", self.open)
        if kind == "import":
            hint = "columns symbol,shares; replaces the holdings (ctrl+z undoes it)"
            default = cwd / "holdings.csv"
            return FileAction(
                "Import holdings CSV", default, hint, self.import_holdings, self.import_question
            )
        if plan is None:
            return Outcome(False, "No plan to export yet.", "warning")
        return FileAction(
            f"Export orders: {plan.strategy}",
            cwd / f"orders-{plan.strategy}.csv",
            "columns action,symbol,shares,price,amount",
            lambda p: self.export_orders(plan, p),
            self.export_question,
        )

    def save_question(self, path: Path) -> str | None:
        return self.session.save_question(path)

    def save_as(self, path: Path) -> Outcome:
        state = self.state.replace(demo_seed=None)  # saved holdings are the user's own
        outcome = self.session.save_as(state, path)
        return dataclasses.replace(outcome, state=state) if outcome.ok else outcome

    def open(self, path: Path) -> Outcome:
        pf, outcome = self.session.open(path, self.known_symbols(), self.model_ids())
        if pf is None:
            return outcome
        state = PortfolioState.from_file(pf, self.model(pf.model), self.state.quotes)
        # Undoing into another file's states would write them over this one.
        self.history.clear()
        return dataclasses.replace(outcome, state=state)

    def _read_holdings(self, path: Path) -> tuple[dict[str, int] | None, Outcome]:
        return self.session.import_holdings(path, [*self.known_symbols(), *self.state.overrides])

    def import_question(self, path: Path) -> str | None:
        holdings, _ = self._read_holdings(path)
        if holdings is None:
            return None  # the import itself says what is wrong
        return self.session.import_question(path, holdings, self.state.holdings)

    def import_holdings(self, path: Path) -> Outcome:
        holdings, outcome = self._read_holdings(path)
        if holdings is None:
            return outcome
        state = self.state.replace(holdings=holdings, demo_seed=None)
        return dataclasses.replace(outcome, state=state, undo="import")

    def export_question(self, path: Path) -> str | None:
        return self.session.export_question(path)

    def export_orders(self, plan: Plan, path: Path) -> Outcome:
        return self.session.export_orders(plan, path)
