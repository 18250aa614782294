"""Command palette (ctrl+p): every app action by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider

from rebalancer_tui.engine.strategies import LABELS, STRATEGIES
from rebalancer_tui.messages import COMPARE

if TYPE_CHECKING:
    from rebalancer_tui.app import RebalancerApp

Command = tuple[str, str, Callable[[], object]]


class RebalancerCommands(Provider):
    def _commands(self) -> list[Command]:
        app: RebalancerApp = self.app  # type: ignore[assignment]
        main = app.main_screen
        commands: list[Command] = [
            (
                f"Strategy: {LABELS[s]}",
                f"Compute the {LABELS[s]} plan",
                partial(main.choose_strategy, s),
            )
            for s in STRATEGIES
        ]
        commands.append(
            (
                "Compare all strategies",
                "Every strategy side by side",
                partial(main.choose_strategy, COMPARE),
            )
        )
        commands += [
            (f"Fund: {m.label}", f"Rebalance to {m.label}", partial(main.choose_fund, m.id))
            for m in main.models
        ]
        commands += [
            ("Regenerate demo portfolio", "New seeded demo holdings", main.action_regenerate),
            ("Reload live prices", "Fetch prices from the API again", main.action_reload_prices),
            ("Help: keys", "List every key binding", app.action_help),
        ]
        return commands

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)


class SafeCommandPalette(CommandPalette):
    """Textual 8.2's palette crashes the app on page-up/down pressed before its
    list is laid out (KeyError in OptionList._move_page); such a key is ignored."""

    def _action_command_list(self, action: str) -> None:
        try:
            super()._action_command_list(action)
        except (KeyError, IndexError):
            if action not in ("page_up", "page_down"):
                raise
