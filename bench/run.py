"""Benchmark suite (issue 6): `make bench` / `python bench/run.py [--quick] [--out FILE]`.

1. Engine scaling on seeded random portfolios, with the LP relaxation as a quality bound.
2. Households (issue 11): 2-5 accounts x 12-50 ETFs against plain HiGHS and per-account simple.
   Order rules and band-edge (issue 12): band-edge at F = 0, 0.125, 1 against
   trade-minimization and tracking-error; solve times with a minimum order and lots.
   Tax lots (issue 13): solve time and share proven with taxes on, tax saved against
   the no-tax plan and by lot choice against FIFO.
3. Prices: concurrent versus sequential fetching against a local fake API, and the
   fetch of 1,000 and 2,000 assets against a bare client (the deadline holds).
4. Start-up: first frame versus a minimal Textual app; import times.
5. Peak memory of the 2,000-asset solve.

Writes a Markdown report (default bench/REPORT.md) and prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # The bench package and the fake API server (tests/fake_api.py) live in the repo.
    sys.path.insert(0, str(ROOT))

from bench.engine_bench import (  # noqa: E402
    CONTRIBUTION_SIZES,
    run_case,
    run_contribution,
    run_sweep,
    warm_up,
)
from bench.household_bench import FULL_RUN, QUICK_RUN, Seeded  # noqa: E402
from bench.machine import machine_facts  # noqa: E402
from bench.portfolios import SCENARIOS  # noqa: E402
from bench.report import Results, render  # noqa: E402
from rebalancer_tui.storage.atomic import write_text_atomically  # noqa: E402

DEFAULT_OUT = ROOT / "bench" / "REPORT.md"
IMPORT_MODULES = (
    "rebalancer_tui",
    "rebalancer_tui.engine",
    "rebalancer_tui.prices",
    "rebalancer_tui.app",
    "textual.app",
    "textual.widgets._data_table",
    "pydantic",
)


@dataclass
class Config:
    sizes: tuple[int, ...] = (12, 50, 200, 1000, 2000)
    repeats: int = 5
    case_budget_s: float = 3.0  # stop repeating a strategy once its runs took this long
    sweep_seeds: int = 4  # extra seeds (1..N) for the tracking-error optimality sweep
    prices_repeats: int = 3
    prices_many: tuple[int, ...] = (1000, 2000)  # assets per many-asset fetch row
    latency: float = 0.3
    startup_repeats: int = 7
    import_repeats: int = 7
    prices: bool = True
    startup: bool = True
    memory: bool = True
    memory_n: int = 2000
    # The seeded sections (None: not run): seeds per row, time limit per solve.
    households: Seeded | None = FULL_RUN
    household_plain: float = 10.0  # plain HiGHS on the same households
    rules: Seeded | None = FULL_RUN
    tax: Seeded | None = FULL_RUN
    log: list[str] = field(default_factory=list)


QUICK = Config(
    repeats=3,
    case_budget_s=0.5,
    sweep_seeds=0,
    prices_repeats=1,
    startup_repeats=3,
    import_repeats=3,
    households=QUICK_RUN,
    household_plain=2.0,
    rules=QUICK_RUN,
    tax=QUICK_RUN,
)


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def collect(cfg: Config, command: str) -> Results:
    t0 = time.perf_counter()
    _say("engine: warming up (imports numpy/SciPy)")
    warm_up()
    cases = []
    for n in cfg.sizes:
        for scenario in SCENARIOS:
            _say(f"engine: {n} assets, {scenario.name}")
            cases.append(run_case(n, scenario, cfg.repeats, cfg.case_budget_s))
    sweeps = []
    for n in cfg.sizes if cfg.sweep_seeds else ():
        _say(f"engine: optimality sweep, {n} assets, seeds 1-{cfg.sweep_seeds}")
        sweeps.append(run_sweep(n, range(1, cfg.sweep_seeds + 1)))
    contribution = []
    for n in CONTRIBUTION_SIZES:
        _say(f"engine: suggested contribution, {n} assets")
        contribution.append(run_contribution(n))
    results = Results(
        generated=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        command=command,
        machine=machine_facts(),
        repeats=cfg.repeats,
        case_budget_s=cfg.case_budget_s,
        cases=cases,
        sweeps=sweeps,
        sweep_seeds=cfg.sweep_seeds,
        contribution=contribution,
    )
    if cfg.households is not None:
        from bench.household_bench import run_households

        results.households = run_households(cfg.households, cfg.household_plain, say=_say)
    if cfg.rules is not None:
        from bench.rules_bench import run_rules

        results.rules = run_rules(cfg.rules, say=_say)
    if cfg.tax is not None:
        from bench.tax_bench import run_tax

        results.tax = run_tax(cfg.tax, say=_say)
    if cfg.prices:
        from bench.prices_bench import run_prices

        _say(f"prices: concurrent vs sequential; {', '.join(map(str, cfg.prices_many))} assets")
        results.prices = run_prices(cfg.latency, cfg.prices_repeats, cfg.prices_many)
    if cfg.startup:
        from bench.startup import run_imports, run_startup

        _say("start-up: first frame")
        results.startup = run_startup(cfg.startup_repeats)
        _say("start-up: import times")
        results.imports = run_imports(IMPORT_MODULES, cfg.import_repeats)
    if cfg.memory and cfg.memory_n:
        from bench.memory import run_memory

        _say(f"memory: {cfg.memory_n} assets")
        results.memory = run_memory(cfg.memory_n)
    _say(f"done in {time.perf_counter() - t0:.0f} s")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about a minute: fewer repeats")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report file (Markdown)")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else Config()
    command = "python bench/run.py" + (" --quick" if args.quick else "")
    if args.out != DEFAULT_OUT:
        command += f" --out {args.out}"
    report = render(collect(cfg, command))
    try:
        write_text_atomically(args.out, report)
    except OSError as exc:
        print(report)
        print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(report)
    _say(f"report written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
