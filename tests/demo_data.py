"""Inputs the tests share: the built-in catalog as they read it, and hand-sized
cases (a helper module, not a test module).

The catalog is loaded once here so every test module compares with the same figures.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from rebalancer_tui.data import load_catalog
from rebalancer_tui.engine import Options, RebalanceInput

CATALOG = load_catalog()
# The catalog's own prices: what an offline app plans with.
FALLBACK: dict[str, Decimal] = {a.symbol: a.price for a in CATALOG.assets if a.price is not None}
# Risky Norris, the fund the app opens on.
NORRIS = CATALOG.models[0]
assert NORRIS.id == "risky-norris"
# The user's own holdings in the portfolio file app tests start from (fixture `mine`).
HELD = {"ESGV": 10, "BND": 5}


def half_and_half(
    holdings: dict[str, int], prices: dict[str, int | str], cash: int | str = 0, **options: Any
) -> RebalanceInput:
    """A hand-sized case: two symbols held at these prices, each targeted at 50 %."""
    return RebalanceInput(
        holdings=holdings,
        prices={s: Decimal(p) for s, p in prices.items()},
        targets=dict.fromkeys(prices, Decimal("0.5")),
        cash=Decimal(cash),
        options=Options(**options),
    )


def user_model(
    id: str, weights: dict[str, float], *assets: dict[str, Any], label: str | None = None
) -> dict[str, Any]:
    """One model as the user's models file holds it (fixture `user_models`): its
    weights and the assets it declares; the label is the id unless given."""
    return {"id": id, "label": label or id, "weights": weights, "assets": list(assets)}


def broker_fixtures() -> dict[str, dict[str, Any]]:
    """What each broker fixture holds, per file name, as written by hand in
    tests/data/broker_fixtures.toml (its header says what each key means)."""
    path = Path(__file__).parent / "data" / "broker_fixtures.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))
