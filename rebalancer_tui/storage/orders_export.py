"""Orders out to a broker (SPEC §10): a CSV of orders per account, and an
Interactive Brokers basket file for TWS BasketTrader.

    orders_csv(rows)                   account,action,symbol,shares,price,amount
    ibkr_basket(rows, {"main": "U1234567"})
        Action,Quantity,Symbol,SecType,Exchange,Currency,TimeInForce,OrderType,Account
        SELL,3,BND,STK,SMART,USD,DAY,MKT,U1234567

Both list each account's sells before its buys (the sells fund the buys),
accounts in the order they first appear. Cells never start a spreadsheet
formula (`rules.csv_cell`) and no comma is followed by a space.

`OrderRow` is the neutral input: `order_rows_from_plan` makes it from
today's single-account `engine.Plan`; a household plan gives one row per
(account, symbol) order.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rebalancer_tui.rules import (
    MAX_TOTAL_VALUE,
    PRICE,
    SHARES,
    InputError,
    Quantity,
    check_account_name,
    check_number,
    check_symbol,
    csv_cell,
    parse_number,
    plain,
    shown,
)
from rebalancer_tui.storage.atomic import atomic_write_text
from rebalancer_tui.storage.text import read_text, where

if TYPE_CHECKING:
    from rebalancer_tui.engine import Plan

__all__ = [
    "EXPORT_FORMATS",
    "IBKR_HEADER",
    "ORDERS_HEADER",
    "ExportFormat",
    "OrderRow",
    "default_ibkr_ids",
    "export_orders",
    "ibkr_basket",
    "order_rows_from_plan",
    "orders_csv",
    "parse_orders_csv",
    "read_orders_csv",
    "sells_first",
    "write_ibkr_basket",
    "write_orders_csv",
]

ORDERS_HEADER = ("account", "action", "symbol", "shares", "price", "amount")
IBKR_HEADER = (
    "Action",
    "Quantity",
    "Symbol",
    "SecType",
    "Exchange",
    "Currency",
    "TimeInForce",
    "OrderType",
    "Account",
)
ExportFormat = Literal["csv", "ibkr"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "ibkr")

AMOUNT = Quantity("amount", "$", Decimal(0), MAX_TOTAL_VALUE, 2)
_CENT = Decimal("0.01")
# An IBKR account id: U1234567, DU1234567 (paper), F1234567 (advisor): capitals, digits.
_IBKR_ID = re.compile(r"[A-Z]{1,3}[0-9]{5,12}", re.ASCII)


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One order: whole shares of one symbol in one account, at the plan's
    price; `amount` is shares x price (the export rounds it to the cent)."""

    account: str
    action: Literal["BUY", "SELL"]
    symbol: str
    shares: int
    price: Decimal
    amount: Decimal


def order_rows_from_plan(plan: Plan, account: str = "main") -> list[OrderRow]:
    """The orders of today's single-account `engine.Plan`, for `account`."""
    return [OrderRow(account, o.action, o.symbol, o.shares, o.price, o.amount) for o in plan.orders]


def sells_first(rows: Iterable[OrderRow]) -> list[OrderRow]:
    """Accounts in order of first appearance; in each, its sells then its
    buys, each in the order given."""
    by_account: dict[str, tuple[list[OrderRow], list[OrderRow]]] = {}
    for row in rows:
        sells, buys = by_account.setdefault(row.account, ([], []))
        (sells if row.action == "SELL" else buys).append(row)
    return [row for sells, buys in by_account.values() for row in (*sells, *buys)]


def _checked(row: OrderRow) -> OrderRow:
    """An order the export may write: a valid account, action, symbol, at
    least one whole share, a price within the rules."""
    account = check_account_name(row.account)
    if account != row.account:
        row = replace(row, account=account)
    if row.action not in ("BUY", "SELL"):
        raise InputError(f"action: must be BUY or SELL (got {shown(str(row.action))})")
    check_symbol(row.symbol)
    check_number(row.shares, SHARES)
    if row.shares < 1:
        raise InputError(f"shares: an order is at least 1 share (got {row.shares} of {row.symbol})")
    check_number(row.price, PRICE)
    return row


def orders_csv(rows: Iterable[OrderRow]) -> str:
    """`account,action,symbol,shares,price,amount`, sells first per account;
    amount to the cent."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ORDERS_HEADER)
    for row in sells_first(_checked(r) for r in rows):
        w.writerow(
            [
                csv_cell(row.account),
                row.action,
                csv_cell(row.symbol),
                row.shares,
                plain(row.price),
                format(row.amount.quantize(_CENT), "f"),
            ]
        )
    return buf.getvalue()


def _ibkr_symbol(symbol: str) -> str:
    # TWS writes a share class with a space: BRK.B is "BRK B".
    return symbol.replace(".", " ")


def ibkr_basket(rows: Iterable[OrderRow], account_ids: Mapping[str, str]) -> str:
    """A TWS BasketTrader file: market orders, day, SMART, USD, stock.

    `account_ids` gives the IBKR account id (U1234567) of each account
    name in `rows`; an empty id leaves the Account cell empty (TWS then
    uses its default account). An account without an id is an InputError."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(IBKR_HEADER)
    for row in sells_first(_checked(r) for r in rows):
        if row.account not in account_ids:
            raise InputError(
                f"no Interactive Brokers account id for account {shown(row.account)} "
                "(an id looks like U1234567)"
            )
        ident = account_ids[row.account].strip()
        if ident and not _IBKR_ID.fullmatch(ident):
            raise InputError(
                f"Interactive Brokers account id: expected letters then digits like U1234567 "
                f"(got {shown(ident)})"
            )
        w.writerow(
            [
                row.action,
                row.shares,
                csv_cell(_ibkr_symbol(row.symbol)),
                "STK",
                "SMART",
                "USD",
                "DAY",
                "MKT",
                csv_cell(ident),
            ]
        )
    return buf.getvalue()


def write_orders_csv(path: Path | str, rows: Iterable[OrderRow]) -> None:
    """`orders_csv(rows)` written atomically (InputError if it cannot be)."""
    atomic_write_text(Path(path), orders_csv(rows))


def write_ibkr_basket(
    path: Path | str, rows: Iterable[OrderRow], account_ids: Mapping[str, str]
) -> None:
    """`ibkr_basket(rows, account_ids)` written atomically."""
    atomic_write_text(Path(path), ibkr_basket(rows, account_ids))


def export_orders(
    path: Path | str,
    rows: Sequence[OrderRow],
    fmt: ExportFormat = "csv",
    account_ids: Mapping[str, str] | None = None,
) -> None:
    """`--export-orders FILE --export-format csv|ibkr`: the orders written in
    `fmt`. For "ibkr" without `account_ids`: an account named like an IBKR
    id (a household read from a Flex file) is its own id; a single account
    named otherwise ("main") gets an empty Account cell (TWS's default
    account); several such accounts need `account_ids`."""
    if fmt == "csv":
        write_orders_csv(path, rows)
    elif fmt == "ibkr":
        write_ibkr_basket(path, rows, account_ids or default_ibkr_ids(rows))
    else:
        raise InputError(f"export format: must be csv or ibkr (got {shown(str(fmt))})")


def default_ibkr_ids(rows: Sequence[OrderRow]) -> dict[str, str]:
    """The IBKR ids `export_orders` assumes when none are given."""
    names = list(dict.fromkeys(r.account for r in rows))
    ids = {n: n for n in names if _IBKR_ID.fullmatch(n)}
    others = [n for n in names if n not in ids]
    if len(names) == 1 and others:
        ids[others[0]] = ""
    return ids


def parse_orders_csv(text: str, name: str = "orders file") -> list[OrderRow]:
    """The rows of an `orders_csv` file, in file order (the round trip of
    `orders_csv`; the rules check every cell)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    out: list[OrderRow] = []
    header_seen = False
    try:
        for record in reader:
            line = reader.line_num
            cells = [c.strip() for c in record]
            if not any(cells):
                continue
            if not header_seen:
                if tuple(c.lower() for c in cells) != ORDERS_HEADER:
                    raise InputError(
                        f"{name} line {line}: expected the header '{','.join(ORDERS_HEADER)}' "
                        f"(got {shown(','.join(cells))})"
                    )
                header_seen = True
                continue
            if len(cells) != len(ORDERS_HEADER):
                raise InputError(
                    f"{name} line {line}: expected {len(ORDERS_HEADER)} cells "
                    f"(got {shown(','.join(cells))})"
                )
            try:
                out.append(_row(cells))
            except InputError as exc:
                raise InputError(f"{name} line {line}: {exc}") from None
    except csv.Error as exc:
        raise InputError(f"{name} line {reader.line_num}: malformed CSV ({exc})") from None
    if not header_seen:
        raise InputError(f"{name}: empty file, expected the header '{','.join(ORDERS_HEADER)}'")
    return out


def _row(cells: list[str]) -> OrderRow:
    account, action, symbol, shares, price, amount = cells
    # csv_cell put a quote before a cell that could start a formula.
    account = account.removeprefix("'")
    if action not in ("BUY", "SELL"):
        raise InputError(f"action: must be BUY or SELL (got {shown(action)})")
    row = OrderRow(
        account,
        "BUY" if action == "BUY" else "SELL",
        check_symbol(symbol.removeprefix("'")),
        int(parse_number(shares, SHARES)),
        parse_number(price, PRICE),
        parse_number(amount, AMOUNT),
    )
    return _checked(row)


def read_orders_csv(path: Path | str) -> list[OrderRow]:
    """An orders CSV file read back (bounded read, InputError with the line)."""
    return parse_orders_csv(read_text(path), where(path))
