"""The `simple` strategy: floor division of each gap, no solver."""

from __future__ import annotations

import heapq
import math
from decimal import Decimal, localcontext

from rebalancer_tui.engine.evaluate import cash_left
from rebalancer_tui.engine.problem import RebalanceInput


def simple_shares(inp: RebalanceInput) -> dict[str, int]:
    """Per model asset, floor(|T_i - p_i h_i| / p_i) shares toward the target;
    outside the model, sell all (keep in buy-only mode). Buys are then trimmed
    until the plan fits the cash, the reserve and the costs."""
    if inp.options.constrained:
        return _simple_with_rules(inp)
    buy_only = inp.options.buy_only
    shares: dict[str, int] = {}
    for s in inp.symbols:
        h = inp.held(s)
        if not inp.in_model(s):
            shares[s] = h if buy_only else 0
            continue
        p = inp.prices[s]
        gap = inp.target_dollars(s) - p * h
        n = math.floor(abs(gap) / p)
        if gap >= 0:
            shares[s] = min(h + n, inp.max_shares)  # the share bound; fewer buys stay feasible
        else:
            shares[s] = h if buy_only else h - n
    return trim_buys(inp, shares)


def _sell_for_cash(inp: RebalanceInput, shares: dict[str, int], short: Decimal) -> dict[str, int]:
    """Sell, most overweight first, until the reserve is covered (only when the
    reserve exceeds the cash and no buy is left to trim). The input validator
    guarantees that selling can raise it."""
    fee, rate = inp.options.fee, inp.options.cost_rate
    order = sorted(
        (s for s in inp.symbols if shares[s] > 0),
        key=lambda s: inp.prices[s] * shares[s] - inp.target_dollars(s),
        reverse=True,
    )
    for s in order:
        if short <= 0:
            break
        net = inp.prices[s] * (1 - rate)
        new_fee = fee if shares[s] == inp.held(s) else Decimal(0)
        if shares[s] * net - new_fee <= 0:
            continue  # selling all of it would not even pay its fee
        k = min(shares[s], math.ceil((short + new_fee) / net))
        shares[s] -= k
        short -= k * net - new_fee
    if short > 0:
        # A sale whose proceeds do not even pay its fee (a fee near the whole
        # holding's value) only costs cash: undo it, and sell again for what
        # is still short. The input validator guarantees the rest can be raised.
        undone = False
        for s in inp.symbols:
            k = inp.held(s) - shares[s]
            if k > 0 and inp.in_model(s) and k * inp.prices[s] * (1 - rate) - fee < 0:
                short -= fee - k * inp.prices[s] * (1 - rate)
                shares[s] = inp.held(s)
                undone = True
        if undone:
            return _sell_for_cash(inp, shares, short)
        raise AssertionError("the reserve cannot be raised; the input validator should refuse")
    return shares


def trim_buys(inp: RebalanceInput, shares: dict[str, int]) -> dict[str, int]:
    """Give back bought shares until the plan stops overspending.

    The rule is greedy, one share at a time: the asset furthest above its
    target dollars gives up a share first, so the trimming costs as little
    closeness as a greedy step can. Sells are never touched: they only raise
    cash. Replaying it share by share would take time proportional to the
    shares (hours at a price of $0.000001), so the same result is reached in
    O(n log) steps whatever the magnitudes: a bisection on the excess level
    finds the shares every such greedy gives back anyway (all whose excess at
    the moment of giving is above the level), and the heap replays only the
    last few, where order and ties matter.
    """
    shares = dict(shares)
    short = inp.options.reserve - cash_left(inp, shares)
    if short <= 0:
        return shares
    fee, rate = inp.options.fee, inp.options.cost_rate
    bought = [s for s in inp.symbols if shares[s] > inp.held(s)]
    if not bought:
        return _sell_for_cash(inp, shares, short)
    with localcontext() as ctx:
        ctx.prec = 60  # levels are bisected far below a cent on values up to 1e15
        price = {s: inp.prices[s] for s in bought}
        room = {s: shares[s] - inp.held(s) for s in bought}  # shares that may be given back
        # The excess of asset s when it gives up its first share; its k-th
        # share goes at excess[s] - (k - 1) p_s.
        excess = {s: price[s] * shares[s] - inp.target_dollars(s) for s in bought}

        def given_back(level: Decimal) -> dict[str, int]:
            """Shares each asset gives back before its excess drops below `level`."""
            out = {}
            for s in bought:
                e = excess[s]
                out[s] = 0 if e < level else min(room[s], math.floor((e - level) / price[s]) + 1)
            return out

        def saved(k: dict[str, int]) -> Decimal:
            total = Decimal(0)
            for s, n in k.items():
                if n:
                    total += n * price[s] * (1 + rate) + (fee if n == room[s] else 0)
            return total

        everything = saved(room)
        if everything < short:
            for s in bought:
                shares[s] = inp.held(s)
            return _sell_for_cash(inp, shares, short - everything)
        # Invariant: giving back every share at or above `hi` is not enough;
        # at or above `lo` it is (lo is the lowest excess any share reaches).
        hi = max(excess.values()) + 1
        lo = min(excess[s] - (room[s] - 1) * price[s] for s in bought)
        limit = 4 * len(bought) + 64
        while True:
            above_hi = given_back(hi)
            between = sum(given_back(lo).values()) - sum(above_hi.values())
            if between <= limit:
                break
            mid = (lo + hi) / 2
            if saved(given_back(mid)) >= short:
                lo = mid
            else:
                hi = mid
        for s, n in above_hi.items():
            shares[s] -= n
        short -= saved(above_hi)
    heap = [
        (-(inp.prices[s] * shares[s] - inp.target_dollars(s)), s)
        for s in bought
        if shares[s] > inp.held(s)
    ]
    heapq.heapify(heap)
    while short > 0:
        _, s = heapq.heappop(heap)  # never empty: the shares above `lo` cover the rest
        p = inp.prices[s]
        shares[s] -= 1
        short -= p * (1 + rate)
        if shares[s] == inp.held(s):
            short -= fee  # the order is gone, and its fee with it
        else:
            heapq.heappush(heap, (-(p * shares[s] - inp.target_dollars(s)), s))
    return shares


def _simple_with_rules(inp: RebalanceInput) -> dict[str, int]:
    """`simple` under the order rules (SPEC §9): each gap's shares rounded
    down to the lot, dropped under the minimum, a locked holding untouched;
    then buys given back a lot at a time until the plan fits the cash."""
    opts = inp.options
    shares: dict[str, int] = {}
    for s in inp.symbols:
        h = inp.held(s)
        if inp.is_locked(s) or (not inp.in_model(s) and opts.buy_only):
            shares[s] = h
            continue
        if not inp.in_model(s):
            shares[s] = 0
            continue
        p = inp.prices[s]
        gap = inp.target_dollars(s) - p * h
        n = math.floor(abs(gap) / p)
        if gap >= 0:
            n = min(n, inp.max_shares - h)  # the share bound; fewer buys stay feasible
        n -= n % opts.lot(s)
        if gap < 0 and opts.buy_only:
            n = 0
        if n and p * n < opts.min_trade:
            n = 0
        shares[s] = h + n if gap >= 0 else h - n
    return _fit_with_rules(inp, shares)


def _fit_with_rules(inp: RebalanceInput, shares: dict[str, int]) -> dict[str, int]:
    opts = inp.options
    rate, fee = opts.cost_rate, opts.fee
    short = opts.reserve - cash_left(inp, shares)
    while short > 0:
        bought = [s for s in inp.symbols if shares[s] > inp.held(s)]
        if not bought:
            break
        s = max(bought, key=lambda s: inp.prices[s] * shares[s] - inp.target_dollars(s))
        h, p, lot = inp.held(s), inp.prices[s], opts.lot(s)
        room = (shares[s] - h) // lot
        k = min(room, max(1, math.ceil(short / (lot * p * (1 + rate)))))
        new = shares[s] - k * lot
        if new > h and p * (new - h) < opts.min_trade:
            new = h  # what is left would be under the minimum: no order at all
        shares[s] = new
        short = opts.reserve - cash_left(inp, shares)
    order = sorted(
        (s for s in inp.symbols if inp.in_model(s) and not inp.is_locked(s) and shares[s] > 0),
        key=lambda s: inp.prices[s] * shares[s] - inp.target_dollars(s),
        reverse=True,
    )
    for s in order:
        if short <= 0:
            break
        h, p, lot = inp.held(s), inp.prices[s], opts.lot(s)
        if opts.buy_only:
            break
        available = shares[s] // lot
        sold = h - shares[s]
        net = p * lot * (1 - rate)
        k = math.ceil((short + (fee if sold == 0 else 0)) / net)
        need = max(0, inp.min_shares(s) - sold)
        k = min(available, max(k, math.ceil(need / lot)))
        if k <= 0 or p * (sold + k * lot) < opts.min_trade:
            continue
        shares[s] -= k * lot
        short = opts.reserve - cash_left(inp, shares)
    if short > 0:
        # Every lot of every holding worth selling sold: the plan the input
        # validator proved pays for the reserve (`max_cash_left`).
        for s in inp.symbols:
            h, p, lot = inp.held(s), inp.prices[s], opts.lot(s)
            if not inp.in_model(s) or inp.is_locked(s) or opts.buy_only:
                continue
            n = h - h % lot
            keep = p * n < opts.min_trade or p * n * (1 - rate) - fee <= 0
            shares[s] = h if keep else h - n
    return shares
