"""What a plan does to each asset, and why each order is there. Headless.

Everything is read back from the plan alone (its orders and holdings after)
and the options: the shares before are the shares after less the orders, so a
household plan (orders per account, holdings after per household) works the
same way as a single account's. Weights are of the investable value V - R,
as in the holdings tables; the cash row is the rest, so a column of weights
plus the cash adds up to 100 %.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from rebalancer_tui.engine import HoldingRow, Metrics, Options, Order, Plan, StatusKind

ZERO = Decimal(0)
CURRENT = "current"
"""The compare view's pseudo-strategy: the portfolio as it is, no orders."""


class PlanLike(Protocol):
    """A `Plan` or a household plan: orders (per account or not) and household rows."""

    @property
    def strategy(self) -> str: ...
    @property
    def kind(self) -> StatusKind: ...
    @property
    def message(self) -> str: ...
    @property
    def orders(self) -> Sequence[Order]: ...
    @property
    def holdings_after(self) -> Sequence[HoldingRow]: ...
    @property
    def metrics(self) -> Metrics: ...


@dataclass(frozen=True)
class AssetMove:
    """One asset's weight before and after a plan, its target and band (fractions)."""

    symbol: str
    target: float
    band: float
    before: float
    after: float
    in_model: bool
    price: Decimal
    shares_before: int
    shares_after: int

    @property
    def drift_before(self) -> float:
        return self.before - self.target

    @property
    def drift_after(self) -> float:
        return self.after - self.target

    def in_band(self, weight: float) -> bool:
        # A hair of float slack: a weight exactly on the edge is in the band.
        return abs(weight - self.target) <= self.band + 1e-12


@dataclass(frozen=True)
class Moves:
    rows: tuple[AssetMove, ...]
    cash_before: float
    cash_after: float
    base: Decimal  # the investable value the weights are fractions of


def asset_band(options: Options, target: float) -> float:
    """`b`, or `min(b, q·w)` with a relative band `q` (SPEC §4)."""
    band = float(options.band)
    if options.relative_band is None:
        return band
    return min(band, float(options.relative_band) * target)


def investable(plan: PlanLike, options: Options) -> Decimal:
    """V - R, the base of the plan's weights.

    Read off the rows themselves (weight = value / base) when one has a
    weight: a household's reserves belong to its accounts, not to `options`.
    Else: the assets after, the costs paid and the cash left, less the reserve.
    """
    rows = [r for r in plan.holdings_after if r.weight > 0 and r.value > 0]
    if rows:
        top = max(rows, key=lambda r: r.value)
        return top.value / Decimal(repr(top.weight))
    m = plan.metrics
    held = sum((r.value for r in plan.holdings_after), ZERO)
    return held + m.costs + m.cash_left - options.reserve


def share_changes(plan: PlanLike) -> dict[str, int]:
    """Net shares bought (+) or sold (-) per symbol, summed over accounts."""
    out: dict[str, int] = {}
    for o in plan.orders:
        signed = o.shares if o.action == "BUY" else -o.shares
        out[o.symbol] = out.get(o.symbol, 0) + signed
    return out


def moves(plan: PlanLike, options: Options) -> Moves:
    base = investable(plan, options)
    changes = share_changes(plan)

    def weight(value: Decimal) -> float:
        return float(value / base) if base > 0 else 0.0

    rows = []
    for r in plan.holdings_after:
        before_shares = r.shares - changes.get(r.symbol, 0)
        band = asset_band(options, r.target) if r.in_model else float(options.band)
        rows.append(
            AssetMove(
                symbol=r.symbol,
                target=r.target,
                band=band,
                before=weight(r.price * before_shares),
                after=r.weight,
                in_model=r.in_model,
                price=r.price,
                shares_before=before_shares,
                shares_after=r.shares,
            )
        )
    return Moves(
        rows=tuple(rows),
        cash_before=1.0 - sum(m.before for m in rows) if base > 0 else 0.0,
        cash_after=1.0 - sum(m.after for m in rows) if base > 0 else 0.0,
        base=base,
    )


def pp(fraction: float) -> str:
    """A weight difference in percentage points: 0.023 -> '2.3 pp'."""
    return f"{abs(fraction) * 100:.1f} pp"


def order_reason(move: AssetMove, action: str, base: Decimal, *, cash_short: bool = False) -> str:
    """Why one order is there, in a few words, from its asset's move.

    `cash_short`: the plan's cash left cannot pay for one more share of it, so
    a buy that stops a whole share or more below target was trimmed by cash
    (a buy that stops in its band with cash to spare was not)."""
    if action == "SELL" and not move.in_model:
        return "sold: not in the model"
    low, high = move.target - move.band, move.target + move.band
    if action == "BUY":
        if move.before < low:
            why = f"below its band by {pp(low - move.before)}"
        elif move.before < move.target:
            why = f"below target by {pp(move.target - move.before)} (in band)"
        else:
            why = "at or above target: spends spare cash"
        one_share = float(move.price / base) if base > 0 else 0.0
        if cash_short and move.target - move.after >= one_share - 1e-12:
            why += f"; trimmed: cash ({pp(move.target - move.after)} still below)"
        return why
    if move.before > high:
        return f"above its band by {pp(move.before - high)}"
    if move.before > move.target:
        return f"above target by {pp(move.before - move.target)} (in band)"
    return "sold to fund the buys"


def order_reasons(plan: PlanLike, options: Options) -> dict[str, str]:
    """Why each order is there, keyed as the orders table keys its rows: by
    symbol, and for a household's orders also by "account:symbol" (an account
    may sell what the household buys overall, to fund its own buys). A
    fallback plan says so on each."""
    found = moves(plan, options)
    by_symbol = {m.symbol: m for m in found.rows}
    suffix = ""
    if plan.kind is StatusKind.FALLBACK:
        suffix = f" · fallback: {plan.message}" if plan.message else " · fallback"
    out: dict[str, str] = {}
    left, fee, rate = plan.metrics.cash_left, options.fee, options.cost_rate

    def short(move: AssetMove) -> bool:
        return left < move.price * (1 + rate) + fee

    # How the order rules (minimum order, lots, locks) changed an order, as
    # the engine tells it on the order itself.
    rules: dict[str, list[str]] = {}
    for order in plan.orders:
        rules.setdefault(order.symbol, []).extend(getattr(order, "reasons", ()) or ())

    def told(symbol: str) -> str:
        said = list(dict.fromkeys(rules.get(symbol, ())))
        return f"; {'; '.join(said)}" if said else ""

    for symbol, change in share_changes(plan).items():
        move = by_symbol.get(symbol)
        if move is not None and change != 0:
            action = "BUY" if change > 0 else "SELL"
            why = order_reason(move, action, found.base, cash_short=short(move))
            out[symbol] = why + told(symbol) + suffix
    for order in plan.orders:
        account = getattr(order, "account", None)
        move = by_symbol.get(order.symbol)
        if account is not None and move is not None:
            why = order_reason(move, order.action, found.base, cash_short=short(move))
            own = list(getattr(order, "reasons", ()) or ())
            why += f"; {'; '.join(own)}" if own else ""
            out[f"{account}:{order.symbol}"] = why + suffix
            out.setdefault(order.symbol, why + suffix)  # bought and sold to no net change
    return out


def current_plan(plan: PlanLike, options: Options) -> Plan:
    """The portfolio as it is, as a plan without orders (the compare view's
    'Current' column), rebuilt from any plan for the same inputs."""
    found = moves(plan, options)
    base = found.base
    rows, values = [], ZERO
    after_values = sum((r.value for r in plan.holdings_after), ZERO)
    deviation = ZERO
    for m in found.rows:
        value = m.price * m.shares_before
        values += value
        deviation += abs(value - Decimal(repr(m.target)) * base)
        rows.append(
            HoldingRow(
                symbol=m.symbol,
                shares=m.shares_before,
                price=m.price,
                value=value,
                weight=m.before,
                target=m.target,
                drift=m.drift_before,
                in_model=m.in_model,
            )
        )
    metrics = Metrics(
        deviation=deviation.quantize(Decimal("0.01")),
        deviation_pct=float(deviation / base * 100) if base > 0 else 0.0,
        max_drift=max((abs(r.drift) for r in rows), default=0.0),
        orders=0,
        shares_traded=0,
        turnover=ZERO,
        costs=ZERO,
        # The money is all there before and after: the cash before is the cash
        # left plus what the plan paid for its costs and net buys.
        cash_left=plan.metrics.cash_left + plan.metrics.costs + after_values - values,
        solve_ms=0.0,
    )
    return Plan(
        strategy=CURRENT,
        kind=StatusKind.HEURISTIC,
        message="as it is now, no orders",
        final_shares={m.symbol: m.shares_before for m in found.rows},
        orders=[],
        holdings_after=rows,
        metrics=metrics,
    )


MEASURES: tuple[tuple[str, str], ...] = (
    ("deviation", "Deviation"),
    ("deviation_pct", "Dev. %"),
    ("max_drift", "Max drift"),
    ("orders", "Orders"),
    ("shares_traded", "Shares"),
    ("turnover", "Turnover"),
    ("costs", "Costs"),
    ("cash_left", "Cash left"),
)
"""The compare table's rows: (metric, label); lower is better on every one
(cash left: more of the money is invested)."""

TAX_MEASURES: tuple[tuple[str, str], ...] = (
    ("realized_gains_short", "Gains short"),
    ("realized_gains_long", "Gains long"),
    ("tax", "Tax"),
)
"""The rows added when some account has tax lots (SPEC §8): the gains a plan
realises by term and their tax; lower is better (less tax now)."""


def best_by_measure(
    plans: Sequence[PlanLike], measures: Sequence[tuple[str, str]] = MEASURES
) -> dict[str, set[str]]:
    """Per measure, the strategies with its lowest value (every tie marked).

    The current portfolio is a reference, not a candidate: it trades nothing,
    so it would win orders, turnover and costs every time.
    """
    candidates = [p for p in plans if p.strategy != CURRENT]
    out: dict[str, set[str]] = {}
    for key, _ in measures:
        values: Mapping[str, object] = {p.strategy: getattr(p.metrics, key) for p in candidates}
        if not values:
            out[key] = set()
            continue
        low = min(values.values())  # type: ignore[type-var]
        out[key] = {s for s, v in values.items() if v == low}
    return out
