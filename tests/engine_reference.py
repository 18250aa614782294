"""An independent reference for the rebalancing problem (SPEC §4), for tests.

Nothing here calls engine internals: it reads only the raw fields of a
`RebalanceInput` (holdings, prices, targets, cash, options) and the public
fields of a `Plan`, and recomputes everything in exact `Fraction` arithmetic.

`enumerate_plans` lists every feasible plan of a tiny portfolio by brute force.
Each model asset's final shares lie in lo_i..floor((V - R) / p_i) (spending
alone may not exceed V - R, and costs are never negative), so the enumeration
provably contains every optimum. The sums are taken on integers scaled by a
common denominator, so numpy does them exactly (an overflow guard checks it).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

import numpy as np
from exact import F
from hypothesis import strategies as st

from rebalancer_tui.engine import Options, Plan, RebalanceInput, solve
from rebalancer_tui.engine.search import Pipeline

# Largest number of share-count combinations one brute force may look at.
MAX_COMBINATIONS = 250_000


@dataclass(frozen=True)
class Problem:
    """The problem of one input, in exact fractions, read from raw fields only."""

    symbols: tuple[str, ...]  # model symbols, then held symbols outside the model
    model: frozenset[str]
    held: dict[str, int]
    price: dict[str, Fraction]
    weight: dict[str, Fraction]
    value: Fraction  # V
    investable: Fraction  # V' = V - R
    reserve: Fraction
    fee: Fraction
    rate: Fraction
    buy_only: bool
    band: dict[str, Fraction]  # b_i of model symbols

    @classmethod
    def of(cls, inp: RebalanceInput) -> Problem:
        opts = inp.options
        model = list(inp.targets)
        extra = sorted(s for s, n in inp.holdings.items() if n > 0 and s not in inp.targets)
        symbols = (*model, *extra)
        price = {s: F(inp.prices[s]) for s in symbols}
        held = {s: int(inp.holdings.get(s, 0)) for s in symbols}
        value = F(inp.cash)
        for s, n in inp.holdings.items():
            if n:
                value += F(inp.prices[s]) * n
        reserve = F(opts.reserve)
        b = F(opts.band)
        q = None if opts.relative_band is None else F(opts.relative_band)
        weight = {s: F(inp.targets[s]) for s in model}
        band = {s: b if q is None else min(b, q * weight[s]) for s in model}
        return cls(
            symbols=symbols,
            model=frozenset(model),
            held=held,
            price=price,
            weight=weight,
            value=value,
            investable=value - reserve,
            reserve=reserve,
            fee=F(opts.fee),
            rate=F(opts.cost_rate),
            buy_only=opts.buy_only,
            band=band,
        )

    def target(self, s: str) -> Fraction:
        return self.weight.get(s, Fraction(0)) * self.investable

    # Per-symbol pieces of the plan measures, for final shares x of symbol s.
    def cost_of(self, s: str, x: int) -> Fraction:
        d = abs(x - self.held[s])
        return Fraction(0) if d == 0 else self.fee + self.rate * self.price[s] * d

    def dev_of(self, s: str, x: int) -> Fraction:
        return abs(self.price[s] * x - self.target(s))

    def turnover_of(self, s: str, x: int) -> Fraction:
        return self.price[s] * abs(x - self.held[s])

    def lower(self, s: str) -> int:
        """Least feasible x of s; outside the model also the largest."""
        if s not in self.model:
            return self.held[s] if self.buy_only else 0
        return self.held[s] if self.buy_only else 0

    def bounds(self, s: str) -> tuple[int, int]:
        """Every feasible x of s lies in this range (inclusive).

        Σ p_j x_j <= V' and x_j >= lo_j for all j give
        p_s (x_s - lo_s) <= V' - Σ p_j lo_j (costs only shrink it further)."""
        lo = self.lower(s)
        if s not in self.model:
            return lo, lo
        spare = self.investable - sum(
            (self.price[j] * self.lower(j) for j in self.symbols), Fraction(0)
        )
        return lo, lo + max(0, math.floor(spare / self.price[s]))

    def combinations(self) -> int:
        n = 1
        for s in self.symbols:
            lo, hi = self.bounds(s)
            n *= hi - lo + 1
        return n


@dataclass(frozen=True)
class Measures:
    """The measures of one plan, exact."""

    deviation: Fraction
    turnover: Fraction
    costs: Fraction
    spent: Fraction  # Σ p x
    cash_left: Fraction  # V - Σ p x - costs
    orders: int
    shares_traded: int
    in_band: bool
    feasible: bool
    why: str  # why it is not feasible ("" if feasible)


def measures(pr: Problem, shares: dict[str, int], band_slack: Fraction = Fraction(0)) -> Measures:
    """Exact measures of final shares `shares` (symbols absent count as 0)."""
    x = {s: int(shares.get(s, 0)) for s in pr.symbols}
    dev = sum((pr.dev_of(s, x[s]) for s in pr.symbols), Fraction(0))
    turn = sum((pr.turnover_of(s, x[s]) for s in pr.symbols), Fraction(0))
    costs = sum((pr.cost_of(s, x[s]) for s in pr.symbols), Fraction(0))
    spent = sum((pr.price[s] * x[s] for s in pr.symbols), Fraction(0))
    left = pr.value - spent - costs
    orders = sum(1 for s in pr.symbols if x[s] != pr.held[s])
    traded = sum(abs(x[s] - pr.held[s]) for s in pr.symbols)
    in_band = all(pr.dev_of(s, x[s]) <= (pr.band[s] + band_slack) * pr.investable for s in pr.model)
    why = ""
    for s in pr.symbols:
        if x[s] < 0:
            why = f"{s}: negative shares"
        elif pr.buy_only and x[s] < pr.held[s]:
            why = f"{s}: sold in buy-only mode"
        elif s not in pr.model and x[s] != (pr.held[s] if pr.buy_only else 0):
            why = f"{s}: outside the model but not sold (or not kept in buy-only)"
    unknown = sorted(s for s, n in shares.items() if n and s not in pr.symbols)
    if unknown:
        why = f"shares of unknown symbols {unknown}"
    if not why and left < pr.reserve:
        why = f"overspends: cash left {float(left):.6f} < reserve {float(pr.reserve)}"
    return Measures(dev, turn, costs, spent, left, orders, traded, in_band, not why, why)


@dataclass
class Enumeration:
    """Every feasible plan of a tiny problem, with exact measures (scaled ints)."""

    pr: Problem
    scale: int  # the ints below are dollars times `scale`
    shares: np.ndarray  # (k, n_symbols) final shares
    dev: np.ndarray
    turnover: np.ndarray
    orders: np.ndarray
    band_gap: np.ndarray  # max_i (|p x - T| - b_i V') scaled; <= 0 means in band

    def to_ints(self, x: Fraction) -> int:
        """A dollar amount as a scaled int, rounded up (for <= thresholds on exact data)."""
        return math.ceil(x * self.scale)

    def plan(self, k: int) -> dict[str, int]:
        return {s: int(v) for s, v in zip(self.pr.symbols, self.shares[k], strict=True)}


def enumerate_plans(inp: RebalanceInput) -> Enumeration:
    pr = Problem.of(inp)
    if pr.combinations() > MAX_COMBINATIONS:
        raise ValueError(f"too big to brute force: {pr.combinations()} combinations")
    ranges = [range(lo, hi + 1) for lo, hi in (pr.bounds(s) for s in pr.symbols)]
    per_sym: list[dict[str, list[Fraction]]] = []
    for s, r in zip(pr.symbols, ranges, strict=True):
        b = pr.band.get(s)
        per_sym.append(
            {
                "spend": [pr.price[s] * x + pr.cost_of(s, x) for x in r],
                "dev": [pr.dev_of(s, x) for x in r],
                "turnover": [pr.turnover_of(s, x) for x in r],
                # Symbols outside the model have no band: -infinity stands in as 0 - huge.
                "gap": [pr.dev_of(s, x) - b * pr.investable if b is not None else None for x in r],
            }
        )
    dens = [
        v.denominator
        for d in per_sym
        for k in ("spend", "dev", "turnover", "gap")
        for v in d[k]
        if v is not None
    ]
    dens += [pr.investable.denominator, pr.reserve.denominator, pr.value.denominator, 100]
    scale = math.lcm(*dens)
    biggest = (
        max(
            abs(v)
            for d in per_sym
            for k in ("spend", "dev", "turnover", "gap")
            for v in d[k]
            if v is not None
        )
        * scale
        * len(ranges)
    )
    if biggest > 2**62:
        raise ValueError("exact sums would overflow int64; shrink the case")
    very_negative = -(2**62) // (len(ranges) + 1)

    def ints(values: list[Fraction | None]) -> np.ndarray:
        out = [very_negative if v is None else int(v * scale) for v in values]
        return np.array(out, dtype=np.int64)

    n = len(ranges)

    def outer(key: str, combine: str) -> np.ndarray:
        acc = np.zeros((), dtype=np.int64)
        for i, d in enumerate(per_sym):
            shape = [1] * n
            shape[i] = len(ranges[i])
            a = ints(d[key]).reshape(shape)
            acc = acc + a if combine == "sum" else np.maximum(acc, a)
        return np.broadcast_to(acc, tuple(len(r) for r in ranges)).reshape(-1)

    spend = outer("spend", "sum")
    # Feasible: Σ p x + costs <= V - R, bounds already in the ranges.
    ok = spend <= int(pr.investable * scale)
    grids = np.meshgrid(*[np.arange(r.start, r.stop) for r in ranges], indexing="ij")
    shares = np.stack([g.reshape(-1) for g in grids], axis=1)[ok]
    held = np.array([pr.held[s] for s in pr.symbols], dtype=np.int64)
    model_mask = np.array([s in pr.model for s in pr.symbols])
    gap = outer("gap", "max")[ok] if model_mask.any() else np.full(int(ok.sum()), very_negative)
    return Enumeration(
        pr=pr,
        scale=scale,
        shares=shares,
        dev=outer("dev", "sum")[ok],
        turnover=outer("turnover", "sum")[ok],
        orders=(shares != held).sum(axis=1),
        band_gap=gap,
    )


def sells_before_buys(plan: Plan) -> bool:
    actions = [o.action for o in plan.orders]
    return actions == sorted(actions, key=lambda a: a != "SELL")


def metric_mismatches(inp: RebalanceInput, plan: Plan) -> list[str]:
    """Every way the plan's orders, holdings table and metrics disagree with an
    exact recomputation from its final shares (empty list: all consistent)."""
    pr = Problem.of(inp)
    x = plan.final_shares
    m = measures(pr, x)
    out: list[str] = []
    met = plan.metrics

    def check(name: str, got: object, want: object) -> None:
        if got != want:
            out.append(f"{name}: plan says {got}, recomputed {want}")

    check("deviation", F(met.deviation), m.deviation)
    check("turnover", F(met.turnover), m.turnover)
    check("costs", F(met.costs), m.costs)
    check("cash_left", F(met.cash_left), m.cash_left)
    check("orders", met.orders, m.orders)
    check("len(orders)", len(plan.orders), m.orders)
    check("shares_traded", met.shares_traded, m.shares_traded)
    if pr.investable > 0:
        pct = float(m.deviation / pr.investable * 100)
        if not math.isclose(met.deviation_pct, pct, rel_tol=1e-9, abs_tol=1e-9):
            out.append(f"deviation_pct: plan says {met.deviation_pct}, recomputed {pct}")
    if not sells_before_buys(plan):
        out.append(f"orders not sells-then-buys: {[o.action for o in plan.orders]}")
    for o in plan.orders:
        d = x.get(o.symbol, 0) - pr.held.get(o.symbol, 0)
        want_action = "BUY" if d > 0 else "SELL"
        check(f"{o.symbol} action", o.action, want_action)
        check(f"{o.symbol} shares", o.shares, abs(d))
        check(f"{o.symbol} price", F(o.price), pr.price[o.symbol])
        check(f"{o.symbol} amount", F(o.amount), pr.price[o.symbol] * abs(d))
        check(f"{o.symbol} cost", F(o.cost), pr.cost_of(o.symbol, x.get(o.symbol, 0)))
    check(
        "order symbols",
        sorted(o.symbol for o in plan.orders),
        sorted(s for s in pr.symbols if x.get(s, 0) != pr.held[s]),
    )
    check("holdings_after symbols", [r.symbol for r in plan.holdings_after], list(pr.symbols))
    drifts = []
    for r in plan.holdings_after:
        if r.symbol not in pr.price:
            continue
        check(f"{r.symbol} row shares", r.shares, x.get(r.symbol, 0))
        check(f"{r.symbol} row value", F(r.value), pr.price[r.symbol] * x.get(r.symbol, 0))
        check(f"{r.symbol} in_model", r.in_model, r.symbol in pr.model)
        w = float(pr.price[r.symbol] * x.get(r.symbol, 0) / pr.investable)
        t = float(pr.weight.get(r.symbol, Fraction(0)))
        for name, got, want in (
            ("weight", r.weight, w),
            ("target", r.target, t),
            ("drift", r.drift, w - t),
        ):
            if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
                out.append(f"{r.symbol} row {name}: plan says {got}, recomputed {want}")
        drifts.append(abs(w - t))
    if drifts and not math.isclose(met.max_drift, max(drifts), rel_tol=1e-9, abs_tol=1e-12):
        out.append(f"max_drift: plan says {met.max_drift}, recomputed {max(drifts)}")
    return out


# --- Random cases -----------------------------------------------------------


def weights_strategy(n: int) -> st.SearchStrategy[list[Decimal]]:
    """n positive weights in whole percent (exact decimals) summing to exactly 1."""
    return st.lists(st.integers(1, 99), min_size=n - 1, max_size=n - 1, unique=True).map(
        lambda cuts: [Decimal(b - a) / 100 for a, b in itertools.pairwise([0, *sorted(cuts), 100])]
    )


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    min_assets: int = 2,
    max_assets: int = 4,
    max_shares: int = 30,
    tiny: bool = True,
    costs: bool | None = None,
    reserve: bool | None = None,
    buy_only: bool | None = None,
    relative: bool | None = None,
    outside: bool | None = None,
    cash: bool | None = None,
) -> RebalanceInput:
    """A random portfolio; each flag None = drawn, True/False = forced.

    Prices are whole cents from $5 to $500. With `tiny`, holdings and cash are
    halved until the brute force stays under MAX_COMBINATIONS.
    """
    n = draw(st.integers(min_assets, max_assets))
    syms = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH", "III", "JJJ", "KKK", "LLL"][:n]
    weights = draw(weights_strategy(n)) if n > 1 else [Decimal(1)]
    cents = st.integers(500, 50_000)
    prices = {s: Decimal(draw(cents)) / 100 for s in syms}
    holdings = {s: draw(st.integers(0, max_shares)) for s in syms}
    flag = st.booleans()
    if outside if outside is not None else draw(flag):
        prices["ZZZ"] = Decimal(draw(cents)) / 100
        holdings["ZZZ"] = draw(st.integers(1, 5))
    bo = buy_only if buy_only is not None else draw(flag)
    # Buy-only without cash can only stand still: mostly give it cash to invest.
    with_cash = cash if cash is not None else (bo or draw(flag))
    extra_cash = Decimal(draw(st.integers(0, 300_000))) / 100 if with_cash else Decimal(0)
    use_costs = costs if costs is not None else draw(flag)
    fee = draw(st.sampled_from(["0", "1", "4.95"])) if use_costs else "0"
    rate = draw(st.sampled_from(["0", "0.001", "0.005"])) if use_costs else "0"
    use_reserve = reserve if reserve is not None else draw(flag)
    band = Decimal(draw(st.sampled_from(["0.02", "0.05", "0.1", "0.2"])))
    q = (
        Decimal(draw(st.sampled_from(["0.25", "0.5"])))
        if (relative if relative is not None else draw(flag))
        else None
    )
    targets = dict(zip(syms, weights, strict=True))

    def value() -> Decimal:
        return sum((prices[s] * h for s, h in holdings.items()), Decimal(0)) + extra_cash

    def build(res: Decimal) -> RebalanceInput:
        return RebalanceInput(
            holdings=holdings,
            prices=prices,
            targets=targets,
            cash=extra_cash,
            options=Options(
                band=band,
                relative_band=q,
                reserve=res,
                fee=Decimal(fee),
                cost_rate=Decimal(rate),
                buy_only=bo,
            ),
        )

    if value() == 0:
        extra_cash = max(prices.values())
    res_frac = draw(st.integers(1, 50)) if use_reserve else 0
    inp = build(Decimal(0))
    while tiny and Problem.of(inp).combinations() > MAX_COMBINATIONS:
        before = (dict(holdings), extra_cash)
        holdings = {s: h // 2 if s in targets else max(1, h // 2) for s, h in holdings.items()}
        extra_cash = (extra_cash / 2).quantize(Decimal("0.01"))
        if value() == 0:
            extra_cash = max(prices.values())
        if (holdings, extra_cash) == before:
            # Nothing left to shrink: dearer shares make fewer combinations.
            prices = {s: p * 2 for s, p in prices.items()}
        inp = build(Decimal(0))
    # Reserve: a share of what may be kept in cash (buy-only cannot sell to fund it).
    room = extra_cash if bo else value()
    res = (room * res_frac / 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return build(res)


def describe(inp: RebalanceInput, plan: Plan) -> str:
    """Enough to paste the case into a repro."""
    o = inp.options
    return (
        f"\nholdings={inp.holdings} prices={ {k: str(v) for k, v in inp.prices.items()} }"
        f"\ntargets={ {k: str(v) for k, v in inp.targets.items()} } cash={inp.cash}"
        f"\noptions: band={o.band} q={o.relative_band} reserve={o.reserve} fee={o.fee}"
        f" rate={o.cost_rate} buy_only={o.buy_only}"
        f"\nplan {plan.strategy} status={plan.status!r} shares={plan.final_shares}"
    )


# Checkers shared by the brute-force and the path tests.

TOL = Fraction(1, 10**6)  # dollars
BAND_TOL = Fraction(1, 10**7)  # weight
SLACK = Fraction(1, 100)  # the spec's "within $0.01 of that optimum"


def _scaled(e: Enumeration, x: Fraction) -> Fraction:
    return x * e.scale


def check_tracking_error(inp: RebalanceInput, plan: Plan, e: Enumeration) -> None:
    """The plan is feasible, within $0.01 of the least deviation, and trades the
    fewest dollars among the plans that are."""
    pr = e.pr
    m = measures(pr, plan.final_shares)
    ctx = describe(inp, plan)
    assert m.feasible, m.why + ctx
    best = Fraction(int(e.dev.min()), e.scale)
    assert m.deviation <= best + SLACK + TOL, (
        f"deviation {float(m.deviation):.6f} > optimum {float(best):.6f} + 0.01" + ctx
    )
    # Plans surely within $0.01 (a boundary plan may be read either way by floats).
    near = e.dev <= int(_scaled(e, best + SLACK - TOL))
    least_turnover = Fraction(int(e.turnover[near].min()), e.scale)
    assert m.turnover <= least_turnover, (
        f"turnover {float(m.turnover):.2f} but a plan within $0.01 of the optimal "
        f"deviation trades only {float(least_turnover):.2f}: "
        f"{e.plan(int(np.flatnonzero(near & (e.turnover == e.turnover[near].min()))[0]))}" + ctx
    )


def check_trade_minimization(
    inp: RebalanceInput, plan: Plan, e: Enumeration, methods: Pipeline | None = None
) -> None:
    """`methods`: the search pipeline the plan was solved with (its fallback
    must be the tracking-error plan of the same pipeline: ties may differ)."""
    pr = e.pr
    ctx = describe(inp, plan)
    tol = int(_scaled(e, BAND_TOL * pr.investable)) + 1
    loose = e.band_gap <= tol  # in band even if the solver reads edges generously
    strict = e.band_gap <= -tol  # in band even if it reads them stingily
    if not loose.any():
        assert plan.status.startswith("fallback:"), "no plan fits the band" + ctx
        assert plan.final_shares == solve(inp, "tracking-error", methods=methods).final_shares, ctx
        check_tracking_error(inp, plan, e)
        return
    if strict.any():
        assert plan.status == "optimal", "a plan fits the band" + ctx
    if plan.status != "optimal":
        return  # only band-edge cases get here: either answer is defensible
    m = measures(pr, plan.final_shares, band_slack=BAND_TOL)
    assert m.feasible, m.why + ctx
    assert m.in_band, "status optimal but the band is not held" + ctx
    fewest = int(e.orders[loose].min())
    assert m.orders >= fewest, ctx
    if strict.any():
        assert m.orders <= int(e.orders[strict].min()), (
            f"{m.orders} orders but {int(e.orders[strict].min())} suffice: "
            f"{e.plan(int(np.flatnonzero(strict & (e.orders == e.orders[strict].min()))[0]))}" + ctx
        )
    same = strict & (e.orders == m.orders)
    if same.any():
        best = Fraction(int(e.dev[same].min()), e.scale)
        assert m.deviation <= best + SLACK + TOL, (
            f"deviation {float(m.deviation):.6f} but {m.orders} orders reach "
            f"{float(best):.6f}" + ctx
        )
        # No plan with as many orders is at least as close and trades fewer dollars.
        dominating = (
            same
            & (e.dev <= int(_scaled(e, m.deviation)))
            & (e.turnover < int(_scaled(e, m.turnover)))
        )
        assert not dominating.any(), (
            f"plan {e.plan(int(np.flatnonzero(dominating)[0]))} is as close with fewer "
            "dollars traded" + ctx
        )
