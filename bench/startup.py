"""Start-up: time to the app's first frame versus a minimal Textual app, and
the import time of the engine. Every figure comes from fresh processes."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DRIVER = Path(__file__).with_name("startup_driver.py")
TIMEOUT_S = 60.0


@dataclass
class StartupResult:
    repeats: int
    app_s: float  # median seconds from process start to first frame
    minimal_s: float
    app_runs: list[float]
    minimal_runs: list[float]

    @property
    def ratio(self) -> float:
        return self.app_s / self.minimal_s


@dataclass
class ImportResult:
    repeats: int
    bare_s: float  # median `python -c pass`
    times_s: dict[str, float]  # module -> median `python -c "import m"` minus bare
    importtime_us: dict[str, int]  # module -> cumulative µs from `-X importtime`
    heavy_loaded: dict[str, list[str]]  # module -> heavy packages it pulled in


def isolated_env(tmp: Path) -> dict[str, str]:
    """Environment that keeps the app away from the user's real files and network."""
    env = dict(os.environ)
    # An installed app has its bytecode cached after the first start; a
    # sandbox that forbids writing .pyc files would make every start compile
    # the package's sources again, which no user pays.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        REBALANCER_CACHE_DIR=str(tmp / "cache"),
        REBALANCER_DATA_DIR=str(tmp / "data"),
        REBALANCER_MODELS=str(tmp / "models.json"),
        REBALANCER_PORTFOLIO=str(tmp / "portfolio.json"),
        REBALANCER_API_URL="http://127.0.0.1:9",  # never used: the app runs offline
    )
    return env


def _first_frame(kind: str, env: dict[str, str], tmp: Path) -> float:
    out = tmp / f"ready-{kind}.txt"
    out.unlink(missing_ok=True)
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, str(DRIVER), kind, str(out)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0 or not out.exists():
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"{kind} app did not start: {' | '.join(tail) or proc.returncode}")
    return float(out.read_text()) - t0


def run_startup(repeats: int = 7) -> StartupResult:
    app: list[float] = []
    minimal: list[float] = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        env = isolated_env(tmp)
        # One untimed run each fills the OS file cache (.pyc files, shared libraries).
        _first_frame("minimal", env, tmp)
        _first_frame("app", env, tmp)
        for _ in range(repeats):
            # Interleaved so background load on a shared machine hits both alike.
            minimal.append(_first_frame("minimal", env, tmp))
            app.append(_first_frame("app", env, tmp))
    return StartupResult(
        repeats=repeats,
        app_s=statistics.median(app),
        minimal_s=statistics.median(minimal),
        app_runs=app,
        minimal_runs=minimal,
    )


def _python_c(code: str, *flags: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *flags, "-c", code], capture_output=True, text=True, check=True
    )
    return time.perf_counter() - t0, proc.stdout + proc.stderr


HEAVY = ("textual", "scipy", "numpy", "httpx")


def _importtime_us(module: str) -> int:
    _, out = _python_c(f"import {module}", "-X", "importtime")
    for line in out.splitlines():
        # "import time: self [us] | cumulative | imported package"
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1])
    return -1


def run_imports(modules: tuple[str, ...], repeats: int = 7) -> ImportResult:
    bare: list[float] = []
    per: dict[str, list[float]] = {m: [] for m in modules}
    _python_c("pass")  # untimed: warm the file cache
    for _ in range(repeats):
        bare.append(_python_c("pass")[0])
        for m in modules:
            per[m].append(_python_c(f"import {m}")[0])
    bare_s = statistics.median(bare)
    loaded: dict[str, list[str]] = {}
    for m in modules:
        check = f"import sys, {m}; print(' '.join(h for h in {HEAVY!r} if h in sys.modules))"
        loaded[m] = _python_c(check)[1].split()
    return ImportResult(
        repeats=repeats,
        bare_s=bare_s,
        times_s={m: max(0.0, statistics.median(v) - bare_s) for m, v in per.items()},
        importtime_us={m: statistics.median(_importtime_us(m) for _ in range(3)) for m in modules},
        heavy_loaded=loaded,
    )
