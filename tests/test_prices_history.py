"""fetch_histories (the API's /days) against the fake server, and the history cache."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fake_api import LIVE_DATE, FakeFintualAPI

from rebalancer_tui.data import load_catalog
from rebalancer_tui.models import Asset
from rebalancer_tui.prices import HistoryCache, HistoryReport, fetch_histories
from rebalancer_tui.prices.history import MAX_HISTORY_ENTRIES, decode_points, encode_points

CATALOG = load_catalog()
ASSETS = list(CATALOG.assets)
SYMBOLS = [a.symbol for a in ASSETS]
TIMEOUT, DEADLINE = 0.5, 1.5
START, END = dt.date(2026, 2, 1), dt.date(2026, 3, 2)
TODAY = dt.date(2026, 3, 3)
HISTORY = [
    (dt.date(2026, 2, 20), Decimal("72.50")),
    (dt.date(2026, 2, 23), Decimal("72.91")),
    (dt.date(2026, 3, 2), Decimal("74.64")),
]


def expected_default(api: FakeFintualAPI, symbol: str) -> tuple[tuple[dt.date, Decimal], ...]:
    """The fake's default history, computed here: a cent a day cheaper going back."""
    price = api.price(symbol)
    days = [(LIVE_DATE - dt.timedelta(days=k), price - Decimal("0.01") * k) for k in range(31)]
    return tuple(sorted(p for p in days if START <= p[0] <= END))


async def fetch(api: FakeFintualAPI, **kwargs: object) -> HistoryReport:
    options = {"timeout": TIMEOUT, "deadline": DEADLINE, "today": TODAY, **kwargs}
    assets = options.pop("assets", ASSETS)
    return await fetch_histories(api.url, assets, START, END, **options)  # type: ignore[arg-type]


async def test_every_history_live_in_range_and_sorted(fake_api: FakeFintualAPI) -> None:
    fake_api.set_history("BND", reversed([*HISTORY, (dt.date(2026, 1, 5), Decimal("70"))]))
    report = await fetch(fake_api)
    assert report.errors == {}
    assert set(report.histories) == set(SYMBOLS)
    bnd = report.histories["BND"]
    assert (bnd.points, bnd.source, bnd.fetched, bnd.reason) == (
        tuple(HISTORY),
        "live",
        TODAY,
        None,
    )
    for symbol in SYMBOLS:
        if symbol != "BND":
            assert report.histories[symbol].points == expected_default(fake_api, symbol)
    days = [r for r in fake_api.requests if r.path.endswith("/days")]
    assert len(days) == len(SYMBOLS)
    assert all(r.query == {"from_date": "2026-02-01", "to_date": "2026-03-02"} for r in days)


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("404", "HTTP 404 Not Found"),
        ("500", "HTTP 500 Internal Server Error (twice)"),
        ("hang", f"timed out after {TIMEOUT:g} s (twice)"),
        ("drop", "connection dropped by the server (twice)"),
        ("not-json", "answer is not JSON"),
        ("wrong-shape", "unexpected answer shape: data: expected a list"),
        ("huge", "answer larger than 4,000 kB, not read"),
    ],
)
async def test_a_failed_history_falls_back_to_the_cached_one_alone(
    fake_api: FakeFintualAPI, history_cache: HistoryCache, mode: str, reason: str
) -> None:
    fake_api.set_history("TIP", HISTORY)
    first = await fetch(fake_api, cache=history_cache, today=dt.date(2026, 3, 2))
    assert first.errors == {}

    fake_api.configure("TIP", days_mode=mode)  # the price itself would still answer
    second = await fetch(fake_api, cache=history_cache, timeout=TIMEOUT if mode != "huge" else 5.0)
    tip = second.histories["TIP"]
    assert (tip.points, tip.source, tip.fetched, tip.reason) == (
        tuple(HISTORY),
        "cached",
        dt.date(2026, 3, 2),
        reason,
    )
    assert second.errors == {"TIP": reason}
    assert all(second.histories[s].source == "live" for s in SYMBOLS if s != "TIP")
    assert all(second.histories[s].fetched == TODAY for s in SYMBOLS if s != "TIP")


async def test_without_a_cache_a_failed_history_is_absent_with_its_reason(
    fake_api: FakeFintualAPI,
) -> None:
    fake_api.configure("VUG", days_mode="500")
    own = Asset(symbol="MINE", id=None, price=Decimal(10))
    report = await fetch(fake_api, assets=[*ASSETS, own])
    assert "VUG" not in report.histories and "MINE" not in report.histories
    assert report.errors == {
        "VUG": "HTTP 500 Internal Server Error (twice)",
        "MINE": "no Fintual id to fetch a history",
    }


async def test_bad_days_are_skipped_and_prices_bounded(fake_api: FakeFintualAPI) -> None:
    fake_api.set_history(
        "BND",
        [
            (dt.date(2026, 2, 20), Decimal("72.50")),
            (dt.date(2026, 2, 21), Decimal("0")),
            (dt.date(2026, 2, 22), Decimal("1e12")),
            (dt.date(2026, 2, 23), Decimal("72.91")),
        ],
    )
    report = await fetch(fake_api, assets=[CATALOG.asset("BND")])
    assert report.histories["BND"].points == (
        (dt.date(2026, 2, 20), Decimal("72.50")),
        (dt.date(2026, 2, 23), Decimal("72.91")),
    )


async def test_the_deadline_holds_for_many_histories() -> None:
    many = [Asset(symbol=f"H{i:04d}", id=800_000 + i, price=Decimal(20)) for i in range(400)]
    with FakeFintualAPI(assets=many, latency=0.2) as api:
        started = time.monotonic()
        report = await fetch_histories(api.url, many, START, END, timeout=2.0, deadline=1.0)
        elapsed = time.monotonic() - started
        assert api.max_in_flight <= 16
    assert elapsed < 1.0 + 10.0  # the deadline cut it, not 400 x 0.2 s
    late = {s for s, r in report.errors.items() if r == "no answer within the 1 s deadline"}
    assert report.histories and late and len(report.histories) + len(late) == len(many)


async def test_a_bad_url_is_every_assets_reason_without_a_request() -> None:
    report = await fetch_histories("http://127.0.0.1:99999", ASSETS, START, END)
    assert report.histories == {}
    assert set(report.errors) == set(SYMBOLS)
    assert all("invalid port" in r for r in report.errors.values())


# -- the cache file ---------------------------------------------------------------


def test_points_round_trip_and_every_point_is_checked() -> None:
    assert decode_points(encode_points(HISTORY)) == tuple(HISTORY)
    assert decode_points("") == ()
    for bad in ("2026-02-20:0", "2026-02-20:1000001", "2026-02-30:5", "x:5", "2026-02-20:1e3"):
        with pytest.raises(ValueError):
            decode_points(bad)


def test_cache_entries_are_checked_one_by_one(write_json: Callable[[str, Any], Path]) -> None:
    histories = {
        "BND": {"fetched": "2026-03-02", "points": encode_points(HISTORY)},
        "TIP": {"fetched": "2026-03-02", "points": "2026-02-20:0.0000000001"},
        "\x1b[2J": {"fetched": "2026-03-02", "points": ""},
        "VUG": {"fetched": "yesterday", "points": ""},
    }
    path = write_json("history.json", {"version": 1, "histories": histories})
    cache = HistoryCache(path)
    assert list(cache.load()) == ["BND"]
    assert len(cache.problems) == 3
    assert all(p.isprintable() and "\x1b" not in p for p in cache.problems)


def test_a_hostile_history_cache_is_ignored_whole(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    with path.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)
    cache = HistoryCache(path)
    assert cache.load() == {} and "file too large" in cache.problems[0]
    entries = {
        f"S{i}": {"fetched": "2026-03-02", "points": ""} for i in range(MAX_HISTORY_ENTRIES + 1)
    }
    path.write_text(json.dumps({"histories": entries}))
    assert cache.load() == {} and "entries" in cache.problems[0]


async def test_an_empty_live_history_does_not_erase_the_cached_one(
    fake_api: FakeFintualAPI, history_cache: HistoryCache
) -> None:
    fake_api.set_history("BND", HISTORY)
    await fetch(fake_api, cache=history_cache, assets=[CATALOG.asset("BND")])
    fake_api.set_history("BND", [])
    report = await fetch(fake_api, cache=history_cache, assets=[CATALOG.asset("BND")])
    assert report.histories["BND"].points == ()  # live and empty is an answer
    assert history_cache.load()["BND"].points == tuple(HISTORY)  # but not worth keeping
