"""What a plan (final whole shares) costs and how close it lands, in exact decimals.

Every figure a user sees, and every check that a solver's float answer is
really feasible, is computed here from the final shares alone, so nothing
depends on how a solver rounded.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from rebalancer_tui.engine.problem import ZERO, RebalanceInput

CENT = Decimal("0.01")

Shares = dict[str, int]


def money(x: Decimal) -> float:
    """Dollars rounded to the cent, as a JSON number (a loss under half a cent
    is 0.0, not -0.0)."""
    return float(x.quantize(CENT, rounding=ROUND_HALF_EVEN)) + 0.0


def order_cost(inp: RebalanceInput, symbol: str, delta: int) -> Decimal:
    if delta == 0:
        return ZERO
    return inp.options.fee + inp.options.cost_rate * inp.prices[symbol] * abs(delta)


def total_cost(inp: RebalanceInput, shares: Shares) -> Decimal:
    fee, rate, prices, held = inp.options.fee, inp.options.cost_rate, inp.prices, inp.holdings
    total = ZERO
    for s in inp.symbols:
        moved = abs(shares.get(s, 0) - held.get(s, 0))
        if moved:
            total += fee + rate * prices[s] * moved
    return total


def cash_left(inp: RebalanceInput, shares: Shares) -> Decimal:
    """Cash after the plan: everything not in shares and not paid in costs."""
    prices = inp.prices
    invested = sum((prices[s] * shares.get(s, 0) for s in inp.symbols), ZERO)
    return inp.total_value - invested - total_cost(inp, shares)


def deviation(inp: RebalanceInput, shares: Shares) -> Decimal:
    """L1 distance in dollars between the plan and the target dollars."""
    prices, targets, base = inp.prices, inp.targets, inp.investable
    return sum(
        (abs(prices[s] * shares.get(s, 0) - targets.get(s, ZERO) * base) for s in inp.symbols),
        ZERO,
    )


def turnover(inp: RebalanceInput, shares: Shares) -> Decimal:
    prices, held = inp.prices, inp.holdings
    return sum((prices[s] * abs(shares.get(s, 0) - held.get(s, 0)) for s in inp.symbols), ZERO)


def order_count(inp: RebalanceInput, shares: Shares) -> int:
    return sum(1 for s in inp.symbols if shares.get(s, 0) != inp.held(s))


def infeasibility(inp: RebalanceInput, shares: Shares) -> str | None:
    """Why a plan is not feasible (exact decimal arithmetic), or None if it is."""
    for s in inp.symbols:
        x = shares.get(s, 0)
        lo, hi = inp.share_bounds(s)
        if x < 0:
            return f"{s}: negative shares"
        if x < lo:
            return f"{s}: sells in buy-only mode" if inp.options.buy_only else f"{s}: below bound"
        if hi is not None and x > hi:
            if inp.in_model(s) and not inp.is_locked(s):
                if x > inp.max_shares:
                    return f"{s}: over the share bound of {inp.max_shares}"
                return f"{s}: more than the budget buys"
            return f"{s}: outside the model must be sold"
        why = inp.order_rule_violation(s, x)
        if why is not None:
            return why
    extra = set(shares) - set(inp.symbols)
    if any(shares[s] for s in extra):
        return f"unknown symbols {sorted(extra)}"
    left = cash_left(inp, shares)
    if left < inp.options.reserve:
        return f"overspends by {inp.options.reserve - left:.6f}"
    return None
