"""Seeded random rebalancing problems for the engine benchmark.

Each problem looks like a real account that drifted: prices in whole cents
between $5 and $500, target weights that sum to exactly 1, and holdings whose
weights wandered from the targets the way a year of uneven returns would. The
value grows with the number of assets (at least ~$2,000 an asset) so whole
shares still matter: many targets are worth only a few shares.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import Decimal

from rebalancer_tui.engine import Options, RebalanceInput

# Weights are drawn to this many decimals, so they sum to 1 exactly.
WEIGHT_PLACES = 9
BASE_VALUE = 50_000
VALUE_PER_ASSET = 2_000


@dataclass(frozen=True)
class Scenario:
    name: str
    cash_fraction: float  # extra cash as a fraction of the holdings' value
    buy_only: bool = False


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("no cash", 0.0),
    Scenario("+10% cash", 0.10),
    # Buy-only makes the continuous bound bite: overweight assets cannot be sold.
    Scenario("+10% cash, buy-only", 0.10, buy_only=True),
)


def portfolio_value(n: int) -> int:
    return max(BASE_VALUE, VALUE_PER_ASSET * n)


def random_weights(rng: random.Random, n: int) -> list[Decimal]:
    """Uneven weights (log-normal sizes), each at least one unit, sum exactly 1."""
    units = 10**WEIGHT_PLACES
    raw = [math.exp(rng.gauss(0.0, 0.8)) for _ in range(n)]
    total = sum(raw)
    ints = [max(1, int(units * r / total)) for r in raw]
    # The rounding remainder goes to the largest weight, keeping every weight > 0.
    biggest = max(range(n), key=ints.__getitem__)
    ints[biggest] += units - sum(ints)
    scale = Decimal(units)
    return [Decimal(i) / scale for i in ints]


def random_input(n: int, seed: int, scenario: Scenario) -> RebalanceInput:
    """A drifted n-asset portfolio; the same (n, seed) gives the same holdings
    in every scenario, only the cash and options differ."""
    rng = random.Random(f"{n}-{seed}")
    symbols = [f"A{i:04d}" for i in range(n)]
    prices = {s: Decimal(rng.randint(500, 50_000)) / 100 for s in symbols}
    targets = dict(zip(symbols, random_weights(rng, n), strict=True))
    value = portfolio_value(n)
    drifted = {s: float(w) * math.exp(rng.gauss(0.0, 0.3)) for s, w in targets.items()}
    total = sum(drifted.values())
    holdings = {s: int(value * d / total / float(prices[s])) for s, d in drifted.items()}
    held_value = sum(prices[s] * h for s, h in holdings.items())
    cash = (held_value * Decimal(str(scenario.cash_fraction))).quantize(Decimal("0.01"))
    return RebalanceInput(
        holdings=holdings,
        prices=prices,
        targets=targets,
        cash=cash,
        options=Options(buy_only=scenario.buy_only),
    )
