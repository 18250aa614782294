"""Typed-number fields: a Textual validator for money, percentages and shares.

`float()` would take "1e3", "inf" or "1_000"; people mean none of those, so
only plain decimal notation is accepted (an optional leading "$" for money
and thousands commas are refused with a hint rather than guessed at).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from textual.validation import ValidationResult, Validator

_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def parse_plain(text: str) -> Decimal | None:
    """A plain decimal ("12", "0.5", "$1200.50"), or None."""
    raw = text.strip().removeprefix("$").strip()
    if not _PLAIN.fullmatch(raw):
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the regex already filters
        return None


class DecimalField(Validator):
    """A number in [minimum, maximum] with at most `places` decimals.

    `blank_ok` lets an empty field mean "off" (e.g. no relative band).
    """

    def __init__(
        self,
        what: str,
        *,
        minimum: Decimal,
        maximum: Decimal,
        places: int | None = None,
        above_minimum: bool = False,
        blank_ok: bool = False,
        unit: str = "",
    ) -> None:
        super().__init__()
        self.what = what
        self.minimum = minimum
        self.maximum = maximum
        self.places = places
        self.above_minimum = above_minimum
        self.blank_ok = blank_ok
        self.unit = unit

    def _bound(self, d: Decimal) -> str:
        return f"${d:,}" if self.unit == "$" else f"{d}{self.unit}"

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success() if self.blank_ok else self.failure(f"{self.what}: required")
        if "," in value:
            return self.failure(f"{self.what}: write 1234.5, without thousands commas")
        d = parse_plain(value)
        if d is None:
            return self.failure(f"{self.what}: not a number ({value.strip()[:20]!r})")
        low_ok = d > self.minimum if self.above_minimum else d >= self.minimum
        if not low_ok:
            op = ">" if self.above_minimum else ">="
            return self.failure(f"{self.what}: must be {op} {self._bound(self.minimum)}")
        if d > self.maximum:
            return self.failure(f"{self.what}: at most {self._bound(self.maximum)}")
        if self.places is not None and d != d.quantize(Decimal(1).scaleb(-self.places)):
            unit = "whole number" if self.places == 0 else f"at most {self.places} decimals"
            return self.failure(f"{self.what}: {unit}")
        return self.success()


def value_of(text: str) -> Decimal | None:
    """The field's value once valid; None for a blank field."""
    return parse_plain(text) if text.strip() else None
