"""The engine and the price service must import without Textual (and without SciPy)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
import {module}
bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'scipy'))
print(','.join(bad))
"""


@pytest.mark.parametrize(
    "module", ["rebalancer_tui", "rebalancer_tui.engine", "rebalancer_tui.prices"]
)
def test_headless_modules_import_without_textual(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "", f"{module} pulled in {result.stdout.strip()}"


def test_the_probe_can_fail() -> None:
    # The app module does import Textual: the probe must notice it.
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module="rebalancer_tui.app")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "textual" in result.stdout
    assert "scipy" not in result.stdout  # scipy stays out of the app's start-up too
