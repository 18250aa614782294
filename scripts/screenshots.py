"""Remake the README screenshots: docs/main.svg and docs/compare.svg.

The app takes them itself (`save_screenshot`) under `run_test`, offline, at a
fixed size, on built-in fallback prices and the seed-0 demo portfolio, so
running this again gives the same pictures unless the interface changed.

    .venv/bin/python scripts/screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from rebalancer_tui.app import RebalancerApp
from rebalancer_tui.screens.compare import CompareScreen

SIZE = (140, 60)  # tall enough for the drift and band bars under the tables


async def settle(app: RebalancerApp, pilot: object) -> None:
    for _ in range(50):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
        if not any(w.is_running for w in app.workers) and not app.main_screen.planning:
            return
    raise RuntimeError("the app did not settle")


async def shoot(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as cache_dir:
        # An empty cache: the pictures show the built-in prices, not this machine's;
        # and no saved settings: the default theme, whatever this user picked.
        os.environ["REBALANCER_CONFIG_DIR"] = cache_dir
        app = RebalancerApp(offline=True, cache_path=Path(cache_dir) / "prices.json")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("2")  # the tracking-error plan on the main view
            await settle(app, pilot)
            main = Path(app.save_screenshot("main.svg", str(out)))
            await pilot.press("c")
            await settle(app, pilot)
            assert isinstance(app.screen, CompareScreen)
            compare = Path(app.save_screenshot("compare.svg", str(out)))
    return [main, compare]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent.parent / "docs")
    args = parser.parse_args()
    for path in asyncio.run(shoot(args.out)):
        print(path)


if __name__ == "__main__":
    main()
