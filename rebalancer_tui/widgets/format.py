"""How numbers look on screen: money as $1,234.56, weights as %, drift coloured.

Kept apart from the widgets so every table formats the same way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from rich.text import Text

from rebalancer_tui.models import PriceQuote

CENT = Decimal("0.01")


def money(value: Decimal | float) -> str:
    amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_EVEN)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def price(value: Decimal) -> str:
    return money(value)


def pct(fraction: float, digits: int = 2) -> str:
    return f"{fraction * 100:.{digits}f}%"


def drift_style(drift: float, band: float) -> str:
    """Green while well inside the band, yellow as it nears it, red outside it."""
    size = abs(drift)
    if band > 0 and size > band:
        return "bold red"
    if size > max(band / 4, 0.0025):
        return "yellow"
    return "green"


def drift_text(drift: float, band: float) -> Text:
    shown = drift * 100
    # "-0.00%" reads as a bug; a drift that rounds to zero is shown unsigned.
    label = "0.00%" if round(shown, 2) == 0 else f"{shown:+.2f}%"
    return Text(label, style=drift_style(drift, band), justify="right")


def right(text: str, style: str = "") -> Text:
    return Text(text, style=style, justify="right")


SOURCE_STYLE = {"live": "green", "cached": "yellow", "fallback": "red", "override": "magenta"}


def source_label(quote: PriceQuote) -> str:
    if quote.date is None:
        return quote.source
    return f"{quote.source} {quote.date.isoformat()}"


def source_text(quote: PriceQuote) -> Text:
    return Text(source_label(quote), style=SOURCE_STYLE.get(quote.source, ""))
