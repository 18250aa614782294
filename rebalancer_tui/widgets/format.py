"""How numbers look on screen: money as $1,234.56, weights as %, drift coloured.

Kept apart from the widgets so every table formats the same way.
"""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text

from rebalancer_tui.engine import Options
from rebalancer_tui.models import PriceQuote
from rebalancer_tui.rules import money, price_money

__all__ = [
    "SOURCE_STYLE",
    "asset_band",
    "band_label",
    "drift_style",
    "drift_text",
    "money",
    "pct",
    "price",
    "right",
    "source_label",
    "source_text",
]


def price(value: Decimal) -> str:
    return price_money(value)


def pct(fraction: float, digits: int = 2) -> str:
    return f"{fraction * 100:.{digits}f}%"


def asset_band(options: Options, target: float) -> float:
    """An asset's band: `b`, or `min(b, q·w)` with a relative band `q` (SPEC §4)."""
    band = float(options.band)
    if options.relative_band is None:
        return band
    return min(band, float(options.relative_band) * target)


def band_label(options: Options) -> str:
    """The band rule in a few characters: "±2%" or "±min(5%, 25% of target)"."""
    band = f"{float(options.band) * 100:g}%"
    if options.relative_band is None:
        return f"±{band}"
    return f"±min({band}, {float(options.relative_band) * 100:g}% of target)"


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
