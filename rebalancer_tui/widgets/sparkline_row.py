"""A price history as a sparkline cell and a change cell, for the preview table.

The sparkline is Textual's own `Sparkline` renderable (the one the `Sparkline`
widget draws), so it sits in a table cell beside its symbol. The change cell
carries a direction glyph and a sign (colour is never the only signal), and
marks a history that stands in from the cache with its date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.color import Color
from rich.text import Text
from textual.renderables.sparkline import Sparkline

if TYPE_CHECKING:
    # Only a type: the price package is not on the first frame's import path.
    from rebalancer_tui.prices import History

NO_HISTORY = "no history"
UP, DOWN, FLAT = "▲", "▼", "="

# (lowest, highest) bar colours, legible on a dark and on a light background.
SPARK_COLOURS = {
    True: (Color.parse("#5f87af"), Color.parse("#87d7ff")),
    False: (Color.parse("#5f87af"), Color.parse("#005f87")),
}


def values(history: History | None, start: dt.date | None = None) -> list[float]:
    if history is None:
        return []
    return [float(p) for d, p in history.points if start is None or d >= start]


def sparkline(prices: list[float], width: int, *, dark: bool = True) -> Sparkline[float] | Text:
    """Textual's sparkline of `prices` (oldest first), or a dim 'no history'."""
    if len(prices) < 2:
        return Text(NO_HISTORY, style="dim italic")
    low, high = SPARK_COLOURS[dark]
    return Sparkline(prices, width=width, min_color=low, max_color=high)


def change(history: History | None) -> Decimal | None:
    """The change from the first to the last point, as a fraction."""
    if history is None or len(history.points) < 2:
        return None
    first, last = history.points[0][1], history.points[-1][1]
    return (last - first) / first if first > 0 else None


def change_text(history: History | None) -> Text:
    moved = change(history)
    if history is None or moved is None:
        return Text("—", style="dim", justify="right")
    glyph = FLAT if abs(moved) < Decimal("0.0005") else UP if moved > 0 else DOWN
    label = f"{glyph} {float(moved) * 100:+.1f}%"
    if history.source == "cached":
        label += " c"  # cached: the preview's subtitle gives its date
    return Text(label, justify="right", style="" if history.source == "live" else "dim")


def history_note(histories: dict[str, History], symbols: list[str], *, live: bool) -> str:
    """The preview's word on its sparklines: live, cached since a date, or none."""
    shown = [histories[s] for s in symbols if s in histories and len(histories[s].points) > 1]
    if not shown:
        return "no price history" + ("" if live else " yet (none cached)")
    cached = [h for h in shown if h.source == "cached"]
    if not cached:
        return "90-day history: live"
    oldest = min(h.fetched for h in cached).isoformat()
    if len(cached) == len(shown):
        return f"90-day history: cached {oldest} (c)"
    return f"90-day history: live, {len(cached)} cached {oldest} (c)"
