"""The tax lots dialog (key T, SPEC §8): one taxable account's lots, each with
its date, shares, unit cost and, at today's price, its unrealised gain and
term, and a mark on a lot the plans may not sell (the wash-sale window, or
a short-term gain when those are forbidden).

Type a symbol, the date it was bought, its shares and unit cost, press
Enter: the lot is added (or, after Enter on a row, that lot is set). Delete
removes the highlighted lot. The lots of a symbol must add up to its
holding: a lot holding more than the account has is refused; while they
hold fewer, nothing is applied and one line says how many shares are
missing (Esc then asks: drop what was typed, or set the holding to the
lots' sum). Every applied change posts `AccountsEdited`: undoable with
ctrl+z, saved with the portfolio. Only taxable accounts have lots.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message_pump import MessagePump
from textual.widgets import DataTable, Footer, Input, Static, Tab, Tabs

from rebalancer_tui import rules
from rebalancer_tui.engine.tax import TaxLot
from rebalancer_tui.messages import AccountsEdited
from rebalancer_tui.screens.modal import Modal, add_columns, field_keys
from rebalancer_tui.widgets.fields import DateField, DecimalField, field_input
from rebalancer_tui.widgets.format import money, price, right
from rebalancer_tui.widgets.keyed_table import cursor_key
from rebalancer_tui.widgets.ordered_input import OrderedInput
from rebalancer_tui.workspace.tax_lots import (
    WASH,
    latest_lot_date,
    lot_views,
    lots_short,
    shortfall_line,
    with_lots,
)

if TYPE_CHECKING:
    from rebalancer_tui.workspace import PortfolioState

SHARES = DecimalField(rules.SHARES)
COST = DecimalField(rules.LOT_COST)
FIELD_IDS = ("#lot-symbol", "#lot-date", "#lot-shares", "#lot-cost")


def signed(amount: Decimal) -> Text:
    """A gain as "+$12.00" (green) or a loss as "-$3.00" (red)."""
    text = money(amount)
    if amount > 0:
        return right(f"+{text}", "green")
    return right(text, "red" if amount < 0 else "")


def block_note(block: str | None) -> Text:
    """The mark of a lot a plan may not sell, in a few words."""
    if block is None:
        return Text("")
    words = "short-term gain" if block.startswith("short-term") else "wash sale"
    return Text(f"{WASH} {words}", style="bold yellow")


def first_account(state: PortfolioState, symbol: str | None) -> str:
    """The account the dialog opens on: the first taxable one holding
    `symbol`, else the first taxable one, else the first."""
    taxable = [a for a in state.accounts if a.kind == "taxable"]
    holding = [a for a in taxable if symbol and a.holdings.get(symbol)]
    return (holding or taxable or list(state.accounts))[0].name


class LotsScreen(Modal[None]):
    DEFAULT_CSS = """
    LotsScreen { align: center middle; }
    LotsScreen .modal-body { width: 96; }
    #lots-table { height: auto; max-height: 12; margin-top: 1; }
    #lots-fields { height: 1; margin-top: 1; }
    #lots-fields Input { width: 1fr; margin-right: 1; }
    #lots-error, #lots-note { height: auto; min-height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = field_keys(
        "lots", Binding("delete", "remove", "Delete lot", id="lots.remove")
    )
    ERROR_LINE = "#lots-error"

    def __init__(
        self, target: MessagePump, state: PortfolioState, account: str, symbol: str | None
    ) -> None:
        super().__init__(id="lots-dialog")
        self.target = target
        self.state = state
        self.account = account
        self.symbol = symbol
        self.lots: list[TaxLot] = list(state.account(account).lots)  # as typed
        self.editing: int | None = None  # the lot picked: Enter sets it

    @classmethod
    def of(cls, target: MessagePump, state: PortfolioState, symbol: str | None) -> LotsScreen:
        return cls(target, state, first_account(state, symbol), symbol)

    def _date_field(self) -> DateField:
        return DateField("lot date", latest=latest_lot_date(self.state))

    @property
    def taxable(self) -> bool:
        return self.state.account(self.account).kind == "taxable"

    def compose(self) -> ComposeResult:
        with Vertical(id="lots-body", classes="modal-body") as body:
            body.border_title = f"Tax lots of {self.account}"
            if len(self.state.accounts) > 1:
                yield Tabs(
                    *(Tab(a.name, id=f"lots-acct-{a.name}") for a in self.state.accounts),
                    active=f"lots-acct-{self.account}",
                    id="lots-accounts",
                )
            yield Static("", id="lots-note", classes="modal-hint")
            yield DataTable(id="lots-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="lots-fields"):
                yield OrderedInput(
                    placeholder="Symbol", id="lot-symbol", compact=True, max_length=16
                )
                yield field_input(self._date_field(), placeholder="Bought YYYY-MM-DD",
                                  id="lot-date")  # fmt: skip
                yield field_input(SHARES, placeholder="Shares", id="lot-shares")
                yield field_input(COST, placeholder="Unit cost $", id="lot-cost")
            yield Static("", id="lots-error")
            yield Static(
                f"Enter adds the lot (or sets the one picked with Enter) · Del deletes · "
                f"{WASH}: a plan may not sell it · Esc closes",
                classes="modal-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        add_columns(
            self.query_one("#lots-table", DataTable), symbol="Symbol", date="Bought",
            shares=right("Shares"), cost=right("Unit cost"), gain=right("Gain now"),
            term="Term", note="",
        )  # fmt: skip
        self._show_account()

    # -- showing ---------------------------------------------------------------------

    def _show_account(self) -> None:
        a = self.state.account(self.account)
        self.query_one("#lots-body").border_title = f"Tax lots of {a.name} ({a.kind})"
        note = self.query_one("#lots-note", Static)
        if not self.taxable:
            note.update(
                f"Account {a.name} is {a.kind}: only taxable accounts have tax lots (its "
                "sales are not taxed). A changes an account's kind."
            )
        else:
            self._show_note()
        for sel in FIELD_IDS:
            self.query_one(sel, Input).disabled = not self.taxable
        if self.taxable and self.symbol and not self.query_one("#lot-symbol", Input).value:
            self.query_one("#lot-symbol", Input).value = self.symbol
        self._fill()
        self._error(shortfall_line(lots_short(a.holdings, self.lots)))
        target = (
            "#lots-table" if not self.taxable else ("#lot-date" if self.symbol else FIELD_IDS[0])
        )
        self.query_one(target).focus()

    def _fill(self) -> None:
        table = self.query_one("#lots-table", DataTable)
        table.clear()
        self.lots.sort(key=lambda x: (x.symbol, x.date, x.cost))
        for i, v in enumerate(lot_views(self.state, self.account, self.lots)):
            lot = v.lot
            table.add_row(
                lot.symbol,
                lot.date.isoformat(),
                right(f"{lot.shares:,}"),
                right(price(lot.cost)),
                signed(v.gain) if v.gain is not None else right("no price", "dim"),
                v.term,
                block_note(v.block),
                key=str(i),
            )
        n = len(self.lots)
        table.border_subtitle = f"{n} lot" + ("" if n == 1 else "s")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        result = event.validation_result
        # An emptied field (after a lot is added) is not an error yet: Enter says so.
        if result is not None and not result.is_valid and event.value.strip():
            self._error(result.failure_descriptions[0])
        else:
            self._error(shortfall_line(lots_short(self._holdings(), self.lots)))

    def _holdings(self) -> dict[str, int]:
        return dict(self.state.account(self.account).holdings)

    # -- editing ---------------------------------------------------------------------

    @on(Tabs.TabActivated, "#lots-accounts")
    def _account_picked(self, event: Tabs.TabActivated) -> None:
        name = str(event.tab.id).removeprefix("lots-acct-")
        if name == self.account:
            return
        if lots_short(self._holdings(), self.lots):  # what was typed would be lost
            with self.prevent(Tabs.TabActivated):
                event.tabs.active = f"lots-acct-{self.account}"
            self._error(
                shortfall_line(lots_short(self._holdings(), self.lots))
                + " Finish these lots before another account."
            )
            return
        self.account, self.editing = name, None
        self.lots = list(self.state.account(name).lots)
        self._show_account()

    @on(DataTable.RowSelected, "#lots-table")
    def _pick(self, event: DataTable.RowSelected) -> None:
        if not self.taxable:
            return
        self.editing = int(str(event.row_key.value))
        lot = self.lots[self.editing]
        values = (lot.symbol, lot.date.isoformat(), str(lot.shares), rules.plain(lot.cost))
        for sel, value in zip(FIELD_IDS, values, strict=True):
            self.query_one(sel, Input).value = value
        self.query_one("#lot-shares", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.add()

    def _read(self) -> TaxLot | None:
        """The lot typed, or None (with the reason at the fields)."""
        values = [self.query_one(sel, Input) for sel in FIELD_IDS]
        try:
            if not values[0].value.strip():
                raise rules.SymbolError("symbol: required")
            symbol = rules.check_symbol(values[0].value)
            when = self._date_field().parse(values[1].value)
            shares = SHARES.parse(values[2].value)
            cost = COST.parse(values[3].value)
        except rules.InputError as exc:
            self._error(str(exc))
            bad = next((f for f in values if not f.is_valid or not f.value.strip()), values[0])
            bad.focus()
            return None
        assert when is not None and shares is not None and cost is not None
        if shares < 1:
            self._error("shares: a lot holds at least 1 share")
            values[2].focus()
            return None
        return TaxLot(symbol=symbol, shares=int(shares), cost=cost, date=when)

    def add(self) -> bool:
        """Add the lot typed (or set the one picked); False if refused."""
        if not self.taxable:
            return False
        lot = self._read()
        if lot is None:
            return False
        lots = list(self.lots)
        if self.editing is not None and self.editing < len(lots):
            lots[self.editing] = lot
        else:
            lots.append(lot)
        held = self._holdings().get(lot.symbol, 0)
        in_lots = sum(x.shares for x in lots if x.symbol == lot.symbol)
        if in_lots > held:
            self._error(
                f"Refused: {lot.symbol} lots would hold {in_lots:,} shares, but {self.account} "
                f"holds {held:,}"
                + (" (e adds the holding first)" if not held else " (e edits the holding)")
            )
            return False
        what = "change" if self.editing is not None else "new"
        self.lots, self.editing = lots, None
        self._apply(f"{what} {lot.symbol} tax lot in {self.account}")
        for sel in FIELD_IDS[1:]:
            self.query_one(sel, Input).value = ""
        self.query_one("#lot-date", Input).focus()
        return True

    def action_remove(self) -> None:
        key = cursor_key(self.query_one("#lots-table", DataTable))
        if not self.taxable or key is None or not self.is_active:
            return
        lot = self.lots.pop(int(key))
        self.editing = None
        self._apply(f"deletion of a {lot.symbol} tax lot in {self.account}")

    def _apply(self, what: str, holdings: dict[str, int] | None = None) -> bool:
        """Post the lots typed if they add up to the holdings; else say what is missing."""
        self._fill()
        short = lots_short(holdings or self._holdings(), self.lots)
        if short:
            self._error(shortfall_line(short))
            return False
        outcome = with_lots(self.state, self.account, self.lots, what, holdings)
        if outcome.state is None:
            self._error(outcome.message)
            return False
        self.state = outcome.state
        self.target.post_message(AccountsEdited(self.state.accounts, what))
        self._error("")
        self._show_note()
        return True

    def _show_note(self) -> None:
        if self.taxable:
            a = self.state.account(self.account)
            held = ", ".join(f"{s} {n:,}" for s, n in a.holdings.items() if n) or "nothing"
            self.query_one("#lots-note", Static).update(
                f"Holds {held}. Gains at today's price; terms as of the plan's day."
            )

    # -- closing ---------------------------------------------------------------------

    def action_close(self) -> None:
        from rebalancer_tui.screens.confirm import Confirm

        short = lots_short(self._holdings(), self.lots)
        if not short:
            self.close(None)
            return
        sums = ", ".join(f"{s} to {n:,}" for s, (n, _) in sorted(short.items()))
        question = (
            f"{shortfall_line(short).removeprefix('Not applied yet: ').split('. ')[0]}: "
            f"these lots are not applied. Drop them, or set the holding {sums} shares? "
            "(ctrl+z undoes it)"
        )
        choices = (("drop", "Drop them"), ("holding", f"Set {sums}"))
        ask = Confirm(question, choices, title="Lots not applied")
        self.app.push_screen(ask, self._after_question)

    def _after_question(self, answer: str | None) -> None:
        if answer == "drop":
            self.close(None)
        elif answer == "holding":
            short = lots_short(self._holdings(), self.lots)
            holdings = {**self._holdings(), **{s: n for s, (n, _) in short.items()}}
            if self._apply(f"tax lots and holding of {self.account}", holdings):
                self.close(None)
