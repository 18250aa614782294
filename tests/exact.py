"""Exact arithmetic shared by the brute-force references (a helper module)."""

from __future__ import annotations

from fractions import Fraction

# The tolerance of a money comparison: a cent.
CENT = Fraction(1, 100)


def F(x: object) -> Fraction:
    """Exact fraction of a Decimal/int/str (never through a float)."""
    return Fraction(str(x))
