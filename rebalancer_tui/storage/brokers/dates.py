"""Dates as broker files write them."""

from __future__ import annotations

import re
from datetime import date

from rebalancer_tui.rules import InputError, shown

__all__ = ["find_date", "flex_date"]

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_YMD = re.compile(r"(?<!\d)(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?!\d)")
_MDY = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)")
_MON = re.compile(r"(?<![A-Za-z])([A-Za-z]{3})[a-z]*[- ](\d{1,2}),?[- ](\d{4})(?!\d)")


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_date(text: str) -> date | None:
    """The first date in a banner or footer line ("as of 09:59 PM ET,
    09/26/2021", "2025/05/04", "Date downloaded Nov-30-2026 ..."), or None:
    the date there is informational, so an odd one is not an error."""
    found: list[tuple[int, date]] = []
    for m in _YMD.finditer(text):
        d = _make(int(m[1]), int(m[2]), int(m[3]))
        if d:
            found.append((m.start(), d))
    for m in _MDY.finditer(text):
        d = _make(int(m[3]), int(m[1]), int(m[2]))
        if d:
            found.append((m.start(), d))
    for m in _MON.finditer(text):
        month = _MONTHS.get(m[1].lower())
        d = _make(int(m[3]), month, int(m[2])) if month else None
        if d:
            found.append((m.start(), d))
    return min(found, key=lambda x: x[0])[1] if found else None


_FLEX = (
    (re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII), (0, 1, 2)),
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII), (0, 1, 2)),
    (re.compile(r"(\d{2})/(\d{2})/(\d{4})", re.ASCII), (2, 0, 1)),
)


def flex_date(text: str, what: str) -> date:
    """An Interactive Brokers Flex date or date-time (yyyyMMdd, yyyy-MM-dd or
    MM/dd/yyyy, then an optional time after ';', ',', a space or 'T')."""
    head = re.split(r"[;, T]", text.strip(), maxsplit=1)[0]
    for pattern, (yi, mi, di) in _FLEX:
        m = pattern.fullmatch(head)
        if m:
            parts = m.groups()
            d = _make(int(parts[yi]), int(parts[mi]), int(parts[di]))
            if d:
                return d
    raise InputError(
        f"{what}: not a date (got {shown(text, 24)}; expected yyyyMMdd, yyyy-MM-dd or MM/dd/yyyy)"
    )
