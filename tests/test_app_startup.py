"""Start-up cost: the app module must not import the HTTP client or the price
service (they load in the prices worker, after the first frame)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def test_the_app_ends_when_it_quits_on_its_first_frame(tmp_path: Path) -> None:
    """Quitting at once (before the price and history workers ran) ends the process.

    A worker given a coroutine object that never started left it unawaited, and
    the interpreter deadlocked in the warning about it at exit: this hung.
    """
    driver = Path(__file__).parent.parent / "bench" / "startup_driver.py"
    ready = tmp_path / "ready.txt"
    env = {
        **os.environ,
        "REBALANCER_CACHE_DIR": str(tmp_path / "cache"),
        "REBALANCER_DATA_DIR": str(tmp_path / "data"),
        "REBALANCER_CONFIG_DIR": str(tmp_path / "config"),
        "REBALANCER_MODELS": str(tmp_path / "models.json"),
        "REBALANCER_PORTFOLIO": str(tmp_path / "portfolio.json"),
    }
    for _ in range(3):
        ready.unlink(missing_ok=True)
        proc = subprocess.run(
            [sys.executable, str(driver), "app", str(ready)],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
        assert ready.exists()
