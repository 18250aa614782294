"""API URL and cache path resolution, the on-disk price cache, best known quotes."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rebalancer_tui.data import load_catalog
from rebalancer_tui.models import PriceQuote
from rebalancer_tui.prices import PriceCache, best_known_quotes, default_cache_path

CATALOG = load_catalog()
FALLBACK = {a.symbol: a.price for a in CATALOG.assets}


def live(symbol: str, price: str, date: dt.date = dt.date(2026, 3, 2)) -> PriceQuote:
    return PriceQuote(symbol=symbol, price=Decimal(price), source="live", date=date)


# -- configuration -------------------------------------------------------------


def test_cache_path_env_then_platformdirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REBALANCER_CACHE_DIR", str(tmp_path))
    assert default_cache_path() == tmp_path / "prices.json"
    assert PriceCache().path == tmp_path / "prices.json"
    monkeypatch.delenv("REBALANCER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # platformdirs on Linux
    assert default_cache_path() == tmp_path / "xdg" / "rebalancer-tui" / "prices.json"


# -- the cache file ------------------------------------------------------------


def test_save_then_load_gives_cached_quotes_with_the_live_date(tmp_path: Path) -> None:
    cache = PriceCache(tmp_path / "sub" / "prices.json")  # directory created on save
    cache.save({"ESGV": live("ESGV", "121.50"), "BND": live("BND", "74.01", dt.date(2026, 3, 1))})
    assert cache.load() == {
        "BND": PriceQuote(
            symbol="BND", price=Decimal("74.01"), source="cached", date=dt.date(2026, 3, 1)
        ),
        "ESGV": PriceQuote(
            symbol="ESGV", price=Decimal("121.50"), source="cached", date=dt.date(2026, 3, 2)
        ),
    }
    assert [p.name for p in cache.path.parent.iterdir()] == ["prices.json"]  # no temp left


def test_save_merges_and_ignores_non_live(price_cache: PriceCache) -> None:
    price_cache.save({"ESGV": live("ESGV", "121.50"), "BND": live("BND", "74.01")})
    fallback = PriceQuote(symbol="TIP", price=Decimal("110.25"), source="fallback")
    cached = PriceQuote(symbol="VUG", price=Decimal("1"), source="cached", date=dt.date.today())
    price_cache.save({"ESGV": live("ESGV", "122.00"), "TIP": fallback, "VUG": cached})
    got = {s: q.price for s, q in price_cache.load().items()}
    assert got == {"ESGV": Decimal("122.00"), "BND": Decimal("74.01")}


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"[]", b'{"prices": []}', b"\xff\xfe", b'{"prices": {"ESGV": 5}}'],
)
def test_unreadable_cache_loads_as_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "prices.json"
    path.write_bytes(content)
    assert PriceCache(path).load() == {}


def test_one_bad_entry_does_not_cost_the_others(write_json: Callable[[str, Any], Path]) -> None:
    prices = {
        "ESGV": {"price": "121.5", "date": "2026-03-02"},
        "BND": {"price": "-1", "date": "2026-03-02"},
        "TIP": {"price": "110", "date": "yesterday"},
    }
    path = write_json("prices.json", {"version": 1, "prices": prices})
    assert list(PriceCache(path).load()) == ["ESGV"]


def test_missing_cache_and_cache_dir_that_is_a_file(tmp_path: Path) -> None:
    assert PriceCache(tmp_path / "nope.json").load() == {}
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = PriceCache(blocker / "prices.json")
    assert cache.load() == {}
    with pytest.raises(OSError):
        cache.save({"ESGV": live("ESGV", "1")})


def test_failed_write_leaves_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = PriceCache(tmp_path / "prices.json")
    cache.save({"ESGV": live("ESGV", "121.50")})
    before = cache.path.read_bytes()

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        cache.save({"ESGV": live("ESGV", "999")})
    assert cache.path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["prices.json"]


# -- best known quotes -----------------------------------------------------------


def test_best_known_without_cache_is_the_builtin_fallback(tmp_path: Path) -> None:
    quotes = best_known_quotes(PriceCache(tmp_path / "none.json"))
    assert set(quotes) == set(FALLBACK)
    for symbol, q in quotes.items():
        assert (q.price, q.source, q.date) == (FALLBACK[symbol], "fallback", dt.date(2026, 2, 4))


def test_cached_beats_fallback_unless_older(price_cache: PriceCache) -> None:
    price_cache.save(
        {
            "ESGV": live("ESGV", "121.50", dt.date(2026, 3, 2)),
            "BND": live("BND", "70.00", dt.date(2025, 12, 31)),  # older than the fallback
            "GONE": live("GONE", "5.00"),  # no longer in the catalog
        }
    )
    quotes = best_known_quotes(price_cache)
    assert set(quotes) == set(FALLBACK)
    assert (quotes["ESGV"].price, quotes["ESGV"].source) == (Decimal("121.50"), "cached")
    assert quotes["ESGV"].date == dt.date(2026, 3, 2)
    assert (quotes["BND"].price, quotes["BND"].source) == (FALLBACK["BND"], "fallback")
    assert quotes["TIP"].source == "fallback"


def test_best_known_default_reads_the_env_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REBALANCER_CACHE_DIR", str(tmp_path))
    PriceCache(tmp_path / "prices.json").save({"VUG": live("VUG", "470.10")})
    assert best_known_quotes()["VUG"].source == "cached"
    # An unusable location is no error, just no cache.
    monkeypatch.setenv("REBALANCER_CACHE_DIR", str(tmp_path / "prices.json"))
    assert best_known_quotes()["VUG"].source == "fallback"


# -- a cached price gets the checks a live one gets; the file is read bounded ------


def _cache_file(path: Path, prices: object) -> Path:
    path.write_text(json.dumps({"version": 1, "prices": prices}))
    return path


@pytest.mark.parametrize(
    ("price", "fragment"),
    [
        ("1000000000000", "must be at most $1,000,000"),
        ("0.0000000001", "must be at least $0.000001"),
        ("1E+5000", "no exponent"),
        ("Infinity", "not a number"),
        ("-3", "must be at least $0.000001"),
        (True, "not a number"),
    ],
)
def test_a_cached_price_outside_the_bound_is_ignored_with_a_reason(
    tmp_path: Path, price: object, fragment: str
) -> None:
    cache = PriceCache(
        _cache_file(
            tmp_path / "prices.json",
            {
                "ESGV": {"price": "121.5", "date": "2026-03-02"},
                "BND": {"price": price, "date": "2026-03-02"},
            },
        )
    )
    assert list(cache.load()) == ["ESGV"]
    (problem,) = cache.problems
    assert problem.startswith("price cache entry 'BND' ignored: price: ") and fragment in problem
    quotes = best_known_quotes(cache)
    assert (quotes["BND"].source, quotes["BND"].price) == ("fallback", FALLBACK["BND"])


def test_a_cached_price_as_a_plain_json_number_is_checked_too(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(
        '{"prices": {"ESGV": {"price": 121.5, "date": "2026-03-02"},'
        ' "BND": {"price": 1000000000000, "date": "2026-03-02"}}}'
    )
    cache = PriceCache(path)
    assert {s: q.price for s, q in cache.load().items()} == {"ESGV": Decimal("121.5")}
    assert "must be at most $1,000,000" in cache.problems[0]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"prices": {"BND": {"price": 1' + "0" * 5000 + ', "date": "2026-03-02"}}}', "digits"),
        ('{"prices": {"BND": {"price": 1e12, "date": "2026-03-02"}}}', "no exponent"),
        ('{"prices": ' + "[" * 5000 + "]" * 5000 + "}", "nested too deeply"),
        ('{"prices": {"BND": {"price": NaN, "date": "2026-03-02"}}}', "not a number"),
    ],
)
def test_a_hostile_cache_file_is_ignored_whole_with_a_reason(
    tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "prices.json"
    path.write_text(content)
    cache = PriceCache(path)
    assert cache.load() == {}
    (problem,) = cache.problems
    assert problem.startswith("price cache ignored: ") and fragment in problem
    assert "Infinity" not in problem and len(problem) < 300


def test_a_runaway_cache_is_refused_before_it_is_read(tmp_path: Path) -> None:
    # The size of a 3-million-entry cache (about 150 MB), sparse: only its size is real.
    path = tmp_path / "prices.json"
    with path.open("wb") as fh:
        fh.truncate(150 * 1024 * 1024)
    cache = PriceCache(path)
    assert cache.load() == {}
    assert "file too large" in cache.problems[0]


def test_too_many_entries_are_ignored_whole(tmp_path: Path) -> None:
    from rebalancer_tui.prices.cache import MAX_CACHE_ENTRIES

    entries = {
        f"S{i}": {"price": "1.5", "date": "2026-03-02"} for i in range(MAX_CACHE_ENTRIES + 1)
    }
    cache = PriceCache(_cache_file(tmp_path / "prices.json", entries))
    assert cache.load() == {}
    assert f"{MAX_CACHE_ENTRIES + 1:,} entries" in cache.problems[0]


def test_a_cache_that_is_not_a_regular_file_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "prices.json"
    os.mkfifo(fifo)  # reading a named pipe without a writer would wait forever
    cache = PriceCache(fifo)
    assert cache.load() == {}
    assert "named pipe" in cache.problems[0]


def test_cached_symbols_obey_the_symbol_rule_and_are_never_echoed_raw(tmp_path: Path) -> None:
    cache = PriceCache(
        _cache_file(
            tmp_path / "prices.json",
            {
                "ESGV": {"price": "121.5", "date": "2026-03-02"},
                "\x1b[2JES GV": {"price": "1", "date": "2026-03-02"},
            },
        )
    )
    assert list(cache.load()) == ["ESGV"]
    (problem,) = cache.problems
    assert "\x1b" not in problem and "\\x1b[2JES GV" in problem


def test_saving_over_a_hostile_cache_leaves_a_valid_one(tmp_path: Path) -> None:
    path = _cache_file(
        tmp_path / "prices.json", {"BND": {"price": "1E+5000", "date": "2026-03-02"}}
    )
    cache = PriceCache(path)
    cache.save({"ESGV": live("ESGV", "121.50")})
    assert {s: q.price for s, q in cache.load().items()} == {"ESGV": Decimal("121.50")}
    assert cache.problems == []
    saved = json.loads(path.read_text())
    assert saved["prices"]["ESGV"]["price"] == "121.50"  # exact text, no float on the way
