"""Prices: concurrent versus one-at-a-time fetching against a local fake API."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rebalancer_tui.data import load_catalog
from rebalancer_tui.prices import PriceCache, fetch_quotes


@dataclass
class PricesResult:
    latency_s: float
    assets: int
    repeats: int
    concurrent_s: float  # median wall time
    sequential_s: float
    live_concurrent: int  # assets priced live (a check that the fetch really worked)
    live_sequential: int

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


def run_prices(latency: float = 0.3, repeats: int = 3) -> PricesResult:
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
    )
