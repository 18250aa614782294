"""A plan (final whole shares) turned into orders, holdings and metrics.

Everything here is computed from the final shares in exact decimals, so the
numbers a user sees never depend on how a solver rounded.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from rebalancer_tui.engine.inputs import ZERO, RebalanceInput

CENT = Decimal("0.01")


def money(x: Decimal) -> float:
    """Dollars rounded to the cent, as a JSON number."""
    return float(x.quantize(CENT, rounding=ROUND_HALF_EVEN))


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
    model_config = ConfigDict(frozen=True)

    strategy: str
    status: str
    final_shares: dict[str, int]
    orders: list[Order]
    holdings_after: list[HoldingRow]
    metrics: Metrics

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

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


def order_cost(inp: RebalanceInput, symbol: str, delta: int) -> Decimal:
    if delta == 0:
        return ZERO
    return inp.options.fee + inp.options.cost_rate * inp.prices[symbol] * abs(delta)


def total_cost(inp: RebalanceInput, shares: dict[str, int]) -> Decimal:
    fee, rate, prices, held = inp.options.fee, inp.options.cost_rate, inp.prices, inp.holdings
    total = ZERO
    for s in inp.symbols:
        moved = abs(shares.get(s, 0) - held.get(s, 0))
        if moved:
            total += fee + rate * prices[s] * moved
    return total


def cash_left(inp: RebalanceInput, shares: dict[str, int]) -> Decimal:
    """Cash after the plan: everything not in shares and not paid in costs."""
    prices = inp.prices
    invested = sum((prices[s] * shares.get(s, 0) for s in inp.symbols), ZERO)
    return inp.total_value - invested - total_cost(inp, shares)


def deviation(inp: RebalanceInput, shares: dict[str, int]) -> Decimal:
    """L1 distance in dollars between the plan and the target dollars."""
    prices, targets, base = inp.prices, inp.targets, inp.investable
    return sum(
        (abs(prices[s] * shares.get(s, 0) - targets.get(s, ZERO) * base) for s in inp.symbols),
        ZERO,
    )


def turnover(inp: RebalanceInput, shares: dict[str, int]) -> Decimal:
    prices, held = inp.prices, inp.holdings
    return sum((prices[s] * abs(shares.get(s, 0) - held.get(s, 0)) for s in inp.symbols), ZERO)


def infeasibility(inp: RebalanceInput, shares: dict[str, int]) -> str | None:
    """Why a plan is not feasible (exact decimal arithmetic), or None if it is."""
    for s in inp.symbols:
        x = shares.get(s, 0)
        lo, hi = inp.share_bounds(s)
        if x < 0:
            return f"{s}: negative shares"
        if x < lo:
            return f"{s}: sells in buy-only mode" if inp.options.buy_only else f"{s}: below bound"
        if hi is not None and x > hi:
            return f"{s}: outside the model must be sold"
    extra = set(shares) - set(inp.symbols)
    if any(shares[s] for s in extra):
        return f"unknown symbols {sorted(extra)}"
    left = cash_left(inp, shares)
    if left < inp.options.reserve:
        return f"overspends by {inp.options.reserve - left:.6f}"
    return None


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
    inp: RebalanceInput, strategy: str, shares: dict[str, int], status: str, solve_ms: float
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
        status=status,
        final_shares=shares,
        orders=orders,
        holdings_after=rows,
        metrics=metrics,
    )
