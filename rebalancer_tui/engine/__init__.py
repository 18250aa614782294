"""The rebalancing engine (SPEC §4): pure Python + numpy/SciPy, no Textual.

    from rebalancer_tui.engine import RebalanceInput, Options, solve, solve_all
    plan = solve(inp, "tracking-error")

Modules: `problem` (inputs, options), `evaluate` (exact figures of a plan),
`plan` (orders with their reasons, skipped trades, metrics, status),
`strategies` (one record per strategy, the fallback chain), `simple`,
`tracking` (the two search strategies' fast paths), `constrained` (the order
rules of SPEC §9 and band-edge, on HiGHS), `view`
(the float view searches use), `search` (one module per exact method and the
ordered pipeline), `highs` (the only module importing SciPy),
`contribution` (the suggested buy-only contribution).

numpy and SciPy are imported only when a search strategy runs, so importing
the engine is cheap.
"""

from rebalancer_tui.engine.errors import SolveFailed
from rebalancer_tui.engine.plan import (
    HoldingRow,
    Metrics,
    Order,
    Plan,
    Skipped,
    StatusKind,
    weights_table,
)
from rebalancer_tui.engine.problem import Options, RebalanceInput
from rebalancer_tui.engine.strategies import (
    LABELS,
    STRATEGIES,
    STRATEGY_RECORDS,
    Strategy,
    solve,
    solve_all,
    strategy,
)

__all__ = [
    "LABELS",
    "STRATEGIES",
    "STRATEGY_RECORDS",
    "HoldingRow",
    "Metrics",
    "Options",
    "Order",
    "Plan",
    "RebalanceInput",
    "Skipped",
    "SolveFailed",
    "StatusKind",
    "Strategy",
    "solve",
    "solve_all",
    "strategy",
    "weights_table",
]
