"""Holdings before or after a plan: shares, price, value, weight, target, drift."""

from __future__ import annotations

from collections.abc import Sequence

from rebalancer_tui.engine import HoldingRow
from rebalancer_tui.widgets.format import drift_text, money, pct, price, right
from rebalancer_tui.widgets.keyed_table import KeyedTable


class HoldingsTable(KeyedTable):
    COLUMNS = (
        ("symbol", "Symbol", False),
        ("shares", "Shares", True),
        ("price", "Price", True),
        ("value", "Value", True),
        ("weight", "Weight", True),
        ("target", "Target", True),
        ("drift", "Drift", True),
    )

    def show(self, rows: Sequence[HoldingRow], band: float) -> None:
        self.set_rows(
            [
                (
                    r.symbol,
                    [
                        r.symbol if r.in_model else f"{r.symbol}*",
                        right(f"{r.shares:,}"),
                        right(price(r.price)),
                        right(money(r.value)),
                        right(pct(r.weight)),
                        right(pct(r.target)),
                        drift_text(r.drift, band),
                    ],
                )
                for r in rows
            ]
        )
