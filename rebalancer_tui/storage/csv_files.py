"""The user's CSV files: holdings `symbol,shares`, targets `symbol,weight`,
price overrides `symbol,price`, accounts, tax lots `account,symbol,shares,cost,date`,
asset location, and the orders export.

Every reader raises InputError with one line naming the file, the line, what
was expected and what was found; numbers and symbols follow `rules`. At most
`MAX_ROWS` data rows are read (a million-row file is refused at once).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from rebalancer_tui.rules import (
    CASH,
    LOT_COST,
    MAX_SYMBOLS,
    PRICE,
    RESERVE,
    SHARES,
    WEIGHT,
    WEIGHT_SUM_TOLERANCE,
    InputError,
    Quantity,
    check_account_kind,
    check_account_name,
    check_symbol,
    csv_cell,
    parse_date,
    parse_number,
    plain,
    shown,
)
from rebalancer_tui.storage.atomic import atomic_write_text
from rebalancer_tui.storage.text import read_text, where

if TYPE_CHECKING:
    from rebalancer_tui.engine import Plan
    from rebalancer_tui.engine.tax import TaxLot

MAX_ROWS = MAX_SYMBOLS
_CENT = Decimal("0.01")
# How many unknown symbols one error line names before "and N more".
_NAMED = 5


def _rows(
    path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[tuple[int, dict[str, str]]]:
    """Data rows of a CSV as (line number, {column: cell}); the header names
    every column of `columns` and any of `optional`, in any order."""
    text = read_text(path)
    name = where(path)
    expected = ",".join(columns) + "".join(f"[,{c}]" for c in optional)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    out: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            # A trailing comma (some spreadsheets add one) is not a column.
            while cells and cells[-1] == "":
                cells.pop()
            if not cells:
                continue
            line = reader.line_num
            if header is None:
                header = [c.lower() for c in cells]
                extra = [c for c in header if c not in columns]
                if (
                    len(set(header)) != len(header)
                    or not set(columns) <= set(header)
                    or not set(extra) <= set(optional)
                ):
                    raise InputError(
                        f"{name} line {line}: expected the header '{expected}' "
                        f"(got {shown(','.join(cells))})"
                    )
                continue
            if len(out) >= MAX_ROWS:
                raise InputError(f"{name} line {line}: too many rows (at most {MAX_ROWS:,})")
            if len(cells) != len(header):
                hint = (
                    "; write 1234.5: no thousands separators, a point for decimals"
                    if len(cells) > len(header)
                    else ""
                )
                raise InputError(
                    f"{name} line {line}: expected {len(header)} columns '{expected}', "
                    f"got {len(cells)} ({shown(','.join(cells))}){hint}"
                )
            out.append((line, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        raise InputError(f"{name} line {reader.line_num}: malformed CSV ({exc})") from None
    if header is None:
        raise InputError(f"{name}: empty file, expected the header '{expected}'")
    return out


def _read_column(path: Path, column: str, q: Quantity) -> tuple[dict[str, Decimal], dict[str, int]]:
    """`symbol,<column>` rows -> ({SYMBOL: value}, {SYMBOL: line})."""
    name = where(path)
    lines: dict[str, int] = {}
    out: dict[str, Decimal] = {}
    for line, row in _rows(path, ("symbol", column)):
        try:
            sym = check_symbol(row["symbol"])
            if sym in lines:
                raise InputError(f"{sym} appears twice (first on line {lines[sym]})")
            value = parse_number(row[column], q)
        except InputError as exc:
            raise InputError(f"{name} line {line}: {exc}") from None
        lines[sym] = line
        out[sym] = value
    return out, lines


def _check_known(
    path: Path, lines: dict[str, int], known: Collection[str] | None, symbols: Iterable[str]
) -> None:
    if known is None:
        return
    unknown = [s for s in symbols if s not in known]
    if not unknown:
        return
    first = unknown[0]
    more = unknown[1:_NAMED]
    also = f"; also {', '.join(more)}" if more else ""
    rest = len(unknown) - 1 - len(more)
    also += f" and {rest:,} more" if rest > 0 else ""
    raise InputError(
        f"{where(path)} line {lines[first]}: unknown symbol {first} (not in the catalog and "
        f"no price given for it){also}"
    )


def read_holdings_csv(path: Path, *, known: Collection[str] | None = None) -> dict[str, int]:
    """`symbol,shares` rows -> {SYMBOL: shares}. With `known`, every symbol must
    be in it (the catalog plus any symbol the caller has a price for)."""
    values, lines = _read_column(Path(path), "shares", SHARES)
    _check_known(Path(path), lines, known, values)
    return {s: int(v) for s, v in values.items()}


def read_targets_csv(path: Path, *, known: Collection[str] | None = None) -> dict[str, Decimal]:
    """`symbol,weight` rows -> {SYMBOL: weight}; weights are fractions summing to 1."""
    path = Path(path)
    out, lines = _read_column(path, "weight", WEIGHT)
    if not out:
        raise InputError(f"{where(path)}: no target weights (expected rows 'symbol,weight')")
    total = sum(out.values(), Decimal(0))
    if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
        raise InputError(f"{where(path)}: weights sum to {plain(total)}, expected 1")
    _check_known(path, lines, known, out)
    return out


def read_prices_csv(path: Path) -> dict[str, Decimal]:
    """`symbol,price` rows -> {SYMBOL: price}; prices are dollars within `rules.PRICE`."""
    return _read_column(Path(path), "price", PRICE)[0]


def read_account_holdings_csv(
    path: Path,
    *,
    known: Collection[str] | None = None,
    default_account: str = "main",
    accounts: Collection[str] | None = None,
    accounts_file: str = "the accounts",
) -> dict[str, dict[str, int]]:
    """`[account,]symbol,shares` rows -> {account: {SYMBOL: shares}}, accounts
    in the order first seen. Without the `account` column every row belongs to
    `default_account`. A (account, symbol) pair given twice is refused; with
    `accounts`, an account not among them is refused (named with its line)."""
    path = Path(path)
    name = where(path)
    out: dict[str, dict[str, int]] = {}
    lines: dict[str, int] = {}
    seen: dict[tuple[str, str], int] = {}
    for line, row in _rows(path, ("symbol", "shares"), ("account",)):
        try:
            account = check_account_name(row["account"]) if "account" in row else default_account
            if accounts is not None and account not in accounts:
                raise InputError(_unknown_account(account, accounts_file, "account" in row))
            sym = check_symbol(row["symbol"])
            if (account, sym) in seen:
                where_ = f" in account {account}" if "account" in row else ""
                raise InputError(
                    f"{sym} appears twice{where_} (first on line {seen[account, sym]})"
                )
            shares = int(parse_number(row["shares"], SHARES))
        except InputError as exc:
            raise InputError(f"{name} line {line}: {exc}") from None
        seen[account, sym] = line
        lines.setdefault(sym, line)
        out.setdefault(account, {})[sym] = shares
    _check_known(path, lines, known, lines)
    return out


class AccountRow(NamedTuple):
    account: str
    kind: str
    cash: Decimal
    reserve: Decimal
    line: int


def read_accounts_csv(path: Path) -> list[AccountRow]:
    """`account,kind,cash[,reserve]` rows, in file order; a name given twice is refused."""
    path = Path(path)
    name = where(path)
    out: list[AccountRow] = []
    first: dict[str, int] = {}
    for line, row in _rows(path, ("account", "kind", "cash"), ("reserve",)):
        try:
            account = check_account_name(row["account"])
            if account in first:
                raise InputError(
                    f"account {account} appears twice (first on line {first[account]})"
                )
            kind = check_account_kind(row["kind"])
            cash = parse_number(row["cash"], CASH)
            reserve = parse_number(row["reserve"], RESERVE) if row.get("reserve") else Decimal(0)
        except InputError as exc:
            raise InputError(f"{name} line {line}: {exc}") from None
        first[account] = line
        out.append(AccountRow(account, kind, cash, reserve, line))
    if not out:
        raise InputError(f"{name}: no accounts (expected rows 'account,kind,cash[,reserve]')")
    return out


def _unknown_account(account: str, accounts_file: str, named: bool) -> str:
    # Without an `account` column every row is the default account's: say
    # so, or "unknown account 'main'" reads as a typo in a cell that is not there.
    why = "" if named else "; the file has no 'account' column, add it"
    return f"unknown account {shown(account)} (not in {accounts_file}{why})"


class LotRow(NamedTuple):
    """One row of a lots CSV: a tax lot of `account` and the line it is on."""

    account: str
    symbol: str
    shares: int
    cost: Decimal
    date: dt.date
    line: int

    def to_lot(self) -> TaxLot:
        from rebalancer_tui.engine.tax import TaxLot

        return TaxLot(symbol=self.symbol, shares=self.shares, cost=self.cost, date=self.date)


def read_lots_csv(
    path: Path,
    *,
    default_account: str = "main",
    accounts: Collection[str] | None = None,
    accounts_file: str = "the accounts",
    latest: dt.date | None = None,
) -> list[LotRow]:
    """`[account,]symbol,shares,cost,date` rows (SPEC §8, §10), in file order.

    Without the `account` column every lot belongs to `default_account`; with
    `accounts`, an account not among them is refused. Shares are whole (at
    least 1), cost a unit cost in dollars (`rules.LOT_COST`), date ISO
    YYYY-MM-DD not after `latest` (the plan's `as_of`; default today). Whether the lots fit the
    holdings is `check_lots_fit`'s job, once the holdings are known."""
    path = Path(path)
    name = where(path)
    newest = latest if latest is not None else dt.date.today()
    out: list[LotRow] = []
    for line, row in _rows(path, ("symbol", "shares", "cost", "date"), ("account",)):
        try:
            account = check_account_name(row["account"]) if "account" in row else default_account
            if accounts is not None and account not in accounts:
                raise InputError(_unknown_account(account, accounts_file, "account" in row))
            sym = check_symbol(row["symbol"])
            shares = int(parse_number(row["shares"], SHARES))
            if shares < 1:
                raise InputError(f"shares: a lot holds at least 1 share (got {shares})")
            cost = parse_number(row["cost"], LOT_COST)
            when = parse_date(row["date"], "date", latest=newest)
        except InputError as exc:
            raise InputError(f"{name} line {line}: {exc}") from None
        out.append(LotRow(account, sym, shares, cost, when, line))
    return out


def check_lots_fit(
    path: Path,
    rows: Iterable[LotRow],
    kinds: Mapping[str, str],
    holdings: Mapping[str, Mapping[str, int]],
) -> dict[str, list[LotRow]]:
    """The rows of a lots CSV by account, checked against the household: an
    account named must exist (`kinds`: {account: kind}) and be taxable, and
    the lots of each (account, symbol) add up to its holding. InputError with
    the file and the line of the first lot concerned otherwise."""
    name = where(Path(path))
    by_account: dict[str, list[LotRow]] = {}
    for r in rows:
        by_account.setdefault(r.account, []).append(r)
    for account, lots in by_account.items():
        first = lots[0].line
        if account not in kinds:
            raise InputError(f"{name} line {first}: unknown account {shown(account)}")
        kind = kinds[account]
        if kind != "taxable":
            raise InputError(
                f"{name} line {first}: account {account}: tax lots are only for taxable "
                f"accounts (this one is {kind})"
            )
        total: dict[str, int] = {}
        line_of: dict[str, int] = {}
        for r in lots:
            total[r.symbol] = total.get(r.symbol, 0) + r.shares
            line_of.setdefault(r.symbol, r.line)
        held = holdings.get(account, {})
        for sym, n in total.items():
            if n != held.get(sym, 0):
                raise InputError(
                    f"{name} line {line_of[sym]}: account {account}: the lots of {sym} add up "
                    f"to {n:,} shares, but the account holds {held.get(sym, 0):,}"
                )
    return by_account


def read_account_lots(
    path: Path,
    kinds: Mapping[str, str],
    holdings: Mapping[str, Mapping[str, int]],
    *,
    as_of: dt.date | None = None,
    accounts_file: str = "the household",
) -> dict[str, tuple[TaxLot, ...]]:
    """A lots CSV read for a household: {account: its lots} for every account
    of `kinds` ({account: kind}; accounts without a row get none). Without the
    `account` column the lots are the only account's (`main` when there are
    several); no lot after `as_of` (default today); every check of
    `read_lots_csv` and `check_lots_fit`. InputError (one line) otherwise."""
    names = list(kinds)
    rows = read_lots_csv(
        path,
        default_account=names[0] if len(names) == 1 else "main",
        accounts=names,
        accounts_file=accounts_file,
        latest=as_of,
    )
    fit = check_lots_fit(path, rows, kinds, holdings)
    return {name: tuple(r.to_lot() for r in fit.get(name, [])) for name in names}


def read_location_csv(path: Path) -> dict[str, frozenset[str]]:
    """`symbol,kind` rows -> {SYMBOL: preferred account kinds} (a symbol may
    prefer several kinds, one row each)."""
    path = Path(path)
    name = where(path)
    out: dict[str, set[str]] = {}
    for line, row in _rows(path, ("symbol", "kind")):
        try:
            sym = check_symbol(row["symbol"])
            kind = check_account_kind(row["kind"])
        except InputError as exc:
            raise InputError(f"{name} line {line}: {exc}") from None
        out.setdefault(sym, set()).add(kind)
    return {s: frozenset(k) for s, k in out.items()}


def orders_csv_text(plan: Plan) -> str:
    """`action,symbol,shares,price,amount`, sells first; no cell can start a formula."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["action", "symbol", "shares", "price", "amount"])
    for o in plan.orders:
        w.writerow(
            [
                csv_cell(o.action),
                csv_cell(o.symbol),
                o.shares,
                plain(o.price),
                format(o.amount.quantize(_CENT), "f"),
            ]
        )
    return buf.getvalue()


def write_orders_csv(path: Path, plan: Plan) -> None:
    """The plan's orders (sells first) for a broker; amount rounded to the cent. Atomic."""
    atomic_write_text(Path(path), orders_csv_text(plan))
