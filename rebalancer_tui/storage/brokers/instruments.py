"""What a row holds, when the file does not say: options and CUSIPs."""

from __future__ import annotations

__all__ = ["is_cusip"]


def _cusip_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    return {"*": 36, "@": 37, "#": 38}.get(ch, -1)


def is_cusip(text: str) -> bool:
    """A 9-character CUSIP with a valid check digit (a bond, a CD, a note):
    no ticker is 9 characters with digits and a matching check digit."""
    s = text.strip().upper()
    if len(s) != 9 or not s[-1].isdigit() or not any(c.isdigit() for c in s[:8]):
        return False
    total = 0
    for i, ch in enumerate(s[:8]):
        v = _cusip_value(ch)
        if v < 0:
            return False
        if i % 2 == 1:
            v *= 2
        total += v // 10 + v % 10
    return (10 - total % 10) % 10 == int(s[-1])
