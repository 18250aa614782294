"""The price service is headless and light: importing it pulls in neither Textual,
SciPy nor httpx; only fetching (the client module) loads the HTTP client."""

from __future__ import annotations

import subprocess
import sys


def _probe(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.strip()


def test_price_service_imports_without_textual_scipy_or_httpx() -> None:
    code = (
        "import sys, rebalancer_tui.prices as p\n"
        "import rebalancer_tui.prices.parse, rebalancer_tui.prices.cache\n"
        "import rebalancer_tui.prices.config, rebalancer_tui.prices.report\n"
        "p.best_known_quotes(); p.resolve_api_url(); p.PriceReport({}).summary()\n"
        "print(sorted(m for m in ('textual', 'scipy', 'httpx') if m in sys.modules))"
    )
    assert _probe(code) == "[]"


def test_fetching_is_what_loads_httpx() -> None:
    # The probe above can fail: the same check sees httpx once fetch_quotes is used.
    code = (
        "import sys\n"
        "from rebalancer_tui.prices import fetch_quotes\n"
        "print('httpx' in sys.modules, fetch_quotes.__module__)"
    )
    assert _probe(code) == "True rebalancer_tui.prices.client"
