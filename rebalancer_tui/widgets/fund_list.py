"""The fund list pane: the model portfolios (built-in four, later the user's)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets.option_list import Option

from rebalancer_tui.messages import FundChosen, FundHighlighted
from rebalancer_tui.models import ModelPortfolio
from rebalancer_tui.widgets.choice_list import ChoiceList


class FundList(ChoiceList):
    """Moving the highlight previews a fund; Enter or a click chooses it."""

    CHOSEN = FundChosen
    HIGHLIGHTED = FundHighlighted

    def __init__(self, models: Sequence[ModelPortfolio], *, id: str | None = None) -> None:
        super().__init__(*(Option(f"  {m.label}", id=m.id) for m in models), id=id)
        self._fund_labels = {m.id: m.label for m in models}
        self.border_title = "Funds"

    def show_chosen(self, fund_id: str) -> None:
        """Mark the fund the plan is computed for (attributes down from the screen)."""
        for fid, label in self._fund_labels.items():
            marker = "● " if fid == fund_id else "  "
            self.replace_option_prompt(fid, marker + label)
