"""The engine and the price service must import without Textual (and without SciPy)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Which of the watched modules importing {module} loads (a package is in sys.modules
# as soon as any of its submodules is).
PROBE = """
import sys
import {module}
print(','.join(m for m in {watched!r} if m in sys.modules))
"""

NO_UI = ("textual", "scipy")
# The rules are imported by every file reader and field: not even pydantic or numpy.
CHEAP = ("pydantic", "textual", "scipy", "numpy")
# Reading and writing the user's files needs neither the UI nor the price service.
FILES = ("textual", "scipy", "httpx")


def loaded_after(module: str, watched: tuple[str, ...]) -> list[str]:
    """The watched modules that importing `module` (in a fresh interpreter) loads."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module, watched=watched)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [m for m in result.stdout.strip().split(",") if m]


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("rebalancer_tui", NO_UI),
        ("rebalancer_tui.engine", NO_UI),
        ("rebalancer_tui.prices", NO_UI),
        ("rebalancer_tui.workspace", NO_UI),
        ("rebalancer_tui.rules", CHEAP),
        ("rebalancer_tui.storage.portfolio_file", FILES),
        ("rebalancer_tui.storage.user_models", FILES),
        ("rebalancer_tui.storage.csv_files", FILES),
    ],
)
def test_headless_modules_import_without_textual(module: str, forbidden: tuple[str, ...]) -> None:
    pulled = loaded_after(module, forbidden)
    assert pulled == [], f"{module} pulled in {pulled}"


def test_the_probe_can_fail() -> None:
    # The app module does import Textual: the probe must notice it.
    pulled = loaded_after("rebalancer_tui.app", NO_UI)
    assert "textual" in pulled
    assert "scipy" not in pulled  # scipy stays out of the app's start-up too


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


def test_app_start_up_defers_screens_palette_and_workers_imports() -> None:
    assert loaded_after("rebalancer_tui.app", DEFERRED) == []


def test_the_deferred_probe_can_fail() -> None:
    assert "rebalancer_tui.screens.compare" in loaded_after(
        "rebalancer_tui.screens.compare", DEFERRED
    )


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
