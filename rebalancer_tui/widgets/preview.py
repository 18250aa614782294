"""Live preview of the highlighted fund: each ETF's name, target, price and its source."""

from __future__ import annotations

from collections.abc import Mapping

from textual.widgets import DataTable

from rebalancer_tui.data import load_catalog
from rebalancer_tui.models import ModelPortfolio, PriceQuote
from rebalancer_tui.widgets.format import pct, price, right, source_text


class FundPreview(DataTable[object]):
    # Room the other columns take; names are cut to fit what is left.
    FIXED_WIDTH = 52

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.border_title = "Preview"
        self._shown: (
            tuple[ModelPortfolio, Mapping[str, PriceQuote], bool, Mapping[str, str] | None] | None
        ) = None
        self._name_width = 0

    def on_mount(self) -> None:
        self.add_column("Symbol", key="symbol")
        self.add_column("Name", key="name")
        self.add_column(right("Target"), key="target")
        self.add_column(right("Price"), key="price")
        self.add_column("Source", key="source")

    def on_resize(self) -> None:
        if self._shown is not None and self._fit_width() != self._name_width:
            self.show(*self._shown)

    def _fit_width(self) -> int:
        return max(8, self.size.width - self.FIXED_WIDTH)

    def show(
        self,
        model: ModelPortfolio,
        quotes: Mapping[str, PriceQuote],
        chosen: bool,
        names: Mapping[str, str] | None = None,
    ) -> None:
        """`names`: the user's own assets' names, beside the catalog's."""
        self._shown = (model, quotes, chosen, names)
        self._name_width = width = self._fit_width()
        known = {a.symbol: a.name for a in load_catalog().assets} | dict(names or {})
        self.border_title = f"Preview: {model.label}"
        self.border_subtitle = "in use" if chosen else "Enter to use this fund"
        with self.app.batch_update():
            self.clear()
            for sym, weight in model.weights.items():
                quote = quotes.get(sym)
                self.add_row(
                    sym,
                    _cut(known.get(sym, ""), width),
                    right(pct(float(weight), 1)),
                    right(price(quote.price)) if quote else right("—"),
                    source_text(quote) if quote else "no price",
                    key=sym,
                )


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
