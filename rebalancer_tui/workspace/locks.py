"""Locking a holding from the holdings view (SPEC §9): a locked holding is
never traded, still counts in values and deviation. Headless: the screen
passes the highlighted row's symbol and applies the `Outcome` (undoable,
autosaved like every option)."""

from __future__ import annotations

from rebalancer_tui.workspace.outcome import Outcome
from rebalancer_tui.workspace.state import PortfolioState


def locks_of(locked: frozenset[str], symbol: str) -> frozenset[str]:
    """The entries of `locked` that lock `symbol` ("SYM" or "ACCOUNT:SYM")."""
    return frozenset(e for e in locked if e.rpartition(":")[2] == symbol)


def is_locked(locked: frozenset[str], symbol: str) -> bool:
    """Whether `symbol` is locked anywhere (in every account or in one)."""
    return bool(locks_of(locked, symbol))


def toggled_lock(state: PortfolioState, symbol: str | None, account: str | None = None) -> Outcome:
    """Lock `symbol` (in `account` only, or everywhere when None), or unlock it
    wherever it is locked. `symbol` None or a money row ("$cash"): nothing."""
    if not symbol or symbol.startswith("$"):
        return Outcome(False, "Highlight a holding in Current holdings to lock or unlock it.")
    locked = state.options.locked
    present = locks_of(locked, symbol)
    if present:
        new, message = locked - present, f"Unlocked {symbol}: the plans may trade it again."
        what = f"unlock of {symbol}"
    else:
        entry = f"{account}:{symbol}" if account else symbol
        where = f" in {account}" if account else ""
        new = locked | {entry}
        message = f"Locked {symbol}{where}: never traded (l again unlocks, ctrl+z undoes)."
        what = f"lock of {symbol}"
    options = state.options.model_copy(update={"locked": frozenset(new)})
    return Outcome.done(message, state.replace(options=options), what)
