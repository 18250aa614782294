"""Live preview of the highlighted fund: each ETF's name, target, price and its source,
and how its price moved over the last 90 days (a sparkline and the change).

The histories arrive after the first frame (`history_jobs.HistoriesUpdated`);
until then, and for an ETF without one, the row says so."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual import on
from textual.widgets import DataTable

from rebalancer_tui.data import load_catalog
from rebalancer_tui.history_jobs import HistoriesUpdated
from rebalancer_tui.models import ModelPortfolio, PriceQuote
from rebalancer_tui.widgets.format import pct, price, right, source_text
from rebalancer_tui.widgets.sparkline_row import change_text, history_note, sparkline, values

if TYPE_CHECKING:
    from rebalancer_tui.prices import History


class FundPreview(DataTable[object]):
    # Room the other columns take; names are cut to fit what is left.
    FIXED_WIDTH = 52 + 30
    SPARK_WIDTH = 16

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.border_title = "Preview"
        self._shown: (
            tuple[ModelPortfolio, Mapping[str, PriceQuote], bool, Mapping[str, str] | None] | None
        ) = None
        self._name_width = 0
        self.histories: dict[str, History] = {}
        self._histories_live = False
        self._history_note = "price history: loading…"

    def on_mount(self) -> None:
        self.add_column("Symbol", key="symbol")
        self.add_column("Name", key="name")
        self.add_column(right("Target"), key="target")
        self.add_column(right("Price"), key="price")
        self.add_column("Source", key="source")
        self.add_column("90 days", key="history")
        self.add_column(right("Change"), key="change")

    def on_resize(self) -> None:
        if self._shown is not None and self._fit_width() != self._name_width:
            self.show(*self._shown)

    def redraw(self) -> None:
        """Show the same fund again (e.g. in the colours of a new theme)."""
        if self._shown is not None:
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
        symbols = list(model.weights)
        if self.histories or self._histories_live:
            self._history_note = history_note(self.histories, symbols, live=self._histories_live)
        use = "in use" if chosen else "Enter to use this fund"
        self.border_subtitle = f"{self._history_note} · {use}"
        dark = self.app.current_theme.dark
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
                    sparkline(values(self.histories.get(sym)), self.SPARK_WIDTH, dark=dark),
                    change_text(self.histories.get(sym)),
                    key=sym,
                )

    @on(HistoriesUpdated)
    def _histories_updated(self, message: HistoriesUpdated) -> None:
        message.stop()
        self.histories = {**self.histories, **message.report.histories}
        self._histories_live = self._histories_live or message.live
        if message.offline and not message.report.histories:
            self._history_note = "no price history (offline, none cached)"
        if self._shown is not None:
            self.show(*self._shown)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
