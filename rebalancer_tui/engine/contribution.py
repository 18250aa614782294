"""Suggested contribution: the least extra cash that lets a buy-only plan bring
every model asset within its band.

With extra cash C (in cents) the investable value is V'(C) = V0 + C, where
V0 = holdings + existing cash - reserve; non-model holdings are kept (buy-only)
and count in V' without a band. A plan is whole final shares x_i >= h_i with

    (w_i - b_i) V'(C) <= p_i x_i <= (w_i + b_i) V'(C)     for every model asset
    sum p_i (x_i - h_i) + costs(x) <= cash + C - reserve

Why not just sum the gaps: V' grows with C, so every band moves as cash is
added, and whole shares make feasibility a step function of C that is not
monotone (an asset's band can contain no whole share at one C and one share
at a larger C).

The search is exact, with no solver: for a fixed C the cheapest candidate is
x_i = lo_i(C) = max(h_i, ceil((w_i - b_i) V'(C) / p_i)) because spending and
costs only grow with x_i. So C is feasible iff lo_i(C) <= (w_i + b_i) V'(C) / p_i
for every i and the cash covers lo(C). lo(C) never decreases as C grows, which
gives safe jumps: if an asset's band holds no whole share >= lo_i, no C below
lo_i p_i / (w_i + b_i) - V0 can work; if the cash falls short, no C below the
cost of lo(C) can work. Starting at C = 0 and jumping to the next cent each
bound allows visits only infeasible cents on the way, so the first feasible
cent is the minimum. Arithmetic is in exact fractions.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from pydantic import BaseModel, ConfigDict

from rebalancer_tui.engine.evaluate import cash_left, infeasibility, total_cost
from rebalancer_tui.engine.problem import RebalanceInput

# Guards for inputs where no amount works, or only an absurd one: a zero band
# without exact share fits, or cost rates that eat more than the band gives.
MAX_STEPS = 20_000
MAX_FACTOR = 1000  # never suggest more than 1000x the portfolio (or $1M if larger)


class Contribution(BaseModel):
    """Extra cash (to the cent) and a buy-only plan that uses it."""

    model_config = ConfigDict(frozen=True)

    amount: Decimal
    buys: dict[str, int]
    final_shares: dict[str, int]
    costs: Decimal
    cash_left: Decimal


def funded_input(inp: RebalanceInput, amount: Decimal) -> RebalanceInput:
    """The same problem in buy-only mode with `amount` more cash."""
    # A fresh model, not model_copy: copies keep stale cached properties.
    return RebalanceInput(
        holdings=inp.holdings,
        prices=inp.prices,
        targets=inp.targets,
        cash=inp.cash + amount,
        options=inp.options.model_copy(update={"buy_only": True}),
    )


def _ceil(q: Fraction) -> int:
    return math.ceil(q)


def suggested_contribution(inp: RebalanceInput) -> Contribution | None:
    """The smallest extra cash C (a whole number of cents) for which a buy-only
    plan exists with every model asset within its band, and such a plan.

    Treats the input as buy-only whatever `options.buy_only` says. Returns
    `amount == 0` when the existing cash already suffices, and None when no
    contribution can do it (a held asset whose band is [0, 0], or no
    solution below 1000x the portfolio value: a zero band or a cost rate
    that outgrows the band).
    """
    v0 = Fraction(inp.investable)
    budget0 = Fraction(inp.cash) - Fraction(inp.options.reserve)
    fee = Fraction(inp.options.fee)
    rate = Fraction(inp.options.cost_rate)
    assets = []
    for s in inp.targets:
        w, b = Fraction(inp.target_weight(s)), Fraction(inp.band(s))
        h = inp.held(s)
        if w + b == 0 and h > 0:
            return None  # must hold nothing of it, and buy-only cannot sell
        assets.append((s, Fraction(inp.prices[s]), h, w - b, w + b))
    cap = max(MAX_FACTOR * v0, Fraction(1_000_000))

    cents = 0
    for _ in range(MAX_STEPS):
        c = Fraction(cents, 100)
        value = v0 + c
        floor_c: Fraction | None = None  # a proven lower bound on the answer
        lo: dict[str, int] = {}
        for s, p, h, w_lo, w_hi in assets:
            n = max(h, _ceil(w_lo * value / p))
            lo[s] = n
            if w_hi * value < n * p:
                bound = n * p / w_hi - v0
                floor_c = bound if floor_c is None else max(floor_c, bound)
        if floor_c is None:
            spend = Fraction(0)
            for s, p, h, _, _ in assets:
                bought = lo[s] - h
                if bought:
                    spend += p * bought * (1 + rate) + fee
            if spend <= budget0 + c:
                return _result(inp, Decimal(cents).scaleb(-2), lo)
            floor_c = spend - budget0
        nxt = _ceil(floor_c * 100)
        if nxt <= cents:  # pragma: no cover - each bound exceeds the failed C
            raise AssertionError("contribution search did not advance")
        cents = nxt
        if c > cap:
            return None
    return None


def _result(inp: RebalanceInput, amount: Decimal, lo: dict[str, int]) -> Contribution:
    funded = funded_input(inp, amount)
    shares = _closer(funded, {**{s: funded.held(s) for s in funded.symbols}, **lo})
    why = _band_violation(funded, shares)
    if why is not None:  # pragma: no cover - a bug guard, like build_plan's
        raise AssertionError(f"suggested contribution plan is infeasible: {why}")
    return Contribution(
        amount=amount,
        buys={s: shares[s] - funded.held(s) for s in funded.symbols if shares[s] > funded.held(s)},
        final_shares=shares,
        costs=total_cost(funded, shares),
        cash_left=cash_left(funded, shares),
    )


def _closer(inp: RebalanceInput, shares: dict[str, int]) -> dict[str, int]:
    """Spend what the minimal plan leaves over on shares that bring an asset
    closer to its target, without leaving the band or overspending. The
    amount is already minimal; this only makes the suggested buys better."""
    shares = dict(shares)
    value = Fraction(inp.investable)
    while True:
        best: tuple[Decimal, str] | None = None
        for s in inp.targets:
            p = inp.prices[s]
            gap = inp.target_dollars(s) - p * shares[s]
            # One more share helps only if it lands nearer the target.
            top = (Fraction(inp.target_weight(s)) + Fraction(inp.band(s))) * value
            if gap * 2 <= p or Fraction(p) * (shares[s] + 1) > top:
                continue
            if best is None or gap > best[0]:
                trial = {**shares, s: shares[s] + 1}
                if infeasibility(inp, trial) is None:
                    best = (gap, s)
        if best is None:
            return shares
        shares[best[1]] += 1


def _band_violation(inp: RebalanceInput, shares: dict[str, int]) -> str | None:
    """Exact check (decimals) of the plan: feasible and every model asset in band."""
    why = infeasibility(inp, shares)
    if why is not None:
        return why
    value = Fraction(inp.investable)
    for s in inp.targets:
        v = Fraction(inp.prices[s]) * shares[s]
        w, b = Fraction(inp.target_weight(s)), Fraction(inp.band(s))
        if not (w - b) * value <= v <= (w + b) * value:
            return f"{s} outside its band"
    return None
