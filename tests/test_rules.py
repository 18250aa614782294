"""The input rules: one number grammar, one set of bounds, one symbol rule,
one error formatter, and safe echoing of outside text."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from rebalancer_tui import rules
from rebalancer_tui.rules import (
    BAND,
    CASH,
    COST_RATE,
    FEE,
    PRICE,
    RELATIVE_BAND,
    SHARES,
    InputError,
    NumberError,
    check_symbol,
    csv_cell,
    describe_validation_error,
    parse_number,
    printable,
)

D = Decimal


@pytest.mark.parametrize(
    ("text", "q", "value"),
    [
        ("12", CASH, D(12)),
        ("0.5", BAND, D("0.5")),
        (".5", BAND, D("0.5")),
        ("12.", FEE, D(12)),
        ("$5", CASH, D(5)),
        ("$ 1200.50", FEE, D("1200.50")),
        (" 7 ", SHARES, D(7)),
        ("4.00", SHARES, D(4)),
        ("+2", SHARES, D(2)),
        ("0.000001", PRICE, D("0.000001")),
        ("100000000000", CASH, D(10) ** 11),
        ("0.5", COST_RATE, D("0.5")),
    ],
)
def test_accepted(text: str, q: rules.Quantity, value: Decimal) -> None:
    assert parse_number(text, q) == value


@pytest.mark.parametrize(
    ("text", "q", "message"),
    [
        ("1e3", CASH, "cash: write plain digits, no exponent (1000, not 1e3) (got '1e3')"),
        ("1E+9", CASH, "cash: write plain digits, no exponent"),
        ("1e308", PRICE, "price: write plain digits, no exponent"),
        ("1_000", SHARES, "shares: write plain digits, no '_' (1000, not 1_000)"),
        ("1,234", CASH, "cash: write 1234.5: no thousands separators, a point for decimals"),
        ("1234,5", CASH, "no thousands separators, a point for decimals"),
        ("1 000", CASH, "no thousands separators"),
        ("-1", SHARES, "shares: must not be negative (got '-1')"),
        ("-1", PRICE, "price: must be at least $0.000001"),
        ("-$5", CASH, "cash: must not be negative (got '-$5')"),
        ("0", RELATIVE_BAND, "relative band: must be above 0 (got '0')"),
        ("$5", SHARES, "shares: a count of shares, without '$'"),
        ("$0.5", BAND, "band: without '$'"),
        ("31%", BAND, "band: a fraction without '%' (0.31 for 31%)"),
        ("nan", CASH, "cash: not a number (got 'nan')"),
        ("-inf", CASH, "cash: not a number"),
        ("Infinity", CASH, "cash: not a number"),
        ("ten", SHARES, "shares: not a number (got 'ten')"),
        ("", FEE, "fee: required"),
        ("1" * 31, CASH, "cash: too many digits (at most 30)"),
        ("0.7", COST_RATE, "cost rate: must be at most 50% (0.5) (got '0.7')"),
        ("1.5", SHARES, "shares: must be a whole number"),
        ("1.005", CASH, "cash: must have at most 2 decimals"),
        ("1000000000001", CASH, "cash: must be at most $100,000,000,000"),
        ("1000000001", SHARES, "shares: must be at most 1,000,000,000"),
        ("1000001", PRICE, "price: must be at most $1,000,000"),
        ("10001", FEE, "fee: must be at most $10,000"),
        ("\x1b[2J", FEE, r"fee: not a number (got '\x1b[2J')"),
        ("\u0661\u0662", SHARES, "shares: not a number"),
        ("\uff11\uff12", CASH, "cash: not a number"),
    ],
)
def test_refused(text: str, q: rules.Quantity, message: str) -> None:
    with pytest.raises(NumberError) as info:
        parse_number(text, q)
    assert message in str(info.value)
    assert "\n" not in str(info.value) and "\x1b" not in str(info.value)
    assert isinstance(info.value, ValueError) and info.value.quantity is q


def test_percent_view_same_value_and_words() -> None:
    assert parse_number("2", BAND, percent=True) == D("0.02")
    assert parse_number("1.5%", COST_RATE, percent=True) == D("0.015")
    with pytest.raises(NumberError) as app:
        parse_number("70", COST_RATE, percent=True)
    with pytest.raises(NumberError) as flag:
        parse_number("0.7", COST_RATE)
    assert app.value.rule == flag.value.rule == "must be at most 50% (0.5)"


def test_check_number_from_code_and_files() -> None:
    assert rules.check_number(D("2.50"), CASH) == D("2.50")
    assert rules.to_number(3, SHARES) == 3
    for bad in (True, None, 1.5, [1]):
        with pytest.raises(NumberError, match="not a number"):
            rules.to_number(bad, CASH)
    with pytest.raises(NumberError, match="too many digits"):
        rules.to_number(10**5000, SHARES)
    with pytest.raises(NumberError, match="too many digits"):
        rules.to_number(D("1e308"), CASH)
    with pytest.raises(NumberError, match="not a number"):
        rules.check_number(D("NaN"), CASH)
    with pytest.raises(InputError, match="above the limit of"):
        rules.check_total_value(D(10) ** 11 + 1)
    rules.check_total_value(D(10) ** 11)


@pytest.mark.parametrize("good", ["esgv", " BRK.B ", "RDS-A", "A" * 16, "0700"])
def test_symbol_accepted(good: str) -> None:
    assert check_symbol(good) == good.strip().upper()


@pytest.mark.parametrize(
    "bad", ["ES GV", "=2+5", "+A", "-A", "@A", "", "A" * 17, "A\x1b[31m", ".A"]
)
def test_symbol_refused(bad: str) -> None:
    with pytest.raises(rules.SymbolError) as info:
        check_symbol(bad)
    assert "ticker like ESGV" in str(info.value) and "\x1b" not in str(info.value)


@pytest.mark.parametrize("good", ["ira", " Roth_IRA.2 ", "-x", "U1234567", "a" * 32, "0"])
def test_account_name_accepted(good: str) -> None:
    assert rules.check_account_name(good) == good.strip()


@pytest.mark.parametrize(
    ("bad", "got"),
    [("a b", "'a b'"), ("", "''"), ("a" * 33, "'" + "a" * 33 + "'"), ("é", "'é'"),
     ("ira\x1b[31m", r"'ira\x1b[31m'"), ("a,b", "'a,b'")],
)  # fmt: skip
def test_account_name_refused(bad: str, got: str) -> None:
    with pytest.raises(InputError) as info:
        rules.check_account_name(bad)
    assert str(info.value) == (
        f"account name: must be 1-32 letters, digits, '_', '.' or '-' (got {got})"
    )


@pytest.mark.parametrize("kind", ["taxable", " Tax-Deferred ", "TAX-FREE"])
def test_account_kind_accepted(kind: str) -> None:
    assert rules.check_account_kind(kind) == kind.strip().lower()


@pytest.mark.parametrize("kind", ["ira", "", "tax free", "roth"])
def test_account_kind_refused(kind: str) -> None:
    with pytest.raises(InputError) as info:
        rules.check_account_kind(kind)
    assert str(info.value) == (
        f"account kind: must be one of taxable, tax-deferred, tax-free (got '{kind}')"
    )


def test_account_rules_live_in_rules_only() -> None:
    """The name pattern and the list of kinds are written once, in rules.py
    (issue 9): every other module imports them."""
    root = Path(rules.__file__).parent
    pattern, kinds = "A-Za-z0-9_.-", '"taxable", "tax-deferred", "tax-free"'
    found = [
        str(p.relative_to(root))
        for p in sorted(root.rglob("*.py"))
        if p.name != "rules.py" and (pattern in (text := p.read_text("utf-8")) or kinds in text)
    ]
    assert found == []
    from rebalancer_tui.engine.household import ACCOUNT_KINDS, ACCOUNT_NAME

    assert ACCOUNT_NAME is rules.ACCOUNT_NAME and ACCOUNT_KINDS is rules.ACCOUNT_KINDS


def test_printable_and_csv_cell() -> None:
    assert printable("ESGV") == "ESGV"
    assert printable("a\x1b[31mb\u202ec\nd\x7f") == r"a\x1b[31mb\u202ec\x0ad\x7f"
    assert rules.shown("x" * 100, 10) == "'xxxxxxx...'"
    for cell in ("=2+5", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(cell) == "'" + cell
    assert csv_cell("ESGV") == "ESGV"


def test_money() -> None:
    assert rules.money(D("1234.565")) == "$1,234.56"
    assert rules.money(D("-5")) == "-$5.00"
    assert rules.money(0.125) == "$0.12"


class _Opts(BaseModel):
    relative_band: Annotated[Decimal, Field(gt=0)]
    cost_rate: Annotated[Decimal, BeforeValidator(lambda v: rules.to_number(v, COST_RATE))] = D(0)
    nested: dict[str, int] = {}


def test_describe_validation_error_in_user_words() -> None:
    with pytest.raises(ValidationError) as info:
        _Opts(relative_band=D(0))
    assert describe_validation_error(info.value) == "relative band: must be above 0 (got 0)"
    with pytest.raises(ValidationError) as info:
        _Opts.model_validate({"relative_band": 1, "cost_rate": "0.7"})
    assert describe_validation_error(info.value) == (
        "cost rate: must be at most 50% (0.5) (got '0.7')"
    )
    assert describe_validation_error(info.value, "options") == (
        "field options.cost_rate: cost rate: must be at most 50% (0.5) (got '0.7')"
    )
    with pytest.raises(ValidationError) as info:
        _Opts.model_validate({"relative_band": 1, "nested": {"A": "x"}, "extra": 1})
    msg = describe_validation_error(info.value)
    assert msg.startswith("field nested.A: expected a whole number (got 'x')"), msg
    assert "Input should" not in msg
