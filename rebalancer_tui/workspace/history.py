"""Undo (ctrl+z): the states before the user's last changes, newest last."""

from __future__ import annotations

from rebalancer_tui.workspace.state import PortfolioState

LIMIT = 100


class History:
    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._steps: list[tuple[str, PortfolioState]] = []

    def __len__(self) -> int:
        return len(self._steps)

    def record(self, what: str, before: PortfolioState) -> None:
        """`before` is the state as it was; `what` names the change ("imported holdings")."""
        self._steps.append((what, before))
        del self._steps[: -self.limit]

    def clear(self) -> None:
        """Forget every step (another file is open: its states are not these)."""
        self._steps.clear()

    def undo(self, now: PortfolioState) -> tuple[str, PortfolioState] | None:
        """The change undone and the state to go back to, or None if there is none.

        Prices are not the user's doing: the state comes back at today's quotes.
        """
        if not self._steps:
            return None
        what, before = self._steps.pop()
        return what, before.replace(quotes=now.quotes)
