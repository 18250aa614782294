"""The strategy pane: the three engine strategies and "Compare all"."""

from __future__ import annotations

from textual.widgets.option_list import Option

from rebalancer_tui.engine import LABELS, STRATEGIES
from rebalancer_tui.messages import COMPARE, StrategyChosen
from rebalancer_tui.widgets.choice_list import ChoiceList

CHOICES: dict[str, str] = {**LABELS, COMPARE: "Compare all"}

# The main screen's key for each choice, shown in front of it: 1, 2, 3 and c
# (a key listed here must be one that works; tests press each of them).
KEYS: dict[str, str] = {
    **{s: str(n) for n, s in enumerate(STRATEGIES, start=1)},
    COMPARE: "c",
}


class StrategyPicker(ChoiceList):
    """Choosing a strategy (Enter or click) computes its plan."""

    CHOSEN = StrategyChosen

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            *(Option(f"{KEYS[s]}  {CHOICES[s]}", id=s) for s in [*STRATEGIES, COMPARE]), id=id
        )
        self.border_title = "Strategy"

    def show_current(self, strategy: str) -> None:
        """Move the highlight to the strategy shown, without choosing it again."""
        index = self.get_option_index(strategy)
        if self.highlighted != index:
            self.highlighted = index
