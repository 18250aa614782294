"""Fetch live prices from the Fintual API: concurrent, bounded, per-asset fallback.

One `httpx.AsyncClient` serves all assets at once. Each request has its own
timeout and at most one retry (timeouts, connection errors, 5xx), and the
whole fetch has a deadline after which unfinished assets simply fall back.
Nothing here raises for network or API trouble: every failure becomes a
readable reason attached to that asset's fallback quote.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import httpx

from rebalancer_tui import __version__
from rebalancer_tui.data import load_catalog
from rebalancer_tui.models import Asset, PriceQuote
from rebalancer_tui.prices.cache import PriceCache, known_quotes
from rebalancer_tui.prices.parse import InvalidAnswer, LivePrice, parse_days, parse_real_asset

log = logging.getLogger(__name__)

RETRY_BACKOFF_S = 0.15
HEADERS = {"Accept": "application/json", "User-Agent": f"rebalancer-tui/{__version__}"}


@dataclass
class PriceReport:
    """Outcome of one fetch: a quote for every asset, and why some are not live."""

    quotes: dict[str, PriceQuote]
    errors: dict[str, str]
    elapsed_s: float
    # Set when live prices were fetched but could not be written to disk.
    cache_error: str | None = None

    def summary(self) -> str:
        """E.g. '10 live, 1 cached, 1 fallback' for a status line."""
        counts = Counter(q.source for q in self.quotes.values())
        order = ("live", "cached", "fallback", "override")
        return ", ".join(f"{counts[s]} {s}" for s in order if counts[s])


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


async def _get_once(client: httpx.AsyncClient, url: str, timeout: float, **params: str) -> bytes:
    try:
        # httpx's timeout is per read; this also bounds a server that trickles bytes.
        async with asyncio.timeout(timeout):
            response = await client.get(url, params=params or None)
    except (httpx.HTTPError, TimeoutError, OSError) as exc:
        raise describe_transport_error(exc, timeout) from None
    if response.status_code >= 400:
        phrase = response.reason_phrase or ""
        reason = f"HTTP {response.status_code} {phrase}".rstrip()
        raise _Failure(reason, retry=response.status_code >= 500)
    if response.status_code >= 300:
        raise _Failure(f"HTTP {response.status_code} redirect not followed", retry=False)
    return response.content


async def _get(client: httpx.AsyncClient, url: str, timeout: float, **params: str) -> bytes:
    """GET with at most one retry after a short backoff, for transient failures."""
    try:
        return await _get_once(client, url, timeout, **params)
    except _Failure as first:
        if not first.retry:
            raise
        await asyncio.sleep(RETRY_BACKOFF_S)
        try:
            return await _get_once(client, url, timeout, **params)
        except _Failure as second:
            if second.reason == first.reason:
                raise _Failure(f"{second.reason} (twice)", retry=False) from None
            raise


def _asset_url(base_url: str, asset_id: int) -> str:
    return f"{base_url.rstrip('/')}/api/real_assets/{asset_id}"


async def _fetch_one(
    client: httpx.AsyncClient, base_url: str, asset: Asset, timeout: float
) -> LivePrice | str:
    """The live price of one asset, or the reason there is none."""
    assert asset.id is not None
    try:
        body = await _get(client, _asset_url(base_url, asset.id), timeout)
        return parse_real_asset(body, expected_id=asset.id)
    except (_Failure, InvalidAnswer) as exc:
        return str(exc)
    except Exception as exc:  # a bug must cost one price, not the whole fetch
        log.exception("unexpected error fetching %s", asset.symbol)
        return f"unexpected error ({type(exc).__name__}: {exc})"


def _make_client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout), headers=HEADERS, follow_redirects=True)


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
    """Live prices for `assets` (default: the catalog), all requested concurrently.

    Returns within about `deadline` seconds whatever the server does. The
    report's quotes cover every catalog asset and every asset asked for: live
    when fetched, else cached (if `cache` is given), else fallback; each non-live
    one keeps its reason, also listed in `errors`. Live prices are saved to
    `cache` when given. Never raises for network or API trouble.
    """
    started = time.monotonic()
    wanted = list(assets) if assets is not None else list(load_catalog().assets)
    known = _known_quotes(wanted, cache)
    errors: dict[str, str] = {
        a.symbol: "no Fintual id to fetch a live price" for a in wanted if a.id is None
    }
    fetchable = [a for a in wanted if a.id is not None]
    results = await _fetch_all(base_url, fetchable, timeout, deadline) if fetchable else {}

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
    )


async def _fetch_all(
    base_url: str, assets: Sequence[Asset], timeout: float, deadline: float
) -> dict[str, LivePrice | str]:
    """Run every asset's fetch concurrently; unfinished ones at the deadline get a reason."""
    async with _make_client(timeout) as client:
        tasks = {
            a.symbol: asyncio.create_task(_fetch_one(client, base_url, a, timeout)) for a in assets
        }
        try:
            _done, pending = await asyncio.wait(tasks.values(), timeout=max(deadline, 0.0))
        finally:
            # Also on our own cancellation: no request may outlive the client.
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
    late = f"no answer within the {deadline:g} s deadline"
    return {symbol: late if task in pending else task.result() for symbol, task in tasks.items()}


def _save(cache: PriceCache | None, live: Mapping[str, PriceQuote]) -> str | None:
    if cache is None or not live:
        return None
    try:
        cache.save(live)
    except OSError as exc:
        log.warning("could not save price cache %s: %s", cache.path, exc)
        return f"could not save price cache {cache.path}: {exc.strerror or exc}"
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
    url = f"{_asset_url(base_url, asset_id)}/days"
    params = {"from_date": from_date.isoformat(), "to_date": to_date.isoformat()}
    try:
        async with asyncio.timeout(2 * timeout + RETRY_BACKOFF_S), _make_client(timeout) as client:
            body = await _get(client, url, timeout, **params)
        return parse_days(body)
    except (_Failure, InvalidAnswer, TimeoutError) as exc:
        log.info("history of %s unavailable: %s", asset_id, exc)
        return []
    except Exception:
        log.exception("unexpected error fetching history of %s", asset_id)
        return []
