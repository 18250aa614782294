"""The holdings editor (key e, or o for prices): share counts and price overrides.

Type a symbol, its shares and optionally a price, press Enter: the row is set
and the plans recompute behind the modal. Enter on a row copies it into the
fields; Delete removes the highlighted symbol, once confirmed. A symbol outside the model is
kept as a holding (the plans sell it, or keep it in buy-only mode).

With several accounts a tab per account picks whose shares are edited
(prices are the household's); the change names its account.

A holding with tax lots (SPEC §8) keeps the shares its lots add up to: a
new count, or removing it, is refused with a line naming the lots dialog
(key T), where lots and holding change together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message_pump import MessagePump
from textual.widgets import DataTable, Footer, Input, Static, Tab, Tabs

from rebalancer_tui import rules
from rebalancer_tui.messages import PortfolioEdited
from rebalancer_tui.models import ModelPortfolio, PriceQuote
from rebalancer_tui.screens.modal import Modal, add_columns, field_keys
from rebalancer_tui.widgets.fields import DecimalField, field_input
from rebalancer_tui.widgets.format import price, right, source_text
from rebalancer_tui.widgets.keyed_table import cursor_key
from rebalancer_tui.widgets.ordered_input import OrderedInput
from rebalancer_tui.workspace import PortfolioState

# Blank shares with a price: only the price changes.
SHARES = DecimalField(rules.SHARES, blank_ok=True)
PRICE = DecimalField(rules.PRICE, blank_ok=True)


class HoldingsEditor(Modal[None]):
    BINDINGS: ClassVar[list[BindingType]] = field_keys(
        "editor", Binding("delete", "remove", "Remove symbol", id="editor.remove")
    )
    ERROR_LINE = "#editor-error"

    def __init__(
        self,
        target: MessagePump,
        model: ModelPortfolio,
        holdings: Mapping[str, int],
        quotes: Mapping[str, PriceQuote],
        overrides: Mapping[str, Decimal],
        *,
        focus_price: bool = False,
        accounts: Mapping[str, Mapping[str, int]] | None = None,
        account: str | None = None,
        file_prices: Mapping[str, dt.date | None] | None = None,
        lot_shares: Mapping[str, Mapping[str, int]] | None = None,
    ) -> None:
        super().__init__(id="editor")
        # Shares in tax lots per account ("" for the only account), per symbol.
        self.lot_shares = {n: dict(x) for n, x in (lot_shares or {}).items()}
        self.target = target
        self.model = model
        # Every account's holdings (several accounts), and the one being edited.
        self.accounts = {n: dict(h) for n, h in (accounts or {}).items()}
        self.account = account if account in self.accounts else next(iter(self.accounts), None)
        self.holdings = dict(holdings if self.account is None else self.accounts[self.account])
        self.quotes = dict(quotes)  # fetched quotes, without overrides
        self.overrides = dict(overrides)
        self.file_prices = dict(file_prices or {})  # overrides read from a broker file
        self.focus_price = focus_price

    @classmethod
    def of(
        cls,
        target: MessagePump,
        state: PortfolioState,
        focus_price: bool,
        *,
        account: str | None = None,
    ) -> HoldingsEditor:
        several = len(state.accounts) > 1
        accounts = {a.name: a.holdings for a in state.accounts} if several else None
        lot_shares = {
            (a.name if several else ""): {lot.symbol: 0 for lot in a.lots} for a in state.accounts
        }
        for a in state.accounts:
            for lot in a.lots:
                lot_shares[a.name if several else ""][lot.symbol] += lot.shares
        return cls(target, state.model, state.holdings, state.quotes, state.overrides,
                   focus_price=focus_price, accounts=accounts, account=account,
                   file_prices=state.file_prices, lot_shares=lot_shares)  # fmt: skip

    def lots_refusal(self, sym: str, shares: int) -> str | None:
        """Why `sym` cannot be set to `shares` here: its tax lots hold other shares."""
        in_lots = self.lot_shares.get(self.account or "", {}).get(sym)
        if in_lots is None or in_lots == shares:
            return None
        where = f" in {self.account}" if self.account else ""
        return (
            f"{sym} has tax lots{where} holding {in_lots:,} shares: change them with T "
            "(Tax lots), which can also set the holding"
        )

    def compose(self) -> ComposeResult:
        with Vertical(id="editor-body", classes="modal-body") as body:
            body.border_title = (
                "Holdings and prices" if self.account is None
                else f"Holdings of {self.account} and prices"
            )  # fmt: skip
            if self.accounts:
                yield Tabs(
                    *(Tab(n, id=f"acct-{n}") for n in self.accounts),
                    active=f"acct-{self.account}",
                    id="editor-accounts",
                )
            yield DataTable(id="editor-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="editor-fields"):
                yield OrderedInput(
                    placeholder="Symbol", id="ed-symbol", compact=True, max_length=16
                )
                yield field_input(SHARES, placeholder="Shares", id="ed-shares")
                yield field_input(PRICE, placeholder="Price (blank: fetched)", id="ed-price")
            yield Static("", id="editor-error")
            yield Static(
                "Enter sets the row · Enter on a row edits it · Del removes · Esc closes",
                classes="modal-hint",
            )
        yield Footer()  # this dialog's keys, not the main screen's

    def on_mount(self) -> None:
        add_columns(
            self.query_one("#editor-table", DataTable), symbol="Symbol",
            shares=right("Shares"), price=right("Price"), source="Source", note="",
        )  # fmt: skip
        self._fill()
        self.query_one("#ed-price" if self.focus_price else "#ed-symbol", Input).focus()

    @on(Tabs.TabActivated, "#editor-accounts")
    def _account_picked(self, event: Tabs.TabActivated) -> None:
        name = str(event.tab.id).removeprefix("acct-")
        if name in self.accounts and name != self.account:
            self.account = name
            self.holdings = dict(self.accounts[name])
            self._fill()
            self.query_one("#editor-body").border_title = f"Holdings of {name} and prices"

    def _symbols(self) -> list[str]:
        extra = [s for s in self.holdings if s not in self.model.weights]
        priced = [s for s in self.overrides if s not in self.model.weights and s not in extra]
        return [*self.model.weights, *sorted(extra), *sorted(priced)]

    def _quote(self, sym: str) -> PriceQuote | None:
        if sym in self.overrides and sym in self.file_prices:
            when = self.file_prices[sym]
            return PriceQuote(symbol=sym, price=self.overrides[sym], source="file", date=when)
        if sym in self.overrides:
            return PriceQuote(symbol=sym, price=self.overrides[sym], source="override")
        return self.quotes.get(sym)

    def _fill(self) -> None:
        table = self.query_one("#editor-table", DataTable)
        table.clear()
        for sym in self._symbols():
            q = self._quote(sym)
            table.add_row(
                sym,
                right(f"{self.holdings.get(sym, 0):,}"),
                right(price(q.price)) if q else right("—"),
                source_text(q) if q else "no price",
                "" if sym in self.model.weights else "not in model",
                key=sym,
            )

    @on(Input.Changed)
    def _validate(self, event: Input.Changed) -> None:
        result = event.validation_result
        if result is not None and not result.is_valid:
            self._error(result.failure_descriptions[0])
        else:
            self._error("")

    @on(DataTable.RowSelected, "#editor-table")
    def _pick(self, event: DataTable.RowSelected) -> None:
        sym = str(event.row_key.value)
        self.query_one("#ed-symbol", Input).value = sym
        self.query_one("#ed-shares", Input).value = str(self.holdings.get(sym, 0))
        over = self.overrides.get(sym)
        self.query_one("#ed-price", Input).value = "" if over is None else format(over, "f")
        self.query_one("#ed-shares", Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        self.apply()

    def apply(self) -> bool:
        """Set the typed row; False (with a message at the fields) if refused."""
        symbol_in = self.query_one("#ed-symbol", Input)
        shares_in = self.query_one("#ed-shares", Input)
        price_in = self.query_one("#ed-price", Input)
        try:
            if not symbol_in.value.strip():
                raise rules.SymbolError("symbol: required")
            sym = rules.check_symbol(symbol_in.value)
        except rules.InputError as exc:
            self._error(str(exc))
            symbol_in.focus()
            return False
        values: list[Decimal | None] = []
        for field, check in ((shares_in, SHARES), (price_in, PRICE)):
            try:
                values.append(check.parse(field.value))
            except rules.InputError as exc:
                self._error(str(exc))
                field.focus()
                return False
        shares, new_price = values
        if new_price is None and sym not in self.quotes:
            self._error(f"No price for {sym}: type its price")
            price_in.focus()
            return False
        holdings = dict(self.holdings)
        if shares is not None:
            refusal = self.lots_refusal(sym, int(shares))
            if refusal is not None:
                self._error(refusal)
                shares_in.focus()
                return False
            holdings[sym] = int(shares)
        elif sym not in holdings and new_price is None:
            self._error("Shares: required")
            shares_in.focus()
            return False
        overrides = dict(self.overrides)
        if new_price is not None or sym in self.file_prices:
            self.file_prices.pop(sym, None)  # typed now: the user's override
        if new_price is None:
            overrides.pop(sym, None)
        else:
            overrides[sym] = new_price
        self._post(holdings, overrides)
        self._error("")
        for field in (self.query_one("#ed-symbol", Input), shares_in, price_in):
            field.value = ""
        self.query_one("#ed-symbol", Input).focus()
        return True

    def _post(self, holdings: dict[str, int], overrides: dict[str, Decimal]) -> None:
        changes: dict[str, Any] = {}
        if holdings != self.holdings:
            changes["holdings"] = holdings
        if overrides != self.overrides:
            changes["overrides"] = overrides
        self.holdings, self.overrides = holdings, overrides
        if self.account is not None:
            self.accounts[self.account] = dict(holdings)
            changes["account"] = self.account
        self._fill()
        if changes.keys() - {"account"}:
            self.target.post_message(PortfolioEdited(**changes))

    def action_remove(self) -> None:
        from rebalancer_tui.screens.confirm import Confirm

        sym = cursor_key(self.query_one("#editor-table", DataTable))
        if sym is None or not self.is_active:
            return
        refusal = self.lots_refusal(sym, 0)
        if refusal is not None:
            self._error(refusal)
            return
        lost = []
        if self.holdings.get(sym):
            lost.append(f"{self.holdings[sym]:,} shares")
        if sym in self.overrides:
            lost.append(f"its price override {price(self.overrides[sym])}")
        if not lost:
            self._remove(sym)  # nothing to lose: an empty row of the model
            return
        whose = f" from {self.account}" if self.account is not None else ""
        question = f"Remove {sym}{whose}: {' and '.join(lost)}? (ctrl+z undoes it)"
        self.app.push_screen(
            Confirm(question, (("yes", "Remove"),), title="Remove symbol"),
            lambda answer: self._remove(sym) if answer == "yes" else None,
        )

    def _remove(self, sym: str) -> None:
        holdings = {s: n for s, n in self.holdings.items() if s != sym}
        overrides = {s: p for s, p in self.overrides.items() if s != sym}
        if sym in self.model.weights:
            holdings[sym] = 0  # a model symbol stays listed (the plans may buy it)
        self._post(holdings, overrides)

    def action_close(self) -> None:
        self.close(None)
