"""Holdings before or after a plan: shares, price, value, weight, target, drift.

With the cash given, the cash is a row of its own (and the reserve, and the
costs a plan pays), so the values add up to the portfolio's value and the
weights to 100 % of what is invested.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich.text import Text

from rebalancer_tui.engine import HoldingRow, Options
from rebalancer_tui.widgets.format import asset_band, drift_text, money, pct, price, right
from rebalancer_tui.widgets.keyed_table import Cell, Columns, KeyedTable, Row
from rebalancer_tui.workspace.tax_lots import WASH, WASH_LEGEND

# Row keys of the money rows: "$" never starts a symbol, so they cannot clash.
CASH_ROW, RESERVE_ROW, COSTS_ROW = "$cash", "$reserve", "$costs"

Band = float | Options
"""A plain band for every asset, or the options (their per-asset band rule)."""


LOCK = "🔒"  # a glyph, not a colour: a locked holding is never traded (SPEC §9)


def _symbol(band: Band, row: HoldingRow, wash: frozenset[str] = frozenset()) -> str:
    """The symbol, "*" when outside the model, the lock glyph when locked
    anywhere, the wash-sale mark when it may not be sold at a loss."""
    text = row.symbol if row.in_model else f"{row.symbol}*"
    locked = band.locked if isinstance(band, Options) else frozenset()
    if any(e.rpartition(":")[2] == row.symbol for e in locked):
        text = f"{text} {LOCK}"
    if row.symbol in wash:
        text = f"{text} {WASH}"
    return text


def _band_of(band: Band, row: HoldingRow) -> float:
    if isinstance(band, Options):
        return asset_band(band, row.target) if row.in_model else float(band.band)
    return band


class HoldingsTable(KeyedTable):
    COLUMNS: Columns = (
        ("symbol", "Symbol", False),
        ("shares", "Shares", True),
        ("price", "Price", True),
        ("value", "Value", True),
        ("weight", "Weight", True),
        ("target", "Target", True),
        ("drift", "Drift", True),
    )

    def show(
        self,
        rows: Sequence[HoldingRow],
        band: Band,
        *,
        cash: Decimal | None = None,
        costs: Decimal = Decimal(0),
        wash: frozenset[str] = frozenset(),
    ) -> None:
        """`band`: the options (per-asset bands, the reserve) or one plain band.

        `cash`: the cash held (before a plan) or left (after it), shown as a
        row; `costs`: what the plan pays in fees and costs, a row when above 0.
        Without `cash` only the assets are listed. `wash`: symbols bought
        within the wash-sale window (SPEC §8), marked and explained below.
        """
        table: list[Row] = [
            (
                r.symbol,
                self.cells(
                    {
                        "symbol": _symbol(band, r, wash),
                        "shares": right(f"{r.shares:,}"),
                        "price": right(price(r.price)),
                        "value": right(money(r.value)),
                        "weight": right(pct(r.weight)),
                        "target": right(pct(r.target)),
                        "drift": drift_text(r.drift, _band_of(band, r)),
                    }
                ),
            )
            for r in rows
        ]
        if cash is not None:
            reserve = band.reserve if isinstance(band, Options) else Decimal(0)
            plain_band = float(band.band) if isinstance(band, Options) else band
            table += [
                (key, self.cells(values))
                for key, values in _money_rows(rows, cash, reserve, costs, plain_band)
            ]
        self.set_rows(table)
        marked = any(r.symbol in wash for r in rows)
        self.border_subtitle = WASH_LEGEND if marked else ""


def _money_rows(
    rows: Sequence[HoldingRow], cash: Decimal, reserve: Decimal, costs: Decimal, band: float
) -> list[tuple[str, dict[str, Cell]]]:
    """Cash (above the reserve), the reserve and the costs, as rows.

    The weights' base is what is invested: assets, costs and cash, less the
    reserve (SPEC §4), which is why the reserve has no weight of its own.
    """
    free = cash - reserve
    base = sum((r.value for r in rows), Decimal(0)) + costs + free

    def weight(amount: Decimal) -> float:
        return float(amount / base) if base > 0 else 0.0

    def money_row(
        label: Text, amount: Decimal, share: Cell, target: Cell, drift: Cell
    ) -> dict[str, Cell]:
        blank = right("")
        return {
            "symbol": label, "shares": blank, "price": blank, "value": right(money(amount)),
            "weight": share, "target": target, "drift": drift,
        }  # fmt: skip

    none = right("—", "dim")
    cash_weight = weight(free)
    label = "Cash" if reserve == 0 else "Free cash"  # above the reserve
    out = [
        (
            CASH_ROW,
            money_row(
                Text(label, style="italic"), free, right(pct(cash_weight)), right(pct(0.0)),
                drift_text(cash_weight, band),
            ),
        )
    ]  # fmt: skip
    if reserve > 0:
        out.append(
            (RESERVE_ROW, money_row(Text("Reserve", style="italic dim"), reserve, none, none, none))
        )
    if costs > 0:
        share = right(pct(weight(costs)))
        out.append(
            (COSTS_ROW, money_row(Text("Costs paid", style="italic dim"), costs, share, none, none))
        )
    return out


class CompactHoldingsTable(HoldingsTable):
    """The compare view's narrow column: what a plan ends with, without the
    price and target (the main view shows them), so the drift stays in view."""

    COLUMNS: Columns = (
        ("symbol", "Symbol", False),
        ("shares", "Shares", True),
        ("weight", "Weight", True),
        ("drift", "Drift", True),
    )
