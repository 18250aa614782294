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
    "module",
    [
        "rebalancer_tui",
        "rebalancer_tui.engine",
        "rebalancer_tui.prices",
        "rebalancer_tui.workspace",
    ],
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


# Imported where first used (a key press, the palette, a buy-only plan, the price
# or solve worker): the app's first frame must not wait for any of them.
DEFERRED = (
    "rebalancer_tui.commands",
    "rebalancer_tui.screens.compare",
    "rebalancer_tui.screens.confirm",
    "rebalancer_tui.screens.file_prompt",
    "rebalancer_tui.screens.help",
    "rebalancer_tui.screens.holdings_editor",
    "rebalancer_tui.screens.inputs",
    "rebalancer_tui.engine.contribution",
    "rebalancer_tui.storage.portfolio_file",
    "rebalancer_tui.prices",
    "httpx",
    "numpy",
    "scipy",
)

DEFERRED_PROBE = """
import sys
import {module}
print(','.join(m for m in {deferred!r} if m in sys.modules))
"""


def _loaded_after(module: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", DEFERRED_PROBE.format(module=module, deferred=DEFERRED)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [m for m in result.stdout.strip().split(",") if m]


def test_app_start_up_defers_screens_palette_and_workers_imports() -> None:
    assert _loaded_after("rebalancer_tui.app") == []


def test_the_deferred_probe_can_fail() -> None:
    assert "rebalancer_tui.screens.compare" in _loaded_after("rebalancer_tui.screens.compare")


def test_screens_holds_only_screens() -> None:
    """Every module under screens/ is a screen's (state, files, prices: workspace/)."""
    import importlib
    import inspect
    import pkgutil

    from textual.screen import Screen

    import rebalancer_tui.screens as screens

    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"rebalancer_tui.screens.{info.name}")
        own = [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj) and obj.__module__ == module.__name__
        ]
        assert any(issubclass(c, Screen) for c in own), info.name
