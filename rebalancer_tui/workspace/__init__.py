"""The app's state and its file session, without Textual (headless, testable alone).

- `PortfolioState`: what a plan is computed from (model, quotes, holdings, cash,
  options, overrides), replaced whole on every change.
- `PortfolioSession`: the current portfolio file; open, save, autosave,
  import and export return an `Outcome`, never raise to the screen.
- `History`: undo steps.
- `Workspace`: the models, the state, its session and history together.
- `price_feed`: the door to the price service (imported on first use).
"""

from __future__ import annotations

from rebalancer_tui.workspace.core import FileAction, Workspace
from rebalancer_tui.workspace.history import History
from rebalancer_tui.workspace.outcome import Outcome
from rebalancer_tui.workspace.session import PortfolioSession
from rebalancer_tui.workspace.state import PortfolioState

__all__ = ["FileAction", "History", "Outcome", "PortfolioSession", "PortfolioState", "Workspace"]
