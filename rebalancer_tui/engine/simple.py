"""The `simple` strategy: floor division of each gap, no solver."""

from __future__ import annotations

import heapq
import math
from decimal import Decimal

from rebalancer_tui.engine.evaluate import cash_left
from rebalancer_tui.engine.problem import RebalanceInput


def simple_shares(inp: RebalanceInput) -> dict[str, int]:
    """Per model asset, floor(|T_i - p_i h_i| / p_i) shares toward the target;
    outside the model, sell all (keep in buy-only mode). Buys are then trimmed
    until the plan fits the cash, the reserve and the costs."""
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
            shares[s] = h + n
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
        raise AssertionError("the reserve cannot be raised; the input validator should refuse")
    return shares


def trim_buys(inp: RebalanceInput, shares: dict[str, int]) -> dict[str, int]:
    """Give back bought shares, one at a time, until the plan stops overspending.

    The asset furthest above its target dollars gives up a share first, so the
    trimming costs as little closeness as a greedy step can. Sells are never
    touched: they only raise cash.
    """
    shares = dict(shares)
    short = inp.options.reserve - cash_left(inp, shares)
    if short <= 0:
        return shares
    fee, rate = inp.options.fee, inp.options.cost_rate
    heap = [
        (-(inp.prices[s] * shares[s] - inp.target_dollars(s)), s)
        for s in inp.symbols
        if shares[s] > inp.held(s)
    ]
    heapq.heapify(heap)
    while short > 0:
        if not heap:
            return _sell_for_cash(inp, shares, short)
        _, s = heapq.heappop(heap)
        p = inp.prices[s]
        shares[s] -= 1
        short -= p * (1 + rate)
        if shares[s] == inp.held(s):
            short -= fee  # the order is gone, and its fee with it
        else:
            heapq.heappush(heap, (-(p * shares[s] - inp.target_dollars(s)), s))
    return shares
