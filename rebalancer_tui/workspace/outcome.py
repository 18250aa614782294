"""What a file action did, as a value the screen shows (never an exception)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rebalancer_tui.workspace.state import PortfolioState

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True)
class Outcome:
    """`ok`: the action happened. `message`: one line for a notice.

    `conflict`: the file changed on disk since it was read, so nothing was
    written; the screen offers to reload it or save elsewhere.
    `state`: the state the action leads to (opened, imported, saved), if any,
    and `undo` names that change for ctrl+z.
    """

    ok: bool
    message: str
    severity: Severity = "information"
    conflict: bool = False
    state: PortfolioState | None = None
    undo: str | None = None

    @property
    def timeout(self) -> float:
        return 10 if self.severity == "error" else 4

    @classmethod
    def done(
        cls, message: str, state: PortfolioState | None = None, undo: str | None = None
    ) -> Outcome:
        return cls(True, message, state=state, undo=undo)

    @classmethod
    def failed(cls, message: str, *, conflict: bool = False) -> Outcome:
        return cls(False, message, "error", conflict)


def one_line(exc: BaseException) -> str:
    """One line for a notice: pydantic's first error without its boilerplate."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
        except (IndexError, TypeError, KeyError):
            first = None
        if isinstance(first, dict) and first.get("msg"):
            return str(first["msg"]).removeprefix("Value error, ")
    return str(exc) or type(exc).__name__
