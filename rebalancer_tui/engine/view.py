"""The problem as float arrays: the one view every search method works on.

Searches run in floats for speed; every answer they give is turned back into
whole shares and re-checked in exact decimals (`evaluate.infeasibility`) by
the caller, so float error can cost a search its answer, never a user money.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rebalancer_tui.engine.problem import RebalanceInput


@dataclass
class FloatView:
    """Per-asset arrays in `symbols` order (model symbols, then outside ones).

    `lo`/`hi` are the hard bounds on final shares (buy-only, outside the
    model, and never more than the budget buys); `budget` is V - R.
    """

    symbols: list[str]
    p: np.ndarray
    h: np.ndarray
    target: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    budget: float
    fee: float
    rate: float

    @classmethod
    def of(cls, inp: RebalanceInput) -> FloatView:
        syms = inp.symbols
        budget = inp.investable
        lo, hi = [], []
        for s in syms:
            a, b = inp.share_bounds(s)
            lo.append(a)
            # Holding more than the budget buys is never feasible.
            hi.append(b if b is not None else max(a, math.floor(budget / inp.prices[s])))
        return cls(
            symbols=syms,
            p=np.array([float(inp.prices[s]) for s in syms]),
            h=np.array([float(inp.held(s)) for s in syms]),
            target=np.array([float(inp.target_dollars(s)) for s in syms]),
            lo=np.array(lo, dtype=float),
            hi=np.array(hi, dtype=float),
            budget=float(budget),
            fee=float(inp.options.fee),
            rate=float(inp.options.cost_rate),
        )

    def dev(self, i: int | np.ndarray, v: np.ndarray) -> np.ndarray:
        """|p x - T| of asset(s) i at share counts v."""
        return np.asarray(np.abs(self.p[i] * v - self.target[i]))

    def spend(self, i: int | np.ndarray, v: np.ndarray) -> np.ndarray:
        """What holding v shares of asset(s) i takes from the budget, costs included."""
        moved = v - self.h[i]
        spent = self.p[i] * v + self.rate * self.p[i] * np.abs(moved) + self.fee * (moved != 0)
        return np.asarray(spent)

    def traded(self, i: int | np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.asarray(self.p[i] * np.abs(v - self.h[i]))

    def budget_slack(self) -> float:
        """Float tolerance on the budget; the decimal check has the last word."""
        return 1e-9 * max(self.budget, 1.0)

    def to_shares(self, xs: np.ndarray) -> dict[str, int]:
        return {s: round(v) for s, v in zip(self.symbols, xs[: len(self.symbols)], strict=True)}
