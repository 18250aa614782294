"""What every search method receives and returns.

A `Task` is one stage of the tracking-error objective over share bounds
[lo, hi]: either CLOSEST (least deviation, then fewest dollars traded among
plans within a cent of it) or LEAST_TRADED (fewest dollars traded among plans
with deviation <= `dev_cap`, given a proven-closest plan `first`). A method
either settles the task or returns None, and the pipeline asks the next one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from functools import cached_property
from typing import Protocol

import numpy as np

from rebalancer_tui.engine.attempt import Trace as Trace
from rebalancer_tui.engine.evaluate import deviation, infeasibility, order_count
from rebalancer_tui.engine.problem import RebalanceInput
from rebalancer_tui.engine.search.box import Box, deviation_box
from rebalancer_tui.engine.search.greedy import greedy_plan
from rebalancer_tui.engine.view import FloatView

# "Optimal" means within a cent of the true optimum; the solver is asked for a
# tenth of that so the stage that follows has room for float noise.
DOLLAR_TOLERANCE = 0.01
DOLLAR_TOLERANCE_DEC = Decimal("0.01")
SOLVER_ABS_GAP = 0.001

Shares = dict[str, int]


class Stage(Enum):
    CLOSEST = "closest"
    LEAST_TRADED = "least traded"


@dataclass
class Found:
    """A method's answer. `settled`: the tie-break is done too. Otherwise the
    plan is proven closest and the pipeline still looks, among plans with
    deviation <= `dev_cap`, for the one that trades the fewest dollars."""

    shares: Shares
    settled: bool = True
    dev_cap: float = 0.0


@dataclass(eq=False)
class Task:
    inp: RebalanceInput
    view: FloatView
    lo: np.ndarray
    hi: np.ndarray
    stage: Stage
    deadline: float  # time.monotonic() by which every search must stop
    order_cap: int | None = None
    candidates: list[Shares] = field(default_factory=list)  # known feasible plans (CLOSEST)
    first: Shares | None = None  # the proven-closest plan (LEAST_TRADED)
    dev_cap: float = 0.0  # deviation ceiling (LEAST_TRADED)
    trace: Trace = field(default_factory=Trace)

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()

    @cached_property
    def incumbent(self) -> tuple[Shares, float]:
        """The best known feasible plan (the candidates and a greedy one) and
        its deviation: an upper bound on the optimum."""
        inp, view = self.inp, self.view
        candidates = list(self.candidates)
        greedy = greedy_plan(view, self.lo, self.hi, self.deadline)
        greedy_shares = None if greedy is None else view.to_shares(greedy)
        if greedy_shares is not None:
            candidates.append(greedy_shares)
        cap = self.order_cap
        feasible = []
        for x in candidates:
            if infeasibility(inp, x) is not None:
                continue
            if x is greedy_shares:
                self.trace.known.append(x)
            if cap is None or order_count(inp, x) <= cap:
                feasible.append(x)
        best = min(feasible, key=lambda x: deviation(inp, x))
        return best, float(deviation(inp, best))

    @cached_property
    def box(self) -> Box | None:
        """Share counts any plan that matters can use (None: too wide to list)."""
        if self.stage is Stage.CLOSEST:
            ceiling = self.incumbent[1] + DOLLAR_TOLERANCE
        else:
            ceiling = self.dev_cap
        return deviation_box(self.view, self.lo, self.hi, ceiling)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """[lo, hi] narrowed to the box when there is one."""
        box = self.box
        return (box.lo, box.hi) if box is not None else (self.lo, self.hi)

    def first_feasible(self, ranked: list[np.ndarray]) -> Shares | None:
        """The first of `ranked` float plans that passes the exact decimal check."""
        for xs in ranked:
            shares = self.view.to_shares(xs)
            if infeasibility(self.inp, shares) is None:
                return shares
        return None


class Method(Protocol):
    """One exact search. `closest` and `least_traded` settle a task of that
    stage or return None (not applicable, too big, or no exact answer)."""

    @property
    def name(self) -> str: ...

    def closest(self, task: Task) -> Found | None: ...

    def least_traded(self, task: Task) -> Shares | None: ...
