"""The household by account: one row per symbol, one column of shares per
account and the household's total; then each account's kind, cash, value
and, once a plan is in, its cash left. With a plan, a cell whose shares the
plan changes reads "now → after". Shown when there are several accounts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import ClassVar

from rich.text import Text

from rebalancer_tui.engine.household import Account
from rebalancer_tui.widgets.format import money, right
from rebalancer_tui.widgets.keyed_table import Cell, Columns, KeyedTable, Row
from rebalancer_tui.workspace.tax_lots import WASH, WASH_LEGEND

# Row keys of the per-account rows: "$" never starts a symbol.
KIND_ROW, CASH_ROW, VALUE_ROW, LEFT_ROW = "$kind", "$cash", "$value", "$left"
KIND_WORDS = {"taxable": "taxable", "tax-deferred": "deferred", "tax-free": "tax-free"}


def column_key(name: str) -> str:
    return f"a:{name}"


class AccountsTable(KeyedTable):
    DEFAULT_CSS: ClassVar[str] = """
    AccountsTable {
        height: auto;
        max-height: 16;
        border: round $primary 50%;
        border-title-color: $text-accent;
    }
    """

    def show(
        self,
        accounts: Sequence[Account],
        symbols: Sequence[str],
        prices: Mapping[str, Decimal],
        cash_left: Mapping[str, Decimal] | None = None,
        after: Mapping[str, Mapping[str, int]] | None = None,
        wash: frozenset[str] = frozenset(),
    ) -> None:
        """`symbols`: the rows, in the model's order; `cash_left` and `after`
        (shares per account after the plan): from the plan shown (None while
        there is none)."""
        names = [a.name for a in accounts]
        columns: Columns = (
            ("symbol", "Symbol", False),
            *((column_key(n), n, True) for n in names),
            ("total", "Household", True),
        )
        self.set_columns(columns)
        rows: list[Row] = []
        for sym in symbols:
            per = {a.name: a.holdings.get(sym, 0) for a in accounts}
            values: dict[str, Cell] = {
                column_key(n): _shares(held, None if after is None else after.get(n, {}).get(sym))
                for n, held in per.items()
            }
            total_after = None if after is None else sum(after.get(n, {}).get(sym, 0) for n in per)
            values["symbol"] = f"{sym} {WASH}" if sym in wash else sym
            values["total"] = _shares(sum(per.values()), total_after, "bold")
            rows.append((sym, self.cells(values)))

        def money_row(key: str, label: str, amount: dict[str, Decimal]) -> Row:
            values: dict[str, Cell] = {column_key(n): right("—", "dim") for n in names}
            values.update({column_key(n): right(money(v)) for n, v in amount.items()})
            values["symbol"] = Text(label, style="italic")
            values["total"] = right(money(sum(amount.values(), Decimal(0))), "bold")
            return key, self.cells(values)

        kinds: dict[str, Cell] = {column_key(a.name): right(KIND_WORDS[a.kind], "dim")
                                  for a in accounts}  # fmt: skip
        kinds["symbol"] = Text("Kind", style="italic")
        kinds["total"] = right("")
        rows.append((KIND_ROW, self.cells(kinds)))
        rows.append(money_row(CASH_ROW, "Cash", {a.name: a.cash for a in accounts}))
        value = {
            a.name: a.cash + sum((prices.get(s, Decimal(0)) * n for s, n in a.holdings.items()),
                                 Decimal(0))
            for a in accounts
        }  # fmt: skip
        rows.append(money_row(VALUE_ROW, "Value", value))
        if cash_left is not None:
            rows.append(
                money_row(LEFT_ROW, "Cash left", {n: cash_left[n] for n in names if n in cash_left})
            )
        self.set_rows(rows)
        keys = "A: accounts · e: holdings per account · T: tax lots · L: location"
        marked = any(s in wash for s in symbols)
        self.border_subtitle = f"{WASH_LEGEND} · {keys}" if marked else keys


def _shares(now: int, after: int | None, style: str = "") -> Text:
    """ "12", or "12 → 20" when the plan changes it; "·" for none at all."""
    if after is not None and after != now:
        return right(f"{now:,} → {after:,}", "bold " + ("green" if after > now else "red"))
    return right(f"{now:,}" if now or style else "·", style or ("" if now else "dim"))
