"""A plan (final whole shares) turned into orders, holdings, metrics and a status.

Everything here is computed from the final shares in exact decimals (see
`evaluate`), so the numbers a user sees never depend on how a solver rounded.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

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
    "StatusKind",
    "build_plan",
    "cash_left",
    "deviation",
    "infeasibility",
    "make_orders",
    "money",
    "order_cost",
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
    model_config = ConfigDict(frozen=True)

    symbol: str
    action: Literal["BUY", "SELL"]
    shares: int
    price: Decimal
    amount: Decimal
    cost: Decimal


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


class Plan(BaseModel):
    """One strategy's answer. `kind` and `message` are the status; `status` is
    its text for display and JSON ("optimal", "fallback: <why>", ...).
    `solved_by` names the search methods that settled it, in order, and
    `highs_calls` counts the MILP models solved (diagnostics)."""

    model_config = ConfigDict(frozen=True)

    strategy: str
    kind: StatusKind
    message: str = ""
    final_shares: dict[str, int]
    orders: list[Order]
    holdings_after: list[HoldingRow]
    metrics: Metrics
    solved_by: tuple[str, ...] = ()
    highs_calls: int = 0

    @property
    def status(self) -> str:
        return f"{self.kind.value}: {self.message}" if self.message else self.kind.value

    @property
    def optimal(self) -> bool:
        return self.kind is StatusKind.OPTIMAL

    def to_json(self) -> dict[str, Any]:
        m = self.metrics
        return {
            "strategy": self.strategy,
            "status": self.status,
            "orders": [
                {
                    "symbol": o.symbol,
                    "action": o.action,
                    "shares": o.shares,
                    "price": float(o.price),
                    "amount": money(o.amount),
                    "cost": money(o.cost),
                }
                for o in self.orders
            ],
            "holdings_after": [
                {
                    "symbol": r.symbol,
                    "shares": r.shares,
                    "value": money(r.value),
                    "weight": round(r.weight, 6),
                    "target": round(r.target, 6),
                    "drift": round(r.drift, 6),
                }
                for r in self.holdings_after
            ],
            "metrics": {
                "deviation": money(m.deviation),
                "deviation_pct": round(m.deviation_pct, 4),
                "max_drift": round(m.max_drift, 6),
                "orders": m.orders,
                "shares_traded": m.shares_traded,
                "turnover": money(m.turnover),
                "costs": money(m.costs),
                "cash_left": money(m.cash_left),
                "solve_ms": round(m.solve_ms, 3),
            },
        }


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


def make_orders(inp: RebalanceInput, shares: dict[str, int]) -> list[Order]:
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
) -> Plan:
    shares = {s: int(shares.get(s, 0)) for s in inp.symbols}
    why = infeasibility(inp, shares)
    if why is not None:
        # A strategy must never hand back an infeasible plan; this is a bug guard.
        raise AssertionError(f"{strategy} produced an infeasible plan: {why}")
    rows = weights_table(inp, shares)
    orders = make_orders(inp, shares)
    dev = deviation(inp, shares)
    base = inp.investable
    metrics = Metrics(
        deviation=dev,
        deviation_pct=float(dev / base * 100) if base > 0 else 0.0,
        max_drift=max((abs(r.drift) for r in rows), default=0.0),
        orders=len(orders),
        shares_traded=sum(o.shares for o in orders),
        turnover=sum((o.amount for o in orders), ZERO),
        costs=sum((o.cost for o in orders), ZERO),
        cash_left=cash_left(inp, shares),
        solve_ms=solve_ms,
    )
    return Plan(
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
