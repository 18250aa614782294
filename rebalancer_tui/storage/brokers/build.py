"""Accounts assembled row by row, then finished into `BrokerAccount`s:
holdings summed and floored, cash within the rules' bounds, lots trimmed to
the whole shares, account names made valid and unique."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from rebalancer_tui.rules import (
    ACCOUNT_NAME,
    ACCOUNT_NAME_MAX_LEN,
    CASH,
    MAX_SYMBOLS,
    SHARES,
    InputError,
    check_number,
    check_symbol,
    money,
    plain,
    shown,
)
from rebalancer_tui.storage.brokers.model import BrokerAccount, BrokerLot

__all__ = ["AccountBuilder", "Household", "account_name", "broker_symbol"]

# A masked account number at the end of a label: "...123", "XXXX-1234", "**12".
_MASK_TAIL = re.compile(r"(?:\.\.\.|…|[Xx*]{2,}-?)([0-9]{1,12})\s*\Z")
_NOT_NAME = re.compile(r"[^A-Za-z0-9]+", re.ASCII)


def _slug(text: str) -> str:
    return _NOT_NAME.sub("-", text).strip("-").lower()


def _masked(text: str) -> tuple[str, str] | None:
    """(name, digits shown) of a label ending in a masked number, or None.
    Only the label's tail is searched: a huge cell stays cheap."""
    tail = text[-64:]
    m = _MASK_TAIL.search(tail)
    if m is None:
        return None
    cut = len(text) - len(tail) + m.start()
    return text[:cut].rstrip(" .\t"), m.group(1)


def account_name(number: str, label: str) -> str:
    """A household account name (SPEC §7) for an account of a broker file.

    The account number itself when the file gives it whole (Z12345678,
    U1234567, 12345678); when the file masks it (Schwab's "Individual ...123"),
    the name and the digits shown ("individual-123"). Never empty.
    """
    number = number.strip()
    if number and ACCOUNT_NAME.fullmatch(number) and _masked(number) is None:
        return number
    source = f"{label} {number}".strip() if number not in label else label
    found = _masked(source)
    if found:
        digits = found[1]
        base = _slug(found[0])[: ACCOUNT_NAME_MAX_LEN - len(digits) - 1].strip("-")
        return f"{base}-{digits}" if base else digits
    return _slug(source[:200])[:ACCOUNT_NAME_MAX_LEN].strip("-") or "account"


def broker_symbol(text: str) -> str:
    """A broker's ticker as the catalog writes it: IBKR writes a share class
    with a space and Schwab with a slash ("BRK B", "BRK/B" are BRK.B)."""
    parts = text.replace("/", " ").split()
    if len(parts) == 2 and len(parts[1]) == 1 and parts[1].isalpha():
        text = ".".join(parts)
    return check_symbol(text)


@dataclass
class AccountBuilder:
    """One account while its rows are read."""

    number: str
    label: str
    cash: Decimal = Decimal(0)
    shares: dict[str, Decimal] = field(default_factory=dict)
    prices: dict[str, Decimal] = field(default_factory=dict)
    lots: list[tuple[int, str, Decimal, Decimal, date]] = field(default_factory=list)
    first_line: dict[str, int] = field(default_factory=dict)

    def add_holding(
        self, line: int, symbol: str, whole: int, frac: Decimal, price: Decimal | None
    ) -> None:
        # Fidelity lists one row per (symbol, Cash/Margin type): they add up.
        self.shares[symbol] = self.shares.get(symbol, Decimal(0)) + whole + frac
        self.first_line.setdefault(symbol, line)
        if price is not None:
            self.prices[symbol] = price

    def add_cash(self, value: Decimal) -> None:
        self.cash += value

    def add_lot(self, line: int, symbol: str, shares: Decimal, cost: Decimal, when: date) -> None:
        self.lots.append((line, symbol, shares, cost, when))


class Household:
    """The accounts of one file, in the order they appear."""

    def __init__(self, where: str) -> None:
        self.where = where
        self._accounts: dict[str, AccountBuilder] = {}
        # Where each account's rows began, and the account of the last row:
        # an account whose rows start again later is a file pasted twice,
        # whose values would otherwise be summed.
        self._began: dict[str, int] = {}
        self._current: str | None = None

    def get(self, number: str, label: str) -> AccountBuilder:
        key = number or label
        acct = self._accounts.get(key)
        if acct is None:
            acct = self._accounts[key] = AccountBuilder(number, label)
        return acct

    def _twice(self, key: str, label: str, line: int) -> InputError:
        # Said without the file: the callers name it with the line (`at_line`).
        return InputError(
            f"account {shown(label)} appears twice (lines {self._began[key]} and {line})"
        )

    def open(self, number: str, label: str, line: int) -> AccountBuilder:
        """The account whose block of rows begins at `line`: one block each."""
        key = number or label
        if key in self._began:
            raise self._twice(key, label, line)
        self._began[key] = line
        self._current = key
        return self.get(number, label)

    def at(self, number: str, label: str, line: int) -> AccountBuilder:
        """The account of the row at `line`, in a table whose rows of one
        account come together: an account coming back after another is refused."""
        key = number or label
        if key != self._current:
            if key in self._began:
                raise self._twice(key, label, line)
            self._began[key] = line
            self._current = key
        return self.get(number, label)

    def finish(self) -> list[BrokerAccount]:
        out: list[BrokerAccount] = []
        used: set[str] = set()
        symbols: set[str] = set()
        for acct in self._accounts.values():
            name = account_name(acct.number, acct.label)
            base, k = name, 2
            while name in used:
                suffix = f"-{k}"
                name, k = base[: ACCOUNT_NAME_MAX_LEN - len(suffix)] + suffix, k + 1
            used.add(name)
            try:
                cash = check_number(acct.cash, CASH, got=money(acct.cash))
            except InputError as exc:
                raise InputError(f"{self.where}: account {shown(acct.label)}: {exc}") from None
            holdings: dict[str, int] = {}
            fractions: dict[str, Decimal] = {}
            for sym, total in acct.shares.items():
                whole = total.to_integral_value(rounding=ROUND_FLOOR)
                check_number(whole, SHARES)
                if whole > 0:
                    holdings[sym] = int(whole)
                if total != whole:
                    fractions[sym] = total - whole
            symbols.update(holdings)
            if len(symbols) > MAX_SYMBOLS:
                raise InputError(f"{self.where}: more than {MAX_SYMBOLS:,} symbols")
            prices = {s: p for s, p in acct.prices.items() if s in acct.shares}
            lots = _trimmed_lots(self.where, acct)
            out.append(
                BrokerAccount(
                    account=name,
                    label=acct.label,
                    cash=cash,
                    holdings=holdings,
                    fractions=fractions,
                    prices=prices,
                    lots=lots,
                    number=acct.number if name == acct.number else "",
                )
            )
        return out


def _trimmed_lots(where: str, acct: AccountBuilder) -> list[BrokerLot]:
    """The lots of each symbol summing to its whole shares.

    The lots must add up to the position (else the file contradicts itself);
    the fraction the position leaves out is taken off the newest lots, the
    ones a broker would sell last."""
    by_symbol: dict[str, list[tuple[int, str, Decimal, Decimal, date]]] = {}
    for lot in acct.lots:
        by_symbol.setdefault(lot[1], []).append(lot)
    out: list[BrokerLot] = []
    for sym, lots in by_symbol.items():
        total = sum((lot[2] for lot in lots), Decimal(0))
        position = acct.shares.get(sym)
        if position is None or total != position:
            held = "no position" if position is None else f"a position of {plain(position)} shares"
            raise InputError(
                f"{where} line {lots[0][0]}: the lots of {sym} in {shown(acct.label)} add up "
                f"to {plain(total)} shares, but the file gives {held}"
            )
        # Cumulative floor, oldest first: every lot keeps whole shares, they sum
        # to the floored position, and the fraction left out is the newest.
        before = Decimal(0)
        for _line, _sym, shares, cost, when in sorted(lots, key=lambda x: x[4]):
            after = before + shares
            whole = int(after.to_integral_value(rounding=ROUND_FLOOR)) - int(
                before.to_integral_value(rounding=ROUND_FLOOR)
            )
            before = after
            if whole > 0:
                out.append(BrokerLot(sym, whole, cost, when))
    return out
