"""Old home of the problem's inputs; kept so existing imports keep working.

New code imports from `rebalancer_tui.engine` or `rebalancer_tui.engine.problem`.
"""

from rebalancer_tui.engine.problem import ZERO, Options, RebalanceInput

__all__ = ["ZERO", "Options", "RebalanceInput"]
