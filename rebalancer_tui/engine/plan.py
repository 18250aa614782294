"""A plan (final whole shares) turned into orders, holdings, metrics and a status.

Everything here is computed from the final shares in exact decimals (see
`evaluate`), so the numbers a user sees never depend on how a solver rounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from rebalancer_tui import rules
from rebalancer_tui.engine.evaluate import (
    CENT,
    cash_left,
    deviation,
    infeasibility,
    money,
    order_cost,
    total_cost,
    turnover,
)
from rebalancer_tui.engine.problem import ZERO, RebalanceInput

# Re-exported: these lived here before `evaluate` existed.
__all__ = [
    "CENT",
    "HoldingRow",
    "Metrics",
    "Order",
    "Plan",
    "Skipped",
    "StatusKind",
    "StrategyAnswer",
    "build_plan",
    "cash_left",
    "deviation",
    "infeasibility",
    "make_orders",
    "metrics_json",
    "money",
    "order_cost",
    "plan_metrics",
    "rows_json",
    "rule_reasons",
    "total_cost",
    "turnover",
    "weights_table",
]


class StatusKind(StrEnum):
    """How much a plan's status promises.

    OPTIMAL: proven best (within $0.01) in exact arithmetic. BOUNDED: the best
    plan found, with a proven gap to the optimum. HEURISTIC: a rule of thumb,
    no proof (the `simple` strategy). FALLBACK: the strategy asked for could
    not answer; the plan is a simpler strategy's, and the message says why.
    """

    OPTIMAL = "optimal"
    BOUNDED = "bounded"
    HEURISTIC = "heuristic"
    FALLBACK = "fallback"


class Order(BaseModel):
    """One order. `reasons`: how the order rules (SPEC §9) changed it from the
    plan the strategy gives without them ("rounded to the lot of 10")."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    action: Literal["BUY", "SELL"]
    shares: int
    price: Decimal
    amount: Decimal
    cost: Decimal
    reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "symbol": self.symbol,
            "action": self.action,
            "shares": self.shares,
            "price": float(self.price),
            "amount": money(self.amount),
            "cost": money(self.cost),
            "reasons": list(self.reasons),
        }
        return out


class Skipped(BaseModel):
    """A trade the strategy makes without the order rules that a rule took
    away ("ESGV: $38.00 is under the $100.00 minimum", "ESGV: locked").
    `account` is empty for a single-account plan."""

    model_config = ConfigDict(frozen=True)

    account: str = ""
    symbol: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        out = {"symbol": self.symbol, "reason": self.reason}
        return {"account": self.account, **out} if self.account else out


class HoldingRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    symbol: str
    shares: int
    price: Decimal
    value: Decimal
    weight: float
    target: float
    drift: float
    in_model: bool


class Metrics(BaseModel):
    model_config = ConfigDict(frozen=True)

    deviation: Decimal
    deviation_pct: float
    max_drift: float
    orders: int
    shares_traded: int
    turnover: Decimal
    costs: Decimal
    cash_left: Decimal
    solve_ms: float
    # SPEC §8: what the plan's sales from lots realise (0 without lots).
    realized_gains_short: Decimal = ZERO
    realized_gains_long: Decimal = ZERO
    tax: Decimal = ZERO


class StrategyAnswer(BaseModel):
    """What every strategy's answer starts with: the strategy and its status
    (`kind` and `message`; `status` is their text for display and JSON)."""

    model_config = ConfigDict(frozen=True)

    strategy: str
    kind: StatusKind
    message: str = ""

    @property
    def status(self) -> str:
        return f"{self.kind.value}: {self.message}" if self.message else self.kind.value

    @property
    def optimal(self) -> bool:
        return self.kind is StatusKind.OPTIMAL


class Plan(StrategyAnswer):
    """One strategy's answer. `kind` and `message` are the status; `status` is
    its text for display and JSON ("optimal", "fallback: <why>", ...).
    `solved_by` names the search methods that settled it, in order, and
    `highs_calls` counts the MILP models solved (diagnostics)."""

    final_shares: dict[str, int]
    orders: list[Order]
    holdings_after: list[HoldingRow]
    metrics: Metrics
    solved_by: tuple[str, ...] = ()
    highs_calls: int = 0
    skipped: tuple[Skipped, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out = {
            "strategy": self.strategy,
            "status": self.status,
            "orders": [o.to_json() for o in self.orders],
            "holdings_after": rows_json(self.holdings_after),
            "metrics": metrics_json(self.metrics),
            "skipped": [k.to_json() for k in self.skipped],
        }
        return out


def rows_json(rows: list[HoldingRow]) -> list[dict[str, Any]]:
    return [
        {
            "symbol": r.symbol,
            "shares": r.shares,
            "value": money(r.value),
            "weight": round(r.weight, 6),
            "target": round(r.target, 6),
            "drift": round(r.drift, 6),
        }
        for r in rows
    ]


def metrics_json(m: Metrics) -> dict[str, Any]:
    return {
        "deviation": money(m.deviation),
        "deviation_pct": round(m.deviation_pct, 4),
        "max_drift": round(m.max_drift, 6),
        "orders": m.orders,
        "shares_traded": m.shares_traded,
        "turnover": money(m.turnover),
        "costs": money(m.costs),
        "cash_left": money(m.cash_left),
        "solve_ms": round(m.solve_ms, 3),
        "realized_gains_short": money(m.realized_gains_short),
        "realized_gains_long": money(m.realized_gains_long),
        "tax": money(m.tax),
    }


def plan_metrics(
    rows: list[HoldingRow],
    orders: Sequence[Order],
    dev: Decimal,
    base: Decimal,
    left: Decimal,
    solve_ms: float,
) -> Metrics:
    """The metrics of a plan (one account or a household) from its rows and orders."""
    return Metrics(
        deviation=dev,
        deviation_pct=float(dev / base * 100) if base > 0 else 0.0,
        max_drift=max((abs(r.drift) for r in rows), default=0.0),
        orders=len(orders),
        shares_traded=sum(o.shares for o in orders),
        turnover=sum((o.amount for o in orders), ZERO),
        costs=sum((o.cost for o in orders), ZERO),
        cash_left=left,
        solve_ms=solve_ms,
    )


def weights_table(inp: RebalanceInput, shares: dict[str, int]) -> list[HoldingRow]:
    """Per-symbol shares, value, weight of investable value, target and drift."""
    rows = []
    base = inp.investable
    for s in inp.symbols:
        n = shares.get(s, 0)
        value = inp.prices[s] * n
        weight = float(value / base) if base > 0 else 0.0
        target = float(inp.target_weight(s))
        rows.append(
            HoldingRow(
                symbol=s,
                shares=n,
                price=inp.prices[s],
                value=value,
                weight=weight,
                target=target,
                drift=weight - target,
                in_model=inp.in_model(s),
            )
        )
    return rows


def make_orders(
    inp: RebalanceInput,
    shares: dict[str, int],
    reasons: dict[str, tuple[str, ...]] | None = None,
) -> list[Order]:
    sells: list[Order] = []
    buys: list[Order] = []
    for s in inp.symbols:
        d = shares.get(s, 0) - inp.held(s)
        if d == 0:
            continue
        o = Order(
            symbol=s,
            action="BUY" if d > 0 else "SELL",
            shares=abs(d),
            price=inp.prices[s],
            amount=inp.prices[s] * abs(d),
            cost=order_cost(inp, s, d),
            reasons=(reasons or {}).get(s, ()),
        )
        (buys if d > 0 else sells).append(o)
    # Sells first: their proceeds fund the buys.
    return sells + buys


def build_plan(
    inp: RebalanceInput,
    strategy: str,
    shares: dict[str, int],
    kind: StatusKind,
    message: str,
    solve_ms: float,
    solved_by: tuple[str, ...] = (),
    highs_calls: int = 0,
    reference: dict[str, int] | None = None,
) -> Plan:
    """The plan of these final shares. `reference`: the same strategy's plan
    without the order rules, which the orders' reasons are told against."""
    shares = {s: int(shares.get(s, 0)) for s in inp.symbols}
    why = infeasibility(inp, shares)
    if why is not None:
        # A strategy must never hand back an infeasible plan; this is a bug guard.
        raise AssertionError(f"{strategy} produced an infeasible plan: {why}")
    rows = weights_table(inp, shares)
    reasons_by: dict[str, tuple[str, ...]] = {}
    skipped: list[Skipped] = []
    if reference is not None:
        reasons_by, skipped = rule_reasons(inp, shares, reference)
    orders = make_orders(inp, shares, reasons_by)
    metrics = plan_metrics(
        rows, orders, deviation(inp, shares), inp.investable, cash_left(inp, shares), solve_ms
    )
    return Plan(
        skipped=tuple(skipped),
        strategy=strategy,
        kind=kind,
        message=message,
        final_shares=shares,
        orders=orders,
        holdings_after=rows,
        metrics=metrics,
        solved_by=solved_by,
        highs_calls=highs_calls,
    )


def rule_reasons(
    inp: RebalanceInput, shares: dict[str, int], reference: dict[str, int], account: str = ""
) -> tuple[dict[str, tuple[str, ...]], list[Skipped]]:
    """Why each order, or each trade left out, differs from `reference` (the
    plan the strategy gives without the order rules): which rule changed it."""
    opts = inp.options
    why: dict[str, tuple[str, ...]] = {}
    skipped: list[Skipped] = []
    minimum = rules.money(opts.min_trade)
    for s in inp.symbols:
        h, p, lot = inp.held(s), inp.prices[s], opts.lot(s)
        d, d0 = shares.get(s, 0) - h, reference.get(s, 0) - h
        if d == d0:
            continue
        was = rules.money(p * abs(d0))
        if d == 0:
            if inp.is_locked(s):
                reason = f"{s}: locked"
            elif opts.min_trade and p * abs(d0) < opts.min_trade:
                reason = f"{s}: {was} is under the {minimum} minimum"
            elif lot > 1 and abs(d0) < lot:
                reason = f"{s}: {abs(d0)} shares is under one lot of {lot}"
            elif d0 > 0:
                reason = f"{s}: no cash left for it under the order rules"
            else:
                reason = f"{s}: left out under the order rules"
            skipped.append(Skipped(account=account, symbol=s, reason=reason))
            continue
        out = []
        if lot > 1 and inp.in_model(s):
            out.append(f"rounded to the lot of {lot}")
        if opts.min_trade and 0 < p * abs(d0) < opts.min_trade:
            out.append(f"{was} was under the {minimum} minimum")
        if not out:
            action = "BUY" if d0 > 0 else "SELL"
            out.append(f"changed by the order rules (was {action} {abs(d0)})" if d0 else
                       "added under the order rules")  # fmt: skip
        why[s] = tuple(out)
    return why, skipped
