"""The per-symbol file both price caches are kept in: the newest entries kept
on save, one bad entry costing only itself on load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rebalancer_tui.prices.symbol_file import SymbolFile, iso_date
from rebalancer_tui.rules import InputError

SMALL = SymbolFile(
    what="test file", key="items", version=7, max_bytes=10_000, max_entries=3, dated_by="on"
)


def _day(symbol: str, raw: Any) -> str:
    return iso_date(raw.get("on"), "on").isoformat()


def test_save_keeps_the_newest_entries_sorted_by_symbol(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "items.json"
    entries = {
        "D": {"on": "2026-01-04"},
        "A": {"on": "2026-01-01"},
        "C": {"on": "2026-01-03"},
        "B": {"on": "2026-01-05"},
    }
    SMALL.save(path, entries)
    written = json.loads(path.read_text())
    # A (the oldest) goes; the rest are written in symbol order.
    assert written == {
        "version": 7,
        "items": {"B": {"on": "2026-01-05"}, "C": {"on": "2026-01-03"}, "D": {"on": "2026-01-04"}},
    }
    problems: list[str] = []
    assert SMALL.load(path, _day, problems) == {
        "B": "2026-01-05",
        "C": "2026-01-03",
        "D": "2026-01-04",
    }
    assert problems == []


def test_load_skips_bad_entries_one_by_one_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    items = {"A": {"on": "2026-01-01"}, "B": {"on": "2026-1-1"}, "bad symbol": {"on": ""}}
    path.write_text(json.dumps({"items": items}))
    problems: list[str] = []
    assert SMALL.load(path, _day, problems) == {"A": "2026-01-01"}
    assert problems[0] == "test file entry 'B' ignored: on: expected YYYY-MM-DD"
    assert problems[1].startswith("test file entry 'bad symbol' ignored: ")
    assert len(problems) == 2


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ({"items": []}, "expected an object with 'items'"),
        ({"other": {}}, "expected an object with 'items'"),
        ({"items": {f"S{i}": {"on": "2026-01-01"} for i in range(4)}}, "4 entries (at most 3)"),
    ],
)
def test_a_file_of_the_wrong_shape_is_ignored_whole(
    tmp_path: Path, content: object, reason: str
) -> None:
    path = tmp_path / "items.json"
    path.write_text(json.dumps(content))
    problems: list[str] = []
    assert SMALL.load(path, _day, problems) == {}
    (problem,) = problems
    assert problem.startswith("test file ignored: ") and problem.endswith(reason)


def test_a_missing_file_is_empty_without_a_problem(tmp_path: Path) -> None:
    problems: list[str] = []
    assert SMALL.load(tmp_path / "none.json", _day, problems) == {}
    assert problems == []


@pytest.mark.parametrize("value", ["2026-02-30", "20260302", "2026-3-2x", 20260302, None])
def test_iso_date_is_strict(value: object) -> None:
    with pytest.raises(InputError, match=r"^when: expected YYYY-MM-DD$"):
        iso_date(value, "when")
