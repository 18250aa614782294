"""Exact search methods, one module each, and the pipeline that orders them.

Importing this package imports numpy (not SciPy: only `engine.highs` does,
inside its solve).
"""

from rebalancer_tui.engine.search.base import Found, Method, Stage, Task, Trace
from rebalancer_tui.engine.search.cents_dp import CentsDP
from rebalancer_tui.engine.search.enumeration import Enumeration
from rebalancer_tui.engine.search.fill import Fill
from rebalancer_tui.engine.search.middle import MeetInTheMiddle
from rebalancer_tui.engine.search.milp import HiGHS
from rebalancer_tui.engine.search.pipeline import DEFAULT_PIPELINE, Pipeline

__all__ = [
    "DEFAULT_PIPELINE",
    "CentsDP",
    "Enumeration",
    "Fill",
    "Found",
    "HiGHS",
    "MeetInTheMiddle",
    "Method",
    "Pipeline",
    "Stage",
    "Task",
    "Trace",
]
