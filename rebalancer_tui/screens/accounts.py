"""The household's accounts (key A), the asset-location table (key L) and the
IBKR account ids a basket export needs.

Accounts: type a name, kind, cash, reserve and buy menu, press Enter: a new
name adds the account; after picking a row (Enter or a click on it) the row's
account is changed, renamed if the name was changed. `e` (or the Holdings
button) edits the highlighted account's shares; Delete removes it, asking
first when it holds anything. Every change posts `AccountsEdited` to the main
screen: undoable with ctrl+z, saved like any other change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message_pump import MessagePump
from textual.widgets import Button, DataTable, Footer, Input, Label, Static

from rebalancer_tui import rules
from rebalancer_tui.engine.household import Account
from rebalancer_tui.messages import AccountsEdited
from rebalancer_tui.screens.modal import Modal, add_columns, field_keys
from rebalancer_tui.widgets.fields import DecimalField, field_input
from rebalancer_tui.widgets.format import money, right
from rebalancer_tui.widgets.keyed_table import cursor_key
from rebalancer_tui.widgets.ordered_input import OrderedInput

if TYPE_CHECKING:
    from rebalancer_tui.workspace import PortfolioState

R = TypeVar("R")
_IBKR_ID = re.compile(r"[A-Z]{1,3}[0-9]{5,12}", re.ASCII)
CASH = DecimalField(rules.CASH, blank_ok=True)
RESERVE = DecimalField(rules.RESERVE, blank_ok=True)
KINDS = ", ".join(rules.ACCOUNT_KINDS)

MODAL_CSS = """
AccountsScreen, LocationScreen, IdsPrompt { align: center middle; }
.accounts-table { height: auto; max-height: 12; margin-top: 1; }
.accounts-grid {
    grid-size: 2; grid-columns: 26 1fr; grid-rows: 1; grid-gutter: 0 1;
    height: auto; margin: 1 0 0 0;
}
.accounts-buttons { height: auto; margin-top: 1; }
.accounts-buttons Button { width: auto; min-width: 6; margin-right: 1; }
.accounts-error { height: auto; min-height: 1; }
"""


def parse_symbols(text: str) -> list[str]:
    """Symbols separated by commas or spaces, each checked, none twice."""
    out: list[str] = []
    for raw in text.replace(",", " ").split():
        sym = rules.check_symbol(raw)
        if sym not in out:
            out.append(sym)
    return out


def held_summary(account: Account) -> str:
    """What an account holds, in a few words: "10 BND, 5 ESGV and cash $500.00"."""
    parts = [f"{n:,} {s}" for s, n in account.holdings.items() if n]
    shown = ", ".join(parts[:4]) + (f" and {len(parts) - 4} more" if len(parts) > 4 else "")
    if account.cash:
        shown = (
            f"{shown} and cash {money(account.cash)}" if shown else f"cash {money(account.cash)}"
        )
    return shown


class FormScreen(Modal[R], Generic[R]):
    """A dialog with a table, typed fields and an error line."""

    DEFAULT_CSS = MODAL_CSS
    ERROR_LINE = ".accounts-error"

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def _highlighted(self) -> str | None:
        return cursor_key(self.query_one(".accounts-table", DataTable))

    @staticmethod
    def _table(id: str) -> DataTable[Any]:
        return DataTable(id=id, classes="accounts-table", cursor_type="row", zebra_stripes=True)


class HouseholdForm(FormScreen[None]):
    """A dialog editing the household's accounts or asset location: each
    change is posted to `target` as `AccountsEdited`."""

    DIALOG_ID: ClassVar[str]

    def __init__(
        self,
        target: MessagePump,
        accounts: Sequence[Account],
        location: Mapping[str, frozenset[str]],
    ) -> None:
        super().__init__(id=self.DIALOG_ID)
        self.target = target
        self.accounts = list(accounts)
        self.location = dict(location)

    @classmethod
    def of(cls, target: MessagePump, state: PortfolioState) -> Self:
        return cls(target, state.accounts, state.location)

    def apply(self) -> bool:
        """Apply what the fields say (Enter in any field); False, with the
        reason on the error line, if refused."""
        raise NotImplementedError

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.apply()

    def action_close(self) -> None:
        self.close(None)


class AccountsScreen(HouseholdForm):
    DIALOG_ID = "accounts-dialog"
    BINDINGS: ClassVar[list[BindingType]] = field_keys(
        "accounts",
        Binding("delete", "remove", "Remove account", id="accounts.remove"),
        Binding("e", "holdings", "Holdings", id="accounts.holdings"),
        Binding("l", "location", "Location", id="accounts.location"),
    )
    editing: str | None = None  # the row picked: Enter changes that account

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body") as body:
            body.border_title = "Accounts"
            body.styles.width = 96  # the table's six columns and the five buttons
            yield self._table("accounts-table")
            with Grid(classes="accounts-grid"):
                yield Label("Account name", classes="field-label")
                yield OrderedInput(
                    placeholder="e.g. ira", id="ac-name", compact=True, max_length=32
                )
                yield Label("Kind", classes="field-label")
                yield OrderedInput(placeholder=KINDS, id="ac-kind", compact=True)
                yield Label("Cash $", classes="field-label")
                yield field_input(CASH, placeholder="0", id="ac-cash")
                yield Label("Reserve $ (kept in cash)", classes="field-label")
                yield field_input(RESERVE, placeholder="0", id="ac-reserve")
                yield Label("Buy menu (blank: any)", classes="field-label")
                yield OrderedInput(placeholder="e.g. VTI BND", id="ac-buyable", compact=True)
            yield Static("", classes="accounts-error")
            with Horizontal(classes="accounts-buttons"):
                yield Button("Set", id="ac-set", variant="primary", compact=True)
                yield Button("New", id="ac-new", compact=True)
                yield Button("Holdings…", id="ac-holdings", compact=True)
                yield Button("Remove", id="ac-remove", variant="error", compact=True)
                yield Button("Location…", id="ac-location", compact=True)
            yield Static(
                "Enter sets (a new name adds) · Enter on a row edits it · e holdings · "
                "Del removes · l location · Esc closes",
                classes="modal-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        add_columns(
            self.query_one("#accounts-table", DataTable), account="Account", kind="Kind",
            cash=right("Cash"), reserve=right("Reserve"), holdings=right("Holdings"),
            buyable="Buy menu",
        )  # fmt: skip
        self._fill()
        self.query_one("#ac-name", Input).focus()

    def _fill(self) -> None:
        table = self.query_one("#accounts-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for a in self.accounts:
            table.add_row(
                a.name,
                a.kind,
                right(money(a.cash)),
                right(money(a.reserve)),
                right(str(sum(1 for n in a.holdings.values() if n))),
                "any" if a.buyable is None else " ".join(sorted(a.buyable)),
                key=a.name,
            )
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1), animate=False)

    def _find(self, name: str) -> Account | None:
        return next((a for a in self.accounts if a.name == name), None)

    @on(DataTable.RowSelected, "#accounts-table")
    def _pick(self, event: DataTable.RowSelected) -> None:
        a = self._find(str(event.row_key.value))
        if a is None:
            return
        self.editing = a.name
        self.query_one("#ac-name", Input).value = a.name
        self.query_one("#ac-kind", Input).value = a.kind
        self.query_one("#ac-cash", Input).value = rules.plain(a.cash)
        self.query_one("#ac-reserve", Input).value = rules.plain(a.reserve)
        buy = "" if a.buyable is None else " ".join(sorted(a.buyable))
        self.query_one("#ac-buyable", Input).value = buy
        self._error(f"Editing {a.name}: Enter sets it (a changed name renames it)")
        self.query_one("#ac-name", Input).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        actions = {
            "ac-set": self.apply, "ac-new": self._clear, "ac-holdings": self.action_holdings,
            "ac-remove": self.action_remove, "ac-location": self.action_location,
        }  # fmt: skip
        act = actions.get(event.button.id or "")
        if act is not None:
            act()

    def _clear(self) -> None:
        self.editing = None
        for sel in ("#ac-name", "#ac-kind", "#ac-cash", "#ac-reserve", "#ac-buyable"):
            self.query_one(sel, Input).value = ""
        self._error("")
        self.query_one("#ac-name", Input).focus()

    def apply(self) -> bool:
        """Add, change or rename the typed account; False (with a message) if refused."""
        try:
            name = rules.check_account_name(self._value("#ac-name"))
        except rules.InputError as exc:
            self._error(str(exc))
            self.query_one("#ac-name", Input).focus()
            return False
        old = self._find(self.editing) if self.editing is not None else self._find(name)
        if old is not None and name != old.name and self._find(name) is not None:
            self._error(f"There is an account {name} already: choose another name")
            return False
        try:
            kind_text = self._value("#ac-kind")
            kind = rules.check_account_kind(kind_text) if kind_text.strip() else None
            cash = CASH.parse(self._value("#ac-cash"))
            reserve = RESERVE.parse(self._value("#ac-reserve"))
            menu_text = self._value("#ac-buyable")
            buyable = frozenset(parse_symbols(menu_text)) if menu_text.strip() else None
        except rules.InputError as exc:
            self._error(str(exc))
            return False
        base = old if old is not None else Account(name=name)
        fields = {
            **base.model_dump(),
            "name": name,
            "kind": kind or (base.kind if old is not None else "taxable"),
            "cash": cash if cash is not None else base.cash,
            "reserve": reserve if reserve is not None else base.reserve,
            "buyable": buyable,
        }
        if fields["kind"] != "taxable" and base.lots:
            # Only taxable accounts have lots: ask before the kind drops them.
            if not self._drop_lots:
                self._ask_drop_lots(base, str(fields["kind"]))
                return False
            fields["lots"] = ()
        try:
            account = Account(**fields)
        except ValidationError as exc:
            self._error(rules.describe_validation_error(exc))
            return False
        if old is None:
            accounts = [*self.accounts, account]
            what = f"addition of account {name}"
        else:
            accounts = [account if a.name == old.name else a for a in self.accounts]
            what = (
                f"rename of account {old.name} to {name}" if name != old.name
                else f"edit of account {name}"
            )  # fmt: skip
        if accounts == self.accounts:
            self._error("No change")
            return True
        renamed = (old.name, name) if old is not None and name != old.name else None
        self._post(accounts, what, renamed)
        self._clear()
        self._error(what[0].upper() + what[1:] + " done (ctrl+z on the main screen undoes it)")
        return True

    _drop_lots = False

    def _ask_drop_lots(self, account: Account, kind: str) -> None:
        from rebalancer_tui.screens.confirm import Confirm

        n = len(account.lots)
        lots = f"{n} tax lot" + ("" if n == 1 else "s")
        question = (
            f"Account {account.name} has {lots}; a {kind} account has none (its sales "
            f"are not taxed). Make it {kind} and drop them? (ctrl+z undoes it)"
        )
        self._error(f"Account {account.name} has {lots}: only taxable accounts have lots")
        self.app.push_screen(
            Confirm(question, (("drop", "Drop the lots"),), title="Tax lots"),
            self._after_drop_lots,
        )

    def _after_drop_lots(self, answer: str | None) -> None:
        if answer != "drop":
            return
        self._drop_lots = True
        try:
            self.apply()
        finally:
            self._drop_lots = False

    def _post(
        self, accounts: list[Account], what: str, renamed: tuple[str, str] | None = None
    ) -> None:
        self.accounts = accounts
        self._fill()
        self.target.post_message(AccountsEdited(tuple(accounts), what, renamed=renamed))

    def action_remove(self) -> None:
        from rebalancer_tui.screens.confirm import Confirm

        name = self._highlighted()
        if name is None or not self.is_active:
            return
        if len(self.accounts) == 1:
            self._error("A household keeps at least one account")
            return
        account = self._find(name)
        assert account is not None
        held = held_summary(account)
        if not held:
            self._remove(name)
            return
        if account.lots:
            n = len(account.lots)
            held += f" ({n} tax lot" + ("" if n == 1 else "s") + ")"
        question = f"Remove account {name} with {held}? (ctrl+z undoes it)"
        self.app.push_screen(
            Confirm(question, (("yes", "Remove"),), title="Remove account"),
            lambda answer: self._remove(name) if answer == "yes" else None,
        )

    def _remove(self, name: str) -> None:
        self._post([a for a in self.accounts if a.name != name], f"removal of account {name}")
        if self.editing == name:
            self._clear()
        self._error(f"Removed account {name} (ctrl+z on the main screen undoes it)")

    def action_holdings(self) -> None:
        name = self._highlighted()
        edit = getattr(self.target, "edit_account_holdings", None)
        if name is not None and edit is not None and self.is_active:
            self.close(None)
            edit(name)

    def action_location(self) -> None:
        if not self.is_active:
            return
        self.close(None)
        self.app.push_screen(LocationScreen(self.target, self.accounts, self.location))


class LocationScreen(HouseholdForm):
    """Asset location: which account kinds each symbol prefers (the last tie-break)."""

    DIALOG_ID = "location-dialog"
    BINDINGS: ClassVar[list[BindingType]] = field_keys(
        "location", Binding("delete", "remove", "Remove symbol", id="location.remove")
    )

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body") as body:
            body.border_title = "Asset location"
            yield self._table("location-table")
            with Grid(classes="accounts-grid"):
                yield Label("Symbol", classes="field-label")
                yield OrderedInput(
                    placeholder="e.g. BND", id="lo-symbol", compact=True, max_length=16
                )
                yield Label("Preferred kinds", classes="field-label")
                yield OrderedInput(
                    placeholder=f"{KINDS} (blank: none)", id="lo-kinds", compact=True
                )
            yield Static("", classes="accounts-error")
            yield Static(
                "Where a symbol is best held; it decides only between plans equal in "
                "deviation and turnover · Enter sets · Del removes · Esc closes",
                classes="modal-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        add_columns(self.query_one("#location-table", DataTable), symbol="Symbol",
                    kinds="Preferred kinds")  # fmt: skip
        self._fill()
        self.query_one("#lo-symbol", Input).focus()

    def _fill(self) -> None:
        table = self.query_one("#location-table", DataTable)
        table.clear()
        for sym in sorted(self.location):
            table.add_row(sym, ", ".join(sorted(self.location[sym])), key=sym)

    @on(DataTable.RowSelected, "#location-table")
    def _pick(self, event: DataTable.RowSelected) -> None:
        sym = str(event.row_key.value)
        self.query_one("#lo-symbol", Input).value = sym
        self.query_one("#lo-kinds", Input).value = ", ".join(sorted(self.location.get(sym, ())))
        self.query_one("#lo-kinds", Input).focus()

    def apply(self) -> bool:
        try:
            sym = rules.check_symbol(self._value("#lo-symbol"))
            kinds = frozenset(
                rules.check_account_kind(k)
                for k in self._value("#lo-kinds").replace(",", " ").split()
            )
        except rules.InputError as exc:
            self._error(str(exc))
            return False
        location = dict(self.location)
        if kinds:
            location[sym] = kinds
        else:
            location.pop(sym, None)
        self._post(location, f"location of {sym}")
        for sel in ("#lo-symbol", "#lo-kinds"):
            self.query_one(sel, Input).value = ""
        self.query_one("#lo-symbol", Input).focus()
        return True

    def _post(self, location: dict[str, frozenset[str]], what: str) -> None:
        if location == self.location:
            return
        self.location = location
        self._fill()
        self._error("")
        edit = AccountsEdited(tuple(self.accounts), f"edit of the {what}", location)
        self.target.post_message(edit)

    def action_remove(self) -> None:
        sym = self._highlighted()
        if sym is not None:
            self._post({s: k for s, k in self.location.items() if s != sym}, f"location of {sym}")


class IdsPrompt(FormScreen[dict[str, str] | None]):
    """The Interactive Brokers account id (U1234567) of each account with orders;
    blank: TWS's default account. Dismisses with {account: id}, or None."""

    BINDINGS: ClassVar[list[BindingType]] = field_keys("ids", escape="cancel")

    def __init__(self, accounts: Sequence[str]) -> None:
        super().__init__(classes="ids-prompt")
        self.accounts = list(accounts)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body") as body:
            body.border_title = "IBKR account ids"
            with Grid(classes="accounts-grid"):
                for i, name in enumerate(self.accounts):
                    yield Label(f"Account {name}", classes="field-label")
                    yield OrderedInput(placeholder="U1234567", id=f"id-{i}", compact=True)
            yield Static("", classes="accounts-error")
            yield Static(
                "The basket names each order's IBKR account · blank: TWS's default "
                "account · Enter confirms · Esc cancels",
                classes="modal-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#id-0", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        ids: dict[str, str] = {}
        for i, name in enumerate(self.accounts):
            ident = self._value(f"#id-{i}").strip().upper()
            if ident and not _IBKR_ID.fullmatch(ident):
                self._error(f"Account {name}: an IBKR id looks like U1234567 (got {ident!r})")
                self.query_one(f"#id-{i}", Input).focus()
                return
            ids[name] = ident
        self.close(ids)

    def action_cancel(self) -> None:
        self.close(None)


__all__ = ["AccountsScreen", "IdsPrompt", "LocationScreen", "parse_symbols"]
