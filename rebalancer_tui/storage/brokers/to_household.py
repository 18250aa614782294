"""A broker file's positions as household accounts and price overrides: the
one mapping `plan --holdings` uses (headless; the app's import does the same).

Kept out of the package's `__init__` on purpose: the readers stay neutral
(they know nothing of the engine); only this module imports `Account`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from decimal import Decimal

from rebalancer_tui.engine.household import Account
from rebalancer_tui.engine.tax import TaxLot
from rebalancer_tui.storage.brokers.model import BrokerAccount, BrokerPositions

__all__ = [
    "broker_accounts",
    "dropped_lots_note",
    "file_prices",
    "import_summary",
    "lots_note",
    "tax_lots",
]


def tax_lots(account: BrokerAccount) -> tuple[TaxLot, ...]:
    """The account's tax lots (IBKR `LOT` rows, trimmed to the whole shares)."""
    return tuple(
        TaxLot(symbol=x.symbol, shares=x.shares, cost=x.cost, date=x.date) for x in account.lots
    )


def broker_accounts(positions: BrokerPositions) -> tuple[Account, ...]:
    """One account per account of the file, with its cash, whole shares and
    tax lots; kind taxable (a positions file does not say), no reserve."""
    return tuple(
        Account(name=b.account, cash=b.cash, holdings=dict(b.holdings), lots=tax_lots(b))
        for b in positions.accounts
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
    """ "5 tax lots" when the file has lots, else ""."""
    n = sum(len(b.lots) for b in positions.accounts)
    return f"{n} tax lot{'s' if n != 1 else ''}" if n else ""


def dropped_lots_note(accounts: Iterable[tuple[str, str, int]]) -> str:
    """ "tax lots not kept (only taxable accounts have lots): 1 of roth
    (tax-free)" for the (account, kind, lots) of other kinds, else ""."""
    parts = [f"{n} of {name} ({kind})" for name, kind, n in accounts if n and kind != "taxable"]
    if not parts:
        return ""
    return f"tax lots not kept (only taxable accounts have lots): {', '.join(parts)}"


def import_summary(positions: BrokerPositions, dropped: str = "") -> str:
    """The one line telling what was read, skipped and left out; `dropped`:
    the `dropped_lots_note` of lots the household could not keep."""
    parts = (positions.summary(), lots_note(positions), dropped)
    return "; ".join(s for s in parts if s)
