"""Asserted screenshots: the app's SVG at 80x24 and 200x60, dark and light.

pytest-textual-snapshot is not a dependency; instead each screenshot is saved
with `App.save_screenshot`, read back into cells (`svg_text`), and checked for
the strings and glyphs at their places, and for colour contrast where colour
carries meaning (drift, markers, the best mark) on both kinds of theme.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from app_pilot import offline_app, running, settle
from svg_text import Screen, contrast, parse
from textual.pilot import Pilot
from textual.widgets import Input

from rebalancer_tui.data import load_catalog
from rebalancer_tui.demo import demo_holdings
from rebalancer_tui.engine import STRATEGIES, RebalanceInput, solve
from rebalancer_tui.widgets.compare_table import BEST, column_label
from rebalancer_tui.widgets.drift_bars import AFTER, BOTH, LABEL_WIDTH, NOW, DriftBars, column

THEMES = ["textual-dark", "textual-light"]
LEGIBLE = 3.0  # WCAG's minimum contrast for large or bold text and graphics

CATALOG = load_catalog()


def start_input() -> RebalanceInput:
    model = CATALOG.model("risky-norris")
    assert model is not None
    prices = {a.symbol: a.price for a in CATALOG.assets if a.price is not None}
    holdings = demo_holdings(dict(model.weights), prices, seed=0)
    return RebalanceInput(holdings=holdings, prices=prices, targets=dict(model.weights))


async def shoot(pilot: Pilot[None], path: Path) -> Screen:
    app = pilot.app
    for field in app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()
    app.save_screenshot(path.name, path=str(path.parent))
    width, height = app.size
    return parse(path.read_text(encoding="utf-8"), width, height)


def legible(screen: Screen, y: int, x: int) -> float:
    return contrast(screen.fg[y][x], screen.bg[y][x])


@pytest.mark.parametrize("theme", THEMES)
async def test_main_view_at_80x24(tmp_path: Path, theme: str) -> None:
    app = offline_app(tmp_path)
    async with running(app, (80, 24), theme=theme) as pilot:
        screen = await shoot(pilot, tmp_path / f"main-80x24-{theme}.svg")
    lines = screen.lines
    assert "Rebalancer" in lines[0]
    assert lines[1].startswith("╭─ Funds")  # narrow: the panes stack
    assert "╭─ Strategy" in lines[1]
    assert "Risky Norris" in lines[2]
    assert any("Preview: Risky Norris" in line for line in lines)
    assert lines[-1].startswith(" 1 Simple  2 Tracking") and "^p palette" in lines[-1]


@pytest.mark.parametrize("theme", THEMES)
async def test_main_view_at_200x60(tmp_path: Path, theme: str) -> None:
    app = offline_app(tmp_path)
    async with running(app, (200, 60), theme=theme) as pilot:
        bars = app.main_screen.query_one(DriftBars)
        width, scale = bars.bar_width(), bars.scale()
        screen = await shoot(pilot, tmp_path / f"main-200x60-{theme}.svg")
    inp = start_input()
    plan = solve(inp, "simple")
    base = inp.total_value
    assert "Drift and bands: Simple" in screen.text()
    assert "Why ESGV: above its band by" in screen.text()
    top, _ = screen.find("Drift and bands: Simple")
    for symbol in inp.symbols:
        y, x = screen.find(f"│ {symbol} ", start=top)
        bar = x + 2 + LABEL_WIDTH  # the border, the padding, the label
        before = float(inp.prices[symbol] * inp.held(symbol) / base)
        after = float(inp.prices[symbol] * plan.final_shares[symbol] / base)
        now, then = column(before, scale, width), column(after, scale, width)
        marks = {now: BOTH} if now == then else {now: NOW, then: AFTER}
        for cell, glyph in marks.items():
            assert screen.chars[y][bar + cell] == glyph, screen.lines[y]
            assert legible(screen, y, bar + cell) >= LEGIBLE, (theme, symbol, glyph)
        drift = after - float(inp.targets[symbol])
        glyph = "=" if abs(drift) < 0.0005 else "▲" if drift > 0 else "▼"
        g = screen.lines[y].index(glyph, bar + width)
        assert legible(screen, y, g) >= LEGIBLE, (theme, symbol, screen.lines[y][g:])
    # The drift column of the current holdings: coloured by size, and legible
    # at every size (out of band, near its edge, well inside).
    top, _ = screen.find("Current holdings")
    sizes = set()
    for symbol in inp.symbols:
        y, x = screen.find(f"│ {symbol} ", start=top)
        drift = float(inp.prices[symbol] * inp.held(symbol) / base) - float(inp.targets[symbol])
        shown = "0.00%" if round(drift * 100, 2) == 0 else f"{drift * 100:+.2f}%"
        at = screen.lines[y].index(shown, x)
        assert legible(screen, y, at + 1) >= LEGIBLE, (theme, symbol, shown)
        sizes.add("out" if abs(drift) > 0.02 else "near" if abs(drift) > 0.005 else "in")
    assert sizes == {"out", "near", "in"}  # every colour was checked
    # Everything the results draw (tables, orders, metrics, reasons, bars) is
    # legible; only Textual's own borders and titles are left out.
    end, _ = screen.find("scale 0-", start=top)
    for y in range(top + 1, end + 1):
        line = screen.lines[y]
        if "╭" in line or "╰" in line:
            continue  # a border line: Textual's titles and subtitles
        for x, ch in enumerate(line):
            if ch.strip() and ch not in "│─" and screen.fg[y][x] and screen.bg[y][x]:
                assert legible(screen, y, x) >= LEGIBLE, (theme, line[max(0, x - 20) : x + 10])


@pytest.mark.parametrize("theme", THEMES)
async def test_compare_view_at_200x60(tmp_path: Path, theme: str) -> None:
    app = offline_app(tmp_path)
    async with running(app, (200, 60), theme=theme) as pilot:
        await pilot.press("c")
        await settle(pilot)
        screen = await shoot(pilot, tmp_path / f"compare-200x60-{theme}.svg")
    y, _ = screen.find("│ Measure ")
    header = screen.lines[y]
    names = ["Current", *(column_label(s) for s in STRATEGIES)]
    assert [header.index(n) for n in names] == sorted(header.index(n) for n in names)
    for label in ("Deviation ", "Max drift", "Orders ", "Turnover", "Costs", "Cash left"):
        row, _ = screen.find(f"│ {label}")
        assert BEST in screen.lines[row], screen.lines[row]
        star = screen.lines[row].index(BEST)
        assert star > header.index("Current") + len("Current")  # never the current column
        assert legible(screen, row, star) >= LEGIBLE
    assert "Export orders" in screen.lines[-1]


async def test_compare_view_at_80x24_keeps_amounts_whole(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with running(app, (80, 24)) as pilot:
        await pilot.press("c")
        await settle(pilot)
        screen = await shoot(pilot, tmp_path / "compare-80x24.svg")
    inp = start_input()
    deviation = solve(inp, "tracking-error").metrics.deviation
    # Narrow: the measures table first, every column whole inside its border.
    y, _ = screen.find("│ Measure ")
    last = re.escape(column_label(STRATEGIES[-1]))
    assert re.search(rf"{last} *│$", screen.lines[y].rstrip()), screen.lines[y]
    assert f"{BEST} ${deviation:,.2f}" in screen.text()
    for line in screen.lines[y : y + 9]:
        # Two borders, and padding before the right one: nothing cut at the edge.
        assert line.count("│") == 2 and line[: line.rindex("│")].endswith("  "), line
