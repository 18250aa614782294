"""Child process of the start-up benchmark: start an app headless, note the time
of its first frame (`on_ready`) in a file, exit at once.

    python bench/startup_driver.py app|minimal RESULT_FILE

The parent notes `time.time()` just before starting this process, so the
difference covers interpreter start, imports, composing and the first frame.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def _record(path: Path) -> None:
    # A file, not stdout: Textual captures print(), and the engine may mute fd 1
    # while a solve runs in a worker thread.
    path.write_text(f"{time.time():.6f}\n")


def main() -> None:
    kind, out = sys.argv[1], Path(sys.argv[2])
    if kind == "minimal":
        from textual.app import App, ComposeResult
        from textual.widgets import DataTable

        class Minimal(App[None]):
            def compose(self) -> ComposeResult:
                yield DataTable()

            def on_mount(self) -> None:
                table = self.query_one(DataTable)
                table.add_columns("symbol", "shares")
                table.add_row("ESGV", "10")

            def on_ready(self) -> None:
                _record(out)
                self.exit()

        Minimal().run(headless=True, size=(120, 40))
    elif kind == "app":
        started = time.perf_counter()
        from rebalancer_tui.app import RebalancerApp

        class Timed(RebalancerApp):
            # Textual resolves a relative CSS_PATH next to the subclass's file.
            CSS_PATH = str(
                Path(sys.modules[RebalancerApp.__module__].__file__ or "").with_name(
                    str(RebalancerApp.CSS_PATH)
                )
            )

            def on_ready(self) -> None:
                super().on_ready()
                _record(out)
                self.exit()

        Timed(offline=True, started_at=started).run(headless=True, size=(120, 40))
    else:
        raise SystemExit(f"unknown kind {kind!r}: app or minimal")


if __name__ == "__main__":
    main()
