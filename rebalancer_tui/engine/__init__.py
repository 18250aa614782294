"""The rebalancing engine (SPEC §4): pure Python + SciPy, no Textual.

    from rebalancer_tui.engine import RebalanceInput, Options, solve, solve_all
    plan = solve(inp, "tracking-error")

SciPy is imported only when a MILP strategy runs, so importing the engine is
cheap.
"""

from rebalancer_tui.engine.inputs import Options, RebalanceInput
from rebalancer_tui.engine.plan import HoldingRow, Metrics, Order, Plan, weights_table
from rebalancer_tui.engine.strategies import STRATEGIES, solve, solve_all

__all__ = [
    "STRATEGIES",
    "HoldingRow",
    "Metrics",
    "Options",
    "Order",
    "Plan",
    "RebalanceInput",
    "solve",
    "solve_all",
    "weights_table",
]
