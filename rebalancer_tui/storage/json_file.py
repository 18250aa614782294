"""Strict, bounded JSON for the user's files (portfolio, models, price cache).

- numbers parsed exactly: int or Decimal, never float; a number token that
  breaks the rules' grammar (an exponent, more than `MAX_DIGITS` digits, NaN,
  Infinity) refuses the whole file with the rule's words, or, with
  `raw_numbers=True`, comes back as `rules.RawNumber`, which `rules.to_number`
  refuses with the field's name and the same words as for typed text (and
  which no other field type accepts);
- no key twice in one object;
- at most `MAX_DEPTH` levels of nesting and `MAX_VALUES` values, so a hostile
  file is one clear line, not a RecursionError or gigabytes of memory.

Bounds of each number (cash, shares, ...) are the reader's job, through
`rules.to_number`, where the field is known.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from rebalancer_tui.rules import (
    MAX_DIGITS,
    InputError,
    NumberError,
    Quantity,
    RawNumber,
    parse_number,
    shown,
)
from rebalancer_tui.storage.text import MAX_FILE_BYTES, read_text, where

MAX_DEPTH = 32
MAX_VALUES = 100_000

_PLAIN_FLOAT = re.compile(r"-?\d+\.\d+")


class _Refused(ValueError):
    """Something the parser met that a user file may not hold."""


def _too_long(token: str) -> bool:
    return sum(ch.isdigit() for ch in token) > MAX_DIGITS


def _int(token: str) -> int | RawNumber:
    return RawNumber(token) if _too_long(token) else int(token)


def _float(token: str) -> Decimal | RawNumber:
    if not _PLAIN_FLOAT.fullmatch(token) or _too_long(token):
        return RawNumber(token)
    return Decimal(token)


def _constant(token: str) -> RawNumber:
    return RawNumber(token)


# Any number at all: only the grammar is checked when a whole file is refused.
_ANY = Quantity("number", "$", Decimal(-(10**30)), Decimal(10**30), None)


def _strict(raw: RawNumber) -> Any:
    """The whole-file refusal for a number off the grammar, in the rules' words."""
    try:
        parse_number(raw.text, _ANY)
    except NumberError as exc:
        raise _Refused(f"number {shown(raw.text, 24)}: {exc.rule}") from None
    raise _Refused(f"number {shown(raw.text, 24)}: not a number")  # pragma: no cover


def _checked(parse: Callable[[str], Any], raw_numbers: bool) -> Callable[[str], Any]:
    """`parse`, with a RawNumber kept (`raw_numbers`) or refusing the file."""
    if raw_numbers:
        return parse

    def strict(token: str) -> Any:
        value = parse(token)
        return _strict(value) if isinstance(value, RawNumber) else value

    return strict


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _Refused(f"key {shown(k)} appears twice in one object")
        out[k] = v
    return out


def _depth_ok(value: Any, name: str) -> None:
    """Depth and size of parsed JSON, walked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise InputError(f"{name}: too many values (at most {MAX_VALUES:,})")
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise InputError(f"{name}: nested too deeply (at most {MAX_DEPTH} levels)")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def parse_json(text: str, path: Path | str, *, raw_numbers: bool = False) -> Any:
    """JSON text as Python values (int/Decimal numbers), or an InputError
    naming `path` and, where it can, the line and column. `raw_numbers`: see
    the module docstring."""
    name = where(path)
    # A cheap upper bound before building anything: every value but the
    # first follows a comma (commas inside strings only make it stricter).
    if text.count(",") >= MAX_VALUES:
        raise InputError(f"{name}: too many values (at most {MAX_VALUES:,})")
    try:
        value = json.loads(
            text,
            parse_int=_checked(_int, raw_numbers),
            parse_float=_checked(_float, raw_numbers),
            parse_constant=_checked(_constant, raw_numbers),
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{name} line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    except _Refused as exc:
        raise InputError(f"{name}: {exc}") from None
    except RecursionError:
        raise InputError(f"{name}: nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # pragma: no cover - e.g. a number Python refuses
        raise InputError(f"{name}: not valid JSON ({exc})") from None
    _depth_ok(value, name)
    return value


def load_json(path: Path | str, *, limit: int = MAX_FILE_BYTES, raw_numbers: bool = False) -> Any:
    """Read and parse a JSON file with every bound above."""
    return parse_json(read_text(path, limit=limit), path, raw_numbers=raw_numbers)


def _plain(d: Decimal) -> str:
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def jsonable(v: Any) -> Any:
    """Decimals as JSON numbers when a float holds them exactly and prints
    without an exponent (what people expect to read and edit), else as exact
    plain-notation strings, which every reader accepts for a number; dates
    as ISO text (YYYY-MM-DD, what `rules.parse_date` reads back)."""
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    if isinstance(v, Decimal):
        if v == v.to_integral_value() and abs(v) < 2**53:
            return int(v)
        f = float(v)
        text = repr(f)
        return f if "e" not in text and Decimal(text) == v else _plain(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def dumps(value: Any) -> str:
    """JSON text as the app writes it: indented, UTF-8, a final newline."""
    return json.dumps(jsonable(value), indent=2, ensure_ascii=False) + "\n"
