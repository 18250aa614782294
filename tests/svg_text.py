"""Read a Textual SVG screenshot back as a grid of cells: the character, its
foreground and its background colour. A helper module for the snapshot tests.

Textual writes one `<text>` per run of same-styled characters, placed by its
x (12.2 px a cell) and clipped to its line, and one `<rect>` per run of the
same background, so both map back onto cells exactly.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

CELL_W, CELL_H = 12.2, 24.4
_STYLE = re.compile(r"\.(terminal-\d+-r\d+) \{ fill: (#[0-9a-f]{6})")
_TEXT = re.compile(
    r'<text class="(?P<cls>[^"]+)" x="(?P<x>[\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#terminal-\d+-line-(?P<line>\d+)\)">(?P<text>[^<]*)</text>'
)
_RECT = re.compile(
    r'<rect fill="(?P<fill>#[0-9a-f]{6})" x="(?P<x>[\d.]+)" y="(?P<y>[\d.]+)" '
    r'width="(?P<w>[\d.]+)" height="[\d.]+" shape-rendering="crispEdges"/>'
)


@dataclass
class Screen:
    chars: list[list[str]]
    fg: list[list[str]]
    bg: list[list[str]]

    @property
    def lines(self) -> list[str]:
        return ["".join(row) for row in self.chars]

    def text(self) -> str:
        return "\n".join(self.lines)

    def find(self, needle: str, start: int = 0) -> tuple[int, int]:
        """(line, column) of the first `needle` from line `start`; ValueError if absent."""
        for y, line in enumerate(self.lines[start:], start=start):
            x = line.find(needle)
            if x >= 0:
                return y, x
        raise ValueError(f"{needle!r} is not on screen")


def parse(svg: str, width: int, height: int) -> Screen:
    chars = [[" "] * width for _ in range(height)]
    fg = [[""] * width for _ in range(height)]
    bg = [[""] * width for _ in range(height)]
    styles = dict(_STYLE.findall(svg))
    for m in _RECT.finditer(svg):
        y = round((float(m["y"]) - 1.5) / CELL_H)
        x0 = round(float(m["x"]) / CELL_W)
        for x in range(x0, min(width, x0 + round(float(m["w"]) / CELL_W))):
            if 0 <= y < height:
                bg[y][x] = m["fill"]
    for m in _TEXT.finditer(svg):
        y, x0 = int(m["line"]), round(float(m["x"]) / CELL_W)
        text = html.unescape(m["text"]).replace("\xa0", " ")
        for i, ch in enumerate(text):
            if y < height and x0 + i < width:
                chars[y][x0 + i] = ch
                fg[y][x0 + i] = styles.get(m["cls"], "")
    return Screen(chars, fg, bg)


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
