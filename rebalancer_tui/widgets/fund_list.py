"""The fund list pane: the model portfolios (built-in four, later the user's)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from rebalancer_tui.messages import FundChosen, FundHighlighted
from rebalancer_tui.models import ModelPortfolio


class FundList(OptionList):
    """Moving the highlight previews a fund; Enter or a click chooses it."""

    def __init__(self, models: Sequence[ModelPortfolio], *, id: str | None = None) -> None:
        super().__init__(*(Option(f"  {m.label}", id=m.id) for m in models), id=id)
        self._fund_labels = {m.id: m.label for m in models}
        self.border_title = "Funds"

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_id is not None:
            self.post_message(FundHighlighted(event.option_id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id is not None:
            self.post_message(FundChosen(event.option_id))

    def show_chosen(self, fund_id: str) -> None:
        """Mark the fund the plan is computed for (attributes down from the screen)."""
        for fid, label in self._fund_labels.items():
            marker = "● " if fid == fund_id else "  "
            self.replace_option_prompt(fid, marker + label)
