"""Prices: concurrent versus one-at-a-time fetching against a local fake API, and
the fetch at 1,000 and 2,000 assets against a bare client doing the same requests."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rebalancer_tui.data import load_catalog
from rebalancer_tui.models import Asset
from rebalancer_tui.prices import PriceCache, fetch_quotes

MANY_COUNTS = (1000, 2000)
DEADLINE_S = 6.0  # fetch_quotes' default, which the many-asset rows use


@dataclass
class ManyResult:
    """fetch_quotes for `assets` synthetic assets against a fast local server (no latency)."""

    assets: int
    repeats: int
    fetch_s: float  # median wall time, default timeout and deadline, with a cache file
    baseline_s: float  # median: a bare httpx client, same requests, same in-flight bound
    live: int  # assets priced live in the slowest fetch
    in_flight: int  # the most requests the server saw at once

    @property
    def ratio(self) -> float:
        return self.fetch_s / self.baseline_s

    @property
    def within_deadline(self) -> bool:
        return self.fetch_s < DEADLINE_S and self.live == self.assets


@dataclass
class PricesResult:
    latency_s: float
    assets: int
    repeats: int
    concurrent_s: float  # median wall time
    sequential_s: float
    live_concurrent: int  # assets priced live (a check that the fetch really worked)
    live_sequential: int
    many: list[ManyResult] = field(default_factory=list)

    @property
    def speedup(self) -> float:
        return self.sequential_s / self.concurrent_s


async def _concurrent(url: str, cache: PriceCache) -> tuple[float, int]:
    assets = list(load_catalog().assets)
    t0 = time.perf_counter()
    report = await fetch_quotes(url, assets, cache=cache)
    elapsed = time.perf_counter() - t0
    return elapsed, sum(report.quotes[a.symbol].source == "live" for a in assets)


async def _sequential(url: str, cache: PriceCache) -> tuple[float, int]:
    assets = list(load_catalog().assets)
    live = 0
    t0 = time.perf_counter()
    for asset in assets:
        report = await fetch_quotes(url, [asset], cache=cache)
        live += report.quotes[asset.symbol].source == "live"
    return time.perf_counter() - t0, live


def run_prices(
    latency: float = 0.3, repeats: int = 3, many: Sequence[int] = MANY_COUNTS
) -> PricesResult:
    # The fake server lives with the tests; it has no pytest dependency.
    from tests.fake_api import FakeFintualAPI

    conc: list[float] = []
    seq: list[float] = []
    live_c = live_s = 0
    with tempfile.TemporaryDirectory() as tmp, FakeFintualAPI(latency=latency) as api:
        cache = PriceCache(Path(tmp) / "prices.json")
        for _ in range(repeats):
            # Alternate the two so drift on a shared machine hits both alike.
            t, live_c = asyncio.run(_concurrent(api.url, cache))
            conc.append(t)
            t, live_s = asyncio.run(_sequential(api.url, cache))
            seq.append(t)
    return PricesResult(
        latency_s=latency,
        assets=len(load_catalog().assets),
        repeats=repeats,
        concurrent_s=statistics.median(conc),
        sequential_s=statistics.median(seq),
        live_concurrent=live_c,
        live_sequential=live_s,
        many=[run_many(n, repeats) for n in many],
    )


def synthetic_assets(n: int) -> list[Asset]:
    return [
        Asset(symbol=f"Z{i:05d}", name=f"Synthetic {i}", id=900_000 + i, price=Decimal(50))
        for i in range(n)
    ]


async def _bare(url: str, assets: Sequence[Asset]) -> float:
    """The floor for the same requests: one httpx client, the same in-flight bound,
    no parsing, no fallback, no cache."""
    import httpx

    from rebalancer_tui.prices.client import MAX_IN_FLIGHT

    queue = [a.id for a in reversed(assets)]
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            response = await client.get(f"{url}/api/real_assets/{queue.pop()}")
            response.raise_for_status()

    t0 = time.perf_counter()
    async with httpx.AsyncClient(limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(MAX_IN_FLIGHT)))
    return time.perf_counter() - t0


async def _many(url: str, assets: Sequence[Asset], cache: PriceCache) -> tuple[float, int]:
    t0 = time.perf_counter()
    report = await fetch_quotes(url, assets, cache=cache)
    elapsed = time.perf_counter() - t0
    return elapsed, sum(report.quotes[a.symbol].source == "live" for a in assets)


def run_many(n: int, repeats: int = 3) -> ManyResult:
    from tests.fake_api import FakeFintualAPI

    assets = synthetic_assets(n)
    fetch: list[float] = []
    bare: list[float] = []
    live = n
    with tempfile.TemporaryDirectory() as tmp, FakeFintualAPI(assets=assets) as api:
        for i in range(repeats):
            cache = PriceCache(Path(tmp) / f"prices-{i}.json")
            # Interleaved, so drift on a shared machine hits both alike.
            bare.append(asyncio.run(_bare(api.url, assets)))
            t, got = asyncio.run(_many(api.url, assets, cache))
            fetch.append(t)
            live = min(live, got)
        in_flight = api.max_in_flight
    return ManyResult(
        assets=n,
        repeats=repeats,
        fetch_s=statistics.median(fetch),
        baseline_s=statistics.median(bare),
        live=live,
        in_flight=in_flight,
    )
