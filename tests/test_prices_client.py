"""fetch_quotes / fetch_history against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

import pytest
from fake_api import HUGE_BYTES, LIVE_DATE, FakeFintualAPI

from rebalancer_tui.data import load_catalog
from rebalancer_tui.models import Asset
from rebalancer_tui.prices import PriceCache, PriceReport, fetch_history, fetch_quotes

CATALOG = load_catalog()
SYMBOLS = [a.symbol for a in CATALOG.assets]
FALLBACK = {a.symbol: a.price for a in CATALOG.assets}
# Short enough to keep the suite fast, long enough for a loaded 2-core CI box.
TIMEOUT, DEADLINE = 0.5, 1.5


async def fetch(api: FakeFintualAPI, **kwargs: object) -> PriceReport:
    kwargs = {"timeout": TIMEOUT, "deadline": DEADLINE, **kwargs}
    return await fetch_quotes(api.url, **kwargs)  # type: ignore[arg-type]


def assert_live(report: PriceReport, api: FakeFintualAPI, symbols: list[str]) -> None:
    for symbol in symbols:
        q = report.quotes[symbol]
        assert (q.source, q.price, q.date, q.reason) == ("live", api.price(symbol), LIVE_DATE, None)


async def test_all_assets_live(fake_api: FakeFintualAPI) -> None:
    report = await fetch(fake_api)
    assert list(report.quotes) == SYMBOLS
    assert report.errors == {}
    assert_live(report, fake_api, SYMBOLS)
    # The fake serves fallback + 1 %: the live prices really are not the fallback.
    assert all(
        report.quotes[s].price == (FALLBACK[s] * Decimal("1.01")).quantize(Decimal("0.01"))
        for s in SYMBOLS
    )
    assert fake_api.request_count() == len(SYMBOLS)
    assert report.summary() == "12 live"


@pytest.mark.parametrize(
    ("mode", "reason", "attempts"),
    [
        ("404", "HTTP 404 Not Found", 1),
        ("500", "HTTP 500 Internal Server Error (twice)", 2),
        ("503", "HTTP 503 Service Unavailable (twice)", 2),
        ("hang", f"timed out after {TIMEOUT:g} s (twice)", 2),
        ("drop", "connection dropped by the server (twice)", 2),
        ("not-json", "answer is not JSON", 1),
        ("wrong-shape", "unexpected answer shape: data: expected an object", 1),
        ("wrong-id", "answer is for asset 227, not 226", 1),
        ("missing", "no price in the answer (net_asset_value, close_price, price missing)", 1),
        ("zero", "no positive price: net_asset_value=0", 1),
        ("negative", "no positive price: net_asset_value=-74.64", 1),
        ("non-numeric", "no positive price: net_asset_value='abc' is not a number", 1),
    ],
)
async def test_one_bad_asset_falls_back_alone(
    fake_api: FakeFintualAPI, mode: str, reason: str, attempts: int
) -> None:
    fake_api.fail("BND", mode)
    report = await fetch(fake_api)
    bnd = report.quotes["BND"]
    assert (bnd.source, bnd.price, bnd.date) == ("fallback", FALLBACK["BND"], dt.date(2026, 2, 4))
    assert bnd.reason == reason
    assert report.errors == {"BND": reason}
    assert_live(report, fake_api, [s for s in SYMBOLS if s != "BND"])
    assert fake_api.request_count("BND") == attempts  # retried only when it may help


async def test_many_failures_at_once_each_keep_their_reason(fake_api: FakeFintualAPI) -> None:
    modes = {"ESGV": "500", "QQQM": "zero", "FTEC": "not-json", "SOXX": "404", "TIP": "drop"}
    for symbol, mode in modes.items():
        fake_api.fail(symbol, mode)
    report = await fetch(fake_api)
    assert set(report.errors) == set(modes)
    assert {s: q.source for s, q in report.quotes.items() if q.source != "live"} == dict.fromkeys(
        modes, "fallback"
    )
    assert report.summary() == "7 live, 5 fallback"


async def test_connection_refused_everywhere() -> None:
    api = FakeFintualAPI().start()
    url = api.url
    api.stop()  # nothing listens on that port any more
    report = await fetch_quotes(url, timeout=TIMEOUT, deadline=DEADLINE)
    assert report.errors == dict.fromkeys(SYMBOLS, "connection refused (twice)")
    assert all(q.source == "fallback" and q.price == FALLBACK[s] for s, q in report.quotes.items())


@pytest.mark.parametrize("mode", ["500", "hang", "drop"])
async def test_one_transient_failure_is_retried(fake_api: FakeFintualAPI, mode: str) -> None:
    fake_api.fail("FLIN", mode, times=1)
    report = await fetch(fake_api)
    assert report.errors == {}
    assert_live(report, fake_api, ["FLIN"])
    assert fake_api.request_count("FLIN") == 2


async def test_requests_overlap_in_time() -> None:
    with FakeFintualAPI(latency=0.3) as api:
        report = await fetch(api)
        assert api.wait_until_idle()
        records = api.requests
    assert report.errors == {}
    assert len(records) == len(SYMBOLS)
    # Every request started before any finished: all twelve were in flight together.
    ends = [r.ended for r in records if r.ended is not None]
    assert len(ends) == len(records)
    assert max(r.started for r in records) < min(ends)
    assert api.max_in_flight == len(SYMBOLS)


async def test_a_hang_costs_the_deadline_not_more(fake_api: FakeFintualAPI) -> None:
    # The per-request timeout is longer than the deadline: only the deadline can stop it.
    fake_api.fail("VUG", "hang")
    started = time.monotonic()
    report = await fetch(fake_api, timeout=30.0, deadline=1.0)
    elapsed = time.monotonic() - started
    # Far below the 30 s timeout, with room for a loaded CI box: this checks what stopped
    # the fetch, not how fast the machine is.
    assert 1.0 <= elapsed < 10.0
    assert report.errors == {"VUG": "no answer within the 1 s deadline"}
    assert report.quotes["VUG"].source == "fallback"
    assert_live(report, fake_api, [s for s in SYMBOLS if s != "VUG"])


async def test_slow_asset_times_out_others_live(fake_api: FakeFintualAPI) -> None:
    fake_api.configure("IAUM", latency=TIMEOUT + 1.0)
    fake_api.configure("XLY", latency=TIMEOUT / 4)  # slow but in time
    report = await fetch(fake_api)
    assert report.errors == {"IAUM": f"timed out after {TIMEOUT:g} s (twice)"}
    assert_live(report, fake_api, [s for s in SYMBOLS if s != "IAUM"])


async def test_price_from_other_fields(fake_api: FakeFintualAPI) -> None:
    fake_api.configure("BLV", price_field="close_price", price=Decimal("70.33"))
    fake_api.configure("TIP", price_field="price", price=Decimal("111.07"))
    report = await fetch(fake_api)
    assert (report.quotes["BLV"].price, report.quotes["TIP"].price) == (
        Decimal("70.33"),
        Decimal("111.07"),
    )


async def test_only_requested_assets_are_fetched(fake_api: FakeFintualAPI) -> None:
    wanted = [CATALOG.asset("BND"), CATALOG.asset("TIP")]
    extra = Asset(symbol="MYETF", id=None, price=Decimal("10"))
    report = await fetch(fake_api, assets=[*wanted, extra])
    assert fake_api.request_count() == 2
    assert_live(report, fake_api, ["BND", "TIP"])
    assert report.quotes["ESGV"].source == "fallback"  # every catalog asset still quoted
    assert report.quotes["ESGV"].reason is None  # not asked, so not a failure
    assert report.quotes["MYETF"].price == Decimal("10")
    assert report.errors == {"MYETF": "no Fintual id to fetch a live price"}


async def test_bad_base_url_never_raises() -> None:
    report = await fetch_quotes("ftp://example.invalid", timeout=TIMEOUT, deadline=DEADLINE)
    assert set(report.errors) == set(SYMBOLS)
    assert all(r.startswith("bad API URL") for r in report.errors.values())


# -- the cache -------------------------------------------------------------------


async def test_cache_written_and_used_next_time(
    fake_api: FakeFintualAPI, price_cache: PriceCache
) -> None:
    fake_api.fail("SOXX", "500")
    first = await fetch(fake_api, cache=price_cache)
    assert first.cache_error is None
    saved = price_cache.load()
    # Good live prices are saved; the failed asset is not laundered into the cache.
    assert set(saved) == set(SYMBOLS) - {"SOXX"}
    assert all(saved[s].price == fake_api.price(s) for s in saved)

    # Next run: one asset now broken, it shows its last live price as 'cached'.
    fake_api.reset()
    fake_api.configure("ESGV", price=Decimal("130.00"))
    fake_api.fail("QQQM", "zero")
    second = await fetch(fake_api, cache=price_cache)
    qqqm = second.quotes["QQQM"]
    assert (qqqm.source, qqqm.price, qqqm.date) == ("cached", first.quotes["QQQM"].price, LIVE_DATE)
    assert qqqm.reason == "no positive price: net_asset_value=0"
    assert second.quotes["SOXX"].source == "live"
    assert price_cache.load()["ESGV"].price == Decimal("130.00")  # newer live price replaces


async def test_server_down_then_everything_cached(price_cache: PriceCache) -> None:
    with FakeFintualAPI() as api:
        await fetch(api, cache=price_cache)
        url, expected = api.url, {s: api.price(s) for s in SYMBOLS}
    report = await fetch_quotes(url, timeout=TIMEOUT, deadline=DEADLINE, cache=price_cache)
    assert {s: (q.source, q.price) for s, q in report.quotes.items()} == {
        s: ("cached", p) for s, p in expected.items()
    }
    assert all(r == "connection refused (twice)" for r in report.errors.values())


async def test_unwritable_cache_is_reported_not_raised(
    fake_api: FakeFintualAPI, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    report = await fetch(fake_api, cache=PriceCache(blocker / "prices.json"))
    assert report.summary() == "12 live"
    assert report.cache_error is not None and "could not save price cache" in report.cache_error


# -- cancellation ------------------------------------------------------------------


async def test_cancelling_a_fetch_stops_promptly(fake_api: FakeFintualAPI) -> None:
    # The app cancels the price worker when it quits; that must not wait on the server.
    fake_api.fail("ESGV", "hang")
    task = asyncio.create_task(fetch(fake_api, timeout=30.0, deadline=30.0))
    await asyncio.sleep(0.3)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 10.0  # the hang itself would last 30 s


# -- history -----------------------------------------------------------------------

HISTORY = [
    (dt.date(2026, 2, 20), Decimal("72.50")),
    (dt.date(2026, 2, 23), Decimal("72.91")),
    (dt.date(2026, 2, 24), Decimal("73.05")),
    (dt.date(2026, 3, 2), Decimal("74.64")),
]


async def test_history_in_range_sorted(fake_api: FakeFintualAPI) -> None:
    fake_api.set_history("BND", reversed(HISTORY))
    got = await fetch_history(
        fake_api.url, 226, dt.date(2026, 2, 21), dt.date(2026, 2, 28), timeout=TIMEOUT
    )
    assert got == HISTORY[1:3]
    (request,) = fake_api.requests
    assert request.path == "/api/real_assets/226/days"
    assert request.query == {"from_date": "2026-02-21", "to_date": "2026-02-28"}


@pytest.mark.parametrize("mode", ["404", "500", "not-json", "wrong-shape", "hang", "drop"])
async def test_history_trouble_gives_empty(fake_api: FakeFintualAPI, mode: str) -> None:
    fake_api.set_history("BND", HISTORY)
    fake_api.fail("BND", mode)
    started = time.monotonic()
    got = await fetch_history(
        fake_api.url, 226, dt.date(2026, 2, 1), dt.date(2026, 3, 2), timeout=TIMEOUT
    )
    assert got == []
    # A hang without the timeout would last until the server stops; anything near
    # two timeouts (one retry) means the timeout cut it.
    assert time.monotonic() - started < 2 * TIMEOUT + 8.0


async def test_history_of_unknown_asset_and_dead_server() -> None:
    with FakeFintualAPI() as api:
        assert await fetch_history(api.url, 1, dt.date(2026, 1, 1), dt.date(2026, 3, 2)) == []
        url = api.url
    assert await fetch_history(url, 226, dt.date(2026, 1, 1), dt.date(2026, 3, 2)) == []


async def test_asset_known_only_by_id_is_live_or_absent(tmp_path: Path) -> None:
    """A user's asset given by its Fintual id alone: live when the API answers;
    with the API down there is no price at all (never an invented one)."""
    own = Asset(symbol="ZZZ", id=999_001, name="Own ETF")
    with FakeFintualAPI(assets=[*load_catalog().assets, own]) as api:
        api.configure("ZZZ", price=Decimal("12.34"))
        report = await fetch_quotes(api.url, [own], timeout=0.5, deadline=1.5)
    assert report.quotes["ZZZ"].source == "live"
    assert report.quotes["ZZZ"].price == Decimal("12.34")
    down = await fetch_quotes("http://127.0.0.1:9", [own], timeout=0.3, deadline=1.0)
    assert "ZZZ" not in down.quotes
    assert "ZZZ" in down.errors


# -- bounds on what enters: prices, answer sizes, outside text ------------------------


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("1E-400", "net_asset_value=1.000E-400 must be at least $0.000001"),
        ("0.0000001", "net_asset_value=0.0000001 must be at least $0.000001"),
        ("1e12", "net_asset_value=1000000000000 must be at most $1,000,000"),
        ("1e5000", "net_asset_value=1.000E+5000 must be at most $1,000,000"),
    ],
)
async def test_price_outside_the_bound_falls_back_and_is_never_cached(
    fake_api: FakeFintualAPI, price_cache: PriceCache, raw: str, fragment: str
) -> None:
    fake_api.configure("BND", raw_price=raw)
    report = await fetch(fake_api, cache=price_cache)
    bnd = report.quotes["BND"]
    assert (bnd.source, bnd.price) == ("fallback", FALLBACK["BND"])
    assert bnd.reason == f"no positive price: {fragment}"
    assert_live(report, fake_api, [s for s in SYMBOLS if s != "BND"])
    assert "BND" not in price_cache.load() and len(price_cache.load()) == len(SYMBOLS) - 1
    assert "Infinity" not in price_cache.path.read_text()


async def test_price_with_more_decimals_than_the_rule_is_rounded_not_refused(
    fake_api: FakeFintualAPI,
) -> None:
    fake_api.configure("BND", raw_price="74.123456789")
    report = await fetch(fake_api)
    assert report.quotes["BND"].price == Decimal("74.12345679")  # half-even to 8 places


@pytest.mark.parametrize("mode", ["huge", "huge-undeclared"])
async def test_an_oversized_answer_is_refused_without_reading_it(
    fake_api: FakeFintualAPI, mode: str
) -> None:
    fake_api.fail("VUG", mode)
    report = await fetch(fake_api, timeout=5.0, deadline=20.0)
    assert report.errors == {"VUG": "answer larger than 1,000 kB, not read"}
    assert report.quotes["VUG"].source == "fallback"
    assert fake_api.request_count("VUG") == 1  # a refusal, not a retry
    assert_live(report, fake_api, [s for s in SYMBOLS if s != "VUG"])
    fake_api.release_hangs()  # stop a handler still writing into a full socket
    assert fake_api.wait_until_idle()
    # The client hung up after the cap: the server got nowhere near its 64 MB out.
    assert fake_api.huge_bytes_sent < HUGE_BYTES // 4


async def test_an_unasked_for_compressed_answer_is_refused(fake_api: FakeFintualAPI) -> None:
    # Decompressing could turn a chunk under the cap into gigabytes.
    fake_api.fail("VUG", "gzip")
    report = await fetch(fake_api)
    assert report.errors == {"VUG": "answer compressed (gzip) although not asked"}


async def test_text_from_the_answer_is_never_echoed_raw(fake_api: FakeFintualAPI) -> None:
    fake_api.configure("BND", mode="wrong-id", answer_id="\x1b]0;owned\x07\x1b[2J")
    fake_api.configure("TIP", mode="non-numeric")
    fake_api.configure("VUG", mode="bad-phrase")
    report = await fetch(fake_api)
    assert set(report.errors) == {"BND", "TIP", "VUG"}
    for reason in report.errors.values():
        assert reason.isprintable() and "\x1b" not in reason and len(reason) <= 200
    assert report.errors["BND"].startswith("answer is for asset \\x1b]0;owned\\x07")


# -- any number of assets: bounded concurrency, one deadline -------------------------

MANY = [
    Asset(symbol=f"Z{i:04d}", name=f"Synthetic {i}", id=900_000 + i, price=Decimal(50))
    for i in range(2000)
]


async def test_two_thousand_assets_against_a_fast_server_all_live(price_cache: PriceCache) -> None:
    # The deadline is generous so a loaded machine cannot fail this; what is checked
    # is that nothing in the client stops the prices (before: 0 of 2,000 live) and
    # that the server never sees more than the bounded number at once.
    from rebalancer_tui.prices.client import MAX_IN_FLIGHT

    with FakeFintualAPI(assets=MANY) as api:
        report = await fetch_quotes(api.url, MANY, timeout=10.0, deadline=120.0, cache=price_cache)
        assert report.errors == {}
        assert all(report.quotes[a.symbol].source == "live" for a in MANY)
        assert api.request_count() == len(MANY)
        assert 1 < api.max_in_flight <= MAX_IN_FLIGHT
    assert len(price_cache.load()) == len(MANY)


async def test_the_deadline_holds_at_two_thousand_slow_assets() -> None:
    deadline = 1.0
    with FakeFintualAPI(assets=MANY, latency=0.2) as api:
        started = time.monotonic()
        report = await fetch_quotes(api.url, MANY, timeout=2.0, deadline=deadline)
        elapsed = time.monotonic() - started
    # A bound from the deadline, not the machine: far below the 2,000 x 0.2 s the
    # requests would take one after the other (or the 85 s the unbounded fetch took).
    assert elapsed < deadline + 10.0
    live = [a for a in MANY if report.quotes[a.symbol].source == "live"]
    late = [a for a in MANY if report.errors.get(a.symbol) == "no answer within the 1 s deadline"]
    assert live, "what arrived before the deadline is kept"
    assert len(live) + len(late) == len(MANY)
    assert all(report.quotes[a.symbol].reason is not None for a in late)


async def test_a_dead_server_costs_the_deadline_at_any_asset_count() -> None:
    assets = MANY[:300]
    with FakeFintualAPI(assets=assets) as api:
        for a in assets:
            api.fail(a.symbol, "hang")
        started = time.monotonic()
        report = await fetch_quotes(api.url, assets, timeout=30.0, deadline=1.0)
        elapsed = time.monotonic() - started
    assert elapsed < 1.0 + 10.0  # the 30 s timeout never had its say
    assert set(report.errors.values()) == {"no answer within the 1 s deadline"}


async def test_what_the_cache_held_that_was_ignored_is_in_the_report(
    fake_api: FakeFintualAPI, tmp_path: Path
) -> None:
    path = tmp_path / "prices.json"
    path.write_text('{"prices": {"BND": {"price": "1E+5000", "date": "2026-03-02"}}}')
    fake_api.fail("BND", "500")
    report = await fetch(fake_api, cache=PriceCache(path))
    assert report.quotes["BND"].source == "fallback"  # never the hostile cached price
    (problem,) = report.cache_problems
    assert problem.startswith("price cache entry 'BND' ignored: price: write plain digits")
