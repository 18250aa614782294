"""A seeded demo portfolio: the model's weights drifted, about $50,000."""

from __future__ import annotations

import math
import random
from decimal import Decimal

from rebalancer_tui import rules

DEMO_VALUE = Decimal(50_000)
# The --demo-seed flag: any whole number a person would type, bounded like every other.
DEMO_SEED = rules.Quantity("demo seed", "x", Decimal(0), Decimal(10) ** 9, 0)


def demo_holdings(
    targets: dict[str, Decimal],
    prices: dict[str, Decimal],
    seed: int = 0,
    value: Decimal = DEMO_VALUE,
) -> dict[str, int]:
    """Whole shares close to `value` whose weights drift from `targets` the way a
    year of uneven returns would (log-normal, about ±30% relative). No holding
    exceeds the share bound (rules.SHARES): at a price of $0.000001 the demo's
    dollars would buy more, and a bound error would then name shares nobody typed."""
    rng = random.Random(seed)
    drifted = {s: float(w) * math.exp(rng.gauss(0.0, 0.3)) for s, w in targets.items()}
    total = sum(drifted.values()) or 1.0
    most = int(rules.SHARES.maximum)
    return {
        s: min(most, max(0, int(float(value) * d / total / float(prices[s]))))
        for s, d in drifted.items()
    }
