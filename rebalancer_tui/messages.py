"""Typed messages: widgets and workers post these up; the main screen reacts.

No widget queries a sibling: it posts one of these and the screen sets the
attributes of whoever needs to know.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from rebalancer_tui.engine import Options, Plan
    from rebalancer_tui.engine.contribution import Contribution
    from rebalancer_tui.models import PriceQuote

COMPARE = "compare"
"""The strategy picker's fourth choice: every strategy side by side."""


@dataclass
class FundHighlighted(Message):
    """The fund list's highlight moved: preview this model."""

    fund_id: str


@dataclass
class FundChosen(Message):
    """The user picked a fund: rebalance to this model."""

    fund_id: str


@dataclass
class StrategyChosen(Message):
    """A strategy name from `engine.STRATEGIES`, or `COMPARE`."""

    strategy: str


@dataclass
class PricesUpdated(Message):
    """Quotes for every catalog asset arrived (live where possible)."""

    quotes: dict[str, PriceQuote]
    errors: dict[str, str]
    elapsed_s: float
    cache_error: str | None = None
    # False for the cached prices read at start (no fetch was tried: no notice).
    live: bool = True


@dataclass
class PlanReady(Message):
    """Plans computed for request `request_id`; stale ones are dropped."""

    request_id: int
    strategy: str
    plans: list[Plan]
    # Buy-only mode: the least extra cash bringing every asset within its band.
    contribution: Contribution | None = None


@dataclass
class PlanFailed(Message):
    request_id: int
    reason: str


@dataclass
class PortfolioEdited(Message):
    """Inputs changed by an editor; `None` fields are left as they are."""

    holdings: dict[str, int] | None = None
    cash: Decimal | None = None
    options: Options | None = None
    overrides: dict[str, Decimal] | None = None
