"""Command palette (ctrl+p): every app action by name."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.css.query import NoMatches
from textual.events import Click
from textual.widgets import Button, Input

from rebalancer_tui.engine.strategies import LABELS, STRATEGIES
from rebalancer_tui.keys import MAIN_KEYS

if TYPE_CHECKING:
    from rebalancer_tui.app import RebalancerApp

Command = tuple[str, str, Callable[[], object]]

# The main screen's keys in the palette, by binding id (keys.py): each
# command's name and help; the action and the key shown come from the binding.
PALETTE: dict[str, tuple[str, str]] = {
    "strategy.compare": ("Compare all strategies", "Every strategy side by side"),
    "portfolio.edit": ("Edit holdings", "Share counts; add or remove symbols"),
    "portfolio.inputs": ("Inputs: cash, reserve, bands, costs, buy-only, order rules, taxes",
                         "Minimum order, lots, band-edge destination, tax rates and rules; "
                         "validated as you type"),
    "portfolio.tax_lots": ("Tax lots", "The highlighted holding's lots: date, shares, unit "
                           "cost, gain and term; add, edit, delete"),
    "portfolio.lock": ("Lock or unlock holding", "The highlighted holding is never traded"),
    "portfolio.override": ("Price override", "Type a price for any symbol"),
    "portfolio.contribution": ("Add the suggested contribution",
                               "Buy-only: the cash that brings every ETF within its band"),
    "file.save": ("Save portfolio as", "Holdings, cash, options and model as JSON"),
    "file.open": ("Open portfolio", "Load a portfolio JSON file"),
    "portfolio.undo": ("Undo", "Take back the last change to holdings, cash or options"),
    "file.import": ("Import holdings", "A broker positions file (Schwab, Fidelity, Vanguard, "
                    "IBKR) or a CSV [account,]symbol,shares"),
    "orders.export": ("Export orders to CSV", "The shown plan's orders per account"),
    "orders.export_ibkr": ("Export IBKR basket", "The shown plan's orders for TWS BasketTrader"),
    "portfolio.accounts": ("Accounts", "Add, rename, remove accounts; kind, cash, reserve, "
                           "buy menu"),
    "portfolio.location": ("Asset location", "Which account kinds each symbol prefers"),
    "regenerate": ("Regenerate demo portfolio", "New seeded demo holdings"),
    "prices.reload": ("Reload live prices", "Fetch prices from the API again"),
}  # fmt: skip


class RebalancerCommands(Provider):
    def _commands(self) -> list[Command]:
        app: RebalancerApp = self.app  # type: ignore[assignment]
        main = app.main_screen
        commands: list[Command] = [
            (
                f"Strategy: {LABELS[s]}",
                f"Compute the {LABELS[s]} plan",
                partial(main.action_strategy, s),
            )
            for s in STRATEGIES
        ]
        keys = {b.id: b for b in MAIN_KEYS if isinstance(b, Binding)}
        for ident, (name, help_text) in PALETTE.items():
            b = keys[ident]
            shown = f"{help_text} ({b.key_display or b.key})"
            commands.append((name, shown, partial(main.run_action, b.action)))
        commands += [
            (f"Fund: {m.label}", f"Rebalance to {m.label}", partial(main.choose_fund, m.id))
            for m in main.workspace.models
        ]
        commands.append(("Help: keys", "List every key binding", app.action_help))
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


class SafeCommandList(CommandList):
    """A click on an option the search has just removed (the list is rebuilt
    while the old frame is still on screen, or between the click and its
    handling) makes Textual 8.2's OptionList index past its end: such a click
    is dropped, checked when it is handled."""

    # Overrides a private Textual 8.2 handler. Upstream: related to
    # https://github.com/Textualize/textual/issues/3270 (IndexError when options
    # change under the mouse; fixed there for hover, the click path still
    # indexes past the end). No upstream issue found for the click itself.
    async def _on_click(self, event: Click) -> None:
        option = event.style.meta.get("option")
        if option is not None and option >= self.option_count:
            # Nor OptionList's handler, nor a click on the background: the
            # palette stays open.
            event.prevent_default()
            event.stop()
            return
        await super()._on_click(event)


class SafeCommandPalette(CommandPalette):
    """Guards for Textual 8.2 palette crashes found by the monkey test.

    Page-up/down pressed before the list is laid out raises KeyError in
    OptionList._move_page: such a key is ignored. And a second Enter or a
    second click on the background, queued before the palette has closed,
    dismisses it again and pops the screen below it (ScreenStackError): once
    the palette is no longer the active screen, they are ignored. Its search
    worker may also outlive it.
    """

    # Overrides a private Textual 8.2 watcher. No upstream issue found for a
    # search worker finishing after the palette closed; the nearest, another
    # palette crash, is https://github.com/Textualize/textual/pull/5544.
    def _watch__list_visible(self) -> None:
        # The palette's search worker can finish after the palette was
        # dismissed and its widgets removed (NoMatches in a worker = crash).
        with contextlib.suppress(NoMatches):
            super()._watch__list_visible()

    async def _watch__show_busy(self) -> None:
        # The same race for the busy flag: its watcher can run after the
        # palette's widgets are gone (seen by the monkey test, seed 7).
        with contextlib.suppress(NoMatches):
            await super()._watch__show_busy()

    def compose(self) -> ComposeResult:
        # The palette's own layout, with the one list swapped for the guarded one.
        for widget in super().compose():
            yield SafeCommandList() if type(widget) is CommandList else widget

    # Overrides a private Textual 8.2 handler (a second click dismissing
    # twice). Upstream, the same class of bug: dismissing a screen that is no
    # longer on top, https://github.com/Textualize/textual/issues/4884 and
    # https://github.com/Textualize/textual/issues/2575.
    def _on_click(self, event: Click) -> None:  # type: ignore[override]
        # Handled here; the base class's _on_click must not run as well.
        event.prevent_default()
        if self.app.screen is self:
            super()._on_click(event)

    # Overrides a private Textual 8.2 handler: a second Enter queued before
    # the palette closed (same upstream issues as _on_click above).
    @on(Input.Submitted)
    @on(Button.Pressed)
    def _select_or_command(self, event: Input.Submitted | Button.Pressed | None = None) -> None:
        if event is not None:
            # Handled here; the base class's own @on handler must not run too.
            event.prevent_default()
        if self.app.screen is not self:
            if event is not None:
                event.stop()
            return
        super()._select_or_command(event)

    # Overrides a private Textual 8.2 action. No upstream Textual issue found;
    # the same KeyError in OptionList._move_page is reported downstream:
    # https://github.com/kagan-sh/kagan-legacy/issues/31.
    def _action_command_list(self, action: str) -> None:
        try:
            super()._action_command_list(action)
        except (KeyError, IndexError):
            if action not in ("page_up", "page_down"):
                raise
