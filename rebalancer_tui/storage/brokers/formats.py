"""The broker formats known, by key, with the words a person reads."""

from __future__ import annotations

__all__ = ["FORMATS", "known_formats_text"]

FORMATS: dict[str, str] = {
    "schwab": "Charles Schwab positions",
    "fidelity": "Fidelity positions",
    "vanguard": "Vanguard ofxdownload",
    "ibkr": "Interactive Brokers Flex open positions",
}


def known_formats_text() -> str:
    return ", ".join(FORMATS.values())
