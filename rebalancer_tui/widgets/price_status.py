"""The status line: where the prices in use came from, the portfolio's size,
the options in force, and where the holdings are saved."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from decimal import Decimal

from rich.text import Text
from textual.widgets import Static

from rebalancer_tui.engine import Options
from rebalancer_tui.models import PriceQuote
from rebalancer_tui.widgets.format import SOURCE_STYLE, band_label, money, source_label


def price_summary(quotes: Mapping[str, PriceQuote]) -> Text:
    counts = Counter(source_label(q) for q in quotes.values())
    styles = {source_label(q): SOURCE_STYLE.get(q.source, "") for q in quotes.values()}
    text = Text("Prices: ", style="bold")
    for i, (label, n) in enumerate(sorted(counts.items())):
        if i:
            text.append(" · ")
        text.append(f"{label} ×{n}", style=styles[label])
    return text


def options_summary(options: Options) -> str:
    """Every option that changes the plan, the defaults included for the band."""
    parts = [f"Band {band_label(options)}"]
    if options.reserve > 0:
        parts.append(f"reserve {money(options.reserve)}")
    if options.buy_only:
        parts.append("buy-only")
    if options.fee > 0:
        parts.append(f"fee {money(options.fee)}/order")
    if options.cost_rate > 0:
        parts.append(f"cost {float(options.cost_rate) * 100:g}% of traded")
    parts.extend(rules_summary(options))
    return " · ".join(parts)


def rules_summary(options: Options) -> list[str]:
    """The order rules in force (SPEC §9), each a short phrase; none when off."""
    parts = []
    if options.min_trade > 0:
        parts.append(f"min order {money(options.min_trade)}")
    lots = {s: n for s, n in options.lots.items() if n > 1}
    if lots:
        parts.append(
            f"lots {len(lots)}"
            if len(lots) > 3
            else "lots " + ", ".join(f"{s}×{n}" for s, n in sorted(lots.items()))
        )
    if options.locked:
        parts.append(f"{len(options.locked)} locked")
    if options.destination > 0:
        parts.append(f"band edge to {float(options.destination) * 100:g}%")
    return parts


class PriceStatus(Static):
    def show(
        self,
        quotes: Mapping[str, PriceQuote],
        *,
        fetching: bool,
        total: Decimal | None,
        cash: Decimal,
        band: Decimal | None = None,
        demo_seed: int | None,
        portfolio: str | None = None,
        options: Options | None = None,
        symbols: Collection[str] | None = None,
    ) -> None:
        """`symbols`: the ones whose prices the plan uses (the target fund's and
        the holdings'); only theirs are counted. None counts every quote.

        `options` (or, without them, a plain `band`): shown in full, so that
        buy-only, costs and a relative band are never in force unseen.
        `portfolio`: where the user's own holdings are saved (None: not saved).
        """
        if symbols is not None:
            quotes = {s: q for s, q in quotes.items() if s in symbols}
        text = price_summary(quotes)
        if fetching:
            text.append("  (fetching live prices…)", style="italic")
        text.append("  │  ")
        if total is not None:
            text.append(f"Value {money(total)}  ")
        text.append(f"Cash {money(cash)}  ")
        if options is not None:
            text.append(options_summary(options))
        elif band is not None:
            text.append(f"Band ±{float(band) * 100:g}%")
        if demo_seed is not None:
            text.append(f"  │  demo portfolio, seed {demo_seed}", style="dim")
        elif portfolio is not None:
            text.append(f"  │  saved to {portfolio}", style="dim")
        else:
            text.append("  │  not saved (ctrl+s)", style="yellow")
        self.update(text)
