"""Interactive Brokers Flex query "Open Positions", as CSV.

With header and trailer records and section codes:

    "BOF","U1234567","Positions","1","20261127","20261127","20261128;083000","3"
    "BOA","U1234567"
    "BOS","POST","Open Positions; Summary, Lot"
    "HEADER","POST","ClientAccountID","CurrencyPrimary","AssetClass","Symbol",...
    "DATA","POST","U1234567","USD","STK","ESGV",...,"SUMMARY",...
    "EOS","POST","4"
    "EOA","U1234567"
    "EOF"

or without them: a header row, then data rows (a new header row starts a
new section). `LevelOfDetail` SUMMARY rows are holdings, LOT rows tax lots
(CostBasisPrice, OpenDateTime); without the column every row is a holding.
A Cash Report section (ClientAccountID, CurrencyPrimary, EndingCash) gives
the cash: the USD rows (other currencies and the BASE_SUMMARY total are
skipped by name; BASE_SUMMARY alone is the cash); without one, cash is 0.
Other sections (trades, ...) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rebalancer_tui.rules import InputError, check_number, shown
from rebalancer_tui.storage.brokers.build import Household, broker_symbol
from rebalancer_tui.storage.brokers.common import Read, at_line, near_top, reading_row
from rebalancer_tui.storage.brokers.dates import flex_date
from rebalancer_tui.storage.brokers.model import Skipped
from rebalancer_tui.storage.brokers.money import (
    ANY_SHARES,
    COST,
    broker_number,
    checked,
    file_price,
    share_count,
)
from rebalancer_tui.storage.brokers.table import Columns, Row, cell, check_width, norm

__all__ = ["LABEL", "detect", "read"]

LABEL = "Interactive Brokers Flex open positions"
# The mark of a tagged file without its EOF record: a section after the last.
_CUT = "\x00cut"
_TAGS = frozenset({"BOF", "BOA", "BOS", "HEADER", "DATA", "EOS", "EOA", "EOF"})
# Column names only Flex files use; two in one row make it a Flex header.
_FLEX_NAMES = frozenset(
    norm(n)
    for n in (
        "ClientAccountID",
        "CurrencyPrimary",
        "AssetClass",
        "MarkPrice",
        "PositionValue",
        "LevelOfDetail",
        "CostBasisPrice",
        "CostBasisMoney",
        "OpenDateTime",
        "FifoPnlUnrealized",
        "ReportDate",
        "Conid",
        "ListingExchange",
        "PercentOfNAV",
        "EndingCash",
        "AcctAlias",
    )
)
_KINDS = {
    "OPT": "option",
    "FOP": "future option",
    "FUT": "future",
    "BOND": "bond",
    "BILL": "bill",
    "CASH": "forex",
    "WAR": "warrant",
    "CFD": "CFD",
    "CMDTY": "commodity",
    "IOPT": "structured product",
}
_HELD = frozenset({"STK", "FUND", ""})


def _is_flex_header(row: Row) -> bool:
    return sum(norm(c) in _FLEX_NAMES for c in row.cells) >= 2


def _tagged(rows: list[Row]) -> bool:
    for row in rows:
        if not row.blank:
            return row.cells[0].upper() in _TAGS
    return False


def detect(rows: list[Row]) -> bool:
    if _tagged(rows):
        return True
    return any(_is_flex_header(row) for _i, row in near_top(rows))


@dataclass
class _Section:
    header: Row
    rows: list[Row] = field(default_factory=list)
    code: str = ""  # the section code of a tagged file ("POST": open positions)


def _sections(rows: list[Row], where: str) -> tuple[list[_Section], date | None]:
    """The file cut into sections (tags dropped), and the BOF's end date."""
    out: list[_Section] = []
    as_of: date | None = None
    if _tagged(rows):
        last = ""
        for row in rows:
            if row.blank:
                continue
            tag = last = row.cells[0].upper()
            if tag not in _TAGS:
                raise InputError(
                    f"{where} line {row.line}: expected a Flex record (BOF, HEADER, DATA, ...), "
                    f"got {shown(row.text(), 40)}"
                )
            if tag == "BOF" and len(row.cells) > 5:
                try:
                    as_of = flex_date(row.cells[5], "BOF date")
                except InputError:
                    as_of = None
            elif tag == "HEADER":
                code = row.cells[1].upper() if len(row.cells) > 1 else ""
                out.append(_Section(Row(row.line, row.cells[2:], max(row.width - 2, 0)), code=code))
            elif tag == "DATA":
                if not out:
                    raise InputError(f"{where} line {row.line}: a DATA record before any HEADER")
                out[-1].rows.append(Row(row.line, row.cells[2:], max(row.width - 2, 0)))
        if last != "EOF" and any(r.cells[0].upper() == "BOF" for r in rows if not r.blank):
            out.append(_Section(Row(0, ()), code=_CUT))
        return out, as_of
    for row in rows:
        if row.blank:
            continue
        if _is_flex_header(row):
            out.append(_Section(row))
        elif out:
            out[-1].rows.append(row)
        # Rows before the first header are a banner.
    return out, as_of


def _is_positions(sec: _Section, cols: Columns) -> bool:
    """An Open Positions section: by its code when tagged, else by its
    columns. A mark price or position value is enough, so a header missing
    Symbol is refused by name rather than its positions dropped unseen."""
    if sec.code == "POST":
        return True
    if cols.find("TradeDate", "TradePrice", "Buy/Sell", "TradeID") is not None:
        return False
    if cols.find("MarkPrice", "PositionValue") is not None:
        return True
    return cols.find("Symbol") is not None and cols.find("Quantity") is not None


def read(rows: list[Row], where: str) -> Read:
    sections, as_of = _sections(rows, where)
    house = Household(where)
    skipped: list[Skipped] = []
    found = False
    state = _State()
    for sec in sections:
        if sec.code == _CUT:
            # A file cut at the end of a record has no other trace (told after
            # the rows, so a row cut short is named by its line first).
            raise InputError(
                f"{where}: this Interactive Brokers Flex file does not end with the EOF "
                "record Flex writes last (a truncated download?)"
            )
        cols = Columns(sec.header, LABEL, where)
        if _is_positions(sec, cols):
            found = True
            report = _positions(house, sec, cols, skipped, state)
            as_of = as_of or report
        elif cols.find("EndingCash") is not None and cols.find("CurrencyPrimary") is not None:
            _cash(sec, cols, state)
    if not found:
        raise InputError(
            f"{where}: this {LABEL} file has no Open Positions section "
            "(a header with ClientAccountID, Symbol, Quantity and MarkPrice)"
        )
    # A query of lots only: the position is the sum of its lots.
    for (number, label, symbol), (line, total, price) in state.lot_only.items():
        if (number, symbol) not in state.summaries:
            acct = house.get(number, label)
            whole = int(total)
            acct.add_holding(line, symbol, whole, total - whole, price)
    for number, label, value in state.settle_cash(skipped):
        house.get(number, label).add_cash(value)
    skipped.sort(key=lambda s: s.line)
    return as_of, house.finish(), skipped


@dataclass
class _Cash:
    """One account's Cash Report rows, settled once the file is read."""

    usd: Decimal | None = None
    base: Decimal | None = None
    base_line: int = 0
    foreign: list[Skipped] = field(default_factory=list)


@dataclass
class _State:
    summaries: set[tuple[str, str]] = field(default_factory=set)
    lot_only: dict[tuple[str, str, str], tuple[int, Decimal, Decimal | None]] = field(
        default_factory=dict
    )
    cash: dict[tuple[str, str], _Cash] = field(default_factory=dict)
    # Each account's first positions row, and the section (header line) it is
    # in: an account's positions in a second section are the file twice.
    began: dict[str, tuple[int, int]] = field(default_factory=dict)

    def check_once(self, number: str, section: int, line: int) -> None:
        first, where = self.began.setdefault(number, (line, section))
        if where != section:
            raise InputError(f"account {shown(number)} appears twice (lines {first} and {line})")

    def settle_cash(self, skipped: list[Skipped]) -> list[tuple[str, str, Decimal]]:
        """The cash of each account: its USD rows. Other currencies would need
        an exchange to buy a US ETF, so they are skipped by name, and the
        BASE_SUMMARY total with them; a report of BASE_SUMMARY rows only is
        taken as the cash (the query asked for totals)."""
        out: list[tuple[str, str, Decimal]] = []
        for (number, label), c in self.cash.items():
            if c.usd is not None:
                out.append((number, label, c.usd))
                skipped.extend(c.foreign)
                if c.base is not None:
                    skipped.append(Skipped(c.base_line, "account total"))
            elif c.base is not None:
                out.append((number, label, c.base))
            else:
                skipped.extend(c.foreign)
        return out


def _account(row: Row, cols: Columns) -> tuple[str, str]:
    number = cell(row, cols.require("ClientAccountID"))
    if not number:
        raise InputError("ClientAccountID: required")
    alias = cell(row, cols.find("AcctAlias"))
    return number, f"{alias} {number}" if alias else number


def _positions(
    house: Household, sec: _Section, cols: Columns, skipped: list[Skipped], state: _State
) -> date | None:
    cols.require("ClientAccountID")
    i_sym = cols.require("Symbol")
    i_qty = cols.require("Quantity")
    i_price = cols.require("MarkPrice")
    i_level = cols.find("LevelOfDetail")
    i_class = cols.find("AssetClass")
    i_cur = cols.find("CurrencyPrimary", "Currency")
    i_report = cols.find("ReportDate")
    as_of: date | None = None
    for row in sec.rows:
        # Flex writes every column of every row: a shorter one was cut.
        with reading_row(row, cols, (i_sym, i_qty, i_price, cols.width() - 1)):
            level = cell(row, i_level).upper() or "SUMMARY"
            if level not in ("SUMMARY", "LOT"):
                raise InputError(f"LevelOfDetail: expected SUMMARY or LOT (got {shown(level)})")
            kind = cell(row, i_class).upper()
            if kind not in _HELD:
                what = _KINDS.get(kind, kind.lower())
                skipped.append(Skipped(row.line, f"unknown instrument type ({what})"))
                continue
            currency = cell(row, i_cur).upper()
            if currency not in ("", "USD"):
                skipped.append(Skipped(row.line, f"not in US dollars ({currency})"))
                continue
            number, label = _account(row, cols)
            state.check_once(number, sec.header.line, row.line)
            symbol = broker_symbol(cell(row, i_sym))
            price = file_price(cell(row, i_price))
            if as_of is None and cell(row, i_report):
                as_of = flex_date(cell(row, i_report), "ReportDate")
            if level == "SUMMARY":
                count = share_count(cell(row, i_qty))
                if count is None:
                    raise InputError(f"shares: required for {symbol}")
                state.summaries.add((number, symbol))
                house.get(number, label).add_holding(row.line, symbol, count[0], count[1], price)
            else:
                _lot(house, row, cols, number, label, symbol, price, state)
    return as_of


def _lot(
    house: Household,
    row: Row,
    cols: Columns,
    number: str,
    label: str,
    symbol: str,
    price: Decimal | None,
    state: _State,
) -> None:
    raw = cell(row, cols.require("Quantity"))
    qty = broker_number(raw, "shares")
    if qty is None:
        raise InputError(f"shares: required for a lot of {symbol}")
    qty = check_number(qty, ANY_SHARES, got=shown(raw, 24))
    cost = checked(cell(row, cols.require("CostBasisPrice")), COST)
    if cost is None:
        raise InputError(f"cost: required for a lot of {symbol}")
    when = flex_date(cell(row, cols.require("OpenDateTime")), "OpenDateTime")
    house.get(number, label).add_lot(row.line, symbol, qty, cost, when)
    key = (number, label, symbol)
    line, total, _price = state.lot_only.get(key, (row.line, Decimal(0), price))
    state.lot_only[key] = (line, total + qty, price)


def _cash(sec: _Section, cols: Columns, state: _State) -> None:
    i_cur = cols.require("CurrencyPrimary")
    i_end = cols.require("EndingCash")
    for row in sec.rows:
        with at_line(cols.where, row.line):
            check_width(row, cols)
            number, label = _account(row, cols)
            c = state.cash.setdefault((number, label), _Cash())
            currency = cell(row, i_cur).upper()
            value = broker_number(cell(row, i_end), "cash") or Decimal(0)
            if currency == "USD":
                c.usd = (c.usd or Decimal(0)) + value
            elif currency == "BASE_SUMMARY":
                c.base, c.base_line = value, row.line
            else:
                c.foreign.append(Skipped(row.line, f"not in US dollars ({currency or '?'})"))
