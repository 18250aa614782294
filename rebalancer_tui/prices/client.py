"""Fetch live prices from the Fintual API: concurrent, bounded, per-asset fallback.

The only module of the price service that imports httpx (the package imports
it on first use). One `httpx.AsyncClient` serves all assets; at most
`MAX_IN_FLIGHT` requests run at once, so the cost per asset stays flat at any
asset count and the whole fetch's deadline holds. Each request has its own
timeout and at most one retry (timeouts, connection errors, 5xx); every answer
is read with a size cap. Nothing here raises for network or API trouble:
every failure becomes a readable, printable reason attached to that asset's
fallback quote.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.util
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

import httpx

if importlib.util.find_spec("sniffio") is None:
    # httpcore 1.0 tries `import sniffio` on every lock and request; without it
    # (anyio >= 4.11 no longer installs it) each failed import searches sys.path
    # again, a third of a 2,000-asset fetch's time. A None entry makes the
    # failure instant; the outcome (asyncio) is the same. encode/httpcore#1103.
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

from rebalancer_tui import __version__
from rebalancer_tui.data import load_catalog
from rebalancer_tui.models import Asset, PriceQuote
from rebalancer_tui.prices.cache import PriceCache, known_quotes
from rebalancer_tui.prices.config import BadApiUrl, check_api_url
from rebalancer_tui.prices.history import (
    MAX_HISTORY_POINTS,
    History,
    HistoryCache,
    HistoryReport,
    Point,
)
from rebalancer_tui.prices.parse import (
    InvalidAnswer,
    LivePrice,
    clean_reason,
    parse_days,
    parse_real_asset,
)
from rebalancer_tui.prices.report import PriceReport

log = logging.getLogger(__name__)

__all__ = [
    "MAX_ANSWER_BYTES",
    "MAX_HISTORY_BYTES",
    "MAX_IN_FLIGHT",
    "PriceReport",
    "fetch_histories",
    "fetch_history",
    "fetch_quotes",
]

RETRY_BACKOFF_S = 0.15
# Enough to hide the API's latency behind each other, few enough that neither
# the connection pool nor the event loop queues up (1,000 unbounded requests
# used to spend the whole deadline waiting for the pool, with 0 live prices).
MAX_IN_FLIGHT = 16
# A real asset answer is about 1 kB and a year of days about 60 kB.
MAX_ANSWER_BYTES = 1_000_000
MAX_HISTORY_BYTES = 4_000_000
# identity: a compressed answer could expand past the cap inside one chunk.
HEADERS = {
    "Accept": "application/json",
    "Accept-Encoding": "identity",
    "User-Agent": f"rebalancer-tui/{__version__}",
}

T = TypeVar("T")


class _Failure(Exception):
    """One attempt failed; `retry` says whether a second attempt may help."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


def describe_transport_error(exc: Exception, timeout: float) -> _Failure:
    """Map an httpx/asyncio failure to a short reason a user can read."""
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return _Failure(f"timed out after {timeout:g} s", retry=True)
    if isinstance(exc, httpx.ConnectError):
        if _caused_by(exc, ConnectionRefusedError):
            return _Failure("connection refused", retry=True)
        return _Failure(f"cannot connect ({exc})", retry=True)
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        return _Failure("connection dropped by the server", retry=True)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return _Failure(f"bad API URL ({exc})", retry=False)
    return _Failure(f"request failed ({type(exc).__name__}: {exc})", retry=False)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    # httpx says "All connection attempts failed"; the OS's reason is down the chain.
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _too_large(cap: int) -> _Failure:
    return _Failure(f"answer larger than {cap // 1000:,} kB, not read", retry=False)


async def _read_capped(response: httpx.Response, cap: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(cap)
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise _Failure(f"answer compressed ({encoding[:20]}) although not asked", retry=False)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > cap:
            raise _too_large(cap)
        chunks.append(chunk)
    return b"".join(chunks)


async def _get_once(
    client: httpx.AsyncClient, url: str, timeout: float, cap: int, params: Mapping[str, str]
) -> bytes:
    try:
        # httpx's timeout is per read; this also bounds a server that trickles bytes.
        async with (
            asyncio.timeout(timeout),
            client.stream("GET", url, params=dict(params) or None) as response,
        ):
            if response.status_code >= 400:
                phrase = response.reason_phrase or ""
                reason = f"HTTP {response.status_code} {phrase}".rstrip()
                raise _Failure(reason, retry=response.status_code >= 500)
            if response.status_code >= 300:
                raise _Failure(f"HTTP {response.status_code} redirect not followed", retry=False)
            return await _read_capped(response, cap)
    except (httpx.HTTPError, TimeoutError, OSError) as exc:
        raise describe_transport_error(exc, timeout) from None


async def _get(
    client: httpx.AsyncClient,
    url: str,
    timeout: float,
    cap: int = MAX_ANSWER_BYTES,
    params: Mapping[str, str] | None = None,
) -> bytes:
    """GET with at most one retry after a short backoff, for transient failures."""
    params = params or {}
    try:
        return await _get_once(client, url, timeout, cap, params)
    except _Failure as first:
        if not first.retry:
            raise
        await asyncio.sleep(RETRY_BACKOFF_S)
        try:
            return await _get_once(client, url, timeout, cap, params)
        except _Failure as second:
            if second.reason == first.reason:
                raise _Failure(f"{second.reason} (twice)", retry=False) from None
            raise


def _asset_url(base_url: str, asset_id: int) -> str:
    return f"{base_url.rstrip('/')}/api/real_assets/{asset_id}"


async def _guarded(work: Awaitable[T], what: str) -> T | str:
    """`work`'s result, or the printable reason it failed: one asset's trouble stays its own."""
    try:
        return await work
    except (_Failure, InvalidAnswer) as exc:
        return clean_reason(str(exc))
    except Exception as exc:  # a bug must cost one price, not the whole fetch
        log.exception("unexpected error fetching %s", what)
        return clean_reason(f"unexpected error ({type(exc).__name__}: {exc})")


async def _price_of(
    client: httpx.AsyncClient, base_url: str, asset: Asset, timeout: float
) -> LivePrice:
    assert asset.id is not None
    body = await _get(client, _asset_url(base_url, asset.id), timeout)
    return parse_real_asset(body, expected_id=asset.id)


def _make_client(timeout: float) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout), headers=HEADERS, follow_redirects=True, limits=limits
    )


async def _run_bounded(
    keys: Sequence[str],
    job: Callable[[httpx.AsyncClient, str], Awaitable[T | str]],
    timeout: float,
    deadline_at: float,
    deadline: float,
) -> dict[str, T | str]:
    """`job(client, key)` for every key, `MAX_IN_FLIGHT` at a time, until `deadline_at`.

    Keys not finished by then (running or never started) get the deadline's
    reason. Workers pull from one queue: no task per key, so nothing grows with
    the key count but the results.
    """
    results: dict[str, T | str] = {}
    queue = list(reversed(keys))  # pop() from the end takes keys in their order

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            key = queue.pop()
            results[key] = await job(client, key)

    async with _make_client(timeout) as client:
        workers = [
            asyncio.create_task(worker(client)) for _ in range(min(MAX_IN_FLIGHT, len(keys)))
        ]
        try:
            if workers:
                await asyncio.wait(workers, timeout=max(deadline_at - time.monotonic(), 0.0))
        finally:
            # Also on our own cancellation: no request may outlive the client.
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
    late = f"no answer within the {deadline:g} s deadline"
    return {key: results.get(key, late) for key in keys}


def _known_quotes(assets: Sequence[Asset], cache: PriceCache | None) -> dict[str, PriceQuote]:
    """Fallback for the catalog plus `assets`, overlaid by the cache if any."""
    return known_quotes(assets, cache.load() if cache is not None else {})


async def fetch_quotes(
    base_url: str,
    assets: Sequence[Asset] | None = None,
    *,
    timeout: float = 3.0,
    deadline: float = 6.0,
    cache: PriceCache | None = None,
) -> PriceReport:
    """Live prices for `assets` (default: the catalog), `MAX_IN_FLIGHT` at a time.

    Returns within about `deadline` seconds whatever the server does and
    however many assets there are. The report's quotes cover every catalog
    asset and every asset asked for: live when fetched, else cached (if `cache`
    is given), else fallback; each non-live one keeps its reason, also listed
    in `errors`. Live prices are saved to `cache` when given. Never raises for
    network or API trouble; a malformed `base_url` is every asset's reason.
    """
    started = time.monotonic()
    wanted = list(assets) if assets is not None else list(load_catalog().assets)
    known = _known_quotes(wanted, cache)
    cache_problems = list(cache.problems) if cache is not None else []
    errors: dict[str, str] = {
        a.symbol: "no Fintual id to fetch a live price" for a in wanted if a.id is None
    }
    fetchable = {a.symbol: a for a in wanted if a.id is not None}
    results: dict[str, LivePrice | str]
    try:
        url = check_api_url(base_url)
    except BadApiUrl as exc:
        results = dict.fromkeys(fetchable, f"bad API URL: {exc}")
    else:

        def job(client: httpx.AsyncClient, symbol: str) -> Awaitable[LivePrice | str]:
            return _guarded(_price_of(client, url, fetchable[symbol], timeout), symbol)

        results = await _run_bounded(list(fetchable), job, timeout, started + deadline, deadline)

    live: dict[str, PriceQuote] = {}
    for symbol, result in results.items():
        if isinstance(result, LivePrice):
            live[symbol] = PriceQuote(
                symbol=symbol, price=result.price, source="live", date=result.date
            )
        else:
            errors[symbol] = result
    quotes = {
        symbol: live.get(symbol)
        or (q.model_copy(update={"reason": errors[symbol]}) if symbol in errors else q)
        for symbol, q in known.items()
    }
    # An asset known only by its id has no fallback: it is priced only if live.
    quotes.update({s: q for s, q in live.items() if s not in quotes})
    cache_error = _save(cache, live)
    return PriceReport(
        quotes=quotes,
        errors=errors,
        elapsed_s=time.monotonic() - started,
        cache_error=cache_error,
        cache_problems=cache_problems,
    )


def _save(cache: PriceCache | None, live: Mapping[str, PriceQuote]) -> str | None:
    if cache is None or not live:
        return None
    try:
        cache.save(live)
    except OSError as exc:
        log.warning("could not save price cache %s: %s", cache.path, exc)
        return clean_reason(f"could not save price cache {cache.path}: {exc.strerror or exc}")
    return None


async def fetch_history(
    base_url: str,
    asset_id: int,
    from_date: dt.date,
    to_date: dt.date,
    *,
    timeout: float = 3.0,
) -> list[tuple[dt.date, Decimal]]:
    """Daily prices of one asset, oldest first; [] on any API or network trouble.

    Takes at most about twice `timeout` (one retry), whatever the server does.
    """
    params = {"from_date": from_date.isoformat(), "to_date": to_date.isoformat()}
    try:
        url = f"{_asset_url(check_api_url(base_url), asset_id)}/days"
        async with asyncio.timeout(2 * timeout + RETRY_BACKOFF_S), _make_client(timeout) as client:
            body = await _get(client, url, timeout, params=params)
        return parse_days(body)
    except (_Failure, InvalidAnswer, TimeoutError, BadApiUrl) as exc:
        log.info("history of %s unavailable: %s", asset_id, clean_reason(str(exc)))
        return []
    except Exception:
        log.exception("unexpected error fetching history of %s", asset_id)
        return []


async def _history_of(
    client: httpx.AsyncClient,
    base_url: str,
    asset: Asset,
    params: Mapping[str, str],
    timeout: float,
) -> tuple[Point, ...]:
    assert asset.id is not None
    url = f"{_asset_url(base_url, asset.id)}/days"
    body = await _get(client, url, timeout, cap=MAX_HISTORY_BYTES, params=params)
    # The most recent days, should a long range give more than any sparkline needs.
    return tuple(parse_days(body)[-MAX_HISTORY_POINTS:])


async def fetch_histories(
    base_url: str,
    assets: Sequence[Asset],
    from_date: dt.date,
    to_date: dt.date,
    *,
    timeout: float = 3.0,
    deadline: float = 6.0,
    cache: HistoryCache | None = None,
    today: dt.date | None = None,
) -> HistoryReport:
    """Daily prices of `assets` from `from_date` to `to_date`, `MAX_IN_FLIGHT` at a time.

    Like `fetch_quotes`: returns within about `deadline` seconds at any asset
    count, never raises for network or API trouble, and falls back per asset:
    an asset whose history cannot be fetched gets its last cached one (if
    `cache` has it), marked 'cached' with the reason, else none; every reason
    is also in `errors`. Non-empty live histories are saved to `cache`, dated
    `today` (default: the local date).
    """
    started = time.monotonic()
    fetched_on = today if today is not None else dt.date.today()
    cached = cache.load() if cache is not None else {}
    errors: dict[str, str] = {
        a.symbol: "no Fintual id to fetch a history" for a in assets if a.id is None
    }
    fetchable = {a.symbol: a for a in assets if a.id is not None}
    params = {"from_date": from_date.isoformat(), "to_date": to_date.isoformat()}
    results: dict[str, tuple[Point, ...] | str]
    try:
        url = check_api_url(base_url)
    except BadApiUrl as exc:
        results = dict.fromkeys(fetchable, f"bad API URL: {exc}")
    else:

        def job(client: httpx.AsyncClient, symbol: str) -> Awaitable[tuple[Point, ...] | str]:
            work = _history_of(client, url, fetchable[symbol], params, timeout)
            return _guarded(work, f"the history of {symbol}")

        results = await _run_bounded(list(fetchable), job, timeout, started + deadline, deadline)

    histories: dict[str, History] = {}
    for symbol, result in results.items():
        if isinstance(result, tuple):
            histories[symbol] = History(symbol, result, "live", fetched_on)
        else:
            errors[symbol] = result
    for symbol, reason in errors.items():
        if symbol in cached:
            old = cached[symbol]
            histories[symbol] = History(symbol, old.points, "cached", old.fetched, reason)
    cache_error: str | None = None
    worth_keeping = {s: h for s, h in histories.items() if h.source == "live" and h.points}
    if cache is not None and worth_keeping:
        try:
            cache.save(worth_keeping)
        except OSError as exc:
            log.warning("could not save history cache %s: %s", cache.path, exc)
            cache_error = clean_reason(
                f"could not save history cache {cache.path}: {exc.strerror or exc}"
            )
    return HistoryReport(
        histories=histories,
        errors=errors,
        elapsed_s=time.monotonic() - started,
        cache_error=cache_error,
        cache_problems=list(cache.problems) if cache is not None else [],
    )
