"""The ANSI colours the app draws with on a light theme.

The widgets colour by meaning with the 16 named ANSI colours ("green",
"yellow", "bold red"); Textual turns them into RGB through an ANSI theme, one
for dark themes and one for light ones. Its light one (Alabaster) keeps
yellow and green too pale to read on a light panel (about 2:1), so the app
uses this copy of it with those (and red) darkened to at least WCAG's 3:1 on every
light background Textual's light themes paint (panels, zebra rows, cursor).
Every other colour is Alabaster's.
"""

from __future__ import annotations

from rich.terminal_theme import TerminalTheme

LEGIBLE_LIGHT = TerminalTheme(
    (247, 247, 247),
    (0, 0, 0),
    [
        (0, 0, 0),
        (170, 55, 49),
        (27, 110, 27),  # green: Alabaster's (68, 140, 39) was 2.9:1
        (138, 90, 0),  # yellow: Alabaster's (203, 144, 0) was 2.0:1
        (50, 92, 192),
        (122, 62, 157),
        (0, 131, 178),
        (247, 247, 247),
    ],
    [
        (119, 119, 119),
        (200, 40, 40),  # bright red: Alabaster's (240, 80, 80) was 2.6:1
        (27, 110, 27),  # bright green: Alabaster's (96, 203, 0) was 1.8:1
        (138, 90, 0),  # bright yellow: Alabaster's (255, 188, 93) was 1.5:1
        (0, 122, 204),
        (230, 76, 230),
        (0, 170, 203),
        (247, 247, 247),
    ],
)
