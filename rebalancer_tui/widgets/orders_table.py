"""The orders of a plan, sells first (their proceeds fund the buys).

A household plan's orders come grouped by account, sells first within each;
with several accounts an Account column leads and a row's key is
"account:symbol" (with one account, the symbol, as always)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from rich.text import Text

from rebalancer_tui.widgets.format import money, price, right
from rebalancer_tui.widgets.keyed_table import Cell, Columns, KeyedTable, Row

ACTION_STYLE = {"BUY": "bold green", "SELL": "bold red"}
ACCOUNT_COLUMN = ("account", "Account", False)


class AnyOrder(Protocol):
    """A single-account `Order` or a household `AccountOrder` (which adds `account`)."""

    @property
    def action(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def shares(self) -> int: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def cost(self) -> Decimal: ...


def order_key(order: AnyOrder, several: bool) -> str:
    """The row key of an order: its symbol, or "account:symbol" with several accounts."""
    return f"{getattr(order, 'account', '')}:{order.symbol}" if several else order.symbol


def short(name: str, width: int) -> str:
    """An account name cut to `width` characters ("roth-contribu…"): broker
    account names can be long, and the amounts must stay in view."""
    return name if len(name) <= width else name[: width - 1] + "…"


class OrdersTable(KeyedTable):
    # With several accounts: an Account column (0), or a heading row per
    # account (the compare view's narrow column: no room for a column).
    ACCOUNT_WIDTH = 12
    GROUP_ROWS = False
    COLUMNS: Columns = (
        ("action", "Action", False),
        ("symbol", "Symbol", False),
        ("shares", "Shares", True),
        ("price", "Price", True),
        ("amount", "Amount", True),
        ("cost", "Cost", True),
    )

    def show(self, orders: Sequence[AnyOrder], *, empty: str = "no orders") -> None:
        """`empty`: the subtitle that says why there are no orders."""
        accounts = list(dict.fromkeys(getattr(o, "account", "") for o in orders))
        several = len(accounts) > 1
        base = type(self).COLUMNS
        columns = (ACCOUNT_COLUMN, *base) if several and not self.GROUP_ROWS else base
        if columns != self.COLUMNS:
            self.COLUMNS = columns
            self.clear(columns=True)
            self._add_columns()
        rows: list[Row] = []
        for o in orders:
            account = getattr(o, "account", "")
            if several and self.GROUP_ROWS and (not rows or rows[-1][0].split(":")[0] != account):
                heading: dict[str, Cell] = {key: "" for key, _, _ in base}
                heading["action"] = Text(short(account, self.ACCOUNT_WIDTH), style="bold underline")
                rows.append((f"{account}:", self.cells(heading)))
            values: dict[str, Cell] = {
                "account": Text(short(account, self.ACCOUNT_WIDTH), style="bold"),
                "action": Text(o.action, style=ACTION_STYLE[o.action]),
                "symbol": o.symbol,
                "shares": right(f"{o.shares:,}"),
                "price": right(price(o.price)),
                "amount": right(money(o.amount)),
                "cost": right(money(o.cost)),
            }
            rows.append((order_key(o, several), self.cells(values)))
        self.set_rows(rows)
        count = f"{len(orders)} order" + ("s" if len(orders) > 1 else "")
        if several:
            count += f" in {len(accounts)} accounts"
        self.border_subtitle = count if orders else empty


class CompactOrdersTable(OrdersTable):
    """The compare view's narrow column: the orders without price and cost
    (the main view shows them), so the amount stays in view."""

    ACCOUNT_WIDTH = 10
    GROUP_ROWS = True
    COLUMNS: Columns = (
        ("action", "Action", False),
        ("symbol", "Symbol", False),
        ("shares", "Shares", True),
        ("amount", "Amount", True),
    )
