"""Strict, bounded JSON for the user's files (portfolio, models, price cache).

- numbers in plain decimal notation only (the rules' grammar: no exponent, at
  most `MAX_DIGITS` digits), parsed exactly: int or Decimal, never float;
- no NaN or Infinity, no key twice in one object;
- at most `MAX_DEPTH` levels of nesting and `MAX_VALUES` values, so a hostile
  file is one clear line, not a RecursionError or gigabytes of memory.

Bounds of each number (cash, shares, ...) are the reader's job, through
`rules.to_number`, where the field is known.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from rebalancer_tui.rules import MAX_DIGITS, InputError, shown
from rebalancer_tui.storage.text import MAX_FILE_BYTES, read_text, where

MAX_DEPTH = 32
MAX_VALUES = 100_000

_PLAIN_INT = re.compile(r"-?\d+")
_PLAIN_FLOAT = re.compile(r"-?\d+\.\d+")


class _Refused(ValueError):
    """A token refused while parsing; carries the token to locate it."""

    def __init__(self, token: str, rule: str) -> None:
        self.token = token
        self.rule = rule
        super().__init__(rule)


def _digits_ok(token: str) -> None:
    if sum(ch.isdigit() for ch in token) > MAX_DIGITS:
        raise _Refused(token, f"too many digits (at most {MAX_DIGITS})")


def _int(token: str) -> int:
    _digits_ok(token)
    return int(token)


def _float(token: str) -> Decimal:
    if not _PLAIN_FLOAT.fullmatch(token):
        raise _Refused(token, "write plain digits, no exponent (1000, not 1e3)")
    _digits_ok(token)
    return Decimal(token)


def _constant(token: str) -> Any:
    raise _Refused(token, "not a number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _Refused("", f"key {shown(k)} appears twice in one object")
        out[k] = v
    return out


def _position(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line} column {column}"


def _locate(text: str, token: str) -> str:
    """Where a refused token first appears outside a string, best effort."""
    if not token:
        return ""
    for m in re.finditer(re.escape(token), text):
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if before in " \t\r\n:[," and after in " \t\r\n,]}":
            return " " + _position(text, m.start())
    return ""


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


def parse_json(text: str, path: Path | str) -> Any:
    """JSON text as Python values (int/Decimal numbers), or an InputError
    naming `path` and, where it can, the line and column."""
    name = where(path)
    # A cheap upper bound before building anything: every value but the
    # first follows a comma (commas inside strings only make it stricter).
    if text.count(",") >= MAX_VALUES:
        raise InputError(f"{name}: too many values (at most {MAX_VALUES:,})")
    try:
        value = json.loads(
            text,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{name} line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    except _Refused as exc:
        got = f" (got {shown(exc.token, 24)})" if exc.token else ""
        raise InputError(f"{name}{_locate(text, exc.token)}: {exc.rule}{got}") from None
    except RecursionError:
        raise InputError(f"{name}: nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # pragma: no cover - e.g. a number Python refuses
        raise InputError(f"{name}: not valid JSON ({exc})") from None
    _depth_ok(value, name)
    return value


def load_json(path: Path | str, *, limit: int = MAX_FILE_BYTES) -> Any:
    """Read and parse a JSON file with every bound above."""
    return parse_json(read_text(path, limit=limit), path)


def _plain(d: Decimal) -> str:
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def jsonable(v: Any) -> Any:
    """Decimals as JSON numbers when a float holds them exactly and prints
    without an exponent (what people expect to read and edit), else as exact
    plain-notation strings, which every reader accepts for a number."""
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
    return v


def dumps(value: Any) -> str:
    """JSON text as the app writes it: indented, UTF-8, a final newline."""
    return json.dumps(jsonable(value), indent=2, ensure_ascii=False) + "\n"
