"""The tax-lots bench (issue 13) runs end to end on one small case (no timing asserts)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.household_bench import QUICK_RUN  # noqa: E402
from bench.tax_bench import render_tax, run_tax, tax_case  # noqa: E402


def test_tax_cases_are_seeded_with_lots_on_the_taxable_account() -> None:
    a, b = tax_case(1, 2, 12, 1.0), tax_case(1, 2, 12, 1.0)
    assert a == b
    assert a.accounts[0].kind == "taxable" and a.accounts[0].lots
    assert a.accounts[1].kind != "taxable" and not a.accounts[1].lots
    for lot_count in (sum(1 for lot in a.accounts[0].lots if lot.symbol == s)
                      for s in a.accounts[0].holdings):  # fmt: skip
        assert 1 <= lot_count <= 20


def test_tax_bench_runs_and_reports() -> None:
    result = run_tax(QUICK_RUN, cases=(("1 x 12", 1, 12),), many_lots=300)
    row, many = result.rows
    assert many.lots == [301] and list(many.ms) == ["tracking-error, rules"]
    # Least-tax lots never owe more than FIFO on the same sales.
    assert row.least_tax[0] <= row.fifo_tax[0] + 1e-9
    text = "\n".join(render_tax(result))
    assert "| 1 x 12 |" in text and "saved by lot choice" in text
    assert "| 1 x 2, 300 one-share lots | 301 |" in text
