"""Start-up cost: the app module must not import the HTTP client or the price
service (they load in the prices worker, after the first frame)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import rebalancer_tui.app
loaded = sorted(m for m in sys.modules
                if m.split('.')[0] in ('httpx', 'httpcore', 'scipy')
                or m.startswith('rebalancer_tui.prices'))
print(','.join(loaded))
"""


def test_app_module_does_not_import_the_price_client() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == ""


def test_the_probe_sees_the_price_client_when_it_is_imported() -> None:
    probe = PROBE.replace(
        "import rebalancer_tui.app",
        "from rebalancer_tui.workspace import price_feed\nprice_feed.resolve(None)",
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "rebalancer_tui.prices" in out.stdout
