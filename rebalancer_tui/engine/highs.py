"""HiGHS through `scipy.optimize.milp`: the only module that imports SciPy.

SciPy costs ~0.3 s to import and the exact searches rarely need it, so it is
imported inside `Model.solve`, never at module level.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rebalancer_tui.engine.errors import Infeasible, SolveFailed

# HiGHS status codes as scipy reports them.
_OPTIMAL, _LIMIT, _INFEASIBLE, _UNBOUNDED, _SOLVE_ERROR = 0, 1, 2, 3, 4
# Models with more tax-lot columns than this are solved without HiGHS's
# presolve and sub-MIP heuristics (`_run`).
PRESOLVE_MAX_LOT_COLUMNS = 1000
_LARGE_MODEL_OPTIONS: dict[str, bool] = {
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_root_reduced_cost": False,
}


@dataclass
class Model:
    """Arrays of one MILP under construction (columns, then sparse rows)."""

    c: list[float] = field(default_factory=list)
    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integrality: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    row_lb: list[float] = field(default_factory=list)
    row_ub: list[float] = field(default_factory=list)
    # How many columns are tax-lot sales (they decide how HiGHS is run).
    lot_columns: int = 0

    def copy(self) -> Model:
        lists = {k: list(v) for k, v in vars(self).items() if isinstance(v, list)}
        return Model(**lists, lot_columns=self.lot_columns)

    def add_vars(self, lb: np.ndarray, ub: np.ndarray, integer: bool) -> np.ndarray:
        start = len(self.c)
        n = len(lb)
        self.c.extend([0.0] * n)
        self.lb.extend(lb.tolist())
        self.ub.extend(ub.tolist())
        self.integrality.extend([1 if integer else 0] * n)
        return np.arange(start, start + n)

    def add_row(self, cols: np.ndarray, vals: np.ndarray, lo: float, hi: float) -> None:
        r = len(self.row_lb)
        self.rows.extend([r] * len(cols))
        self.cols.extend(np.asarray(cols).tolist())
        self.vals.extend(np.asarray(vals, dtype=float).tolist())
        self.row_lb.append(lo)
        self.row_ub.append(hi)

    def add_rows(
        self, blocks: list[tuple[np.ndarray, np.ndarray | float]], lo: np.ndarray, hi: np.ndarray
    ) -> None:
        """One row per asset: row k = sum over blocks of vals[k] * x[cols[k]]."""
        k = len(lo)
        first = len(self.row_lb)
        row_idx = np.arange(first, first + k)
        for cols, vals in blocks:
            self.rows.extend(row_idx.tolist())
            self.cols.extend(np.asarray(cols).tolist())
            self.vals.extend(np.broadcast_to(np.asarray(vals, dtype=float), (k,)).tolist())
        self.row_lb.extend(np.asarray(lo, dtype=float).tolist())
        self.row_ub.extend(np.asarray(hi, dtype=float).tolist())

    def solve(
        self, objective: np.ndarray, time_limit: float, abs_gap: float, objective_scale: float
    ) -> tuple[np.ndarray, float, float]:
        """Minimise; returns (x, objective, proven lower bound) or raises SolveFailed
        (Infeasible when HiGHS proves there is no solution)."""
        res = self._run(objective, time_limit, abs_gap, objective_scale)
        if res.status == _INFEASIBLE:
            raise Infeasible("no whole-share plan satisfies the constraints")
        if res.x is None:
            raise SolveFailed(_reason(res))
        bound = res.mip_dual_bound if res.mip_dual_bound is not None else res.fun
        # At the time limit the incumbent still counts if the dual bound
        # already proves it within the gap: that is all "optimal" means here.
        if res.status not in (_OPTIMAL, _LIMIT) or res.fun - bound > abs_gap + 1e-9 * abs(res.fun):
            raise SolveFailed(f"not proven optimal ({_reason(res)}; gap {res.fun - bound:.4f})")
        return np.asarray(res.x), float(res.fun), float(bound)

    def solve_any(
        self, objective: np.ndarray, time_limit: float, abs_gap: float, objective_scale: float
    ) -> MilpResult:
        """Minimise, and say what was found and proven even at the time limit
        (the household search reports `bounded: gap $X` from it)."""
        res = self._run(objective, time_limit, abs_gap, objective_scale)
        if res.status == _INFEASIBLE:
            return MilpResult(None, float("inf"), float("inf"), infeasible=True)
        bound = getattr(res, "mip_dual_bound", None)
        if bound is None or not np.isfinite(bound):
            bound = res.fun if res.x is not None and res.status == _OPTIMAL else -float("inf")
        if res.x is None:
            return MilpResult(None, float("inf"), float(bound))
        return MilpResult(np.asarray(res.x), float(res.fun), float(bound))

    def _run(
        self, objective: np.ndarray, time_limit: float, abs_gap: float, objective_scale: float
    ) -> Any:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_array

        n = len(self.c)
        a = csr_array((self.vals, (self.rows, self.cols)), shape=(len(self.row_lb), n))
        # scipy exposes only a relative gap; derive it from the absolute gap we
        # need and an upper bound on the objective, so the proof is in dollars.
        rel_gap = min(1e-4, abs_gap / max(objective_scale, 1.0))
        started = time.monotonic()
        # HiGHS's presolve does not watch the clock, nor do its sub-MIP
        # heuristics (which presolve their sub-MIP): on thousands of tax-lot
        # columns a 2 s limit ran for 10-20 s. Such models are solved without
        # both (the retry below would be the same run). Other large models
        # (2,000 assets) keep presolve: without it they solve 2-3x slower.
        large = self.lot_columns > PRESOLVE_MAX_LOT_COLUMNS
        tries = (False,) if large else (True, False)
        extra = _LARGE_MODEL_OPTIONS if large else {}
        for presolve in tries:
            with _quiet_stdout(), warnings.catch_warnings():
                # scipy passes options it does not list to HiGHS, with a warning.
                warnings.simplefilter("ignore", RuntimeWarning)
                res = milp(
                    objective,
                    integrality=np.array(self.integrality),
                    bounds=Bounds(np.array(self.lb), np.array(self.ub)),
                    constraints=LinearConstraint(a, np.array(self.row_lb), np.array(self.row_ub)),
                    options={
                        "time_limit": time_limit,
                        "mip_rel_gap": rel_gap,
                        "presolve": presolve,
                        **extra,
                    },
                )
            # HiGHS 1.x (SciPy 1.17) sometimes ends in "solve error" after its
            # presolve on small, well-posed models; the same model solves
            # without presolve, so retry once that way within the time left.
            time_limit = max(0.1, time_limit - (time.monotonic() - started))
            if res.status != _SOLVE_ERROR:
                break
        return res


@dataclass
class MilpResult:
    """What HiGHS found: x (None if no feasible point in time), its objective,
    and the proven lower bound (-inf if none)."""

    x: np.ndarray | None
    objective: float
    bound: float
    infeasible: bool = False


_STDOUT_LOCK = threading.Lock()


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 while HiGHS runs.

    The HiGHS build in SciPy printf()s debug lines (e.g. from
    transformNewIntegerFeasibleSolution) even with logging off; they would
    corrupt `plan --json` output and the terminal under the app (Textual
    draws on stderr, so fd 1 is free to mute). The lock serialises solves so
    two threads never interleave the redirection.
    """
    with _STDOUT_LOCK:
        sys.stdout.flush()
        try:
            saved = os.dup(1)
        except OSError:  # no fd 1 at all: nothing to protect
            yield
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)


def _reason(res: object) -> str:
    status = getattr(res, "status", None)
    if status == _LIMIT:
        return "time limit reached"
    return str(getattr(res, "message", "solver failure")).strip().rstrip(".").lower()
