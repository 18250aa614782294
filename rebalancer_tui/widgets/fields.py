"""Typed-number fields: a Textual validator built on `rules`.

The field takes exactly what the command line and the files take (the rules'
grammar and bounds) and refuses with the same words. A "%" quantity (band,
cost rate) is typed as a percentage: "2" means 0.02.

    DecimalField(rules.CASH)                          # new: the rules' bounds
    DecimalField(rules.BAND, percent=True)            # typed as %, value a fraction
    DecimalField("Fee", minimum=..., maximum=...)     # old keywords, same grammar
"""

from __future__ import annotations

from decimal import Decimal

from textual.validation import ValidationResult, Validator

from rebalancer_tui.rules import InputError, Quantity, Unit, parse_number

_UNITS: dict[str, Unit] = {"$": "$", "%": "%", "": "shares"}


def parse_plain(text: str) -> Decimal | None:
    """A plain decimal ("12", "0.5", "$1200.50", "2%"), or None; no bounds."""
    loose = Quantity("value", "$", Decimal(0), Decimal(10) ** 29, None)
    try:
        return parse_number(text.strip().removesuffix("%"), loose)
    except InputError:
        return None


class DecimalField(Validator):
    """A number for `quantity`, or (old keywords) in [minimum, maximum] with at
    most `places` decimals. `blank_ok` lets an empty field mean "off" (e.g.
    no relative band)."""

    def __init__(
        self,
        quantity: Quantity | str,
        *,
        percent: bool = False,
        blank_ok: bool = False,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
        places: int | None = None,
        above_minimum: bool = False,
        unit: str = "",
    ) -> None:
        super().__init__()
        if isinstance(quantity, str):
            # Old keywords, kept while screens move to `rules` quantities: the
            # bounds are the caller's, in the units typed (a "%" field's are
            # percentages), the grammar and the wording are the rules'.
            low = minimum if minimum is not None else Decimal(0)
            high = maximum if maximum is not None else Decimal(10) ** 29
            if unit == "%":
                places = None if places is None else places + 2
                low, high, percent = low.scaleb(-2), high.scaleb(-2), True
            quantity = Quantity(
                quantity, _UNITS.get(unit, "shares"), low, high, places, above_minimum
            )
        self.quantity = quantity
        self.percent = percent and quantity.unit == "%"
        self.blank_ok = blank_ok
        self.what = quantity.name

    def parse(self, text: str) -> Decimal | None:
        """The value in the quantity's unit (a fraction for "%"); None when
        blank. Raises InputError for text `validate` refuses."""
        if not text.strip():
            if self.blank_ok:
                return None
            raise InputError(f"{self.quantity.name}: required")
        return parse_number(text, self.quantity, percent=self.percent)

    def validate(self, value: str) -> ValidationResult:
        try:
            self.parse(value)
        except InputError as exc:
            return self.failure(str(exc))
        return self.success()


def value_of(text: str) -> Decimal | None:
    """The number typed, as typed (a "%" field gives the percentage); None for
    a blank field. Use `DecimalField.parse` for the value in the quantity's unit."""
    return parse_plain(text) if text.strip() else None
