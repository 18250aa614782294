"""`rebalancer-tui plan` end to end against the fake API: provenance in the JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fake_api import LIVE_DATE, FakeFintualAPI

from rebalancer_tui.data import load_catalog

REPO = Path(__file__).resolve().parent.parent
FALLBACK = {a.symbol: a.price for a in load_catalog().assets}
FUND = set(load_catalog().model("risky-norris").weights)  # type: ignore[union-attr]
BAD = {"ESGV": "404", "SOXX": "zero"}  # fast failures: the CLI uses default timeouts


def plan(cache_dir: Path, *args: str) -> tuple[dict[str, Any], str]:
    env = {**os.environ, "REBALANCER_CACHE_DIR": str(cache_dir)}
    env.pop("REBALANCER_API_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "rebalancer_tui", "plan", "--fund", "risky-norris", "--json", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), out.stderr


def sources(doc: dict[str, Any]) -> dict[str, tuple[str, Decimal, str | None]]:
    return {s: (p["source"], Decimal(str(p["price"])), p["date"]) for s, p in doc["prices"].items()}


def test_live_then_cached_then_offline(tmp_path: Path) -> None:
    with FakeFintualAPI() as api:
        for symbol, mode in BAD.items():
            api.fail(symbol, mode)
        live_prices = {s: api.price(s) for s in FALLBACK}
        first, stderr = plan(tmp_path, "--api-url", api.url)
        url = api.url

    expected_live = {
        s: ("live", live_prices[s], LIVE_DATE.isoformat())
        if s not in BAD
        else ("fallback", FALLBACK[s], "2026-02-04")
        for s in FALLBACK
    }
    assert set(first["prices"]) >= FUND
    expected_live = {s: v for s, v in expected_live.items() if s in first["prices"]}
    assert sources(first) == expected_live
    assert "ESGV: HTTP 404 Not Found" in stderr and "SOXX: no positive price" in stderr
    assert "Traceback" not in stderr

    # The server is gone: last good live prices come back as 'cached'.
    second, stderr = plan(tmp_path, "--api-url", url)
    expected_cached = {
        s: ("cached", p, d) if src == "live" else (src, p, d)
        for s, (src, p, d) in expected_live.items()
    }
    assert sources(second) == expected_cached
    assert "connection refused" in stderr and "Traceback" not in stderr

    # Offline never touches the network and shows the same cached prices.
    third, _ = plan(tmp_path, "--offline")
    assert sources(third) == expected_cached


def run_plan(cache_dir: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    full_env = {**os.environ, "REBALANCER_CACHE_DIR": str(cache_dir), **(env or {})}
    if env is None or "REBALANCER_API_URL" not in env:
        full_env.pop("REBALANCER_API_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "rebalancer_tui", "plan", "--fund", "risky-norris", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=REPO,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        (("--api-url", "http://127.0.0.1:99999"), {}, "--api-url 'http://127.0.0.1:99999' has"),
        (("--api-url", ""), {}, "--api-url is empty"),
        (("--api-url", "fintual.cl"), {}, "must start with http:// or https://"),
        ((), {"REBALANCER_API_URL": ""}, "REBALANCER_API_URL is empty"),
        ((), {"REBALANCER_API_URL": "http://[::1]:0"}, "REBALANCER_API_URL 'http://[::1]:0'"),
    ],
)
def test_a_bad_api_url_is_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], fragment: str
) -> None:
    out = run_plan(tmp_path, *args, env=env)
    assert out.returncode == 2
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and fragment in lines[0], out.stderr
    assert lines[0].startswith("rebalancer-tui: error: ")
    assert out.stdout == ""


def test_a_hostile_cache_is_ignored_offline_not_planned_with(tmp_path: Path) -> None:
    # A cached 1e12 used to hang the plan; 10^5000 printed Infinity (invalid JSON).
    (tmp_path / "prices.json").write_text(
        json.dumps(
            {
                "prices": {
                    "ESGV": {"price": "1000000000000", "date": "2026-03-02"},
                    "QQQM": {"price": "1E+5000", "date": "2026-03-02"},
                    "SOXX": {"price": "0.0000000001", "date": "2026-03-02"},
                }
            }
        )
    )
    doc, stderr = plan(tmp_path, "--offline")
    for symbol in ("ESGV", "QQQM", "SOXX"):
        assert sources(doc)[symbol] == ("fallback", FALLBACK[symbol], "2026-02-04")
    assert "Traceback" not in stderr and "Infinity" not in stderr
