"""The neutral result of reading a broker file: accounts, holdings, cash,
the file's own prices and tax lots, and every row left out with its reason.

Nothing here knows the engine: the CLI and the app turn a `BrokerPositions`
into a household (one account per `BrokerAccount`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rebalancer_tui.rules import money, plain

__all__ = [
    "BrokerAccount",
    "BrokerLot",
    "BrokerPositions",
    "Skipped",
    "summarize_skipped",
]


@dataclass(frozen=True, slots=True)
class BrokerLot:
    """One tax lot as the broker reports it: whole shares (a fraction the
    holding leaves out is taken off its newest lots), unit cost, open date."""

    symbol: str
    shares: int
    cost: Decimal
    date: date


@dataclass(frozen=True, slots=True)
class Skipped:
    """A data row left out on purpose: its line in the file and why
    ("pending activity", "account total", "unknown instrument type (option)")."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class BrokerAccount:
    """One account of a broker file.

    `account` is a valid household account name (SPEC §7), derived from the
    account number (or, when the file masks it, the name and its last
    digits); `label` is the account as the file writes it; `number` the
    account number when the file gives it whole (an IBKR file's U1234567,
    the id its basket file needs), else "". `holdings` are
    whole shares (floored); `fractions` are the fractions left out; `prices`
    are the file's own price column for every symbol held.
    """

    account: str
    label: str
    cash: Decimal
    holdings: dict[str, int]
    fractions: dict[str, Decimal] = field(default_factory=dict)
    prices: dict[str, Decimal] = field(default_factory=dict)
    lots: list[BrokerLot] = field(default_factory=list)
    number: str = ""


@dataclass(frozen=True, slots=True)
class BrokerPositions:
    """A broker file as read: `format` is a key of `FORMATS` ("schwab",
    "fidelity", "vanguard", "ibkr"); `as_of` the file's own date, if it
    has one."""

    format: str
    format_label: str
    as_of: date | None
    accounts: list[BrokerAccount]
    skipped: list[Skipped] = field(default_factory=list)

    def account(self, name: str) -> BrokerAccount:
        """The account named `name` (KeyError if none)."""
        for acct in self.accounts:
            if acct.account == name:
                return acct
        raise KeyError(name)

    def account_ids(self) -> dict[str, str]:
        """{account name: the broker's account number} ("" where masked):
        for an IBKR file, the `account_ids` of `orders_export.ibkr_basket`."""
        return {a.account: a.number for a in self.accounts}

    def prices(self) -> dict[str, Decimal]:
        """The file's price of every symbol held, in any account (the last
        account's price wins; a broker prices a symbol once per file)."""
        out: dict[str, Decimal] = {}
        for acct in self.accounts:
            out.update(acct.prices)
        return out

    def skipped_summary(self) -> str:
        """ "skipped 3 rows: 1 pending activity, 1 account total, ..." or ""."""
        return summarize_skipped(self.skipped)

    def fractions_summary(self) -> str:
        """ "fractional shares left out: 0.456 VTSAX (ira), ..." or ""."""
        parts = [
            f"{plain(frac)} {sym} ({acct.account})"
            for acct in self.accounts
            for sym, frac in acct.fractions.items()
        ]
        return f"fractional shares left out: {', '.join(parts)}" if parts else ""

    def summary(self) -> str:
        """One line for a notice or stderr: what was read, what was left out."""
        holdings = sum(len(a.holdings) for a in self.accounts)
        cash = sum((a.cash for a in self.accounts), Decimal(0))
        n = len(self.accounts)
        when = f" as of {self.as_of.isoformat()}" if self.as_of else ""
        head = (
            f"{self.format_label}{when}: {n} account{'s' if n != 1 else ''}, "
            f"{holdings} holding{'s' if holdings != 1 else ''}, cash {money(cash)}"
        )
        tail = [s for s in (self.skipped_summary(), self.fractions_summary()) if s]
        return "; ".join([head, *tail])


def summarize_skipped(skipped: list[Skipped]) -> str:
    """Skipped rows counted by reason, in order of first appearance."""
    if not skipped:
        return ""
    counts = Counter(s.reason for s in skipped)
    n = len(skipped)
    parts = ", ".join(f"{k} {reason}" for reason, k in counts.items())
    return f"skipped {n} row{'s' if n != 1 else ''}: {parts}"
