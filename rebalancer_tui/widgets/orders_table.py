"""The orders of a plan, sells first (their proceeds fund the buys)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from rebalancer_tui.engine import Order
from rebalancer_tui.widgets.format import money, price, right
from rebalancer_tui.widgets.keyed_table import Columns, KeyedTable

ACTION_STYLE = {"BUY": "bold green", "SELL": "bold red"}


class OrdersTable(KeyedTable):
    COLUMNS: Columns = (
        ("action", "Action", False),
        ("symbol", "Symbol", False),
        ("shares", "Shares", True),
        ("price", "Price", True),
        ("amount", "Amount", True),
        ("cost", "Cost", True),
    )

    def show(self, orders: Sequence[Order], *, empty: str = "no orders") -> None:
        """`empty`: the subtitle that says why there are no orders."""
        self.set_rows(
            [
                (
                    o.symbol,
                    self.cells(
                        {
                            "action": Text(o.action, style=ACTION_STYLE[o.action]),
                            "symbol": o.symbol,
                            "shares": right(f"{o.shares:,}"),
                            "price": right(price(o.price)),
                            "amount": right(money(o.amount)),
                            "cost": right(money(o.cost)),
                        }
                    ),
                )
                for o in orders
            ]
        )
        count = f"{len(orders)} order" + ("s" if len(orders) > 1 else "")
        self.border_subtitle = count if orders else empty


class CompactOrdersTable(OrdersTable):
    """The compare view's narrow column: the orders without price and cost
    (the main view shows them), so the amount stays in view."""

    COLUMNS: Columns = (
        ("action", "Action", False),
        ("symbol", "Symbol", False),
        ("shares", "Shares", True),
        ("amount", "Amount", True),
    )
