"""The orders of a plan, sells first (their proceeds fund the buys).

A household plan's orders come grouped by account, sells first within each;
with several accounts an Account column leads and a row's key is
"account:symbol" (with one account, the symbol, as always).

A sale from a holding with tax lots (SPEC §8) is followed by one indented
row per lot to name at the broker: its term, purchase date, shares, unit
cost and the gain it realises ("└ long  2024-03-01  4  @$98.50  gain
+$12.00"). Their keys are the order's key, "|" and the lot's index; they
stay under their order when the table is sorted."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text

from rebalancer_tui.widgets.format import money, price, right
from rebalancer_tui.widgets.keyed_table import Cell, Columns, KeyedTable, Row

if TYPE_CHECKING:
    from rebalancer_tui.engine import Order
    from rebalancer_tui.engine.tax import LotSale

ACTION_STYLE = {"BUY": "bold green", "SELL": "bold red"}
ACCOUNT_COLUMN = ("account", "Account", False)


def order_key(order: Order, several: bool) -> str:
    """The row key of an order: its symbol, or "account:symbol" with several accounts."""
    return f"{getattr(order, 'account', '')}:{order.symbol}" if several else order.symbol


LOT_MARK = "|"  # in a row key: the order's key, then the lot's index


def order_of(row_key: str) -> str:
    """The order a row belongs to (a lot row's order, or the row itself)."""
    return row_key.split(LOT_MARK, 1)[0]


def gain_text(gain: Decimal) -> Text:
    """ "gain +$12.00" or "loss -$3.00", coloured, right-aligned."""
    if gain < 0:
        return right(f"loss {money(gain)}", "red")
    return right(f"gain +{money(gain)}", "green" if gain > 0 else "")


def lot_cells(lot: LotSale) -> dict[str, Cell]:
    """One lot of a sale, in the order's columns (term under Action, date
    under Symbol, unit cost under Price, gain under Amount)."""
    return {
        "account": "",
        "action": Text(f"└ {lot.term}", style="dim"),
        "symbol": Text(lot.date.isoformat(), style="dim"),
        "shares": right(f"{lot.shares:,}", "dim"),
        "price": right(f"@{price(lot.cost)}", "dim"),
        "amount": gain_text(lot.gain),
        "cost": "",
    }


def short(name: str, width: int) -> str:
    """An account name cut to `width` characters ("roth-contribu…"): broker
    account names can be long, and the amounts must stay in view."""
    return name if len(name) <= width else name[: width - 1] + "…"


class OrdersTable(KeyedTable):
    # With several accounts: an Account column (0), or a heading row per
    # account (the compare view's narrow column: no room for a column).
    ACCOUNT_WIDTH = 12
    GROUP_ROWS = False
    LOT_ROWS = True  # a row per tax lot under each sale from lots
    COLUMNS: Columns = (
        ("action", "Action", False),
        ("symbol", "Symbol", False),
        ("shares", "Shares", True),
        ("price", "Price", True),
        ("amount", "Amount", True),
        ("cost", "Cost", True),
    )

    def show(self, orders: Sequence[Order], *, empty: str = "no orders") -> None:
        """`orders`: a plan's `Order`s, or a household plan's `AccountOrder`s
        (which add `account` and `lots`). `empty`: the subtitle that says why
        there are no orders."""
        accounts = list(dict.fromkeys(getattr(o, "account", "") for o in orders))
        several = len(accounts) > 1
        base = type(self).COLUMNS
        columns = (ACCOUNT_COLUMN, *base) if several and not self.GROUP_ROWS else base
        self.set_columns(columns)
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
            key = order_key(o, several)
            rows.append((key, self.cells(values)))
            for i, lot in enumerate(getattr(o, "lots", None) or () if self.LOT_ROWS else ()):
                rows.append((f"{key}{LOT_MARK}{i}", self.cells(lot_cells(lot))))
        self.set_rows(rows)
        count = f"{len(orders)} order" + ("s" if len(orders) > 1 else "")
        if several:
            count += f" in {len(accounts)} accounts"
        self.border_subtitle = count if orders else empty

    def _sorted(self, rows: Sequence[Row]) -> Sequence[Row]:
        # Sorting moves the orders; each lot row stays under its own order.
        lots: dict[str, list[Row]] = {}
        for row in rows:
            if LOT_MARK in row[0]:
                lots.setdefault(order_of(row[0]), []).append(row)
        orders = super()._sorted([r for r in rows if LOT_MARK not in r[0]])
        return [r for order in orders for r in (order, *lots.get(order[0], ()))]


class CompactOrdersTable(OrdersTable):
    """The compare view's narrow column: the orders without price and cost
    (the main view shows them), so the amount stays in view."""

    ACCOUNT_WIDTH = 10
    GROUP_ROWS = True
    LOT_ROWS = False  # no room: the main view lists the lots
    COLUMNS: Columns = (
        ("action", "Action", False),
        ("symbol", "Symbol", False),
        ("shares", "Shares", True),
        ("amount", "Amount", True),
    )
