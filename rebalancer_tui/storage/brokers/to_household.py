"""A broker file's positions as household accounts and price overrides: the
one mapping `plan --holdings` uses (headless; the app's import does the same).

Kept out of the package's `__init__` on purpose: the readers stay neutral
(they know nothing of the engine); only this module imports `Account`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal

from rebalancer_tui.engine.household import Account
from rebalancer_tui.storage.brokers.model import BrokerPositions

__all__ = ["broker_accounts", "file_prices", "import_summary", "lots_note"]


def broker_accounts(positions: BrokerPositions) -> tuple[Account, ...]:
    """One account per account of the file, with its cash and whole shares;
    kind taxable (a positions file does not say), no reserve."""
    return tuple(
        Account(name=b.account, cash=b.cash, holdings=dict(b.holdings)) for b in positions.accounts
    )


def file_prices(
    positions: BrokerPositions, known: Collection[str]
) -> dict[str, tuple[Decimal, dt.date | None]]:
    """{symbol: (the file's price, the file's date)} for every symbol held
    that `known` (the symbols something else prices) lacks."""
    return {
        sym: (price, positions.as_of)
        for sym, price in positions.prices().items()
        if sym not in known
    }


def lots_note(positions: BrokerPositions) -> str:
    """ "tax lots not used yet (5 lots ignored)" when the file has lots, else ""
    (the engine plans without lots for now)."""
    n = sum(len(b.lots) for b in positions.accounts)
    return f"tax lots not used yet ({n} lot{'s' if n != 1 else ''} ignored)" if n else ""


def import_summary(positions: BrokerPositions) -> str:
    """The one line telling what was read, skipped and left out."""
    return "; ".join(s for s in (positions.summary(), lots_note(positions)) if s)
