"""Quit is quit: `q`, Ctrl+C, SIGINT and SIGTERM end the real app promptly,
with the terminal restored, even while a solve is running in a thread.

Each test runs the app as a user does, in a pseudo-terminal, with the engine's
`solve` slowed down to two minutes of pure-Python work: before the fix the
process outlived the screen by the whole solve (or, on SIGTERM, died leaving
the terminal in the alternate screen with mouse reporting on and no cursor).
The bound below is generous (an exit is expected well within a second); it
only has to tell "exits" from "waits for the solve".
"""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import termios
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from rebalancer_tui.shutdown import DaemonExecutor

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals")

EXIT_BOUND_S = 10.0  # far below the slow solve's 120 s
START_BOUND_S = 60.0

# Runs in the child: slow every solve down, say when one has started, then run
# the real entry point. `STUCK_AFTER_READY` also blocks the event loop itself.
CHILD = r"""
import asyncio, importlib, os, sys, time

import rebalancer_tui.engine as engine

marker = os.environ["SLOW_SOLVE_MARKER"]
stuck = bool(os.environ.get("STUCK_AFTER_READY"))
loop = None

def slowed(real):
    def slow_solve(*args, **kwargs):
        if stuck and loop is not None:
            # The event loop itself stops answering (a long call on the main thread).
            loop.call_soon_threadsafe(time.sleep, 120)
        with open(marker, "a") as f:
            f.write("started\n")
        end = time.monotonic() + 120
        n = 0
        while time.monotonic() < end:  # holds the GIL in turns, like a real solve
            n += 1
        return real(*args, **kwargs)
    return slow_solve

# Every entry point the app may solve through (the engine's layout may change).
engine.solve = slowed(engine.solve)
for module, name in [
    ("rebalancer_tui.engine.strategies", "solve"),
    ("rebalancer_tui.engine.household_search", "solve_household"),
]:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        continue
    if hasattr(mod, name):
        setattr(mod, name, slowed(getattr(mod, name)))

# Imported after the patch: the app's modules take `solve` from the engine.
from rebalancer_tui.app import RebalancerApp

real_on_ready = RebalancerApp.on_ready

def on_ready(self):
    global loop
    loop = asyncio.get_running_loop()
    real_on_ready(self)

RebalancerApp.on_ready = on_ready

from rebalancer_tui.cli import main

raise SystemExit(main(["--offline"]))
"""


@dataclass
class Finished:
    status: int | None  # exit status, None if it had to be killed
    output: bytes
    seconds: float
    echo_restored: bool  # the terminal echoes and reads lines again


def _read(fd: int, into: bytearray, seconds: float) -> bool:
    """Drain the terminal for `seconds`; False once the child side is closed."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            into.extend(data)
    return True


def run_and_quit(tmp_path: Path, how: str, *, stuck: bool = False) -> Finished:
    """Start the app in a pty, wait for a solve to start, quit by `how`."""
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    marker = tmp_path / "solve-started"
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLUMNS": "120",
        "LINES": "40",
        "SLOW_SOLVE_MARKER": str(marker),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    env.pop("TEXTUAL_ALLOW_SIGNALS", None)
    if stuck:
        env["STUCK_AFTER_READY"] = "1"
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes the app
        try:
            os.chdir(tmp_path)
            os.execve(sys.executable, [sys.executable, str(script)], env)
        finally:
            os._exit(127)
    out = bytearray()
    try:
        started = time.monotonic()
        while not marker.exists() and time.monotonic() - started < START_BOUND_S:
            if not _read(fd, out, 0.1):
                break
        assert marker.exists(), f"no solve started; the app printed: {bytes(out[-2000:])!r}"
        _read(fd, out, 0.5 if not stuck else 1.0)  # the first frame is drawn
        asked = time.monotonic()
        if how == "q":
            os.write(fd, b"q")
        elif how == "ctrl+c":
            os.write(fd, b"\x03")
        else:
            os.kill(pid, getattr(signal, how))
        status: int | None = None
        while time.monotonic() - asked < EXIT_BOUND_S:
            _read(fd, out, 0.05)
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(raw)
                break
        seconds = time.monotonic() - asked
        _read(fd, out, 0.2)
        try:
            lflag = termios.tcgetattr(fd)[3]
            echo = bool(lflag & termios.ECHO) and bool(lflag & termios.ICANON)
        except termios.error:
            echo = False
        return Finished(status, bytes(out), seconds, echo)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)


def assert_terminal_restored(out: bytes) -> None:
    """Whatever was turned on last was turned off again after it."""
    for on, off, what in [
        (b"\x1b[?1049h", b"\x1b[?1049l", "alternate screen left"),
        (b"\x1b[?1000h", b"\x1b[?1000l", "mouse clicks not reported"),
        (b"\x1b[?1003h", b"\x1b[?1003l", "mouse motion not reported"),
        (b"\x1b[?25l", b"\x1b[?25h", "cursor shown"),
    ]:
        assert on in out, f"the app never turned on what {what!r} undoes"
        assert out.rfind(off) > out.rfind(on), what


@pytest.mark.parametrize(
    ("how", "code"),
    [("q", 0), ("ctrl+c", 0), ("SIGTERM", 128 + signal.SIGTERM), ("SIGINT", 128 + signal.SIGINT)],
)
def test_quit_during_a_long_solve_ends_the_process_and_restores_the_terminal(
    tmp_path: Path, how: str, code: int
) -> None:
    done = run_and_quit(tmp_path, how)
    assert done.status is not None, f"still running {EXIT_BOUND_S:.0f} s after {how}"
    assert done.status == code
    assert_terminal_restored(done.output)
    assert done.echo_restored
    assert b"Traceback" not in done.output


def test_sigterm_with_the_event_loop_stuck_still_ends_and_restores(tmp_path: Path) -> None:
    # Nothing on the event loop can run: the exit watchdog restores the terminal.
    done = run_and_quit(tmp_path, "SIGTERM", stuck=True)
    assert done.status == 128 + signal.SIGTERM
    assert_terminal_restored(done.output)
    assert done.echo_restored


def test_the_executor_never_waits_for_a_running_job() -> None:
    executor = DaemonExecutor(max_workers=1)
    started, release = threading.Event(), threading.Event()

    def long_job() -> str:
        started.set()
        release.wait(60)
        return "done"

    running = executor.submit(long_job)
    queued = executor.submit(lambda: "never")  # waits for the one slot
    assert started.wait(30)
    assert queued.cancel()  # still cancellable while it waits
    executor.shutdown(wait=True)  # returns although a job runs: nothing joins it
    assert running.running()
    workers = [t for t in threading.enumerate() if t.name == "rebalancer-worker"]
    assert workers and all(t.daemon for t in workers)  # the interpreter will not wait
    with pytest.raises(RuntimeError):
        executor.submit(lambda: None)
    release.set()
    assert running.result(timeout=30) == "done"
    assert queued.cancelled()
