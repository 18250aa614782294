"""The ordered pipeline of exact methods, and the two-stage search over it.

The default order, cheapest and narrowest first:

1. fill               buy-only new cash spent to the cent (a Lagrangian proof)
2. enumeration        every combination of a small box
3. meet-in-the-middle two halves of a larger box
4. cents-dp           a knapsack DP over whole cents (no fees or cost rate)
5. highs              the MILP, on the box's bounds

Each stage (closest, then least traded within a cent of it) asks the methods
in this order; the first that settles it wins. Tests and benchmarks pass a
narrower `Pipeline` (e.g. `DEFAULT_PIPELINE.starting_at("cents-dp")`) to
force one method.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from rebalancer_tui.engine.errors import SolveFailed
from rebalancer_tui.engine.problem import RebalanceInput
from rebalancer_tui.engine.search.base import Method, Shares, Stage, Task, Trace
from rebalancer_tui.engine.search.cents_dp import CentsDP
from rebalancer_tui.engine.search.enumeration import Enumeration
from rebalancer_tui.engine.search.fill import Fill
from rebalancer_tui.engine.search.middle import MeetInTheMiddle
from rebalancer_tui.engine.search.milp import HiGHS
from rebalancer_tui.engine.view import FloatView


@dataclass(frozen=True)
class Pipeline:
    """Search methods in the order they are tried."""

    methods: tuple[Method, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.methods)

    def only(self, *names: str) -> Pipeline:
        """These methods, in pipeline order."""
        self._check(names)
        return Pipeline(tuple(m for m in self.methods if m.name in names))

    def without(self, *names: str) -> Pipeline:
        self._check(names)
        return Pipeline(tuple(m for m in self.methods if m.name not in names))

    def starting_at(self, name: str) -> Pipeline:
        """This method and every one after it (as if the earlier ones never applied)."""
        self._check([name])
        return Pipeline(self.methods[self.names.index(name) :])

    def applicable(self, inp: RebalanceInput) -> Pipeline:
        """The methods that honour the input's order rules (SPEC §9). None of
        them models lots, minimum orders or locks (the single-account HiGHS
        model included), so with any rule on this is empty and the strategies
        answer with the rule-aware household MILP (`engine.constrained`)."""
        if not inp.options.constrained:
            return self
        return Pipeline(tuple(m for m in self.methods if m.name in RULE_AWARE))

    def _check(self, names: Iterable[str]) -> None:
        unknown = [n for n in names if n not in self.names]
        if unknown:
            raise ValueError(f"no search method {unknown}; choose from {', '.join(self.names)}")

    def closest_then_least_traded(
        self,
        inp: RebalanceInput,
        view: FloatView,
        lo: np.ndarray,
        hi: np.ndarray,
        candidates: list[Shares],
        *,
        deadline: float,
        trace: Trace,
        order_cap: int | None = None,
    ) -> Shares:
        """Least deviation, then fewest dollars traded among plans within a cent
        of it. `candidates` are known feasible plans inside [lo, hi] (at least
        one) with at most `order_cap` orders. Raises SolveFailed if no method
        settles it."""
        task = Task(
            inp, view, lo, hi, Stage.CLOSEST, deadline,
            order_cap=order_cap, candidates=candidates, trace=trace,
        )  # fmt: skip
        for method in self.methods:
            found = method.closest(task)
            if found is None:
                continue
            trace.methods.append(method.name)
            if found.settled:
                return found.shares
            narrow_lo, narrow_hi = task.bounds
            tie = Task(
                inp, view, narrow_lo, narrow_hi, Stage.LEAST_TRADED, deadline,
                order_cap=order_cap, first=found.shares, dev_cap=found.dev_cap, trace=trace,
            )  # fmt: skip
            return self.least_traded(tie)
        raise SolveFailed(f"no search method settled it (tried {', '.join(self.names)})")

    def least_traded(self, task: Task) -> Shares:
        """The fewest dollars traded within the task's deviation cap; the
        proven-closest plan `task.first` if no method can prove better."""
        assert task.first is not None
        for method in self.methods:
            shares = method.least_traded(task)
            if shares is not None:
                task.trace.methods.append(method.name)
                return shares
        return task.first


# Methods that model the order rules (none yet: see `Pipeline.applicable`).
RULE_AWARE: frozenset[str] = frozenset()

DEFAULT_PIPELINE = Pipeline((Fill(), Enumeration(), MeetInTheMiddle(), CentsDP(), HiGHS()))
