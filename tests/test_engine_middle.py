"""Meeting in the middle against plain enumeration, on boxes built to tie.

Whole-dollar prices and near-whole targets make many plans equally close or
within a cent, so the tie-break (fewest dollars traded) and the budget edge are
exercised far more often than on realistic prices.
"""

from __future__ import annotations

import numpy as np
import pytest

from rebalancer_tui.engine.exact import Box, Costs, enumerate_best, meet_in_the_middle


def _case(seed: int) -> tuple[Costs, Box]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    p = rng.integers(1, 6, n).astype(float)
    h = rng.integers(0, 6, n).astype(float)
    budget = float(p @ h + rng.integers(0, 8))
    # Targets a few tenths of a cent apart: plans within $0.01 but not equal.
    target = rng.integers(0, 20, n) + rng.integers(0, 4, n) * 0.003
    values = []
    for i in range(n):
        lo = max(0, int(h[i]) - int(rng.integers(0, 3)))
        values.append(np.arange(lo, lo + int(rng.integers(1, 5)), dtype=float))
    costs = Costs(p=p, h=h, target=target, budget=budget, fee=0.0, rate=0.0)
    return costs, Box(values)


def _key(c: Costs, x: np.ndarray) -> tuple[float, float]:
    idx = np.arange(len(x))
    return float(c.dev(idx, x).sum()), float(c.traded(idx, x).sum())


@pytest.mark.parametrize("seed", range(300))
def test_same_best_plan_as_enumeration(seed: int) -> None:
    c, box = _case(seed)
    enumerated = enumerate_best(c, box, 0.01)
    met = meet_in_the_middle(c, box, 0.01)
    assert met is not None  # these boxes are tiny
    if not enumerated:
        assert met == []
        return
    best, got = enumerated[0], met[0]
    assert float(c.spend(np.arange(len(got)), got).sum()) <= c.budget + 1e-9
    assert _key(c, got) == _key(c, best), (got, best)
