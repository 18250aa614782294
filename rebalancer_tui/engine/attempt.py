"""One solve in progress: its input, its search pipeline, its deadline, its trace.

Kept free of numpy so that the strategy table (and `import rebalancer_tui.engine`)
stays cheap; the search package is imported only when a search runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rebalancer_tui.engine.plan import StatusKind
from rebalancer_tui.engine.problem import RebalanceInput

if TYPE_CHECKING:
    from rebalancer_tui.engine.search.pipeline import Pipeline


@dataclass
class Trace:
    """What ran in one solve: the methods that settled a stage, in order, and
    how many HiGHS models were solved (diagnostics for tests and benchmarks);
    and the feasible plans met on the way (the greedy incumbent), which the
    strategy's answer must not be worse than."""

    methods: list[str] = field(default_factory=list)
    highs_calls: int = 0
    known: list[dict[str, int]] = field(default_factory=list)


@dataclass
class Attempt:
    inp: RebalanceInput
    deadline: float  # time.monotonic() by which the solve must answer
    pipeline: Pipeline | None = None  # None: the default pipeline
    trace: Trace = field(default_factory=Trace)

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()

    def search(self) -> Pipeline:
        """The methods that apply to this input (its order rules may rule some out)."""
        if self.pipeline is None:
            from rebalancer_tui.engine.search.pipeline import DEFAULT_PIPELINE

            return DEFAULT_PIPELINE.applicable(self.inp)
        return self.pipeline.applicable(self.inp)


@dataclass
class Outcome:
    """A strategy's answer: final shares and what its status may claim."""

    shares: dict[str, int]
    kind: StatusKind = StatusKind.OPTIMAL
    message: str = ""
