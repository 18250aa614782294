"""The benchmark script works: a tiny configuration end to end, no timing asserts."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo_data import half_and_half  # noqa: E402

from bench import run  # noqa: E402
from bench.bounds import lp_deviation, rounding_floor  # noqa: E402
from bench.portfolios import SCENARIOS, random_input  # noqa: E402
from bench.report import render  # noqa: E402
from rebalancer_tui.engine import Options  # noqa: E402


def test_random_portfolios_are_seeded_valid_and_drifted() -> None:
    a = random_input(50, 3, SCENARIOS[1])
    b = random_input(50, 3, SCENARIOS[1])
    assert a == b
    assert sum(a.targets.values()) == Decimal(1)
    assert all(Decimal(5) <= p <= Decimal(500) for p in a.prices.values())
    assert all(p == p.quantize(Decimal("0.01")) for p in a.prices.values())
    assert a.cash > 0 and random_input(50, 3, SCENARIOS[0]).cash == 0
    weights = {s: a.prices[s] * n / (a.total_value - a.cash) for s, n in a.holdings.items()}
    assert any(abs(weights[s] - w) > w / 10 for s, w in a.targets.items())


def test_bounds_against_a_hand_solved_case() -> None:
    # Two assets, $1,000 invested, 50/50. Buy-only: A is overweight at $700 and cannot
    # be sold, so with fractional shares B reaches $300 and the deviation is 200 + 200.
    inp = half_and_half({"A": 7, "B": 0}, {"A": 100, "B": 30}, cash=300, buy_only=True)
    assert abs(lp_deviation(inp) - 400.0) < 1e-6
    # Whole shares on their own: A can only stay at 7 (|700-500|), B at 17 (|510-500|).
    assert rounding_floor(inp) == Decimal(210)
    free = inp.model_copy(update={"options": Options()})
    assert lp_deviation(free) < 1e-6


def test_tiny_run_writes_a_report(tmp_path: Path) -> None:
    # The engine tables alone, on one size: every other section of the report is off.
    cfg = run.Config(
        sizes=(12,), repeats=1, case_budget_s=0.0, sweep_seeds=1,
        prices=False, startup=False, memory=False, households=None, rules=None, tax=None,
    )  # fmt: skip
    results = run.collect(cfg, "pytest")
    text = render(results)
    assert "## Targets" in text and "## 1. Engine scaling" in text
    assert "| 12 | +10% cash | tracking-error |" in text
    assert text.count("not run") >= 3  # prices, start-up, 2,000 assets
    assert any(c.strategies for c in results.cases)
    for case in results.cases:
        for s in case.strategies:
            assert s.deviation >= max(case.lp_bound, case.floor) - 0.01
    out = tmp_path / "r.md"
    # main() end to end would run everything; check the writer path on a tiny report.
    run.write_text_atomically(out, text)
    assert out.read_text() == text


def test_household_bench_runs_and_reports() -> None:
    from bench.household_bench import (
        QUICK_RUN,
        household_targets,
        render_households,
        run_households,
    )

    result = run_households(QUICK_RUN, 0.0, shapes=((2, 12),), variants=(("1", True),))
    (row,) = result.rows
    assert row.plain_ms == []  # plain HiGHS skipped at limit 0
    text = "\n".join(render_households(result))
    assert "| 2 x 12 | $1 | yes |" in text
    # The household tracking-error plan is never farther than the per-account baseline.
    assert row.dev["tracking-error"][0] <= row.dev["simple"][0] + 0.01
    assert household_targets(result)[0][0].startswith("Households: tracking-error")


def test_rules_bench_runs_and_reports() -> None:
    from bench.household_bench import QUICK_RUN
    from bench.rules_bench import DESTINATIONS, render_rules, run_rules

    result = run_rules(QUICK_RUN, cases=(("1 x 12", 1, 12),))
    (edge,) = result.band_edge
    assert set(edge.by) == {
        "tracking-error", "trade-minimization", *(f"band-edge F={f}" for f in DESTINATIONS)
    }  # fmt: skip
    # Band-edge trades no more than trade-minimization's answer when both fit
    # the band (that plan is in band-edge's F = 0 feasible set).
    be, tm = edge.by["band-edge F=0"], edge.by["trade-minimization"]
    if not be[0].fallback and not tm[0].fallback and be[0].proven:
        assert be[0].turnover <= tm[0].turnover + 0.01
    text = "\n".join(render_rules(result))
    assert "| 1 x 12 | band-edge F=0.125 |" in text and "| 1 x 12 | simple |" in text
