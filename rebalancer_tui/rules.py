"""The one home for input rules: how a number is written, the bounds of every
quantity, what a symbol is, and how a refusal is worded.

Every entry point (command-line flags, every file reader, every app field,
the price cache and API) goes through these functions, so the same text is
accepted or refused everywhere with the same words.

The number grammar is plain decimal notation: ``12``, ``0.5``, ``.5``, ``12.``,
an optional leading ``+``, and a leading ``$`` for dollar quantities only.
Exponents (``1e3``), ``_``, thousands separators, negatives, NaN and infinity
are refused with a line that names the quantity and the rule. A comma is
never guessed at: in Chile it is the decimal mark, elsewhere a thousands
separator.

Why these bounds. The engine checks plans in exact decimals but searches with
IEEE doubles, which hold every integer up to 2**53 (about 9.0e15) exactly. In
cents, $1e11 (``MAX_TOTAL_VALUE``, also the bound on cash and the reserve) is
1e13 cents, so a sum of a few hundred dollar values of that size keeps an
error far below half a cent: the float view stays exact to the cent. Shares
stop at 1e9 and prices at $1e6 (a value per holding of at most 1e15 before the
total bound applies), prices start at $0.000001 with at most 8 decimals, so
the search never works with amounts below its resolution (a price of 1e-9 and
8.8e12 shares made the solver claim "optimal" for a poor plan). No user
number has more than ``MAX_DIGITS`` digits, so nothing a user writes makes
``Decimal`` or ``int`` work hard.

Headless and cheap: no Textual, and pydantic only for type checking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "ACCOUNT_KINDS",
    "ACCOUNT_KIND_RULE",
    "ACCOUNT_NAME",
    "ACCOUNT_NAME_MAX_LEN",
    "ACCOUNT_NAME_RULE",
    "BAND",
    "CASH",
    "COST_RATE",
    "EARLIEST_LOT_DATE",
    "FEE",
    "LONG_TERM_DAYS",
    "LOT_COST",
    "MAX_DIGITS",
    "MAX_GAINS",
    "MAX_SYMBOLS",
    "MAX_TOTAL_VALUE",
    "PRICE",
    "RELATIVE_BAND",
    "RESERVE",
    "SHARES",
    "SYMBOL_MAX_LEN",
    "TAX_RATE",
    "TAX_WEIGHT",
    "TIME_LIMIT",
    "WASH_SALE_DAYS",
    "WEIGHT",
    "WEIGHT_SUM_TOLERANCE",
    "AccountKind",
    "InputError",
    "NumberError",
    "Quantity",
    "RawNumber",
    "SymbolError",
    "check_account_kind",
    "check_account_name",
    "check_number",
    "check_symbol",
    "check_total_value",
    "csv_cell",
    "describe_validation_error",
    "money",
    "parse_date",
    "parse_number",
    "plain",
    "printable",
    "shown",
    "to_number",
]


class InputError(ValueError):
    """A user file or value that cannot be used; the message is one clear line."""


class NumberError(InputError):
    """A number refused by `parse_number` / `check_number`.

    `str()` is ``"<name>: <rule> (got <text>)"``; `rule` alone is the part that
    is worded the same at every entry point.
    """

    def __init__(self, quantity: Quantity, rule: str, got: str) -> None:
        self.quantity = quantity
        self.rule = rule
        self.got = got
        super().__init__(f"{quantity.name}: {rule} (got {got})")


class SymbolError(InputError):
    """A symbol refused by `check_symbol`."""


@dataclass(frozen=True, slots=True)
class RawNumber:
    """A number token from a file kept as written, because it breaks the
    grammar (an exponent, too many digits, NaN): `to_number` then refuses it
    with the field's own name and rule, as it would refuse the same text."""

    text: str


Unit = Literal["$", "%", "shares", "seconds", "days", "x"]


@dataclass(frozen=True, slots=True)
class Quantity:
    """One kind of number a user can give, with its bounds.

    `unit` "%" means a fraction (0.02) that the app shows and takes as a
    percentage (2); files and flags take the fraction. `places` None means
    any number of decimals (up to `MAX_DIGITS` digits in all).
    """

    name: str
    unit: Unit
    minimum: Decimal
    maximum: Decimal
    places: int | None
    exclusive_minimum: bool = False

    @property
    def dollars(self) -> bool:
        return self.unit == "$"

    def bound_text(self, d: Decimal) -> str:
        """A bound as the user reads it: $1,000, 50% (0.5), 1,000,000,000."""
        if self.unit == "$":
            return f"${_plain_grouped(d)}"
        if self.unit == "%":
            if d == 0:
                return "0"
            return f"{plain(d * 100)}% ({plain(d)})"
        if self.unit == "seconds":
            return f"{plain(d)} s"
        if self.unit == "days":
            return f"{_plain_grouped(d)} days"
        return _plain_grouped(d)


MAX_DIGITS = 30
# Weights typed by people (CSV, user model files) rarely sum to exactly 1.
WEIGHT_SUM_TOLERANCE = Decimal("0.000001")
MAX_TOTAL_VALUE = Decimal(10) ** 11
SYMBOL_MAX_LEN = 16
# Symbols in one file or model: far above any real account (a 5,000-ETF
# model fits), far below what makes reading or solving slow.
MAX_SYMBOLS = 10_000

_ZERO = Decimal(0)
_ONE = Decimal(1)

SHARES = Quantity("shares", "shares", _ZERO, Decimal(10) ** 9, 0)
CASH = Quantity("cash", "$", _ZERO, MAX_TOTAL_VALUE, 2)
RESERVE = Quantity("reserve", "$", _ZERO, MAX_TOTAL_VALUE, 2)
PRICE = Quantity("price", "$", Decimal("0.000001"), Decimal(10) ** 6, 8)
FEE = Quantity("fee", "$", _ZERO, Decimal(10_000), 2)
COST_RATE = Quantity("cost rate", "%", _ZERO, Decimal("0.5"), 6)
BAND = Quantity("band", "%", _ZERO, _ONE, 6)
RELATIVE_BAND = Quantity("relative band", "%", _ZERO, _ONE, 6, exclusive_minimum=True)
WEIGHT = Quantity("weight", "%", _ZERO, _ONE, None)
TIME_LIMIT = Quantity("time limit", "seconds", _ZERO, Decimal(3600), 3, exclusive_minimum=True)
# SPEC §9: the order rules.
MIN_TRADE = Quantity("minimum order", "$", _ZERO, MAX_TOTAL_VALUE, 2)
LOT = Quantity("lot", "shares", _ONE, Decimal(10) ** 9, 0)
DESTINATION = Quantity("destination", "%", _ZERO, _ONE, 6)
# SPEC §8: tax lots and tax-aware selling.
LOT_COST = Quantity("unit cost", "$", _ZERO, Decimal(10) ** 6, 8)
TAX_RATE = Quantity("tax rate", "%", _ZERO, _ONE, 6)
LONG_TERM_DAYS = Quantity("long-term days", "days", _ZERO, Decimal(36_500), 0)
# λ in deviation + λ·tax: a dollar of tax weighs λ dollars of deviation.
TAX_WEIGHT = Quantity("tax weight", "x", _ZERO, Decimal(1_000), 6)
MAX_GAINS = Quantity("gains cap", "$", _ZERO, MAX_TOTAL_VALUE, 2)
WASH_SALE_DAYS = Quantity("wash-sale days", "days", _ZERO, Decimal(3_650), 0)
# A lot's date: ISO 8601, no earlier than this (a typo guard, not a tax rule).
EARLIEST_LOT_DATE = date(1900, 1, 1)


# ---------------------------------------------------------------------------
# Showing outside text

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` safe to echo on a terminal or in a one-line message: control
    characters (escape sequences included), line breaks and bidi overrides are
    written as visible escapes (``\\x1b``), everything else is kept."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) if ch in _BIDI or not ch.isprintable() else ch for ch in text)


def shown(text: str, limit: int = 40) -> str:
    """Outside text quoted for an error message: printable, at most `limit`
    characters, e.g. ``'ES GV'``."""
    safe = printable(text)
    if len(safe) > limit:
        safe = safe[: limit - 3] + "..."
    return f"'{safe}'"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A text cell that no spreadsheet runs as a formula: a leading ``'`` when
    it starts with = + - @, a tab or a carriage return."""
    return "'" + text if text.startswith(_FORMULA_START) else text


# ---------------------------------------------------------------------------
# Numbers

# ASCII digits only: "١٢" or "１２" are not what a broker file or a flag means.
_PLAIN = re.compile(r"\+?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_EXPONENT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+", re.ASCII)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:[,' ]\d{3})+(?:[.,]\d*)?|[+-]?\d+,\d+", re.ASCII)
_SPECIAL = frozenset(
    {"nan", "+nan", "-nan", "snan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
)


def plain(d: Decimal) -> str:
    """A decimal in plain notation (no exponent), trailing zeros trimmed."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s or "0"


def _plain_grouped(d: Decimal) -> str:
    s = plain(d)
    whole, _, frac = s.partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-') or '0'):,}"
    return sign + grouped + ("." + frac if frac else "")


def _low_rule(q: Quantity) -> str:
    if q.minimum == 0 and not q.exclusive_minimum:
        return "must not be negative"
    word = "above" if q.exclusive_minimum else "at least"
    return f"must be {word} {q.bound_text(q.minimum)}"


def _places_rule(q: Quantity, places: int) -> str:
    if places == 0:
        return "must be a whole number"
    text = f"must have at most {places} decimals"
    if q.unit == "%":
        text += f" ({max(places - 2, 0)} as a percentage)"
    return text


def parse_number(text: str, q: Quantity, *, percent: bool = False) -> Decimal:
    """The number `text` gives for `q`, in the quantity's own unit, or a
    `NumberError` naming `q` and the rule broken.

    With `percent` (the app's fields for "%" quantities) the text is a
    percentage: "2" means 0.02, a trailing "%" is allowed; the value returned
    and the bounds in messages are the same as for the fraction.
    """
    got = shown(text.strip(), 24)
    raw = text.strip()
    if not raw:
        raise NumberError(q, "required", got)
    if raw.startswith("$"):
        if not q.dollars:
            rule = "a count of shares, without '$'" if q.unit == "shares" else "without '$'"
            raise NumberError(q, rule, got)
        raw = raw[1:].lstrip()
    if raw.endswith("%"):
        if not (percent and q.unit == "%"):
            rule = "a fraction without '%' (0.31 for 31%)" if q.unit == "%" else "without '%'"
            raise NumberError(q, rule, got)
        raw = raw[:-1].rstrip()
    if raw.startswith("-") and _PLAIN.fullmatch(raw[1:].removeprefix("$").lstrip()):
        raise NumberError(q, _low_rule(q), got)
    if not _PLAIN.fullmatch(raw):
        low = raw.lower()
        if low in _SPECIAL:
            rule = "not a number"
        elif _EXPONENT.fullmatch(raw):
            rule = "write plain digits, no exponent (1000, not 1e3)"
        elif "_" in raw and _PLAIN.fullmatch(raw.replace("_", "")):
            rule = "write plain digits, no '_' (1000, not 1_000)"
        elif _GROUPED.fullmatch(raw):
            rule = "write 1234.5: no thousands separators, a point for decimals"
        else:
            rule = "not a number"
        raise NumberError(q, rule, got)
    digits = sum(ch.isdigit() for ch in raw)
    if digits > MAX_DIGITS:
        raise NumberError(q, f"too many digits (at most {MAX_DIGITS})", got)
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the grammar already filters
        raise NumberError(q, "not a number", got) from None
    if percent and q.unit == "%":
        value = value.scaleb(-2)
    return check_number(value, q, got=got)


def check_number(value: Decimal | int, q: Quantity, *, got: str | None = None) -> Decimal:
    """`value` (already a number: from code, JSON, an API) checked against the
    bounds and decimals of `q`; returns it as a Decimal or raises NumberError."""
    if isinstance(value, bool):
        raise NumberError(q, "not a number", repr(value))
    d = Decimal(value)
    if got is None:
        got = plain(d) if d.is_finite() and d.adjusted() < MAX_DIGITS else str(d)[:24]
    if not d.is_finite():
        raise NumberError(q, "not a number", got)
    if d < q.minimum or (q.exclusive_minimum and d == q.minimum):
        raise NumberError(q, _low_rule(q), got)
    if d > q.maximum:
        raise NumberError(q, f"must be at most {q.bound_text(q.maximum)}", got)
    exponent = d.as_tuple().exponent
    if q.places is not None and isinstance(exponent, int) and exponent < -q.places:
        # 4.00 shares is 4 shares: trailing zeros are not extra decimals.
        step = Decimal(1).scaleb(-q.places)
        if d != d.quantize(step):
            raise NumberError(q, _places_rule(q, q.places), got)
        d = d.quantize(step)
    return d


def to_number(value: Any, q: Quantity) -> Decimal:
    """A value from a parsed file (JSON number token, text, int or Decimal)
    checked for `q`; booleans and other types are "not a number"."""
    if isinstance(value, str):
        return parse_number(value, q)
    if isinstance(value, RawNumber):
        return parse_number(value.text, q)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        kind = ("true" if value else "false") if isinstance(value, bool) else type(value).__name__
        raise NumberError(q, "not a number", kind)
    if isinstance(value, int) and abs(value).bit_length() > MAX_DIGITS * 10 // 3:
        raise NumberError(q, f"too many digits (at most {MAX_DIGITS})", "a huge number")
    if (
        isinstance(value, Decimal)
        and value.is_finite()
        and (len(value.as_tuple().digits) > MAX_DIGITS or abs(value.adjusted()) > MAX_DIGITS)
    ):
        raise NumberError(q, f"too many digits (at most {MAX_DIGITS})", "a huge number")
    return check_number(value, q)


def check_total_value(value: Decimal) -> None:
    """The whole portfolio (holdings at their prices plus cash) must stay
    within `MAX_TOTAL_VALUE`, where the engine's float view is exact."""
    if value > MAX_TOTAL_VALUE:
        raise InputError(
            f"total value {money(value)} is above the limit of {money(MAX_TOTAL_VALUE)}"
        )


_CENT = Decimal("0.01")


def money(value: Decimal | int | float) -> str:
    """Dollars for people: $1,234.56, -$5.00 (half-even to the cent)."""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    amount = d.quantize(_CENT, rounding=ROUND_HALF_EVEN)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def price_money(value: Decimal | int | float) -> str:
    """A price for people: to the cent, or with the places a price under a
    dollar needs, up to PRICE's ($0.0125, $0.000001: never a $0.00 price)."""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    if d == 0 or abs(d) >= 1:
        return money(d)
    exact = d.quantize(Decimal(1).scaleb(-(PRICE.places or 8)), rounding=ROUND_HALF_EVEN)
    if exact.normalize().as_tuple().exponent >= -2:  # type: ignore[operator]
        return money(d)
    sign = "-" if exact < 0 else ""
    return f"{sign}${abs(exact).normalize():f}"


# ---------------------------------------------------------------------------
# Symbols

_SYMBOL = re.compile(rf"[A-Z0-9][A-Z0-9.\-]{{0,{SYMBOL_MAX_LEN - 1}}}")


def check_symbol(text: str) -> str:
    """A ticker, upper-cased: a letter or digit, then letters, digits, '.' or
    '-' (BRK.B, RDS-A), at most 16 characters. Raises SymbolError."""
    sym = text.strip().upper()
    if not _SYMBOL.fullmatch(sym):
        raise SymbolError(
            f"symbol: must be a ticker like ESGV (letters, digits, '.' or '-', at most "
            f"{SYMBOL_MAX_LEN} characters) (got {shown(text)})"
        )
    return sym


# ---------------------------------------------------------------------------
# Dates (SPEC §8): a lot's acquisition date and the plan's `as_of`.

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_date(text: str, what: str = "date", *, latest: date | None = None) -> date:
    """An ISO date YYYY-MM-DD (spaces around dropped), from 1900-01-01 and, with
    `latest`, not after it. Raises InputError ``lot date: must be a date
    YYYY-MM-DD (got '3/1/24')``."""
    t = text.strip()
    try:
        if not _ISO_DATE.fullmatch(t):
            raise ValueError
        d = date.fromisoformat(t)
    except ValueError:
        raise InputError(f"{what}: must be a date YYYY-MM-DD (got {shown(text)})") from None
    if d < EARLIEST_LOT_DATE:
        raise InputError(f"{what}: must be {EARLIEST_LOT_DATE.isoformat()} or later (got {t})")
    if latest is not None and d > latest:
        raise InputError(
            f"{what}: must not be after {latest.isoformat()} (got {t}, a date in the future)"
        )
    return d


# ---------------------------------------------------------------------------
# Accounts (SPEC §7): the one home of the name and kind rules, used by every
# file reader, the orders export, the broker readers, the engine and the app.

AccountKind = Literal["taxable", "tax-deferred", "tax-free"]
ACCOUNT_KINDS: tuple[AccountKind, ...] = get_args(AccountKind)
ACCOUNT_NAME_MAX_LEN = 32
ACCOUNT_NAME = re.compile(rf"[A-Za-z0-9_.-]{{1,{ACCOUNT_NAME_MAX_LEN}}}", re.ASCII)
ACCOUNT_NAME_RULE = f"must be 1-{ACCOUNT_NAME_MAX_LEN} letters, digits, '_', '.' or '-'"
ACCOUNT_KIND_RULE = f"must be one of {', '.join(ACCOUNT_KINDS)}"


def check_account_name(text: str) -> str:
    """An account name as typed (case kept, spaces around dropped): 1-32
    letters, digits, '_', '.' or '-'. Raises InputError
    ``account name: must be 1-32 letters, digits, '_', '.' or '-' (got 'x y')``."""
    name = text.strip()
    if not ACCOUNT_NAME.fullmatch(name):
        raise InputError(f"account name: {ACCOUNT_NAME_RULE} (got {shown(text)})")
    return name


def check_lock(text: str) -> str:
    """A locked holding: SYMBOL (in every account) or ACCOUNT:SYMBOL, the
    symbol upper-cased. Raises InputError naming the rule."""
    name, sep, sym = text.strip().rpartition(":")
    if sep and not name:
        raise InputError(f"lock: must be SYMBOL or ACCOUNT:SYMBOL (got {shown(text)})")
    symbol = check_symbol(sym)
    return f"{check_account_name(name)}:{symbol}" if sep else symbol


def parse_lot(text: str) -> tuple[str, int]:
    """SYMBOL=N shares per lot. Raises InputError naming the rule."""
    sym, sep, n = text.partition("=")
    if not sep:
        raise InputError(f"lot: must be SYMBOL=N (got {shown(text)})")
    return check_symbol(sym.strip()), int(parse_number(n.strip(), LOT))


def check_account_kind(text: str) -> AccountKind:
    """taxable, tax-deferred or tax-free (any case, spaces around dropped).
    Raises InputError ``account kind: must be one of ... (got 'ira')``."""
    kind = text.strip().lower()
    for known in ACCOUNT_KINDS:
        if kind == known:
            return known
    raise InputError(f"account kind: {ACCOUNT_KIND_RULE} (got {shown(text)})")


# ---------------------------------------------------------------------------
# Pydantic errors in the user's words

_FRIENDLY = {
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected text",
    "dict_type": "expected an object {...}",
    "model_type": "expected an object {...}",
    "model_attributes_type": "expected an object {...}",
    "list_type": "expected a list [...]",
    "decimal_type": "expected a number",
    "decimal_parsing": "expected a number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "missing": "is required",
    "extra_forbidden": "unknown field",
    "string_too_short": "must not be empty",
}

_BOUNDS = {
    "greater_than_equal": ("ge", "must be at least"),
    "greater_than": ("gt", "must be above"),
    "less_than_equal": ("le", "must be at most"),
    "less_than": ("lt", "must be below"),
}


def _shown_value(v: Any) -> str:
    if isinstance(v, Decimal):
        return plain(v) if v.is_finite() else str(v)
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return shown(v)
    if isinstance(v, RawNumber):
        return shown(v.text, 24)
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v) if abs(v).bit_length() < 100 else "a huge number"
    return shown(str(v))


def _words(key: str) -> str:
    return printable(key).replace("_", " ")


def describe_validation_error(exc: ValidationError, prefix: str = "") -> str:
    """The first pydantic error as one line in the user's words.

    A value one of our rules refused reads ``field a.b: <name>: <rule> (got x)``;
    other errors ``field a.b: <what was expected> (got x)``. A one-part location
    is written in words (``relative band: must be above 0``). `prefix` is put
    in front of the location (e.g. a parent field).
    """
    errors = exc.errors(include_url=False)
    if not errors:  # pragma: no cover - pydantic always gives one
        return "invalid input"
    e = errors[0]
    kind = e["type"]
    loc = [printable(str(x)) for x in (*([prefix] if prefix else []), *e["loc"])]
    cause = (e.get("ctx") or {}).get("error")
    more = f" [and {len(errors) - 1} more problem(s)]" if len(errors) > 1 else ""
    if isinstance(cause, NumberError):
        one = len(loc) == 1 and _words(loc[0]) == cause.quantity.name
        where = "" if not loc or one else f"field {'.'.join(loc)}: "
        return f"{where}{cause}{more}"
    if isinstance(cause, InputError):
        where = f"field {'.'.join(loc)}: " if loc else ""
        return f"{where}{cause}{more}"
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        bound = (e.get("ctx") or {}).get(key)
        msg = f"{words} {_shown_value(bound) if isinstance(bound, Decimal) else bound}"
    elif kind == "literal_error":
        msg = f"must be {(e.get('ctx') or {}).get('expected')}"
    elif kind in ("too_long", "too_short"):
        # pydantic's "List should have at most 100 items after validation, not 5000"
        ctx = e.get("ctx") or {}
        bound = ctx.get("max_length" if kind == "too_long" else "min_length")
        n = ctx.get("actual_length")
        most = "at most" if kind == "too_long" else "at least"
        msg = f"must have {most} {bound} entries" + (f" (got {n:,})" if isinstance(n, int) else "")
    else:
        msg = _FRIENDLY.get(kind, printable(str(e["msg"]))).removeprefix("Value error, ")
    if len(loc) == 1:
        where = f"{_words(loc[0])}: "
    elif loc:
        where = f"field {'.'.join(loc)}: "
    else:
        where = ""
    value = e.get("input")
    quiet = kind in ("missing", "extra_forbidden") or isinstance(value, dict | list) or not loc
    got = "" if quiet else f" (got {_shown_value(value)})"
    return f"{where}{msg}{got}{more}"
