"""A household plan: final shares per account turned into orders per account,
household holdings and metrics, each account's cash left, and a status.

Everything is computed from the final shares in exact decimals; with one
account every figure equals the single-account `Plan`'s.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from rebalancer_tui.engine.evaluate import money
from rebalancer_tui.engine.household import Household, HouseholdShares, total_shares
from rebalancer_tui.engine.plan import (
    HoldingRow,
    Metrics,
    Order,
    Plan,
    Skipped,
    StatusKind,
    StrategyAnswer,
    make_orders,
    metrics_json,
    plan_metrics,
    rows_json,
    rule_reasons,
    weights_table,
)
from rebalancer_tui.engine.problem import ZERO
from rebalancer_tui.engine.tax import LotSale, PlanLots, greedy_plan_lots, plan_figures


class AccountOrder(Order):
    """One order: an (account, symbol) pair. `lots`: for a sale from a
    holding with tax lots, the lots to name at the broker (None otherwise)."""

    account: str
    lots: tuple[LotSale, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"account": self.account, **super().to_json()}
        if self.lots is not None:
            out["lots"] = [s.to_json() for s in self.lots]
        return out


class AccountAfter(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    holdings: dict[str, int]
    cash_left: Decimal


class HouseholdPlan(StrategyAnswer):
    """One strategy's answer for a household. `kind`/`message` are the status;
    `lower_bound` is the proven least objective (deviation dollars for
    tracking-error) when the status is `bounded`."""

    final_shares: HouseholdShares
    orders: list[AccountOrder]
    holdings_after: list[HoldingRow]
    accounts_after: list[AccountAfter]
    metrics: Metrics
    location_score: Decimal = ZERO
    lower_bound: Decimal | None = None
    solved_by: tuple[str, ...] = ()
    highs_calls: int = 0
    skipped: tuple[Skipped, ...] = ()

    @property
    def household_shares(self) -> dict[str, int]:
        return total_shares(self.final_shares.values())

    def to_json(self) -> dict[str, Any]:
        """SPEC §5's plan object plus §11's `account` per order, `accounts_after`
        and `location_score`."""
        out = {
            "strategy": self.strategy,
            "status": self.status,
            "orders": [o.to_json() for o in self.orders],
            "holdings_after": rows_json(self.holdings_after),
            "accounts_after": [
                {
                    "account": a.account,
                    "holdings": {s: n for s, n in a.holdings.items() if n},
                    "cash_left": money(a.cash_left),
                }
                for a in self.accounts_after
            ],
            "metrics": {
                **metrics_json(self.metrics),
                "location_score": money(self.location_score),
            },
            "skipped": [k.to_json() for k in self.skipped],
        }
        return out


def account_orders(
    hh: Household,
    shares: HouseholdShares,
    reasons: dict[str, dict[str, tuple[str, ...]]] | None = None,
    lots: PlanLots | None = None,
) -> list[AccountOrder]:
    """Orders grouped by account (household order), sells first within each,
    each sale from lots with the lots it sells."""
    out: list[AccountOrder] = []
    for name in hh.names:
        why = (reasons or {}).get(name)
        for o in make_orders(hh.account_input(name), shares.get(name, {}), why):
            sales = (lots or {}).get((name, o.symbol)) if o.action == "SELL" else None
            out.append(
                AccountOrder(
                    account=name,
                    lots=tuple(sales) if sales is not None else None,
                    **o.model_dump(),
                )
            )
    return out


def build_household_plan(
    hh: Household,
    strategy: str,
    shares: HouseholdShares,
    kind: StatusKind,
    message: str,
    solve_ms: float,
    *,
    lower_bound: Decimal | None = None,
    solved_by: tuple[str, ...] = (),
    highs_calls: int = 0,
    reference: HouseholdShares | None = None,
    lots: PlanLots | None = None,
) -> HouseholdPlan:
    """The plan of these final shares. `reference`: the same strategy's plan
    without the order rules, which the orders' reasons are told against.
    `lots`: the lots each sale sells (the solver's choice); by default the
    least-tax lots of each sale on its own."""
    shares = {
        n: {s: int(shares.get(n, {}).get(s, 0)) for s in hh.account_input(n).symbols}
        for n in hh.names
    }
    why = hh.infeasibility(shares)
    if why is not None:
        # A strategy must never hand back an infeasible plan; this is a bug guard.
        raise AssertionError(f"{strategy} produced an infeasible household plan: {why}")
    merged = hh.merged
    total = hh.aggregate(shares)
    rows = weights_table(merged, total)
    reasons_by: dict[str, dict[str, tuple[str, ...]]] = {}
    skipped: list[Skipped] = []
    if reference is not None:
        for n in hh.names:
            reasons_by[n], skips = rule_reasons(
                hh.account_input(n), shares[n], reference.get(n, {}), n
            )
            skipped.extend(skips)
    if lots is None:
        lots = greedy_plan_lots(hh, shares)
    orders = account_orders(hh, shares, reasons_by, lots)
    lefts = {n: hh.cash_left(n, shares) for n in hh.names}
    tax = plan_figures(lots, hh.options)
    metrics = plan_metrics(
        rows, orders, hh.deviation(shares), merged.investable, sum(lefts.values(), ZERO), solve_ms
    ).model_copy(
        update={
            "realized_gains_short": tax.gains_short,
            "realized_gains_long": tax.gains_long,
            "tax": tax.tax,
        }
    )
    return HouseholdPlan(
        skipped=tuple(skipped),
        strategy=strategy,
        kind=kind,
        message=message,
        final_shares=shares,
        orders=orders,
        holdings_after=rows,
        accounts_after=[
            AccountAfter(account=n, holdings=shares[n], cash_left=lefts[n]) for n in hh.names
        ],
        metrics=metrics,
        location_score=hh.location_score(shares),
        lower_bound=lower_bound,
        solved_by=solved_by,
        highs_calls=highs_calls,
    )


def from_plan(hh: Household, plan: Plan, solve_ms: float) -> HouseholdPlan:
    """A one-account household's plan from the single-account plan of
    `hh.merged` (the same input): its figures are reused, not recomputed."""
    (name,) = hh.names
    assert hh.merged is hh.account_input(name)
    shares = {name: dict(plan.final_shares)}
    return HouseholdPlan(
        strategy=plan.strategy,
        kind=plan.kind,
        message=plan.message,
        final_shares=shares,
        orders=[AccountOrder(account=name, **o.model_dump()) for o in plan.orders],
        holdings_after=plan.holdings_after,
        accounts_after=[
            AccountAfter(account=name, holdings=shares[name], cash_left=plan.metrics.cash_left)
        ],
        metrics=plan.metrics.model_copy(update={"solve_ms": solve_ms}),
        location_score=hh.location_score(shares),
        solved_by=plan.solved_by,
        highs_calls=plan.highs_calls,
        skipped=plan.skipped,
    )


__all__ = [
    "AccountAfter",
    "AccountOrder",
    "HouseholdPlan",
    "account_orders",
    "build_household_plan",
    "from_plan",
]
