"""HiGHS with an answer at the time limit: the incumbent and the proven bound.

`highs.Model.solve` insists on a proof; the household search also wants the
best plan found and the dual bound when time runs out, to report an honest
`bounded: gap $X`. (To be merged into `highs` once that module is free.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from rebalancer_tui.engine.highs import _INFEASIBLE, _SOLVE_ERROR, Model, _quiet_stdout


@dataclass
class MilpResult:
    x: np.ndarray | None  # None: no feasible point found in time
    objective: float
    bound: float  # proven lower bound on the objective (-inf if none)
    infeasible: bool = False


def solve_milp(
    model: Model, objective: np.ndarray, time_limit: float, abs_gap: float, scale: float
) -> MilpResult:
    """Minimise `objective` over `model` within `time_limit` seconds."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    n = len(model.c)
    a = csr_array((model.vals, (model.rows, model.cols)), shape=(len(model.row_lb), n))
    rel_gap = min(1e-4, abs_gap / max(scale, 1.0))
    started = time.monotonic()
    for presolve in (True, False):
        with _quiet_stdout():
            res = milp(
                objective,
                integrality=np.array(model.integrality),
                bounds=Bounds(np.array(model.lb), np.array(model.ub)),
                constraints=LinearConstraint(a, np.array(model.row_lb), np.array(model.row_ub)),
                options={"time_limit": time_limit, "mip_rel_gap": rel_gap, "presolve": presolve},
            )
        # See highs.Model.solve: a spurious "solve error" after presolve.
        time_limit = max(0.1, time_limit - (time.monotonic() - started))
        if res.status != _SOLVE_ERROR:
            break
    if res.status == _INFEASIBLE:
        return MilpResult(None, float("inf"), float("inf"), infeasible=True)
    bound = getattr(res, "mip_dual_bound", None)
    if bound is None or not np.isfinite(bound):
        bound = -float("inf") if res.x is None else (res.fun if res.status == 0 else -float("inf"))
    if res.x is None:
        return MilpResult(None, float("inf"), float(bound))
    return MilpResult(np.asarray(res.x), float(res.fun), float(bound))
