"""The on-disk JSON files kept per symbol (last prices, last histories).

Each is an object `{"version": N, "<key>": {SYMBOL: entry, ...}}`, read with
the bounds of every user file (`storage.json_file`: a regular file, size,
nesting depth, value count) plus an entry count, then entry by entry, so one
bad entry costs only itself. Reading never raises: a damaged file is worth
nothing, not an error; what was ignored and why is returned one printable
line each. Writing is atomic (`storage.atomic`), the newest entries kept when
there are more than the bound.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rebalancer_tui.rules import InputError, check_symbol, shown
from rebalancer_tui.storage.atomic import write_text_atomically
from rebalancer_tui.storage.json_file import dumps, load_json
from rebalancer_tui.storage.text import FileMissingError, where

__all__ = ["SymbolFile", "iso_date"]

log = logging.getLogger(__name__)

T = TypeVar("T")


def iso_date(value: object, name: str) -> dt.date:
    """A date written YYYY-MM-DD; InputError `"<name>: expected YYYY-MM-DD"` otherwise."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(f"{name}: expected YYYY-MM-DD")


@dataclass(frozen=True)
class SymbolFile:
    """The shape and bounds of one kind of per-symbol file."""

    what: str  # how messages call the file: "price cache"
    key: str  # the member holding the entries: "prices"
    version: int
    max_bytes: int
    max_entries: int
    dated_by: str  # the entry field (an ISO date) that tells the newest entries

    def load(self, path: Path, entry: Callable[[str, Any], T], problems: list[str]) -> dict[str, T]:
        """Every usable entry at `path`, read by `entry(symbol, raw)`; {} for a
        missing or unusable file. What was ignored is appended to `problems`."""

        def problem(text: str) -> None:
            problems.append(text)
            log.warning("%s", text)

        name = where(path)
        try:
            raw = load_json(path, limit=self.max_bytes)
        except FileMissingError:
            return {}
        except InputError as exc:
            problem(f"{self.what} ignored: {exc}")
            return {}
        except (OSError, ValueError) as exc:  # e.g. an unusable cache dir
            problem(f"{self.what} ignored: {name}: {exc}")
            return {}
        entries = raw.get(self.key) if isinstance(raw, dict) else None
        if not isinstance(entries, dict):
            problem(f"{self.what} ignored: {name}: expected an object with '{self.key}'")
            return {}
        if len(entries) > self.max_entries:
            problem(
                f"{self.what} ignored: {name}: {len(entries):,} entries "
                f"(at most {self.max_entries:,})"
            )
            return {}
        out: dict[str, T] = {}
        for key, value in entries.items():
            try:
                symbol = check_symbol(key)
                out[symbol] = entry(symbol, value)
            except InputError as exc:
                problem(f"{self.what} entry {shown(key, 24)} ignored: {exc}")
        return out

    def save(self, path: Path, entries: Mapping[str, Mapping[str, str]]) -> None:
        """`entries` written to `path` atomically, sorted by symbol; the newest
        (by `dated_by`) kept when there are too many. Raises `OSError`."""
        kept = dict(entries)
        if len(kept) > self.max_entries:
            newest = sorted(kept.items(), key=lambda kv: kv[1][self.dated_by], reverse=True)
            kept = dict(newest[: self.max_entries])
        text = dumps({"version": self.version, self.key: dict(sorted(kept.items()))})
        write_text_atomically(path, text, make_dirs=True)
