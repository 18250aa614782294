"""Drift and band bars: per asset, where its weight is and where the plan takes it.

One line per asset (household totals for a household plan), then the cash:

    VTI    ····───┃──○──●───····   31.2% → 30.1%  ▲ +1.1 pp
           band ─  target ┃  now ○  after the plan ●

Every mark is a glyph and every drift a signed number with a direction
glyph (▲ over target, ▼ under, = on it) and the word "out" outside the band,
so colour is never the only signal. Colours come from the theme's kind
(dark or light) so they stay legible on both.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from rebalancer_tui.engine import LABELS, Options
from rebalancer_tui.workspace.explain import AssetMove, Moves, PlanLike, moves

EMPTY, BAND, TARGET, NOW, AFTER, BOTH = "·", "─", "┃", "○", "●", "◉"
OVER, UNDER, ON = "▲", "▼", "="
LABEL_WIDTH = 7
# " 31.2%!→ 30.1%  ▲ +1.1 pp out"; compact (the compare view's columns): " ▲ +1.1 pp out"
FIGURES_WIDTH, COMPACT_FIGURES_WIDTH = 30, 14
MIN_BAR = 10

PALETTES = {
    # (out of band, near its edge, well inside, the plan's marker)
    True: {"out": "bold #ff6b6b", "near": "#e5b400", "ok": "#5fd75f", "after": "bold #7fb8ff"},
    False: {"out": "bold #b00020", "near": "#8a5a00", "ok": "#1b7a1b", "after": "bold #0b4fa0"},
}


def column(weight: float, scale: float, width: int) -> int:
    """The bar cell a weight falls in: 0 % is the first cell, `scale` the last."""
    if width <= 1 or scale <= 0:
        return 0
    return max(0, min(width - 1, round(weight / scale * (width - 1))))


def bar_cells(
    move: AssetMove | None, before: float, after: float, scale: float, width: int
) -> list[str]:
    """One bar as glyphs; `move` None for the cash row (no target, no band).

    Later marks win a shared cell: band, then target, then now, then after.
    """
    cells = [EMPTY] * width
    if move is not None and move.in_model:
        lo = column(max(0.0, move.target - move.band), scale, width)
        hi = column(move.target + move.band, scale, width)
        for i in range(lo, hi + 1):
            cells[i] = BAND
        cells[column(move.target, scale, width)] = TARGET
    now, then = column(before, scale, width), column(after, scale, width)
    cells[now] = NOW
    cells[then] = BOTH if then == now else AFTER
    return cells


def direction(drift: float) -> str:
    if abs(drift) < 0.0005:  # rounds to 0.0 pp
        return ON
    return OVER if drift > 0 else UNDER


def signed_pp(drift: float) -> str:
    """ "+1.1 pp"; a drift that rounds to zero is unsigned ("0.0 pp", not "+0.0")."""
    return "0.0 pp" if direction(drift) == ON else f"{drift * 100:+.1f} pp"


@dataclass(frozen=True)
class _Shown:
    found: Moves
    title: str


class DriftBars(Widget):
    """Set with `show(plan, options)`; `clear(note)` while there is no plan.
    `compact`: no weights in figures, only the drift after (narrow columns)."""

    DEFAULT_CSS = """
    DriftBars { height: auto; }
    """

    def __init__(
        self, *, compact: bool = False, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.compact = compact
        self.border_title = "Drift and bands"
        self._shown: _Shown | None = None
        self._note = "Computing the plan…"

    def show(self, plan: PlanLike, options: Options) -> None:
        label = LABELS.get(plan.strategy, plan.strategy)
        accounts = getattr(plan, "accounts_after", None)
        whose = " (household totals)" if accounts is not None and len(accounts) > 1 else ""
        self._shown = _Shown(moves(plan, options), f"Drift and bands: {label}{whose}")
        self.border_title = self._shown.title
        self.refresh(layout=True)

    def clear(self, note: str) -> None:
        self._shown, self._note = None, note
        self.refresh(layout=True)

    @property
    def moves(self) -> Moves | None:
        return None if self._shown is None else self._shown.found

    def bar_width(self) -> int:
        inner = self.content_size.width or self.size.width or 80
        figures = COMPACT_FIGURES_WIDTH if self.compact else FIGURES_WIDTH
        return max(MIN_BAR, inner - LABEL_WIDTH - figures)

    def scale(self) -> float:
        """The weight at the bar's right end: the largest mark, a little headroom."""
        if self._shown is None:
            return 1.0
        found = self._shown.found
        marks = [found.cash_before, found.cash_after, 0.05]
        for m in found.rows:
            marks += [m.before, m.after, m.target + (m.band if m.in_model else 0.0)]
        return min(1.0, max(marks) * 1.05)

    def render(self) -> Text:
        if self._shown is None:
            return Text(self._note, style="italic dim")
        colours = PALETTES[self.app.current_theme.dark]
        found, width, scale = self._shown.found, self.bar_width(), self.scale()
        out = Text(no_wrap=True, overflow="ellipsis")
        for m in found.rows:
            name = m.symbol if m.in_model else f"{m.symbol}*"
            out.append(f"{name[: LABEL_WIDTH - 1]:<{LABEL_WIDTH}}", style="bold")
            self._bar(out, bar_cells(m, m.before, m.after, scale, width), colours)
            drift = m.drift_after
            inside = m.in_band(m.after)
            near = abs(drift) > max(m.band * 0.75, 0.0025)
            style = colours["ok" if inside and not near else "near" if inside else "out"]
            if not self.compact:
                # "!" marks a weight outside its band now (the ○ off the band too).
                was_out = m.in_model and not m.in_band(m.before)
                out.append(f" {m.before * 100:5.1f}%")
                out.append("!" if was_out else " ", style=colours["out"])
                out.append(f"→ {m.after * 100:5.1f}% ")
            out.append(" ")
            out.append(f"{direction(drift)} {signed_pp(drift)}", style=style)
            out.append(" out" if not inside else "", style=style)
            out.append("\n")
        out.append(f"{'Cash':<{LABEL_WIDTH}}", style="bold italic")
        cells = bar_cells(None, found.cash_before, found.cash_after, scale, width)
        self._bar(out, cells, colours)
        if self.compact:  # narrow: the legend from the left edge, on one line
            out.append(f" {found.cash_after * 100:4.1f}%\n")
            legend = f"{BAND} band {TARGET} target {NOW} now {AFTER} after · 0-{scale * 100:.0f}%"
            out.append(legend, style="dim")
            return out
        out.append(f" {found.cash_before * 100:5.1f}% → {found.cash_after * 100:5.1f}%\n")
        legend = f"{BAND} band  {TARGET} target  {NOW} now (! out of band)  {AFTER} after  "
        out.append(" " * LABEL_WIDTH + legend, style="dim")
        out.append(f"scale 0-{scale * 100:.0f}%", style="dim")
        return out

    @staticmethod
    def _bar(out: Text, cells: list[str], colours: dict[str, str]) -> None:
        styles = {EMPTY: "dim", BAND: "", TARGET: "bold", NOW: "bold", AFTER: colours["after"]}
        styles[BOTH] = colours["after"]
        # One span per run of a style, not per cell: with 1,500 assets a span
        # per cell made each redraw take seconds (keys waited meanwhile).
        start = 0
        for i in range(1, len(cells) + 1):
            if i == len(cells) or styles[cells[i]] != styles[cells[start]]:
                out.append("".join(cells[start:i]), style=styles[cells[start]])
                start = i
