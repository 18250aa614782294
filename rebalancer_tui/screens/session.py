"""Where the user's portfolio lives and when it is written (no Textual).

Autosave rule: every accepted change is saved (atomically) to the current
portfolio file, so the next start finds everything as it was left, but only
once the holdings are the user's own (a demo portfolio is not saved over
nothing) and never over a file that could not be read at start: that file is
left untouched until the user saves somewhere explicitly (ctrl+s).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rebalancer_tui.portfolio_io import PortfolioFile
    from rebalancer_tui.screens.state import PortfolioState


class PortfolioSession:
    def __init__(self, flag: Path | None = None) -> None:
        from rebalancer_tui.portfolio_io import startup_portfolio_path

        self.path: Path = startup_portfolio_path(flag)
        # Off until a file is loaded, or saved, or the demo is made the user's own.
        self.autosave = False
        self.broken = False  # the start file exists but could not be read
        self._remembered: Path | None = None

    @property
    def saving(self) -> bool:
        """Whether changes to the user's own holdings are saved as they are made."""
        return self.autosave and not self.broken

    def open_at_start(
        self, known_symbols: Collection[str], known_models: Collection[str]
    ) -> tuple[PortfolioFile | None, str | None]:
        """(the file, None), or (None, a problem to tell), or (None, None) if
        there is no portfolio yet (a first start: the demo, no complaint)."""
        from rebalancer_tui.portfolio_io import FileMissingError, InputError

        try:
            pf = self.load(self.path, known_symbols, known_models)
        except FileMissingError:
            self.autosave = True  # the first own change creates the file
            return None, None
        except InputError as exc:
            self.broken = True
            return None, (
                f"{exc}. The file is left untouched; showing the demo portfolio "
                "(ctrl+s saves elsewhere or over it)."
            )
        return pf, None

    def load(
        self, path: Path, known_symbols: Collection[str], known_models: Collection[str]
    ) -> PortfolioFile:
        """Read `path` (InputError if it cannot be used); it becomes the current file."""
        from rebalancer_tui.portfolio_io import load_portfolio, remember_portfolio

        pf = load_portfolio(path, known_symbols=known_symbols, known_models=known_models)
        self.path, self.autosave, self.broken = path, True, False
        remember_portfolio(path)
        self._remembered = path
        return pf

    def save_as(self, state: PortfolioState, path: Path) -> None:
        """Explicit save (InputError if it cannot be written); `path` becomes current."""
        from rebalancer_tui.portfolio_io import remember_portfolio, save_portfolio

        save_portfolio(path, state.to_file())
        self.path, self.autosave, self.broken = path, True, False
        remember_portfolio(path)
        self._remembered = path

    def autosave_now(self, state: PortfolioState) -> str | None:
        """Save if the rules allow; returns a problem to tell, or None."""
        if not self.autosave or self.broken or state.demo_seed is not None:
            return None
        from rebalancer_tui.portfolio_io import InputError, remember_portfolio, save_portfolio

        try:
            save_portfolio(self.path, state.to_file())
        except InputError as exc:
            self.autosave = False  # tell once, not on every keystroke
            return f"Autosave off: {exc} (ctrl+s saves elsewhere)"
        if self._remembered != self.path:
            remember_portfolio(self.path)
            self._remembered = self.path
        return None
