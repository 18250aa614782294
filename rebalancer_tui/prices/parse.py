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

# Order matters: the API's documented preference (SPEC §3).
PRICE_FIELDS = ("net_asset_value", "close_price", "price")
# A share price above this is a broken answer, not a real ETF (and would only
# overflow the solver's floats).
MAX_PLAUSIBLE_PRICE = Decimal(10) ** 9


class InvalidAnswer(ValueError):
    """The API answered, but not with a usable price; str(exc) is the reason."""


@dataclass(frozen=True)
class LivePrice:
    price: Decimal
    date: dt.date


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
    name: str | None = None
    symbol: str | None = None
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
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
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
            problems.append(f"{name}={number}")
        elif number > MAX_PLAUSIBLE_PRICE:
            problems.append(f"{name}={number} is implausibly large")
        else:
            return number
    if not problems:
        raise InvalidAnswer("no price in the answer (net_asset_value, close_price, price missing)")
    raise InvalidAnswer("no positive price: " + ", ".join(problems))


def parse_real_asset(body: bytes | str, expected_id: int | None = None) -> LivePrice:
    """Price and date of one `real_asset` answer."""
    try:
        answer = RealAssetAnswer.model_validate(loads(body))
    except ValidationError as exc:
        raise _shape_error(exc) from None
    if expected_id is not None and str(answer.data.id) != str(expected_id):
        # A proxy or a misrouted request; its price belongs to another fund.
        raise InvalidAnswer(f"answer is for asset {answer.data.id}, not {expected_id}")
    day = answer.data.attributes.last_day
    return LivePrice(price=pick_price(day.model_dump()), date=day.date)


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
