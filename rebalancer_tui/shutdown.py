"""Quitting promptly: `q`, Ctrl+C, SIGINT, SIGTERM and SIGHUP end the process
within a second, with the terminal restored, even while a solve runs.

A solve runs in a thread, and a Python thread cannot be stopped. Two things
used to wait for it after the app had already cleared the screen: asyncio's
clean-up joins the loop's default executor (Textual runs thread workers
there), and the interpreter joins executor threads at exit. So the default
executor here runs each job on a daemon thread and never joins on shutdown.
A stale solve's result is dropped anyway (each answer carries its request id).

Signals are turned into an orderly `App.exit`, which lets Textual leave the
alternate screen, turn mouse reporting off and show the cursor. A watchdog
armed at exit makes sure of it: if the app has not finished a moment later
(something stuck on the main thread), it writes the restoring escape
sequences itself, puts back the terminal modes and ends the process.

No Textual import here: the app passes itself in.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import termios
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import FrameType
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

# How long an orderly exit may take before the watchdog ends the process.
EXIT_GRACE_S = 0.8

# Mouse reporting off (every mode Textual turns on), bracketed paste off,
# line wrap on, Kitty keyboard protocol off, main screen, cursor shown, focus
# reporting off: what Textual's driver writes when it stops.
RESTORE_TERMINAL = (
    "\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l"
    "\x1b[?2004l\x1b[?7h\x1b[<u\x1b[?1049l\x1b[?25h\x1b[?1004l"
)

# Textual's driver reads keys from stdin and draws on stderr (the file
# descriptors, whatever sys.stdin / sys.stderr were redirected to).
_TERMINAL_IN, _TERMINAL_OUT = 0, 2

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class DaemonExecutor(ThreadPoolExecutor):
    """Runs each job on its own daemon thread, at most `max_workers` at once.

    Installed as the event loop's default executor (asyncio requires a
    ThreadPoolExecutor there; the pool it would start is never used). A job
    waiting for a slot can still be cancelled. `shutdown` never waits: a
    running solve cannot be interrupted, and nobody needs its answer once
    the app is closing.
    """

    def __init__(self, max_workers: int | None = None) -> None:
        workers = max_workers or min(32, (os.cpu_count() or 1) + 4)
        super().__init__(max_workers=workers, thread_name_prefix="rebalancer-worker")
        self._slots = threading.BoundedSemaphore(workers)
        self._refusing = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if self._refusing:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: Future[T] = Future()

        def run() -> None:
            with self._slots:
                if not future.set_running_or_notify_cancel():
                    return  # cancelled while it waited for a slot
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:  # handed to whoever awaits the future
                    future.set_exception(exc)
                else:
                    future.set_result(result)

        threading.Thread(target=run, name="rebalancer-worker", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        # `wait` is ignored on purpose: see the class docstring.
        self._refusing = True
        super().shutdown(wait=False, cancel_futures=cancel_futures)


class _Exitable(Protocol):
    """What the guard needs from the app."""

    def exit(self, result: Any = None, return_code: int = 0, message: Any = None) -> None: ...


def restore_terminal(terminal_modes: list[Any] | None) -> None:
    """Undo what a full-screen Textual app did to the terminal, from any thread."""
    # No terminal left (closed, or a hang-up): nothing to restore.
    with contextlib.suppress(OSError):
        os.write(_TERMINAL_OUT, RESTORE_TERMINAL.encode())
    if terminal_modes is not None:
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(_TERMINAL_IN, termios.TCSANOW, terminal_modes)


def saved_terminal_modes() -> list[Any] | None:
    """The terminal's modes before the app changed them (echo, line mode, ...)."""
    try:
        return termios.tcgetattr(_TERMINAL_IN)
    except (OSError, termios.error):
        return None  # not a terminal (tests, a pipe)


class ExitGuard:
    """Signal handlers and the exit watchdog of one full-screen app run."""

    def __init__(self, app: _Exitable) -> None:
        self.app = app
        self.terminal_modes = saved_terminal_modes()
        # Set once the app's driver has put the terminal back itself.
        self.terminal_restored = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watchdog: threading.Timer | None = None
        # Reentrant: a signal can arrive while the main thread is inside arm().
        self._lock = threading.RLock()

    def install(self) -> None:
        """Catch the quit signals. Call it on the app's event loop, in the main
        thread (signal handlers can only be set there; elsewhere a no-op)."""
        if threading.current_thread() is not threading.main_thread():
            return
        self._loop = asyncio.get_running_loop()
        # Kept until the process ends: the app owns it (see RebalancerApp.exit).
        for sig in QUIT_SIGNALS:
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # A Python signal handler runs on the main thread between two bytecodes,
        # even while the event loop is busy; the exit itself is asked for through
        # the loop. The watchdog is armed first, so a stuck loop still ends.
        # (`loop.add_signal_handler` would wait for the loop to be free.)
        code = 128 + signum
        self.arm(code)
        if self._loop is not None:
            # A closed loop refuses (RuntimeError): the watchdog ends the process.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self.app.exit, None, code)

    def arm(self, code: int) -> None:
        """End the process with `code` if the app has not exited in EXIT_GRACE_S."""
        with self._lock:
            if self._watchdog is not None:
                return
            self._watchdog = threading.Timer(EXIT_GRACE_S, self._force_exit, (code,))
            self._watchdog.daemon = True
            self._watchdog.start()

    def _force_exit(self, code: int) -> None:
        if not self.terminal_restored:
            restore_terminal(self.terminal_modes)
        # No flush of sys.stdout/stderr: a stuck main thread may hold their
        # locks, and the app writes nothing there while it runs.
        os._exit(code)
