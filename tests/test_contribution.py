"""Suggested contribution: exact against brute force on small cases."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rebalancer_tui.data import load_catalog
from rebalancer_tui.demo import demo_holdings
from rebalancer_tui.engine import Options, RebalanceInput
from rebalancer_tui.engine.contribution import (
    Contribution,
    funded_input,
    suggested_contribution,
)

D = Decimal
F = Fraction


def brute_force(inp: RebalanceInput, box: int) -> Fraction | None:
    """Smallest cent C over every final-shares vector x in h <= x <= h + box,
    from the constraints written out directly: for a fixed x each one is
    linear in C, so the feasible C form an interval [lo, hi]."""
    prices = {s: F(p) for s, p in inp.prices.items()}
    reserve = F(inp.options.reserve)
    value0 = sum((prices[s] * n for s, n in inp.holdings.items()), F(0)) + F(inp.cash) - reserve
    fee, rate = F(inp.options.fee), F(inp.options.cost_rate)
    model = list(inp.targets)
    best: Fraction | None = None
    ranges = [range(inp.held(s), inp.held(s) + box + 1) for s in model]
    for xs in itertools.product(*ranges):
        lo, hi = F(0), None
        spend = F(0)
        ok = True
        for s, x in zip(model, xs, strict=True):
            p, w = prices[s], F(inp.targets[s])
            b = F(inp.band(s))
            bought = x - inp.held(s)
            if bought:
                spend += p * bought + fee + rate * p * bought
            # p x >= (w - b)(V0 + C)
            a = w - b
            if a > 0:
                u = (p * x - a * value0) / a
                hi = u if hi is None else min(hi, u)
            elif a < 0:
                lo = max(lo, (p * x - a * value0) / a)
            # p x <= (w + b)(V0 + C)
            a = w + b
            if a > 0:
                lo = max(lo, p * x / a - value0)
            elif p * x > 0:
                ok = False
        # cash + C - reserve - spend >= 0
        lo = max(lo, spend - F(inp.cash) + reserve)
        if not ok:
            continue
        c = F(math.ceil(lo * 100), 100)
        if (hi is None or c <= hi) and (best is None or c < best):
            best = c
    return best


def in_band(inp: RebalanceInput, shares: dict[str, int]) -> bool:
    v = F(inp.investable)
    for s, w in inp.targets.items():
        b = F(inp.band(s))
        if not (F(w) - b) * v <= F(inp.prices[s]) * shares[s] <= (F(w) + b) * v:
            return False
    return True


def check_plan(inp: RebalanceInput, c) -> None:
    """The suggested buys are a feasible buy-only plan, in band, with that cash."""
    from rebalancer_tui.engine.plan import infeasibility

    funded = funded_input(inp, c.amount)
    assert infeasibility(funded, c.final_shares) is None
    assert in_band(funded, c.final_shares)
    assert all(c.final_shares[s] >= inp.held(s) for s in funded.symbols)
    assert c.buys == {
        s: c.final_shares[s] - inp.held(s)
        for s in funded.symbols
        if c.final_shares[s] > inp.held(s)
    }
    assert c.amount == c.amount.quantize(D("0.01"))


def inp_of(holdings, prices, targets, cash="0", **opts) -> RebalanceInput:
    return RebalanceInput(
        holdings=holdings,
        prices={s: D(p) for s, p in prices.items()},
        targets={s: D(w) for s, w in targets.items()},
        cash=D(cash),
        options=Options(buy_only=True, **{k: D(v) for k, v in opts.items()}),
    )


# ---------------------------------------------------------------------------
# Worked by hand


def test_zero_band_needs_to_double() -> None:
    # A: $100 held, B: nothing, 50/50 exact: V' must reach 200 -> C = 100.
    inp = inp_of({"A": 10}, {"A": "10", "B": "10"}, {"A": "0.5", "B": "0.5"}, band="0")
    c = suggested_contribution(inp)
    assert c is not None and c.amount == D("100.00")
    assert c.buys == {"B": 10}
    assert c.cash_left == 0


def test_band_moves_with_the_contribution() -> None:
    # b = 0.1: A fits once 100 <= 0.6 V', i.e. C >= 66.67; then B needs
    # ceil(0.4 V' / 10) = 7 shares = $70 > 66.67, and at C = 70 (V' = 170) B's
    # floor is still 7 shares: the answer is 70.00, not the naive 66.67.
    inp = inp_of({"A": 10}, {"A": "10", "B": "10"}, {"A": "0.5", "B": "0.5"}, band="0.1")
    c = suggested_contribution(inp)
    assert c is not None and c.amount == D("70.00")
    assert c.buys == {"B": 7}
    check_plan(inp, c)


def test_already_in_band_needs_nothing() -> None:
    inp = inp_of({"A": 5, "B": 5}, {"A": "10", "B": "10"}, {"A": "0.5", "B": "0.5"})
    c = suggested_contribution(inp)
    assert c is not None and c.amount == 0 and c.buys == {}


def test_existing_cash_is_used_first() -> None:
    inp = inp_of({"A": 10}, {"A": "10", "B": "10"}, {"A": "0.5", "B": "0.5"}, cash="100", band="0")
    c = suggested_contribution(inp)
    assert c is not None and c.amount == 0 and c.buys == {"B": 10}


def test_reserve_fee_and_rate_raise_the_amount() -> None:
    base = dict(holdings={"A": 10}, prices={"A": "10", "B": "10"}, targets={"A": "0.5", "B": "0.5"})
    # With a reserve the cash kept aside is not investable: same answer, as the
    # reserve comes out of the existing cash (V' unchanged).
    c = suggested_contribution(inp_of(**base, cash="30", reserve="30", band="0.1"))
    assert c is not None and c.amount == D("70.00")
    # A $1 fee on the one buy: 7 shares + 1 = 71 at C = 71 (V' = 171, B floor
    # ceil(6.84) = 7, A 100/171 <= 0.6).
    c = suggested_contribution(inp_of(**base, band="0.1", fee="1"))
    assert c is not None and c.amount == D("71.00")
    # 1% on traded dollars: 70 * 1.01 = 70.70.
    c = suggested_contribution(inp_of(**base, band="0.1", cost_rate="0.01"))
    assert c is not None and c.amount == D("70.70")


def test_reserve_beyond_cash_is_funded_by_the_contribution() -> None:
    # Not buy-only (the hint is computed as if it were): the reserve of 30 is
    # more than the cash, so part of C must fund it.
    inp = RebalanceInput(
        holdings={"A": 10},
        prices={"A": D(10), "B": D(10)},
        targets={"A": D("0.5"), "B": D("0.5")},
        options=Options(band=D("0.1"), reserve=D(30)),
    )
    c = suggested_contribution(inp)
    assert c is not None
    # by hand: V' = 70 + C; A needs 100 <= 0.6 V' (C >= 96.67); B then needs
    # ceil(0.4 * 166.67 / 10) = 7 shares, so C >= 70 + 30 = 100; at C = 100,
    # V' = 170: B floor ceil(6.8) = 7, A 100/170 <= 0.6.
    assert c.amount == D("100.00") == brute_force(inp, 30)
    check_plan(inp, c)


def test_non_model_holding_is_kept_and_counts_in_value() -> None:
    # X ($50, outside the model) is kept in buy-only mode; A must reach 90%.
    inp = inp_of(
        {"A": 5, "X": 5}, {"A": "10", "X": "10"}, {"A": "1"}, band="0.1"
    )  # A 50 / V' 100: needs 10 A >= 0.9 V'
    c = suggested_contribution(inp)
    assert c is not None
    assert c.final_shares["X"] == 5
    assert c.amount == brute_force(inp, 60)
    # by hand: x A-shares, 10x >= 0.9 (100 + C) and C >= 10 (x - 5):
    # 10x >= 90 + 0.9 (10x - 50) -> x >= 45, C = 400 (A 450 of 500 = 90%)
    assert c.amount == D("400.00")


def test_impossible_cases_return_none() -> None:
    # Held asset with target 0 and a relative band: its band is [0, 0].
    inp = inp_of(
        {"A": 1, "Z": 1},
        {"A": "10", "Z": "10"},
        {"A": "1", "Z": "0"},
        band="0.05",
        relative_band="0.25",
    )
    assert suggested_contribution(inp) is None
    # Zero band with a fee: the exact weights leave no cash for the fee.
    inp = inp_of({"A": 10}, {"A": "10", "B": "10"}, {"A": "0.5", "B": "0.5"}, band="0", fee="1")
    assert suggested_contribution(inp) is None


# ---------------------------------------------------------------------------
# Brute force on random small cases

prices_st = st.integers(100, 3000).map(lambda c: D(c) / 100)
weights_st = st.sampled_from(
    [("0.5", "0.5"), ("0.3", "0.7"), ("0.9", "0.1"), ("0.2", "0.3", "0.5"), ("0.6", "0.2", "0.2")]
)


@st.composite
def small_inputs(draw) -> RebalanceInput:
    ws = draw(weights_st)
    syms = ["A", "B", "C"][: len(ws)]
    prices = {s: draw(prices_st) for s in syms}
    holdings = {s: draw(st.integers(0, 6)) for s in syms}
    if draw(st.booleans()):
        prices["X"] = draw(prices_st)
        holdings["X"] = draw(st.integers(1, 3))
    cash = D(draw(st.integers(0, 3000))) / 100
    # Buy-only cannot raise a reserve by selling: it comes out of the cash.
    reserve = min(cash, D(draw(st.integers(0, 2000))) / 100)
    band = draw(st.sampled_from(["0.05", "0.1", "0.2", "0.25"]))
    rel = draw(st.sampled_from([None, "0.5"]))
    return RebalanceInput(
        holdings=holdings,
        prices=prices,
        targets={s: D(w) for s, w in zip(syms, ws, strict=True)},
        cash=cash,
        options=Options(
            buy_only=True,
            band=D(band),
            relative_band=None if rel is None else D(rel),
            reserve=reserve,
            fee=D(draw(st.sampled_from(["0", "0.5", "2"]))),
            cost_rate=D(draw(st.sampled_from(["0", "0.01"]))),
        ),
    )


# Drawn cases are many small searches: no deadline, the same examples every run.
EXAMPLES = settings(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def drawn_contribution(inp: RebalanceInput) -> Contribution:
    """The suggested contribution of a drawn case; cases without one are not examples."""
    c = suggested_contribution(inp)
    assume(c is not None)
    assert c is not None
    return c


@settings(EXAMPLES, max_examples=40)
@given(small_inputs())
def test_matches_brute_force(inp: RebalanceInput) -> None:
    c = drawn_contribution(inp)
    box = 30 if len(inp.targets) == 2 else 12
    # The brute force sees the optimum only if the plan's shares fit its box.
    assume(all(c.final_shares[s] - inp.held(s) <= box for s in inp.targets))
    check_plan(inp, c)
    assert brute_force(inp, box) == c.amount


# ---------------------------------------------------------------------------
# Real portfolios: exact, and one cent less does not work


def one_cent_less_fails(inp: RebalanceInput, amount: Decimal) -> bool:
    """Independent of the search: at C - 0.01 the cheapest in-band shares per
    asset (smallest whole x >= h inside the band, found by stepping) cost more
    than the cash, or some band holds no whole share."""
    funded = funded_input(inp, amount - D("0.01"))
    v = F(funded.investable)
    spend = F(0)
    for s, w in funded.targets.items():
        p, b, h = F(funded.prices[s]), F(funded.band(s)), funded.held(s)
        x = h
        while p * x < (F(w) - b) * v:
            x += 1
        if p * x > (F(w) + b) * v:
            return True
        if x > h:
            spend += p * (x - h) * (1 + F(funded.options.cost_rate)) + F(funded.options.fee)
    return spend > F(funded.cash) - F(funded.options.reserve)


@pytest.mark.parametrize("model_id", [m.id for m in load_catalog().models])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_catalog_models(model_id: str, seed: int) -> None:
    cat = load_catalog()
    model = cat.model(model_id)
    assert model is not None
    prices = {a.symbol: a.price for a in cat.assets}
    holdings = demo_holdings(model.weights, prices, seed=seed)
    for opts in (
        dict(fee="1", cost_rate="0.001"),
        dict(band="0.05", relative_band="0.25", reserve="200"),
    ):
        inp = inp_of(holdings, prices, model.weights, cash="250", **opts)
        c = suggested_contribution(inp)
        assert c is not None
        check_plan(inp, c)
        assert c.amount == 0 or one_cent_less_fails(inp, c.amount)


# ---------------------------------------------------------------------------
# The suggested buys: the share-by-share rule, and scale


def share_by_share(inp: RebalanceInput, amount: Decimal) -> dict[str, int]:
    """The suggested buys as first written (reference, O(n^2) per share): the
    cheapest in-band counts, then one share at a time to the asset furthest
    below target whose next share lands nearer, stays in band and is paid
    for (ties to the earlier model asset). Exact fractions throughout."""
    funded = funded_input(inp, amount)
    v = F(funded.investable)
    rate, fee = F(funded.options.cost_rate), F(funded.options.fee)
    shares = {s: funded.held(s) for s in funded.symbols}
    for s, w in funded.targets.items():
        p = F(funded.prices[s])
        shares[s] = max(shares[s], math.ceil((F(w) - F(funded.band(s))) * v / p))

    def spare(x: dict[str, int]) -> Fraction:
        cost = sum(
            (F(funded.prices[s]) * (x[s] - funded.held(s)) * rate + fee)
            for s in funded.symbols
            if x[s] != funded.held(s)
        )
        value = sum(F(funded.prices[s]) * x[s] for s in funded.symbols)
        held = sum(F(funded.prices[s]) * funded.held(s) for s in funded.symbols)
        return F(funded.cash) - (value - held) - cost - F(funded.options.reserve)

    while True:
        best = None
        for s, w in funded.targets.items():
            p = F(funded.prices[s])
            gap = F(w) * v - p * shares[s]
            if gap * 2 <= p or p * (shares[s] + 1) > (F(w) + F(funded.band(s))) * v:
                continue
            if spare({**shares, s: shares[s] + 1}) < 0:
                continue
            if best is None or gap > best[0]:
                best = (gap, s)
        if best is None:
            return shares
        shares[best[1]] += 1


@settings(EXAMPLES, max_examples=60)
@given(small_inputs())
def test_suggested_buys_follow_the_share_by_share_rule(inp: RebalanceInput) -> None:
    c = drawn_contribution(inp)
    assert c.final_shares == share_by_share(inp, c.amount)


def test_suggested_buys_follow_the_rule_with_many_shares_to_spread() -> None:
    """Cheap shares and much spare cash: the fast-forward takes thousands of
    shares at once and must land where the share-by-share rule does."""
    inp = inp_of(
        {"A": 0, "B": 0, "C": 0},
        {"A": "0.37", "B": "0.41", "C": "0.53"},
        {"A": "0.3", "B": "0.3", "C": "0.4"},
        cash="1500.00",
        band="0.05",
        fee="0.5",
        cost_rate="0.01",
    )
    c = suggested_contribution(inp)
    assert c is not None and c.amount == 0
    check_plan(inp, c)
    assert sum(c.buys.values()) > 3000
    assert c.final_shares == share_by_share(inp, c.amount)


def test_a_cancelled_search_stops() -> None:
    """The UI cancels stale work: the search polls `cancelled` and stops."""
    from rebalancer_tui.engine.errors import Cancelled

    inp = inp_of({"A": 1, "B": 1}, {"A": "10", "B": "20"}, {"A": "0.5", "B": "0.5"}, band="0")
    polled: list[int] = []

    def cancelled() -> bool:
        polled.append(1)
        return True

    with pytest.raises(Cancelled):
        suggested_contribution(inp, cancelled=cancelled)
    assert polled == [1]
    # Not cancelled, the same input has an answer.
    assert suggested_contribution(inp, cancelled=lambda: False) is not None


def test_out_of_time_is_a_solve_failure() -> None:
    from rebalancer_tui.engine.errors import SolveFailed

    inp = inp_of({"A": 1, "B": 1}, {"A": "10", "B": "20"}, {"A": "0.5", "B": "0.5"}, band="0")
    with pytest.raises(SolveFailed, match="within"):
        suggested_contribution(inp, time_limit=-1.0)


def test_many_etfs_in_band_with_a_relative_band() -> None:
    """5,000 ETFs (the size that never showed a plan): an answer, in band, and
    one cent less does not work."""
    n = 5000
    syms = [f"E{i:04d}" for i in range(n)]
    prices = {s: f"{5 + (i * 37) % 400}.{i % 100:02d}" for i, s in enumerate(syms)}
    weight = D(1) / n
    weights = {s: weight for s in syms[:-1]}
    weights[syms[-1]] = 1 - weight * (n - 1)
    holdings = {s: (i * 13) % 7 for i, s in enumerate(syms)}
    inp = inp_of(holdings, prices, weights, cash="1000", relative_band="0.25")
    c = suggested_contribution(inp)
    assert c is not None and c.amount > 0
    check_plan(inp, c)
    assert one_cent_less_fails(inp, c.amount)
