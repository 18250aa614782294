"""One base for the main screen's option panes (funds, strategies)."""

from __future__ import annotations

from typing import ClassVar, Protocol

from textual.message import Message
from textual.widgets import OptionList


class IdMessage(Protocol):
    """A message class built from an option's id (FundChosen, StrategyChosen...)."""

    def __call__(self, option_id: str, /) -> Message: ...


class ChoiceList(OptionList):
    """An option list that tells the screen the id of the option chosen
    (Enter or a click) as CHOSEN, and of the one highlighted as HIGHLIGHTED
    when it has one; OptionList's own messages stop here."""

    CHOSEN: ClassVar[IdMessage]
    HIGHLIGHTED: ClassVar[IdMessage | None] = None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._tell(event, self.CHOSEN)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._tell(event, self.HIGHLIGHTED)

    def _tell(
        self,
        event: OptionList.OptionSelected | OptionList.OptionHighlighted,
        message: IdMessage | None,
    ) -> None:
        event.stop()
        if message is not None and event.option_id is not None:
            self.post_message(message(event.option_id))
