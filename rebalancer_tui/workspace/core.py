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
from rebalancer_tui.engine.household import Account
from rebalancer_tui.models import Asset, ModelPortfolio
from rebalancer_tui.workspace import price_feed
from rebalancer_tui.workspace.history import History
from rebalancer_tui.workspace.outcome import Outcome, one_line
from rebalancer_tui.workspace.session import PortfolioSession
from rebalancer_tui.workspace.state import PortfolioState
from rebalancer_tui.workspace.tax_lots import dropped_line, fitted

if TYPE_CHECKING:
    from rebalancer_tui.engine.contribution import Contribution
    from rebalancer_tui.engine.household_plan import HouseholdPlan
    from rebalancer_tui.storage.brokers import BrokerPositions
    from rebalancer_tui.storage.orders_export import OrderRow


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
        from rebalancer_tui.storage.user_models import load_user_models

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

    def edited(self, *, account: str | None = None, **fields: object) -> Outcome:
        """An editor's change (None fields unchanged), undoable, told by the screen itself.

        `account`: whose holdings (None: the only account's). With several
        accounts the cash is set per account (the accounts dialog), so a
        household total sent back unchanged is no change."""
        state = self.state
        held = state.account(account).holdings if account is not None else state.holdings
        now = {**{k: getattr(state, k) for k in fields if k != "holdings"}, "holdings": held}
        changes = {k: v for k, v in fields.items() if v is not None and v != now[k]}
        if len(state.accounts) > 1:
            changes.pop("cash", None)
        what = " and ".join(changes)
        if "overrides" in changes:  # a price typed over a broker file's is the user's own
            new = changes["overrides"]
            assert isinstance(new, dict)
            kept = {
                s: d for s, d in state.file_prices.items() if new.get(s) == state.overrides.get(s)
            }
            if kept != state.file_prices:
                changes["file_prices"] = kept
        if "holdings" in changes:
            changes["demo_seed"] = None  # the user's own holdings: never regenerated
            if account is None:
                account = state.accounts[0].name
            changes["account"] = account
            if len(state.accounts) > 1:
                what = f"{account}'s holdings" + (
                    " and overrides" if "overrides" in changes else ""
                )
        try:  # the editor checks first; a holding its tax lots no longer add up to is refused
            new = state.replace(**changes)
        except ValueError as exc:
            return Outcome.failed(f"Not applied: {one_line(exc)}")
        return Outcome.done("", new, f"edit of {what}")

    def accounts_edited(
        self,
        accounts: tuple[Account, ...],
        what: str,
        location: dict[str, frozenset[str]] | None = None,
        renamed: tuple[str, str] | None = None,
    ) -> Outcome:
        """The accounts dialog's change (add, rename, remove, kind, cash, reserve,
        buy menu, location), undoable. A second account takes over the inputs'
        reserve into the first account: with several, reserves are per account."""
        state = self.state
        changes: dict[str, object] = {"accounts": accounts}
        if location is not None:
            changes["location"] = location
        message = ""
        if len(accounts) > 1 and state.options.reserve:
            first = accounts[0]
            moved = first.model_copy(update={"reserve": first.reserve + state.options.reserve})
            changes["accounts"] = (moved, *accounts[1:])
            changes["options"] = state.options.model_copy(update={"reserve": Decimal(0)})
            message = (
                f"The reserve ${state.options.reserve:,.2f} is now account {first.name}'s: "
                "with several accounts, reserves are kept per account."
            )
        new = state.replace(**changes)
        if new.accounts != state.accounts:
            new = new.replace(demo_seed=None)  # the user's own accounts: never regenerated
            ids = dict(new.broker_ids)
            if renamed is not None and renamed[0] in ids:
                ids[renamed[1]] = ids.pop(renamed[0])  # the IBKR id follows the account
            kept = set(new.account_names)
            new = new.replace(broker_ids={k: v for k, v in ids.items() if k in kept})
        return Outcome.done(message, new, what)

    def with_contribution(self, suggested: Contribution | None) -> Outcome:
        """The suggested contribution (buy-only) added as extra cash."""
        if not self.state.options.buy_only or suggested is None:
            return Outcome(False, "No suggested contribution: it is shown in buy-only mode (i).")
        if len(self.state.accounts) > 1:
            return Outcome(False, "With several accounts, set each account's cash (key A).")
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
        several = len(self.state.accounts) > 1  # then the cash is each account's (key A)
        candidate = self.state.replace(options=options, **({} if several else {"cash": cash}))
        if candidate.unpriced():
            return None  # a missing price is not the inputs' fault
        try:
            # The household's checks too: a lot bought after the as-of date.
            candidate.to_household()
        except ValueError as exc:
            return one_line(exc)
        return None

    def contribution_hint(self, suggested: Contribution | None) -> str:
        """The line under the results in buy-only mode ('' hides it)."""
        if not self.state.options.buy_only or suggested is None or len(self.state.accounts) > 1:
            return ""
        amount = suggested.amount
        if amount <= 0:
            return "Your cash already brings every ETF within its band without selling."
        return (
            f"Add ${amount:,.2f} to bring every ETF within its band without selling "
            "(a: add it as extra cash)."
        )

    # -- file actions: a question first (None: nothing to confirm), then an Outcome --

    def file_action(
        self, kind: str, plan: HouseholdPlan | None = None, ids: dict[str, str] | None = None
    ) -> FileAction | Outcome:
        """The dialog for `kind` (save, open, import, export, export-ibkr), or why
        there is none. `ids`: IBKR account ids typed for the basket export."""
        cwd, path = Path.cwd(), self.session.path
        if kind == "save":
            hint = "holdings, cash, options and model"
            return FileAction("Save portfolio", path, hint, self.save_as, self.save_question)
        if kind == "open":
            return FileAction("Open portfolio", path, "a portfolio JSON file", self.open)
        if kind == "import":
            hint = (
                "a Schwab, Fidelity, Vanguard or IBKR positions file, or a CSV "
                "[account,]symbol,shares; ctrl+z undoes it"
            )
            default = cwd / "holdings.csv"
            return FileAction(
                "Import holdings", default, hint, self.import_file, self.import_question
            )
        if plan is None:
            return Outcome(False, "No plan to export yet.", "warning")
        if kind == "export-ibkr":
            rows = order_rows(plan)
            all_ids = {**self.ibkr_ids(rows), **(ids or {})}
            return FileAction(
                f"Export IBKR basket: {plan.strategy}",
                cwd / f"basket-{plan.strategy}.csv",
                "TWS BasketTrader file, sells first per account (x: orders CSV)",
                lambda p: self.export_orders(plan, p, "ibkr", all_ids),
                self.export_question,
            )
        return FileAction(
            f"Export orders: {plan.strategy}",
            cwd / f"orders-{plan.strategy}.csv",
            "columns account,action,symbol,shares,price,amount, sells first per account "
            "(X: IBKR basket)",
            lambda p: self.export_orders(plan, p),
            self.export_question,
        )

    def ibkr_ids(self, rows: list[OrderRow]) -> dict[str, str]:
        """The IBKR ids known for the accounts: read from a broker file, or the
        ones the export assumes (an account named like U1234567, one account)."""
        from rebalancer_tui.storage.orders_export import default_ibkr_ids

        return {**default_ibkr_ids(rows), **self.state.broker_ids}

    def missing_ibkr_ids(self, plan: HouseholdPlan) -> list[str]:
        """The accounts with orders whose IBKR id must be asked for."""
        rows = order_rows(plan)
        known = self.ibkr_ids(rows)
        return [a for a in dict.fromkeys(r.account for r in rows) if a not in known]

    def save_question(self, path: Path) -> str | None:
        return self.session.save_question(path)

    def quit_question(self) -> str | None:
        """Why quitting needs a yes, naming what is lost: the user's own holdings
        no file holds (after a new demo, an unreadable or changed file, a failed
        save). None when nothing is lost."""
        from rebalancer_tui.workspace.session import money

        state, session = self.state, self.session
        if not session.unsaved(state):
            return None
        held = sum(1 for n in state.holdings.values() if n)
        what = f"{held} holding" + ("s" if held != 1 else "") + f" and {money(state.cash)} cash"
        return (
            f"This portfolio ({what}, with your edits) is not saved to any file "
            f"(autosave is off; {session.path.name} does not hold it). Quit and lose it, "
            "or save it first?"
        )

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

    # -- import: a broker positions file or a holdings CSV -------------------------

    def _read_import(self, path: Path) -> tuple[PortfolioState | None, Outcome]:
        """The state an import leads to, or why there is none."""
        from rebalancer_tui.rules import InputError
        from rebalancer_tui.storage.brokers import read_if_broker_file

        try:
            positions = read_if_broker_file(path)
        except (InputError, OSError) as exc:
            return None, Outcome.failed(f"Not imported: {one_line(exc)}")
        if positions is not None:
            return self._from_broker(positions)
        state = self.state
        if len(state.accounts) == 1 and not _has_account_column(path):
            holdings, outcome = self.session.import_holdings(
                path, [*self.known_symbols(), *state.overrides]
            )
            if holdings is None:
                return None, outcome
            account, dropped = fitted(state.accounts[0], holdings)
            told = dataclasses.replace(outcome, message=outcome.message + dropped_line(dropped))
            return state.replace(accounts=(account,), demo_seed=None), told
        return self._from_account_csv(path)

    def _from_account_csv(self, path: Path) -> tuple[PortfolioState | None, Outcome]:
        from rebalancer_tui.rules import InputError
        from rebalancer_tui.storage.csv_files import read_account_holdings_csv

        state = self.state
        try:
            per = read_account_holdings_csv(
                path,
                known=[*self.known_symbols(), *state.overrides],
                default_account=state.accounts[0].name,
            )
        except (InputError, OSError) as exc:
            return None, Outcome.failed(f"Not imported: {one_line(exc)}")
        if len(state.accounts) > 1 and not _has_account_column(path):
            return None, Outcome.failed(
                "Not imported: with several accounts the CSV needs an account column "
                "(account,symbol,shares)"
            )
        accounts, dropped = [], []
        for a in state.accounts:
            if a.name in per:
                a, lost = fitted(a, per.pop(a.name))
                dropped += [f"{s} ({a.name})" for s in lost]
            accounts.append(a)
        accounts += [Account(name=n, holdings=h) for n, h in per.items()]
        count = sum(len(a.holdings) for a in accounts)
        new = state.replace(accounts=tuple(accounts), demo_seed=None)
        return new, Outcome.done(f"Imported {count} holdings from {path}.{dropped_line(dropped)}")

    def _from_broker(self, positions: BrokerPositions) -> tuple[PortfolioState | None, Outcome]:
        """The file's accounts become the household (kind taxable: a broker file
        does not say); the file's prices price the symbols nothing else prices."""
        from rebalancer_tui.storage.brokers.to_household import (
            broker_accounts,
            file_prices,
            import_summary,
        )

        state = self.state
        accounts = broker_accounts(positions)  # the one mapping, as `plan --holdings`
        known = {*self.known_symbols(), *state.quotes, *state.overrides}
        overrides, dates = dict(state.overrides), dict(state.file_prices)
        for sym, (price, when) in file_prices(positions, known).items():
            overrides[sym], dates[sym] = price, when
        ids = {b.account: b.number for b in positions.accounts if b.number}
        new = state.replace(
            accounts=accounts, overrides=overrides, file_prices=dates,
            broker_ids=ids, demo_seed=None,
            # with several accounts, reserves are per account
            options=state.options if len(accounts) == 1 else
            state.options.model_copy(update={"reserve": Decimal(0)}),
        )  # fmt: skip
        return new, Outcome.done(import_summary(positions))

    def import_question(self, path: Path) -> str | None:
        """An import that would lose accounts or empty the holdings needs a yes."""
        new, _ = self._read_import(path)
        if new is None:
            return None  # the import itself says what is wrong
        old = self.state
        lost = [
            a
            for a in old.accounts
            if a.name not in new.account_names
            or new.account(a.name).holdings != a.holdings
            or new.account(a.name).cash != a.cash
        ]
        lost = [a for a in lost if a.cash or any(a.holdings.values())]
        if not lost:
            return None
        if set(new.account_names) != set(old.account_names) or len(old.accounts) > 1:
            if old.demo_seed is not None:
                return None  # the demo is not the user's: nothing of theirs is lost
            return (
                f"Importing {path.name} replaces {describe_accounts(lost)}. "
                "Import? (ctrl+z undoes it)"
            )
        return self.session.import_question(path, new.holdings, old.holdings)

    def import_file(self, path: Path) -> Outcome:
        new, outcome = self._read_import(path)
        if new is None:
            return outcome
        return dataclasses.replace(outcome, state=new, undo="import")

    def import_holdings(self, path: Path) -> Outcome:
        """Kept for callers of the old name: `import_file`."""
        return self.import_file(path)

    def export_question(self, path: Path) -> str | None:
        return self.session.export_question(path)

    def export_orders(
        self,
        plan: HouseholdPlan,
        path: Path,
        fmt: str = "csv",
        ids: dict[str, str] | None = None,
    ) -> Outcome:
        return self.session.export_orders(order_rows(plan), path, fmt, ids)


def order_rows(plan: HouseholdPlan) -> list[OrderRow]:
    from rebalancer_tui.storage.orders_export import OrderRow

    return [OrderRow(o.account, o.action, o.symbol, o.shares, o.price, o.amount)
            for o in plan.orders]  # fmt: skip


def describe_accounts(accounts: list[Account]) -> str:
    """ "account ira (3 holdings, cash $500.00)", or several, for a question."""
    parts = [
        f"{a.name} ({sum(1 for n in a.holdings.values() if n)} holdings, cash ${a.cash:,.2f})"
        for a in accounts
    ]
    head = "account" if len(parts) == 1 else f"{len(parts)} accounts:"
    return f"{head} {', '.join(parts)}"


def _has_account_column(path: Path) -> bool:
    """Whether a CSV's first non-blank line names an `account` column."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as f:
            for line in f:
                if line.strip():
                    return "account" in [c.strip().strip('"').lower() for c in line.split(",")]
    except OSError:
        return False
    return False
