"""The status line: where every price came from, and the portfolio's size."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal

from rich.text import Text
from textual.widgets import Static

from rebalancer_tui.models import PriceQuote
from rebalancer_tui.widgets.format import SOURCE_STYLE, money, source_label


def price_summary(quotes: Mapping[str, PriceQuote]) -> Text:
    counts = Counter(source_label(q) for q in quotes.values())
    styles = {source_label(q): SOURCE_STYLE.get(q.source, "") for q in quotes.values()}
    text = Text("Prices: ", style="bold")
    for i, (label, n) in enumerate(sorted(counts.items())):
        if i:
            text.append(" · ")
        text.append(f"{label} ×{n}", style=styles[label])
    return text


class PriceStatus(Static):
    def show(
        self,
        quotes: Mapping[str, PriceQuote],
        *,
        fetching: bool,
        total: Decimal | None,
        cash: Decimal,
        band: Decimal,
        demo_seed: int | None,
        portfolio: str | None = None,
    ) -> None:
        """`portfolio`: where the user's own holdings are saved (None: not saved)."""
        text = price_summary(quotes)
        if fetching:
            text.append("  (fetching live prices…)", style="italic")
        text.append("  │  ")
        if total is not None:
            text.append(f"Value {money(total)}  ")
        text.append(f"Cash {money(cash)}  Band ±{float(band) * 100:g}%")
        if demo_seed is not None:
            text.append(f"  │  demo portfolio, seed {demo_seed}", style="dim")
        elif portfolio is not None:
            text.append(f"  │  saved to {portfolio}", style="dim")
        else:
            text.append("  │  not saved (ctrl+s)", style="yellow")
        self.update(text)
