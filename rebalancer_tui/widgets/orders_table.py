"""The orders of a plan, sells first (their proceeds fund the buys)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from rebalancer_tui.engine import Order
from rebalancer_tui.widgets.format import money, price, right
from rebalancer_tui.widgets.keyed_table import KeyedTable

ACTION_STYLE = {"BUY": "bold green", "SELL": "bold red"}


class OrdersTable(KeyedTable):
    COLUMNS = (
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
                    [
                        Text(o.action, style=ACTION_STYLE[o.action]),
                        o.symbol,
                        right(f"{o.shares:,}"),
                        right(price(o.price)),
                        right(money(o.amount)),
                        right(money(o.cost)),
                    ],
                )
                for o in orders
            ]
        )
        count = f"{len(orders)} order" + ("s" if len(orders) > 1 else "")
        self.border_subtitle = count if orders else empty
