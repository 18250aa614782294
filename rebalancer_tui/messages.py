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
    from rebalancer_tui.engine import Options
    from rebalancer_tui.engine.contribution import Contribution
    from rebalancer_tui.engine.household import Account
    from rebalancer_tui.engine.household_plan import HouseholdPlan
    from rebalancer_tui.models import PriceQuote
    from rebalancer_tui.workspace import Outcome

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
    """Quotes arrived (live where possible, or the cached ones read at start).

    `notice`: how the fetch went (None for the cached prices: nothing to tell);
    `offline`: no fetch will work (a malformed API URL), stop trying.
    """

    quotes: dict[str, PriceQuote]
    notice: Outcome | None = None
    offline: bool = False


@dataclass
class PlanReady(Message):
    """Plans computed for request `request_id` (stale ones are dropped), or
    `failure`: why none could be."""

    request_id: int
    strategy: str
    plans: list[HouseholdPlan]
    failure: str | None = None


@dataclass
class ContributionReady(Message):
    """Buy-only mode, after the plan: the least extra cash bringing every asset
    within its band (None: none found), for request `request_id`."""

    request_id: int
    contribution: Contribution | None


@dataclass
class PortfolioEdited(Message):
    """Inputs changed by an editor; `None` fields are left as they are.
    `account`: whose holdings these are (None: the only account's)."""

    holdings: dict[str, int] | None = None
    cash: Decimal | None = None
    options: Options | None = None
    overrides: dict[str, Decimal] | None = None
    account: str | None = None


@dataclass
class AccountsEdited(Message):
    """The accounts dialog's change: the new accounts (in order) and location
    table, and what the change was, for undo (\"removal of account ira\")."""

    accounts: tuple[Account, ...]
    what: str
    location: dict[str, frozenset[str]] | None = None
    renamed: tuple[str, str] | None = None  # (old, new): what goes with the name follows
