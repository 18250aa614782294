"""Plain-text tables for `rebalancer-tui plan` (no Textual, no colours).

The CLI plans every portfolio as a household (one account or several), so
one report serves both: `render_household_text`."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from rebalancer_tui.engine import Metrics, Order, RebalanceInput, weights_table
from rebalancer_tui.models import PriceQuote
from rebalancer_tui.rules import money, price_money

if TYPE_CHECKING:
    from rebalancer_tui.engine.household import Household
    from rebalancer_tui.engine.household_plan import AccountOrder, HouseholdPlan

# Dollars as everywhere else: $1,234.56, half-even to the cent.
usd = money


def pct(x: float, signed: bool = False) -> str:
    return f"{x * 100:+.2f}%" if signed else f"{x * 100:.2f}%"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def source_label(q: PriceQuote) -> str:
    return f"{q.source} {q.date.isoformat()}" if q.date else q.source


def holdings_block(
    inp: RebalanceInput, shares: dict[str, int], quotes: dict[str, PriceQuote]
) -> str:
    rows = [
        [
            r.symbol,
            str(r.shares),
            price_money(r.price),
            source_label(quotes[r.symbol]),
            usd(r.value),
            pct(r.weight),
            pct(r.target),
            pct(r.drift, signed=True),
        ]
        for r in weights_table(inp, shares)
    ]
    return table(
        ["symbol", "shares", "price", "source", "value", "weight", "target", "drift"],
        rows,
        right={1, 2, 4, 5, 6, 7},
    )


def orders_table(orders: Sequence[Order] | Sequence[AccountOrder]) -> str:
    return table(
        ["action", "symbol", "shares", "price", "amount", "cost"],
        [
            [o.action, o.symbol, str(o.shares), price_money(o.price), usd(o.amount), usd(o.cost)]
            for o in orders
        ],
        right={2, 3, 4, 5},
    )


def no_orders_text(investable: Decimal) -> str:
    """Why a plan has no orders."""
    if investable <= 0:
        return "(no orders: nothing to invest: no holdings and no cash above the reserve)"
    return "(no orders: the portfolio is already as close as whole shares allow)"


def metrics_line(m: Metrics) -> str:
    return (
        f"deviation {usd(m.deviation)} ({m.deviation_pct:.2f}% of investable) | "
        f"largest drift {m.max_drift * 100:.2f} pp | orders {m.orders} | "
        f"shares {m.shares_traded} | turnover {usd(m.turnover)} | costs {usd(m.costs)} | "
        f"cash left {usd(m.cash_left)} | {m.solve_ms:.1f} ms"
    )


def tax_line(m: Metrics) -> str:
    """Realised gains by term (losses negative) and the tax on them (a
    negative tax is tax saved)."""
    return (
        f"realised gains: short-term {usd(m.realized_gains_short)}, long-term "
        f"{usd(m.realized_gains_long)} | tax {usd(m.tax)}"
    )


def lots_block(plan: HouseholdPlan) -> str:
    """Per sell order with tax lots, the lots to name at the broker (brokers
    sell the oldest first unless told): date, shares, unit cost, gain, term."""
    many = len(plan.accounts_after) > 1
    rows = [
        [
            *([o.account] if many else []),
            o.symbol,
            s.date.isoformat(),
            str(s.shares),
            price_money(s.cost),
            usd(s.gain),
            s.term,
        ]
        for o in plan.orders
        if o.lots
        for s in o.lots
    ]
    if not rows:
        return ""
    head = [*(["account"] if many else []), "symbol", "lot date", "shares", "cost", "gain", "term"]
    k = 1 if many else 0
    return "Lots to sell (name them at the broker)\n" + table(
        head, rows, right={k + 2, k + 3, k + 4}
    )


def summary_line(inp: RebalanceInput) -> str:
    return (
        f"Total value {usd(inp.total_value)} (extra cash {usd(inp.cash)}), "
        f"investable {usd(inp.investable)} (reserve {usd(inp.options.reserve)})"
    )


def household_orders_block(plan: HouseholdPlan) -> str:
    """Orders grouped by account (sells first within each); one account shows
    the single-account table."""
    names = list(dict.fromkeys(o.account for o in plan.orders))
    blocks = [orders_table([o for o in plan.orders if o.account == name]) for name in names]
    if len(plan.accounts_after) == 1:
        return blocks[0]
    left = {a.account: a.cash_left for a in plan.accounts_after}
    return "\n\n".join(
        f"Account {name} (cash left {usd(left[name])})\n{block}"
        for name, block in zip(names, blocks, strict=True)
    )


def household_plan_block(plan: HouseholdPlan, hh: Household, quotes: dict[str, PriceQuote]) -> str:
    head = f"== {plan.strategy} ({plan.status}) =="
    orders = household_orders_block(plan) if plan.orders else no_orders_text(hh.investable)
    metrics = metrics_line(plan.metrics)
    if any(o.lots is not None for o in plan.orders) or plan.metrics.tax:
        metrics += "\n" + tax_line(plan.metrics)
    if len(plan.accounts_after) > 1:
        metrics += "\ncash left per account: " + ", ".join(
            f"{a.account} {usd(a.cash_left)}" for a in plan.accounts_after
        )
    title = (
        "Orders (sells first)"
        if len(hh.accounts) == 1
        else ("Orders by account (sells first in each)")
    )
    after = holdings_block(hh.merged, plan.household_shares, quotes)
    parts = [head, title, orders]
    lots_text = lots_block(plan)
    if lots_text:
        parts.append(lots_text)
    rules_text = order_rules_block(plan)
    if rules_text:
        parts.append(rules_text)
    return "\n\n".join([*parts, "Holdings after", after, metrics])


def order_rules_block(plan: HouseholdPlan) -> str:
    """What the order rules (SPEC §9) changed: each changed order and each
    trade left out, with why; empty when nothing changed."""
    many = len(plan.accounts_after) > 1
    lines = [
        f"  {o.account + ' ' if many else ''}{o.action} {o.symbol}: {'; '.join(o.reasons)}"
        for o in plan.orders
        if o.reasons
    ]
    lines += [f"  {k.account + ' ' if many else ''}not traded: {k.reason}" for k in plan.skipped]
    return "Order rules\n" + "\n".join(lines) if lines else ""


def render_household_text(
    hh: Household, quotes: dict[str, PriceQuote], plans: Sequence[HouseholdPlan]
) -> str:
    """The single-account report for one account; with several, the accounts
    first, the household's holdings, and each plan's orders by account."""
    inp = hh.merged
    parts = [summary_line(inp)]
    if len(hh.accounts) > 1:
        parts.append("Accounts")
        parts.append(
            table(
                ["account", "kind", "value", "cash", "reserve"],
                [
                    [a.name, a.kind, usd(hh.account_value(a.name)), usd(a.cash), usd(a.reserve)]
                    for a in hh.accounts
                ],
                right={2, 3, 4},
            )
        )
    parts += ["Current holdings", holdings_block(inp, dict(inp.holdings), quotes)]
    parts += [household_plan_block(p, hh, quotes) for p in plans]
    return "\n\n".join(parts)
