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

import heapq
import math
import time
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction

from pydantic import BaseModel, ConfigDict

from rebalancer_tui import rules
from rebalancer_tui.engine.errors import Cancelled, SolveFailed
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
        share_limit=inp.share_limit,
    )


def _ceil(q: Fraction) -> int:
    return math.ceil(q)


def suggested_contribution(
    inp: RebalanceInput,
    *,
    cancelled: Callable[[], bool] | None = None,
    time_limit: float | None = None,
) -> Contribution | None:
    """The smallest extra cash C (a whole number of cents) for which a buy-only
    plan exists with every model asset within its band, and such a plan.

    Treats the input as buy-only whatever `options.buy_only` says. Returns
    `amount == 0` when the existing cash already suffices, and None when no
    contribution can do it (a held asset whose band is [0, 0], or no
    solution below 1000x the portfolio value: a zero band or a cost rate
    that outgrows the band, or none within the bounds of `rules`).

    `cancelled` is polled as the search goes: once it returns True the
    search stops and raises `Cancelled` (the UI's inputs changed). After
    `time_limit` seconds (default: the input's own) the search raises
    `SolveFailed`; the final polish of the suggested buys just stops early.
    """
    limit = inp.options.time_limit if time_limit is None else time_limit
    deadline = time.monotonic() + limit

    def check() -> None:
        if cancelled is not None and cancelled():
            raise Cancelled("the suggested contribution was cancelled")
        if time.monotonic() > deadline:
            raise SolveFailed(f"no suggested contribution within {limit:g} s")

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
        check()
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
                amount = Decimal(cents).scaleb(-2)
                if not _fundable(inp, amount):
                    return None
                return _result(inp, amount, lo, _stopper(cancelled, deadline))
            floor_c = spend - budget0
        nxt = _ceil(floor_c * 100)
        if nxt <= cents:  # pragma: no cover - each bound exceeds the failed C
            raise AssertionError("contribution search did not advance")
        cents = nxt
        if c > cap:
            return None
    return None


def _fundable(inp: RebalanceInput, amount: Decimal) -> bool:
    """Whether the funded portfolio stays within the bounds of `rules`."""
    cash = inp.cash + amount
    return cash <= rules.CASH.maximum and inp.total_value + amount <= rules.MAX_TOTAL_VALUE


def _stopper(cancelled: Callable[[], bool] | None, deadline: float) -> Callable[[], bool]:
    def stop() -> bool:
        return time.monotonic() > deadline or (cancelled is not None and cancelled())

    return stop


def _result(
    inp: RebalanceInput, amount: Decimal, lo: dict[str, int], stop: Callable[[], bool]
) -> Contribution:
    funded = funded_input(inp, amount)
    shares = _closer(funded, {**{s: funded.held(s) for s in funded.symbols}, **lo}, stop)
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


def _closer(
    inp: RebalanceInput, shares: dict[str, int], stop: Callable[[], bool]
) -> dict[str, int]:
    """Spend what the minimal plan leaves over on shares that bring an asset
    closer to its target, without leaving the band or overspending. The
    amount is already minimal; this only makes the suggested buys better, so
    it may stop early (`stop`) with a plan that is still in band and paid for.

    The rule is greedy: one more share of the asset furthest below its target,
    while that share lands nearer the target and fits. Assets leave the heap
    for good when they stop qualifying (their gap only shrinks, and the cash
    left only falls); an asset keeps the top for a run of shares, taken at
    once, until the next asset's gap is the larger."""
    shares = dict(shares)
    with localcontext() as ctx:
        # Exact: sums and products of the inputs' decimals never need more
        # digits than this; quotients only feed the exact integer divisions below.
        ctx.prec = 120
        value = inp.investable
        fee, rate = inp.options.fee, inp.options.cost_rate
        spare = cash_left(inp, shares) - inp.options.reserve
        order = {s: k for k, s in enumerate(inp.targets)}
        price = {s: inp.prices[s] for s in inp.targets}
        top = {
            s: _floor_div((inp.target_weight(s) + inp.band(s)) * value, price[s])
            for s in inp.targets
        }
        dropped: set[str] = set()

        def qualifying(s: str) -> int:
            """How many more shares of s land nearer its target and stay in band."""
            gap, p = inp.target_dollars(s) - price[s] * shares[s], price[s]
            return max(0, min(_ceil_div(2 * gap - p, 2 * p), top[s] - shares[s]))

        def fast_forward() -> None:
            """Take at once every share the greedy surely takes: all shares whose
            gap at the time of buying is at or above a level L, where buying all
            of them is affordable (then every prefix of them is too, and none
            is skipped). L is bisected until few shares are left above the
            lowest level that is not affordable; the heap then replays those."""
            live = [s for s in inp.targets if s not in dropped and qualifying(s) > 0]
            if not live:
                return
            gap = {s: inp.target_dollars(s) - price[s] * shares[s] for s in live}
            room = {s: qualifying(s) for s in live}
            unit = {s: price[s] * (1 + rate) for s in live}
            extra = {s: fee if shares[s] == inp.held(s) else Decimal(0) for s in live}

            def counts(level: Decimal) -> dict[str, int]:
                return {
                    s: 0
                    if gap[s] < level
                    else min(room[s], _floor_div(gap[s] - level, price[s]) + 1)
                    for s in live
                }

            def cost(c: dict[str, int]) -> Decimal:
                return sum((n * unit[s] + extra[s] for s, n in c.items() if n), Decimal(0))

            nonlocal spare
            lo = min(gap[s] - (room[s] - 1) * price[s] for s in live)
            everything = counts(lo)
            if cost(everything) <= spare:
                chosen = everything
            else:
                hi = max(gap.values()) + 1
                while True:
                    chosen = counts(hi)
                    if sum(counts(lo).values()) - sum(chosen.values()) <= 4 * len(live) + 64:
                        break
                    mid = (lo + hi) / 2
                    if cost(counts(mid)) <= spare:
                        hi = mid
                    else:
                        lo = mid
            for s, n in chosen.items():
                shares[s] += n
            spare -= cost(chosen)

        while not stop():
            fast_forward()
            heap = [
                (-(inp.target_dollars(s) - price[s] * shares[s]), order[s], s)
                for s in inp.targets
                if s not in dropped
            ]
            heapq.heapify(heap)
            pops = 8 * len(heap) + 64
            while heap and pops and not stop():
                pops -= 1
                neg_gap, _, s = heapq.heappop(heap)
                gap, p, x = -neg_gap, price[s], shares[s]
                unit = p * (1 + rate)
                # Shares j = 0, 1, ... (the (j+1)-th added) qualify while each lands
                # nearer (gap - j p > p / 2), stays in band, is paid for, and keeps
                # the top of the heap.
                most = min(_ceil_div(2 * gap - p, 2 * p), top[s] - x)
                first_cost = unit + (fee if x == inp.held(s) else 0)
                if most <= 0 or first_cost > spare:
                    dropped.add(s)  # its gap only shrinks, and the spare cash too
                    continue
                most = min(most, 1 + _floor_div(spare - first_cost, unit))
                if heap:
                    next_gap, next_order = -heap[0][0], heap[0][1]
                    # (gap - j p, order) must still come first in the heap's order.
                    if order[s] < next_order:
                        most = min(most, _floor_div(gap - next_gap, p) + 1)
                    else:
                        most = min(most, _ceil_div(gap - next_gap, p))
                    most = max(most, 1)  # the popped asset was on top: its first share goes
                shares[s] = x + most
                spare -= first_cost + (most - 1) * unit
                heapq.heappush(heap, (-(gap - most * p), order[s], s))
            if not heap:
                break
    return shares


def _floor_div(a: Decimal, b: Decimal) -> int:
    """floor(a / b) for b > 0, exactly (Decimal's // truncates toward zero)."""
    q = int(a // b)
    return q - 1 if a < 0 and q * b != a else q


def _ceil_div(a: Decimal, b: Decimal) -> int:
    return -_floor_div(-a, b)


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
