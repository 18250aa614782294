"""Broker position exports in (SPEC §10): Charles Schwab, Fidelity, Vanguard
and Interactive Brokers Flex, each recognised by its content, never by the
file's name.

    from rebalancer_tui.storage.brokers import is_broker_file, read_broker_file
    positions = read_broker_file(path)        # InputError with a line number
    positions.accounts[0].holdings            # {"ESGV": 120, ...}
    positions.summary()                       # one line: what was read and skipped

The result is neutral (`BrokerPositions`): it knows nothing of the engine.
Broker money ("$1,234.56", "--", "(12.50)") is read by `money.broker_number`
and then held to the `rules` bounds; symbols go through `rules.check_symbol`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rebalancer_tui.rules import InputError
from rebalancer_tui.storage.brokers import fidelity, ibkr, schwab, vanguard
from rebalancer_tui.storage.brokers.build import account_name
from rebalancer_tui.storage.brokers.common import Read
from rebalancer_tui.storage.brokers.formats import FORMATS, known_formats_text
from rebalancer_tui.storage.brokers.model import (
    BrokerAccount,
    BrokerLot,
    BrokerPositions,
    Skipped,
    summarize_skipped,
)
from rebalancer_tui.storage.brokers.table import Row, rows_of
from rebalancer_tui.storage.text import read_text, where

__all__ = [
    "FORMATS",
    "BrokerAccount",
    "BrokerLot",
    "BrokerPositions",
    "Skipped",
    "account_name",
    "is_broker_file",
    "parse_broker_text",
    "read_broker_file",
    "read_if_broker_file",
    "summarize_skipped",
]

_Reader = Callable[[list[Row], str], Read]

# Most specific signature first: Vanguard's header also begins "Account Number".
_DETECTORS: tuple[tuple[str, Callable[[list[Row]], bool], _Reader], ...] = (
    ("ibkr", ibkr.detect, ibkr.read),
    ("vanguard", vanguard.detect, vanguard.read),
    ("fidelity", fidelity.detect, fidelity.read),
    ("schwab", schwab.detect, schwab.read),
)


def _detect(rows: list[Row]) -> tuple[str, _Reader] | None:
    for key, detect, read in _DETECTORS:
        if detect(rows):
            return key, read
    return None


def _rows(text: str, name: str) -> tuple[list[Row], InputError | None]:
    """The records of `text`; if it is malformed CSV, the records of its whole
    lines before the fault and the fault (a download cut inside a quoted cell
    is still recognised as its broker's file, and told as one)."""
    try:
        return rows_of(text, name), None
    except InputError as exc:
        fault = exc
    whole = text[: text.rfind("\n") + 1]
    try:
        return rows_of(whole, name), fault
    except InputError:
        return [], fault


def is_broker_file(text: str) -> str | None:
    """The key in `FORMATS` of the broker format `text` is in, or None (a
    plain `symbol,shares` or `account,symbol,shares` CSV, or anything else).
    Malformed CSV is None too (the plain reader then says what is wrong),
    unless its whole lines are a broker's file: then that broker's reader does."""
    found = _detect(_rows(text, "")[0])
    return found[0] if found else None


def parse_broker_text(text: str, name: str = "broker file") -> BrokerPositions:
    """`text` read as a broker file; `name` is how messages call it."""
    rows, fault = _rows(text, name)
    found = _detect(rows)
    if found is None:
        if fault is not None:
            raise fault
        raise InputError(
            f"{name}: not a broker positions file this app knows ({known_formats_text()})"
        )
    key, read = found
    if fault is not None:
        if "unexpected end of data" in str(fault):
            line = text[: text.rfind("\n") + 1].count("\n") + 1
            raise InputError(
                f"{name} line {line}: this {FORMATS[key]} file ends inside a quoted cell "
                "(a truncated download?)"
            )
        raise InputError(f"{fault} in this {FORMATS[key]} file")
    as_of, accounts, skipped = read(rows, name)
    if not accounts:
        raise InputError(f"{name}: this {FORMATS[key]} file holds no account")
    skipped = sorted(skipped, key=lambda s: s.line)
    return BrokerPositions(key, FORMATS[key], as_of, accounts, skipped)


def read_broker_file(path: Path | str) -> BrokerPositions:
    """A broker positions file (bounded read, UTF-8 with or without BOM,
    CRLF or LF); InputError with the file, line and reason otherwise."""
    return parse_broker_text(read_text(path), where(path))


def read_if_broker_file(path: Path | str) -> BrokerPositions | None:
    """The file read as a broker file when its content is one (see
    `is_broker_file`), else None: the caller then reads it as a plain
    `symbol,shares` / `account,symbol,shares` CSV. InputError when the file
    cannot be read, or is a broker file with a problem."""
    text = read_text(path)
    if is_broker_file(text) is None:
        return None
    return parse_broker_text(text, where(path))
