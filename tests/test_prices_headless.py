"""The price service is headless: importing it pulls in neither Textual nor SciPy."""

from __future__ import annotations

import subprocess
import sys


def test_price_service_imports_without_textual_or_scipy() -> None:
    code = (
        "import sys, rebalancer_tui.prices as p; "
        "p.best_known_quotes(); "
        "print(sorted(m for m in ('textual', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
