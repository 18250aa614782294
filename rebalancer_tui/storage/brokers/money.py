"""Numbers as brokers write them, read once and then held to the rules' bounds.

Broker files write money for people: ``"$1,234.56"``, ``-$5``, ``$-5``,
``+$0.16``, ``(12.50)`` for a negative, ``--`` or ``n/a`` for none. This is
the only tolerant grammar in the project, and it is used only for broker
files: what it reads is then checked with `rules.check_number` against the
same `Quantity` bounds as every other input (a negative cash balance or a
short position is refused there, in the same words as anywhere else).
"""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal

from rebalancer_tui.rules import (
    MAX_DIGITS,
    PRICE,
    SHARES,
    InputError,
    Quantity,
    check_number,
    shown,
)

__all__ = [
    "ANY_SHARES",
    "COST",
    "NONE_WORDS",
    "broker_number",
    "checked",
    "file_price",
    "share_count",
]

# Cells that mean "no value" in broker files.
NONE_WORDS = frozenset({"", "--", "n/a", "na", "-"})

# Unit cost of a tax lot: like a price, but a gift or a spin-off can cost 0.
COST = Quantity("cost", "$", Decimal(0), Decimal(10) ** 6, 8)

# Grouping must be real groups of three (1,234,567), never a decimal comma.
_DIGITS = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+", re.ASCII)


def broker_number(text: str, what: str) -> Decimal | None:
    """The number a broker cell writes, or None for an empty cell, ``--`` or
    ``n/a``. Raises InputError ``"<what>: not a number (got '...')"``."""
    raw = text.strip()
    if raw.lower() in NONE_WORDS:
        return None
    s = raw
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative = True
        s = s[1:-1].strip()
    signs = dollars = 0
    # A sign may sit before or after the dollar sign: -$5, $-5, +$0.16.
    for _ in range(3):
        if s[:1] in ("+", "-"):
            signs += 1
            negative ^= s[0] == "-"
            s = s[1:].lstrip()
        elif s[:1] == "$":
            dollars += 1
            s = s[1:].lstrip()
        else:
            break
    if signs > 1 or dollars > 1 or not _DIGITS.fullmatch(s):
        raise InputError(f"{what}: not a number (got {shown(raw, 24)})")
    if sum(ch.isdigit() for ch in s) > MAX_DIGITS:
        raise InputError(f"{what}: too many digits (at most {MAX_DIGITS}) (got {shown(raw, 24)})")
    value = Decimal(s.replace(",", ""))
    return -value if negative else value


def checked(text: str, q: Quantity) -> Decimal | None:
    """A broker cell read as `q` (None for none), within the bounds of `q`."""
    value = broker_number(text, q.name)
    if value is None:
        return None
    return check_number(value, q, got=shown(text.strip(), 24))


def file_price(text: str) -> Decimal | None:
    """The file's own price of a holding, or None: none given, or $0 (a
    delisted or unpriced position is still held; it needs a price from
    elsewhere). A negative price is refused by `rules.PRICE`."""
    value = broker_number(text, PRICE.name)
    if value is None or value == 0:
        return None
    return check_number(value, PRICE, got=shown(text.strip(), 24))


ANY_SHARES = Quantity("shares", "shares", Decimal(0), SHARES.maximum, None)


def share_count(text: str) -> tuple[int, Decimal] | None:
    """A share count: (whole shares, fraction left out), or None for none.

    Mutual funds and fractional-share programs hold fractions; planning is in
    whole shares, so the count is floored and the fraction returned to be
    named in the summary. Negative counts (short positions) are refused."""
    value = broker_number(text, "shares")
    if value is None:
        return None
    got = shown(text.strip(), 24)
    value = check_number(value, ANY_SHARES, got=got)
    whole = value.to_integral_value(rounding=ROUND_FLOOR)
    check_number(whole, SHARES, got=got)
    return int(whole), value - whole
