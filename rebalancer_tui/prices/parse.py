"""Parse and validate Fintual API answers (JSON:API) into prices.

Every problem becomes an `InvalidAnswer` whose message is a short reason the
UI can show next to the fallback price ("no positive price: net_asset_value=0").
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ValidationError

from rebalancer_tui.rules import (
    PRICE,
    InputError,
    NumberError,
    check_number,
    printable,
    shown,
)

# Order matters: the API's documented preference (SPEC §3).
PRICE_FIELDS = ("net_asset_value", "close_price", "price")
# A reason is one line next to a price: long enough for any of ours.
MAX_REASON_CHARS = 200
_PRICE_STEP = Decimal(1).scaleb(-(PRICE.places or 0))  # 0.00000001


class InvalidAnswer(ValueError):
    """The API answered, but not with a usable price; str(exc) is the reason."""


@dataclass(frozen=True)
class LivePrice:
    price: Decimal
    date: dt.date
    # As the API names the asset, made printable (escape sequences shown, not run).
    symbol: str | None = None
    name: str | None = None


def clean_reason(text: str) -> str:
    """`text` fit for one line on a terminal: control characters escaped, length capped."""
    safe = printable(text)
    return safe if len(safe) <= MAX_REASON_CHARS else safe[: MAX_REASON_CHARS - 3] + "..."


def outside_text(value: object, limit: int = 200) -> str | None:
    """A name or symbol from outside, printable and capped; None if it is not text."""
    if not isinstance(value, str):
        return None
    safe = printable(value.strip())
    return safe if len(safe) <= limit else safe[: limit - 3] + "..."


def bounded_price(value: Decimal) -> Decimal:
    """`value` as a price within the one `rules.PRICE` bound, else `InputError`.

    Rounded half-even to the bound's decimals after the range check: an API or
    cache price with more decimals than a user may type is still that price,
    while 1E-400 stays refused instead of rounding to zero.
    """
    if not value.is_finite():
        raise InputError("price: not a number")
    exponent = value.as_tuple().exponent
    places = PRICE.places or 0
    if PRICE.minimum <= value <= PRICE.maximum and isinstance(exponent, int) and -exponent > places:
        value = value.quantize(_PRICE_STEP)
    return check_number(value, PRICE, got=_number_text(value))


def _number_text(value: Decimal) -> str:
    # 10**5000 must not be spelled out in a reason, nor shown as Infinity.
    if -12 <= value.adjusted() <= 12:
        return format(value, "f")
    return f"{value:.3E}"


def _iso_date(value: object) -> dt.date:
    # Strict on purpose: pydantic's lax mode would also take epoch numbers.
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a YYYY-MM-DD string, got {_show(value)}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected a YYYY-MM-DD date, got {value!r}") from None


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class PriceFields(BaseModel):
    """The part of a day record that carries the date and price candidates."""

    date: IsoDate
    net_asset_value: Any = None
    close_price: Any = None
    price: Any = None


class RealAssetAttributes(BaseModel):
    # Not needed for the price: a wrong type here must not cost it.
    name: Any = None
    symbol: Any = None
    last_day: PriceFields


class RealAssetData(BaseModel):
    id: str | int
    type: Literal["real_asset"]
    attributes: RealAssetAttributes


class RealAssetAnswer(BaseModel):
    """`GET /api/real_assets/{id}`."""

    data: RealAssetData


class DayRecord(BaseModel):
    attributes: PriceFields


class DaysAnswer(BaseModel):
    """`GET /api/real_assets/{id}/days`; items are checked one by one."""

    data: list[Any]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def loads(body: bytes | str) -> Any:
    """JSON with floats as exact Decimals; NaN/Infinity refused."""
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidAnswer("answer is not JSON") from None


# Pydantic's wording names our classes ("instance of RealAssetData"); users get plain words.
_PLAIN_ERRORS = {
    "missing": "missing",
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
    "dict_type": "expected an object",
    "list_type": "expected a list",
}


def _shape_error(exc: ValidationError) -> InvalidAnswer:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "answer"
    what = _PLAIN_ERRORS.get(err["type"], err["msg"])
    return InvalidAnswer(f"unexpected answer shape: {where}: {what}")


def _show(value: object) -> str:
    if isinstance(value, str):
        return shown(value, 24)
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return _number_text(Decimal(value))
    text = printable(json.dumps(value, default=str))
    return text if len(text) <= 24 else text[:21] + "..."


def pick_price(fields: Mapping[str, Any]) -> Decimal:
    """The first positive number among the price fields, else `InvalidAnswer`."""
    problems: list[str] = []
    for name in PRICE_FIELDS:
        value = fields.get(name)
        if value is None:
            continue
        # bool is an int in Python but never a price; strings are a wrong type.
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            problems.append(f"{name}={_show(value)} is not a number")
            continue
        try:
            number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            problems.append(f"{name} is not a number")
            continue
        if not number.is_finite() or number <= 0:
            problems.append(f"{name}={_number_text(number)}")
            continue
        try:
            return bounded_price(number)
        except InputError as exc:
            rule = exc.rule if isinstance(exc, NumberError) else str(exc)
            problems.append(f"{name}={_number_text(number)} {rule}")
    if not problems:
        raise InvalidAnswer("no price in the answer (net_asset_value, close_price, price missing)")
    raise InvalidAnswer("no positive price: " + ", ".join(problems))


def price_date_problem(day: dt.date) -> str | None:
    """Why a price's date cannot be true, or None. A day still to come (after
    tomorrow in UTC, which covers every time zone) is refused: cached, a price
    dated 9999-12-31 outranked every later price offline, the fallback too."""
    latest = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    if day > latest:
        return f"price dated {day.isoformat()}, a day still to come"
    return None


def parse_real_asset(body: bytes | str, expected_id: int | None = None) -> LivePrice:
    """Price and date of one `real_asset` answer."""
    try:
        answer = RealAssetAnswer.model_validate(loads(body))
    except ValidationError as exc:
        raise _shape_error(exc) from None
    if expected_id is not None and str(answer.data.id) != str(expected_id):
        # A proxy or a misrouted request; its price belongs to another fund.
        got = outside_text(str(answer.data.id), 24)
        raise InvalidAnswer(f"answer is for asset {got}, not {expected_id}")
    attributes = answer.data.attributes
    day = attributes.last_day
    if (problem := price_date_problem(day.date)) is not None:
        raise InvalidAnswer(problem)
    return LivePrice(
        price=pick_price(day.model_dump()),
        date=day.date,
        symbol=outside_text(attributes.symbol, 32),
        name=outside_text(attributes.name),
    )


def parse_days(body: bytes | str) -> list[tuple[dt.date, Decimal]]:
    """History points sorted by date; unusable days are skipped, not fatal."""
    try:
        answer = DaysAnswer.model_validate(loads(body))
    except ValidationError as exc:
        raise _shape_error(exc) from None
    points: dict[dt.date, Decimal] = {}
    for item in answer.data:
        try:
            fields = DayRecord.model_validate(item).attributes
            points[fields.date] = pick_price(fields.model_dump())
        except (ValidationError, InvalidAnswer):
            continue
    return sorted(points.items())
