"""Money in the JSON: rounded to the cent, and never a negative zero (a tax
saving under half a cent printed as -0.0)."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest

from rebalancer_tui.engine.evaluate import money


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("-0.0037"), "0.0"),
        (Decimal("-0.004999"), "0.0"),
        (Decimal("-0.005"), "0.0"),  # half-even: to the even cent, 0
        (Decimal("-0.015"), "-0.02"),
        (Decimal("12.345"), "12.34"),
        (Decimal(0), "0.0"),
    ],
)
def test_money_rounds_to_the_cent_without_a_negative_zero(amount: Decimal, text: str) -> None:
    got = money(amount)
    assert json.dumps(got) == text
    assert math.copysign(1.0, got) == (1.0 if not text.startswith("-") else -1.0)
