"""One line under the results: why the highlighted order is there.

The reasons come from `workspace.explain.order_reasons`; the results pane sets
them with each plan and tells this line which order row is highlighted.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets import Static


class OrderReason(Static):
    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.reasons: dict[str, str] = {}
        self.symbol: str | None = None

    def set_reasons(self, reasons: Mapping[str, str]) -> None:
        self.reasons = dict(reasons)
        self.highlight(self.symbol if self.symbol in self.reasons else next(iter(reasons), None))

    def highlight(self, row_key: str | None) -> None:
        """`row_key`: the orders table's row (a symbol, or 'account:symbol')."""
        symbol = row_key
        if symbol is not None and symbol not in self.reasons:
            symbol = symbol.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        why = self.reasons.get(symbol) if symbol is not None else None
        self.symbol = symbol if why is not None else None
        if why is None:
            self.update("")
            self.display = False
            return
        line = Text()
        line.append(f"Why {symbol}: ", style="bold")
        line.append(why)
        self.update(line)
        self.display = True
