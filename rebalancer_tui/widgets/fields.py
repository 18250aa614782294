"""Typed-number fields: a Textual validator built on `rules`.

The field takes exactly what the command line and the files take (the rules'
grammar and bounds) and refuses with the same words. A "%" quantity (band,
cost rate) with `percent=True` is typed as a percentage: "2" means 0.02.

    DecimalField(rules.CASH)
    DecimalField(rules.BAND, percent=True)
    DecimalField(rules.RELATIVE_BAND, percent=True, blank_ok=True)
    LotsField()  # "VTI=10, BND=5"
    DateField("lot date", latest=dt.date.today())  # "2024-03-01", no later than today
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from textual.validation import ValidationResult, Validator
from textual.widgets import Input

from rebalancer_tui.rules import InputError, Quantity, parse_date, parse_lot, parse_number
from rebalancer_tui.widgets.ordered_input import OrderedInput


class TextField(Validator):
    """A validator that is its own parser: `validate` refuses exactly the text
    `parse` raises InputError for, with the same words."""

    what = ""
    percent = False
    blank_ok = False

    def parse(self, text: str) -> object:
        raise NotImplementedError

    def blank(self, text: str) -> bool:
        """True for an empty field that may be empty; InputError for one that may not."""
        if text.strip():
            return False
        if self.blank_ok:
            return True
        raise InputError(f"{self.what}: required")

    def validate(self, value: str) -> ValidationResult:
        try:
            self.parse(value)
        except InputError as exc:
            return self.failure(str(exc))
        return self.success()


class DecimalField(TextField):
    """A number for `quantity`. `blank_ok` lets an empty field mean "off"
    (e.g. no relative band)."""

    def __init__(
        self, quantity: Quantity, *, percent: bool = False, blank_ok: bool = False
    ) -> None:
        super().__init__()
        self.quantity = quantity
        self.percent = percent and quantity.unit == "%"
        self.blank_ok = blank_ok
        self.what = quantity.name

    def parse(self, text: str) -> Decimal | None:
        """The value in the quantity's unit (a fraction for "%"); None when
        blank. Raises InputError for text `validate` refuses."""
        if self.blank(text):
            return None
        return parse_number(text, self.quantity, percent=self.percent)


class LotsField(TextField):
    """Lot sizes as "SYM=N, SYM=N" (blank: none), each pair read by
    `rules.parse_lot`, so the field refuses with the command line's words."""

    blank_ok = True

    def parse(self, text: str) -> dict[str, int]:
        """The lots typed, by symbol. Raises InputError for text `validate` refuses."""
        lots: dict[str, int] = {}
        for part in text.split(","):
            if not part.strip():
                continue
            symbol, n = parse_lot(part.strip())
            if symbol in lots:
                raise InputError(f"lot: {symbol} is given twice")
            lots[symbol] = n
        return lots

    @staticmethod
    def shown(lots: dict[str, int]) -> str:
        return ", ".join(f"{s}={n}" for s, n in sorted(lots.items()))


class DateField(TextField):
    """An ISO date (YYYY-MM-DD) read by `rules.parse_date`, so the field
    refuses with the files' and the command line's words; `latest`: no date
    after it (a lot is not bought in the future); `blank_ok`: empty means
    "none" (the plan's day: today)."""

    def __init__(self, what: str, *, latest: dt.date | None = None, blank_ok: bool = False) -> None:
        super().__init__()
        self.what = what
        self.latest = latest
        self.blank_ok = blank_ok

    def parse(self, text: str) -> dt.date | None:
        """The date typed (None when blank). Raises InputError for text `validate` refuses."""
        if self.blank(text):
            return None
        return parse_date(text, self.what, latest=self.latest)


def field_input(validator: TextField, value: str = "", *, id: str, **more: Any) -> Input:
    """A compact field checked by `validator` as typed (empty is valid where
    the field may be blank); `more`: Input's other arguments."""
    return OrderedInput(
        value, id=id, compact=True, validators=[validator], valid_empty=validator.blank_ok, **more
    )
