"""Peak memory of the largest solve: Python allocations (tracemalloc, in this
process) and the peak resident set of a process that does only that solve."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from bench.portfolios import SCENARIOS, random_input
from rebalancer_tui.engine import STRATEGIES, solve

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter: imports first, so the "before" figure is the
# baseline the solve adds to. ru_maxrss is in KiB on Linux (bytes on macOS).
_CHILD = """
import json, resource, sys
sys.path.insert(0, {root!r})
import scipy.optimize, numpy
from bench.portfolios import SCENARIOS, random_input
from rebalancer_tui.engine import solve
inp = random_input({n}, 0, SCENARIOS[{scenario}])
scale = 1 if sys.platform == "darwin" else 1024
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
plan = solve(inp, "tracking-error")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
print(json.dumps({{"before": before, "after": after, "status": plan.status}}))
"""


@dataclass
class MemoryResult:
    n: int
    scenario: str
    traced_peak: dict[str, int]  # strategy -> peak bytes allocated by Python during solve
    rss_before: int  # bytes: peak RSS of the child after imports and building the input
    rss_after: int  # bytes: peak RSS of the child after the tracking-error solve
    child_status: str


def run_memory(n: int = 2000, scenario: int = 0) -> MemoryResult:
    inp = random_input(n, 0, SCENARIOS[scenario])
    peaks: dict[str, int] = {}
    for name in STRATEGIES:
        solve(inp, name)  # warm: lazy imports are not the solve's memory
        fresh = random_input(n, 0, SCENARIOS[scenario])
        tracemalloc.start()
        try:
            solve(fresh, name)
            peaks[name] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    code = _CHILD.format(root=str(ROOT), n=n, scenario=scenario)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    return MemoryResult(
        n=n,
        scenario=SCENARIOS[scenario].name,
        traced_peak=peaks,
        rss_before=child["before"],
        rss_after=child["after"],
        child_status=child["status"],
    )
