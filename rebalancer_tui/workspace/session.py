"""Where the user's portfolio lives and when it is written (no Textual).

Every file action (open, save, autosave, import, export) returns an `Outcome`
the screen shows; none raises to it. The rules:

- Autosave: every accepted change is saved (atomically) to the current
  portfolio file, but only once the holdings are the user's own (a demo
  portfolio is never saved), and never over a file that could not be read at
  start: that one is left untouched until the user saves explicitly (ctrl+s).
- Regenerating a demo detaches the session from the file: nothing made from
  the demo reaches the user's file unless they save it there on purpose.
- A file changed on disk since this session read or wrote it (another
  window, an editor) is never overwritten silently: autosave stops and says
  so; the screen offers to reload it or save elsewhere.
- Replacing any existing file other than the current, unchanged one needs a
  confirmation: `save_question` / `export_question` name what would be lost.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rebalancer_tui.workspace.outcome import Outcome

if TYPE_CHECKING:
    from rebalancer_tui.storage.orders_export import OrderRow
    from rebalancer_tui.storage.portfolio_file import PortfolioFile
    from rebalancer_tui.workspace.state import PortfolioState

# Files larger than this are fingerprinted by size and time only, and never
# parsed to describe what a save over them would lose.
HASH_LIMIT = 8 * 1024 * 1024
Fingerprint = tuple[int, int, str]


def fingerprint(path: Path) -> Fingerprint | None:
    """(mtime ns, size, sha256) of a regular file; None if there is none."""
    try:
        st = path.stat()
        if not path.is_file():
            return (st.st_mtime_ns, st.st_size, "not a regular file")
        if st.st_size > HASH_LIMIT:
            return (st.st_mtime_ns, st.st_size, "")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, digest)


def _same(a: Fingerprint | None, b: Fingerprint | None) -> bool:
    # A touch that leaves the bytes alone is no change.
    if a is None or b is None:
        return a is b
    return a == b or (a[1:] == b[1:] and a[2] != "")


def same_file(a: Path, b: Path) -> bool:
    return os.path.abspath(a.expanduser()) == os.path.abspath(b.expanduser())


def money(amount: object) -> str:
    return f"${amount:,.2f}"


def describe_file(path: Path) -> str:
    """What is in an existing file, in a few words, for a confirmation."""
    from rebalancer_tui.rules import InputError
    from rebalancer_tui.storage.portfolio_file import load_portfolio

    try:
        size = path.stat().st_size
    except OSError:
        return "a file"
    if size <= HASH_LIMIT:
        try:
            pf = load_portfolio(path)
        except (InputError, OSError, ValueError):
            pass
        else:
            n = len(pf.accounts)
            accounts = f"{n} accounts, " if n > 1 else ""
            return (
                f"a portfolio with {accounts}{len(pf.holdings)} holdings, cash "
                f"{money(pf.cash)}, model {pf.model}"
            )
    return f"a file of {size:,} bytes that is not a portfolio"


class PortfolioSession:
    def __init__(self, flag: Path | None = None) -> None:
        # No disk access here: `start` finds the file.
        self.flag = flag
        self.path: Path = Path("portfolio.json")
        # Off until a file is loaded, or saved, or the demo is made the user's own.
        self.autosave = False
        self.broken = False  # the start file exists but could not be read
        self._seen: Fingerprint | None = None  # the file as last read or written
        self._last: PortfolioFile | None = None  # ...and what it held
        self.conflicted = False  # an autosave found the file changed on disk
        self._remembered: Path | None = None

    @property
    def saving(self) -> bool:
        """Whether changes to the user's own holdings are saved as they are made."""
        return self.autosave and not self.broken

    def _attach(self, path: Path, held: PortfolioFile) -> None:
        from rebalancer_tui.storage.portfolio_file import remember_portfolio

        self.path, self.autosave, self.broken, self.conflicted = path, True, False, False
        self._seen, self._last = fingerprint(path), held
        if self._remembered != path:
            remember_portfolio(path)
            self._remembered = path

    def detach(self) -> None:
        """The holdings shown are no longer the file's (a new demo): stop autosaving."""
        self.autosave = False

    def unsaved(self, state: PortfolioState) -> bool:
        """The user's own portfolio is shown and no file holds it (autosave is off:
        a new demo detached it, the file could not be read or changed on disk,
        or a save failed). A demo is not the user's: a seed makes it again."""
        return not self.saving and state.demo_seed is None and state.to_file() != self._last

    def conflict_question(self) -> str | None:
        """After an autosave refused for a file changed on disk: reload or save
        elsewhere? (asked once per conflict; None when there is none)."""
        if not self.conflicted:
            return None
        self.conflicted = False
        return (
            f"{self.path} changed on disk since it was read. Reload it (the changes made "
            "here since are dropped) or save this portfolio elsewhere?"
        )

    def changed_on_disk(self) -> bool:
        """The current file is not as this session last read or wrote it."""
        now = fingerprint(self.path)
        return now is not None and not _same(self._seen, now)

    # -- opening ---------------------------------------------------------------

    def start(
        self, known_symbols: Collection[str], known_models: Collection[str]
    ) -> tuple[PortfolioFile | None, Outcome | None]:
        """The start file, or a problem to tell, or neither on a first start (the demo)."""
        from rebalancer_tui.rules import InputError
        from rebalancer_tui.storage.portfolio_file import startup_portfolio_path
        from rebalancer_tui.storage.text import FileMissingError

        self.path = startup_portfolio_path(self.flag)
        try:
            pf = self._load(self.path, known_symbols, known_models)
        except FileMissingError:
            self.autosave = True  # the first own change creates the file
            self._seen = None
            return None, None
        except InputError as exc:
            self.broken = True
            return None, Outcome(
                False,
                f"{exc}. The file is left untouched; showing the demo portfolio "
                "(ctrl+s saves elsewhere or over it).",
                "warning",
            )
        return pf, None

    def _load(
        self, path: Path, known_symbols: Collection[str], known_models: Collection[str]
    ) -> PortfolioFile:
        from rebalancer_tui.storage.portfolio_file import load_portfolio

        pf = load_portfolio(path, known_symbols=known_symbols, known_models=known_models)
        self._attach(path, pf)
        return pf

    def open(
        self, path: Path, known_symbols: Collection[str], known_models: Collection[str]
    ) -> tuple[PortfolioFile | None, Outcome]:
        """Read `path`; on success it becomes the current file."""
        from rebalancer_tui.rules import InputError

        try:
            pf = self._load(path, known_symbols, known_models)
        except InputError as exc:
            return None, Outcome.failed(f"Not opened: {exc}")
        return pf, Outcome.done(f"Opened {path}.")

    # -- saving ----------------------------------------------------------------

    def save_question(self, path: Path) -> str | None:
        """Why saving to `path` needs a yes, naming what would be lost; None if it does
        not (no file there, or no regular file: the save itself refuses those)."""
        if not path.is_file():
            return None
        current = same_file(path, self.path)
        if current and self.saving and not self.changed_on_disk():
            return None  # the current file, as this session left it
        what = describe_file(path)
        if current and self.changed_on_disk():
            return f"{path} changed on disk since it was read; it now holds {what}. Replace it?"
        return f"{path} exists and holds {what}. Replace it with this portfolio?"

    def save_as(self, state: PortfolioState, path: Path) -> Outcome:
        """Explicit save (the caller has asked `save_question`); `path` becomes current."""
        from rebalancer_tui.rules import InputError
        from rebalancer_tui.storage.portfolio_file import save_portfolio

        pf = state.to_file()
        try:
            save_portfolio(path, pf)
        except InputError as exc:
            return Outcome.failed(f"Not saved: {exc}")
        self._attach(path, pf)
        return Outcome.done(f"Saved to {path}; changes are now saved as you make them.")

    def autosave_now(self, state: PortfolioState) -> Outcome | None:
        """Save if the rules allow; an outcome only when there is something to tell."""
        if not self.saving:
            return None
        if state.demo_seed is not None and self._last is None:
            # A demo is never written over nothing; but once this session's file
            # holds an edit of it, undoing back to the demo must reach the file too.
            return None
        from rebalancer_tui.rules import InputError
        from rebalancer_tui.storage.portfolio_file import save_portfolio

        pf = state.to_file()
        if pf == self._last:
            return None  # the file holds it already (just opened or saved)
        now = fingerprint(self.path)
        if now is not None and not _same(self._seen, now):
            self.autosave, self.conflicted = False, True  # tell once, not on every change
            return Outcome.failed(
                f"{self.path} changed on disk since it was read (another window?). Not "
                "saved, autosave off: reload it (ctrl+o) or save elsewhere (ctrl+s).",
                conflict=True,
            )
        try:
            save_portfolio(self.path, pf)
        except InputError as exc:
            self.autosave = False
            return Outcome.failed(f"Autosave off: {exc} (ctrl+s saves elsewhere)")
        self._attach(self.path, pf)
        return None

    # -- holdings CSV in, orders CSV out -------------------------------------------

    def import_holdings(
        self, path: Path, known: Collection[str]
    ) -> tuple[dict[str, int] | None, Outcome]:
        from rebalancer_tui.rules import InputError
        from rebalancer_tui.storage.csv_files import read_holdings_csv

        try:
            holdings = read_holdings_csv(path, known=known)
        except InputError as exc:
            return None, Outcome.failed(f"Not imported: {exc}")
        return holdings, Outcome.done(f"Imported {len(holdings)} holdings from {path}.")

    @staticmethod
    def import_question(path: Path, new: Mapping[str, int], now: Mapping[str, int]) -> str | None:
        """An import that would empty the holdings needs a yes."""
        held = sum(1 for n in now.values() if n)
        if new or not held:
            return None
        return f"{path} lists no holdings: importing it empties your {held} holdings. Import?"

    @staticmethod
    def export_question(path: Path) -> str | None:
        if not path.is_file():
            return None
        return f"{path} exists and holds {describe_file(path)}. Replace it with these orders?"

    @staticmethod
    def export_orders(
        rows: Sequence[OrderRow],
        path: Path,
        fmt: str = "csv",
        ids: Mapping[str, str] | None = None,
    ) -> Outcome:
        """Orders per account: `fmt` "csv" (account,action,symbol,shares,price,
        amount) or "ibkr" (a TWS basket; `ids` the accounts' IBKR ids)."""
        from rebalancer_tui.rules import InputError
        from rebalancer_tui.storage.orders_export import export_orders

        what = "IBKR basket" if fmt == "ibkr" else "orders"
        try:
            export_orders(path, rows, "ibkr" if fmt == "ibkr" else "csv", ids)
        except InputError as exc:
            return Outcome.failed(f"Not exported: {exc}")
        accounts = len({r.account for r in rows})
        per = f" in {accounts} accounts" if accounts > 1 else ""
        return Outcome.done(f"Exported {len(rows)} orders{per} to {path} ({what}).")
