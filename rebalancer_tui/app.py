"""The full-screen app: wires the stylesheet, keys and palette, shows the main screen.

Orchestration lives in `screens.main`; logic lives in the engine and the price
service below it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Sequence
from typing import Any, ClassVar, Unpack

from textual import events
from textual.app import App, ScreenStackError
from textual.binding import Binding, BindingType
from textual.command import CommandListItem, Provider, SimpleProvider
from textual.dom import DOMNode
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import AwaitMount

from rebalancer_tui.palette import LEGIBLE_LIGHT
from rebalancer_tui.rules import InputError
from rebalancer_tui.screens.main import MainScreen, Start
from rebalancer_tui.screens.modal import IN_ORDER
from rebalancer_tui.shutdown import DaemonExecutor, ExitGuard
from rebalancer_tui.storage.settings import Settings, load_settings, save_settings

# The palette, help, compare and editor screens are imported where they are
# first opened: none of them is needed for the first frame.

log = logging.getLogger(__name__)


def _freeze_imports() -> None:
    """Keep the garbage collector off everything imported so far.

    Textual and pydantic leave ~50,000 long-lived objects behind; the first
    full collection walked all of them (~30 ms) in the middle of the first
    frame. Frozen, they are never walked again: they live as long as the
    process anyway. Once per process, so test runs that start many apps do not
    pin each app's garbage.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()


def _rebalancer_commands() -> type[Provider]:
    from rebalancer_tui.commands import RebalancerCommands

    return RebalancerCommands


class RebalancerApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Rebalancer"
    # Textual 8.2's mouse text selection dereferences the parent of the widget
    # under the pointer, which is None for one that a refresh just removed
    # (the loading indicator, rebuilt table rows): a click could crash the app
    # (found by the monkey test). Upstream:
    # https://github.com/Textualize/textual/issues/6643. Orders are exported
    # to CSV instead; the terminal's own selection (usually shift+drag) works.
    ALLOW_SELECT = False
    COMMANDS = App.COMMANDS | {_rebalancer_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        # Ctrl+C quits at once, as in any terminal program (Textual 8 only tells
        # how to quit); `q` first asks when the user's own edits are not saved.
        # A priority binding: a focused field's "copy" does not take it.
        Binding("ctrl+c", "interrupt", "Quit", show=False, priority=True, id="quit.interrupt"),
        # Tab and Shift+Tab move the focus as they arrive, on every screen: the
        # keys typed after them (see on_event) then go where the focus went.
        # Unbound here, a burst "Shift+Tab Enter" in a question pressed the
        # button being left (from Replace, "Tab Enter" replaced the file).
        *IN_ORDER,
        Binding("question_mark,f1", "help", "Help", key_display="?", id="help"),
        # Vim-style moves in every list and table (a field takes the letters as text).
        Binding("j", "cursor('down')", "Down", show=False, id="nav.down"),
        Binding("k", "cursor('up')", "Up", show=False, id="nav.up"),
        Binding("m", "toggle_maximize", "Maximise pane", show=False, id="nav.maximize"),
        Binding("y", "copy_orders", "Copy orders", show=False, id="orders.copy"),
    ]

    def __init__(self, *, started_at: float | None = None, **start: Unpack[Start]) -> None:
        # `started_at` is a time.perf_counter() reading taken first thing by the CLI.
        self.started_at = time.perf_counter() if started_at is None else started_at
        self.ready_seconds: float | None = None
        _freeze_imports()
        super().__init__()
        self._exit_guard: ExitGuard | None = None
        self._saved_theme = load_settings().theme  # a tiny bounded read
        self.main_screen = MainScreen(**start)

    def get_default_screen(self) -> Screen[None]:
        return self.main_screen

    # -- quitting (see rebalancer_tui.shutdown) ---------------------------------

    def on_load(self) -> None:
        # Before any worker starts: thread workers (solves) and asyncio.to_thread
        # run on daemon threads that quitting does not wait for.
        asyncio.get_running_loop().set_default_executor(DaemonExecutor())
        # Read the terminal's modes now, before the driver makes it raw.
        self._exit_guard = ExitGuard(self)

    def on_mount(self) -> None:
        # Yellow and green that stay legible on light themes (see palette).
        self.ansi_theme_light = LEGIBLE_LIGHT
        if self._saved_theme in self.available_themes:
            self.theme = self._saved_theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        # Only a real terminal: tests (headless) keep pytest's own handlers.
        if self._exit_guard is not None and not self.is_headless:
            self._exit_guard.install()
        else:
            self._exit_guard = None

    def exit(self, result: None = None, return_code: int = 0, message: Any = None) -> None:
        """Exit, and end the process soon after even if something is stuck.

        In a real terminal this app owns its process: EXIT_GRACE_S after an
        exit was asked the process ends, whether or not the event loop
        finished its clean-up (the terminal is restored either way).
        """
        if self._exit_guard is not None:
            self._exit_guard.arm(return_code)
        super().exit(result, return_code, message)

    # -- keys in the order typed ------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """A key's bindings are looked up from the widget it was typed into.

        Textual runs priority bindings (Tab in the dialogs, Esc) as a key
        arrives, but hands other keys to the focused widget's queue, and their
        bindings (Backspace, Delete, Home...) run when the key bubbles back up,
        looked up from the focus of that later moment: a burst of
        "1000⌫⌫50<Tab>" (typed while the screen was busy, or pasted) put
        100050 in the cash and the Backspaces into the next field. A field's
        own editing keys run in its queue (`OrderedInput`); this covers the
        bindings above it. Upstream: Textualize/textual#6605.
        """
        if isinstance(event, events.Key):
            if not event.is_forwarded:
                try:
                    event._typed_into = self.focused  # type: ignore[attr-defined]
                except ScreenStackError:  # closing: nothing to type into
                    return
            else:
                into: DOMNode | None = getattr(event, "_typed_into", None)
                try:
                    moved = into is not None and into is not self.focused and into.is_attached
                except ScreenStackError:
                    return
                if into is not None and moved:
                    # Never the binding of the widget focused since: a Ctrl+U
                    # typed on the lots table (which has none) cleared the date
                    # field a later Tab reached, after its text was typed.
                    # A field's own editing keys never get here (`OrderedInput`
                    # runs them in its queue): what runs here leaves its text be.
                    await self._run_binding(into, event.key)
                    return
        await super().on_event(event)

    async def _run_binding(self, node: DOMNode, key: str) -> bool:
        """Run `key`'s binding as seen from `node` (its ancestors up to its screen,
        then the app unless that screen is modal); whether one ran."""
        chain: list[DOMNode] = []
        for n in node.ancestors_with_self:
            chain.append(n)
            if isinstance(n, Screen):
                if not n.is_modal:
                    chain.append(self)
                break
        for n in chain:
            for binding in n._bindings.key_to_bindings.get(key, ()):
                if not binding.priority and await self.run_action(binding.action, n):
                    return True
        return False

    async def action_quit(self) -> None:
        """Quit; but if the user's own holdings are in no file (autosave off after
        a new demo, an unreadable or changed file), ask first, naming them."""
        from rebalancer_tui.screens.confirm import Confirm

        question = None
        with contextlib.suppress(AttributeError):  # not started yet: nothing to lose
            question = self.main_screen.workspace.quit_question()
        if question is None:
            self.exit()
            return
        choices = (("quit", "Quit without saving"), ("save", "Save as…"))
        self.push_screen(Confirm(question, choices, title="Not saved"), self._after_quit_question)

    def _after_quit_question(self, answer: str | None) -> None:
        if answer == "quit":
            self.exit()
        elif answer == "save":
            self.main_screen.action_file("save")

    def action_interrupt(self) -> None:
        """Ctrl+C: quit now, without a question (SIGINT and SIGTERM do the same)."""
        self.exit()

    def run(self, *args: Any, **kwargs: Any) -> None:
        try:
            return super().run(*args, **kwargs)
        finally:
            if self._exit_guard is not None:
                # The driver has put the terminal back; the watchdog need not.
                self._exit_guard.terminal_restored = True

    def on_ready(self) -> None:
        self.ready_seconds = time.perf_counter() - self.started_at
        log.info("time to ready: %.3f s", self.ready_seconds)
        self.log.info(f"time to ready: {self.ready_seconds:.3f} s")
        self._start_histories()

    # -- visuals: price histories, theme, keys for lists and panes -------------------

    def _start_histories(self) -> None:
        """The preview's sparklines, once the first frame is up (never before it)."""
        from rebalancer_tui.history_jobs import start_histories
        from rebalancer_tui.widgets.preview import FundPreview

        main = self.main_screen
        start_histories(
            main,
            main.query_one(FundPreview),
            api_flag=main.jobs.api_flag,
            cache_path=main.jobs.cache_path,
            extra=main.workspace.extra_assets,
            offline=main.offline,
        )

    def _remember_theme(self, theme: Theme) -> None:
        from rebalancer_tui.widgets.preview import FundPreview

        for preview in self.main_screen.query(FundPreview):
            preview.redraw()  # its sparklines' colours follow the theme's kind
        if theme.name == self._saved_theme:
            return
        self._saved_theme = theme.name

        def save() -> None:
            try:
                save_settings(Settings(theme=theme.name))
            except InputError as exc:
                log.warning("theme not remembered: %s", exc)

        self.run_worker(save, thread=True, group="settings", exit_on_error=False)

    def action_cursor(self, way: str) -> None:
        """j/k: the focused list or table moves its cursor, as with the arrows."""
        action = getattr(self.focused, f"action_cursor_{way}", None)
        if callable(action):
            action()

    def _on_a_view(self) -> bool:
        """The main or compare view is on top (not a dialog, where a pane means nothing)."""
        from rebalancer_tui.screens.compare import CompareScreen

        return isinstance(self.screen, MainScreen | CompareScreen)

    def action_toggle_maximize(self) -> None:
        screen = self.screen
        if not self._on_a_view():
            return
        if screen.maximized is not None:
            screen.minimize()
        elif screen.focused is not None and not screen.maximize(screen.focused):
            self.notify("This pane cannot be maximised.", timeout=2)

    def action_copy_orders(self) -> None:
        """The orders on show, as CSV text, to the clipboard."""
        from rebalancer_tui.storage.orders_export import OrderRow, orders_csv

        if not self._on_a_view():
            return
        plan = shown_plan(self)
        if plan is None:
            self.notify("No orders to copy yet.", severity="warning", timeout=3)
            return
        rows = [
            OrderRow(getattr(o, "account", "main"), o.action, o.symbol, o.shares, o.price, o.amount)
            for o in plan.orders
        ]
        self.copy_to_clipboard(orders_csv(rows))
        count = f"{len(rows)} order" + ("s" if len(rows) != 1 else "")
        self.notify(f"Copied {count} ({plan.strategy}) to the clipboard as CSV.", timeout=3)

    def action_command_palette(self) -> None:
        from rebalancer_tui.commands import SafeCommandPalette

        # Textual types is_open for App[object]; App is invariant in its result type.
        if self.use_command_palette and not SafeCommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(SafeCommandPalette(id="--command-palette"))

    def search_themes(self) -> None:
        # Textual's own "Theme" command opens a plain CommandPalette, which has
        # the crashes SafeCommandPalette guards against (found by the monkey).
        from textual.theme import ThemeProvider

        from rebalancer_tui.commands import SafeCommandPalette

        self.push_screen(
            SafeCommandPalette(providers=[ThemeProvider], placeholder="Search for themes…")
        )

    def search_commands(
        self, commands: Sequence[CommandListItem], placeholder: str = "Search for commands…"
    ) -> AwaitMount:
        from rebalancer_tui.commands import SafeCommandPalette

        return self.push_screen(
            SafeCommandPalette(
                # A provider instance, as Textual's own search_commands passes
                # (its annotation only names provider classes).
                providers=[SimpleProvider(self.screen, list(commands))],  # type: ignore[list-item]
                placeholder=placeholder,
            )
        )

    def action_help(self) -> None:
        from rebalancer_tui.screens.compare import CompareScreen
        from rebalancer_tui.screens.help import HelpScreen
        from rebalancer_tui.screens.holdings_editor import HoldingsEditor
        from rebalancer_tui.widgets.keyed_table import KeyedTable

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(
            HelpScreen(
                [
                    ("Everywhere", self.BINDINGS),
                    ("Main view", MainScreen.BINDINGS),
                    ("Compare view", CompareScreen.BINDINGS),
                    ("Result tables", KeyedTable.BINDINGS),
                    ("Holdings editor", HoldingsEditor.BINDINGS),
                ]
            )
        )


def shown_plan(app: RebalancerApp) -> Any:
    """The plan whose orders are on show: the compare view's focused column (else
    its first), or the main view's strategy; None while one is computed."""
    from rebalancer_tui.screens.compare import CompareScreen
    from rebalancer_tui.widgets.plan_column import PlanColumn

    screen = app.screen
    if isinstance(screen, CompareScreen):
        plans = screen.shown_plans()
        focused = screen.focused
        column = (
            next((a for a in focused.ancestors if isinstance(a, PlanColumn)), None)
            if focused
            else None
        )
        if column is not None and column.strategy in plans:
            return plans[column.strategy]
        return next(iter(plans.values()), None)
    main = app.main_screen
    if main.planning:
        return None
    return main.plans.get(main.strategy)
