"""The household MILP (SPEC §7), for HiGHS.

Columns, per account a and asset i (all in `symbols` order):
  x[a,i]  integer final shares, within the account's hard bounds
  t[a,i]  >= |x - h|          shares traded   (turnover, proportional costs)
  o[a,i]  binary, 1 if x != h  an order        (fixed fees, order counts)
  d[i]    >= |sum_a p_i x[a,i] - T_i|   household deviation dollars
Rows: one budget per account (cash never moves between accounts), and
optional household rows: sum_a x[a,i] within [lo_i, hi_i] (a proven box or
the band), and caps on the sum of deviation, orders or turnover.

With tax rules on (`tax.taxed`, SPEC §8), per lot of a taxable holding that
may be sold:
  s[l]    shares sold from lot l, 0 if the rules block the lot
  y[c]    integer shares sold from a class c of a holding's sellable lots:
          the same term and the same side (gain or loss); y[c] = sum of its s
linked to the account's final shares so that the shares sold are exactly the
lots sold (a direction binary when the pair may also buy), the realised gains
capped (`max_gains`) and, with the wash-sale guard, one binary per symbol
that has loss lots: selling any at a loss forbids buying it in any account.
Tax and gains are linear in s: `tax_terms`, `gain_terms`.

Only the class totals are integer: within a class every lot pays the same rate
and is on the same side of the wash-sale guard, so selling its lowest-gain
shares first owes the least tax and realises the least gain for any total.
That choice is whole shares for a whole total, so the model's optimum is the
one with whole shares per lot, and `to_lots` reads the lots from the totals.
HiGHS then branches on a few columns per holding, not one per lot (10,000
integer lot columns kept its presolve busy well past the time limit).

Every float answer is turned into whole shares and re-checked in exact
decimals (`Household.infeasibility`); an overspending account gets its
budget tightened and the model is solved again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rebalancer_tui.engine.errors import Infeasible, SolveFailed
from rebalancer_tui.engine.highs import MilpResult, Model
from rebalancer_tui.engine.household import Household, HouseholdShares
from rebalancer_tui.engine.tax import (
    PlanLots,
    TaxLot,
    lot_block,
    lot_order,
    lots_of,
    rate,
    sale,
    sellable,
    taxed,
    term,
)


@dataclass
class Answer:
    """A MILP's answer: whole shares (None if no feasible plan was found in
    time), its objective, the proven lower bound and whether it is proven."""

    shares: HouseholdShares | None
    objective: float
    bound: float
    proven: bool
    # The lots the solver sold (tax rules on), to be verified exactly.
    lots: PlanLots | None = None


@dataclass(frozen=True)
class LotColumn:
    account: str
    symbol: str
    lot: TaxLot
    col: int


@dataclass(frozen=True)
class LotClass:
    """Lots of one holding with the same term and side, least tax first."""

    account: str
    symbol: str
    lots: tuple[TaxLot, ...]
    col: int  # y: the class's integer total


@dataclass
class HouseholdModel:
    hh: Household
    need_dev: bool = True
    need_trades: bool = False
    need_orders: bool = False
    total_lo: np.ndarray | None = None  # household bounds on sum_a x[a,i]
    total_hi: np.ndarray | None = None
    # Only these (account, symbol) pairs may trade; None: every pair.
    free: set[tuple[str, str]] | None = None
    model: Model = field(default_factory=Model)

    def __post_init__(self) -> None:
        hh = self.hh
        self.names = hh.names
        self.symbols = hh.symbols
        syms = self.symbols
        n = len(syms)
        merged = hh.merged
        self.p = np.array([float(hh.prices[s]) for s in syms])
        self.target = np.array([float(merged.target_dollars(s)) for s in syms])
        self.h = np.array(
            [[float(hh.account(a).holdings.get(s, 0)) for s in syms] for a in self.names]
        )
        bounds = [[hh.bounds(a, s) for s in syms] for a in self.names]
        self.lo = np.array([[b[0] for b in row] for row in bounds], dtype=float)
        self.hi = np.array([[b[1] for b in row] for row in bounds], dtype=float)
        # No account holds more of a symbol than its whole budget buys: this
        # keeps every big-M below (spans, orders, lots) as small as it can be.
        budget = np.array([float(hh.budget(a)) for a in self.names])
        most = np.floor(budget[:, None] / self.p[None, :] + 1e-6)
        self.hi = np.minimum(self.hi, np.maximum(most, np.maximum(self.lo, self.h)))
        if self.free is not None:
            for k, a in enumerate(self.names):
                for i, s in enumerate(syms):
                    if (a, s) not in self.free and self.lo[k, i] <= self.h[k, i] <= self.hi[k, i]:
                        self.lo[k, i] = self.hi[k, i] = self.h[k, i]
        self.taxed = taxed(hh)
        if self.taxed:
            self._tax_bounds()
        self.budgets = np.array([float(hh.budget(a)) for a in self.names])
        fee, rate = float(hh.options.fee), float(hh.options.cost_rate)
        self.fee, self.rate = fee, rate
        m = self.model
        self.x = [m.add_vars(self.lo[k], self.hi[k], integer=True) for k in range(len(self.names))]
        self.t: list[np.ndarray] | None = None
        self.o: list[np.ndarray] | None = None
        self.d: np.ndarray | None = None
        if self.need_trades or rate > 0:
            self.t = []
            for k in range(len(self.names)):
                lo, hi, h = self.lo[k], self.hi[k], self.h[k]
                span = np.maximum(hi - h, h - lo).clip(min=0)
                t = m.add_vars(np.zeros(n), span, integer=False)
                m.add_rows([(self.x[k], 1.0), (t, -1.0)], np.full(n, -np.inf), h)
                m.add_rows([(self.x[k], 1.0), (t, 1.0)], h, np.full(n, np.inf))
                self.t.append(t)
        # SPEC §9: which pairs the minimum order binds (a forced sale is exempt).
        self.min_shares = np.array(
            [[float(hh.account_input(a).min_shares(s)) for s in syms] for a in self.names]
        )
        rules_on = hh.options.constrained
        if self.need_orders or fee > 0 or (rules_on and bool((self.min_shares > 1).any())):
            self.o = []
            for k in range(len(self.names)):
                lo, hi, h = self.lo[k], self.hi[k], self.h[k]
                up, down = (hi - h).clip(min=0), (h - lo).clip(min=0)
                o = m.add_vars(np.zeros(n), np.where(up + down > 0, 1.0, 0.0), integer=True)
                m.add_rows([(self.x[k], 1.0), (o, -up)], np.full(n, -np.inf), h)
                m.add_rows([(self.x[k], -1.0), (o, -down)], np.full(n, -np.inf), -h)
                self.o.append(o)
        if rules_on:
            self._order_rules()
        self.lot_cols: list[LotColumn] = []
        self.lot_classes: list[LotClass] = []
        if self.taxed:
            self._tax_columns()
        if self.need_dev:
            total_hi = self.hi.sum(axis=0) if self.total_hi is None else self.total_hi
            total_lo = self.lo.sum(axis=0) if self.total_lo is None else self.total_lo
            span = np.maximum(
                np.abs(self.p * total_lo - self.target), np.abs(self.p * total_hi - self.target)
            )
            self.d = m.add_vars(np.zeros(n), span, integer=False)
            xs: list[tuple[np.ndarray, np.ndarray | float]] = [(x, self.p) for x in self.x]
            m.add_rows([*xs, (self.d, -1.0)], np.full(n, -np.inf), self.target)
            m.add_rows([*xs, (self.d, 1.0)], self.target, np.full(n, np.inf))
        if self.total_lo is not None or self.total_hi is not None:
            lo = self.total_lo if self.total_lo is not None else np.full(n, -np.inf)
            hi = self.total_hi if self.total_hi is not None else np.full(n, np.inf)
            m.add_rows([(x, 1.0) for x in self.x], lo, hi)

    def _order_rules(self) -> None:
        """Lots as integer lot counts (x = h + lot*q) and the minimum order as
        a direction binary: a buy moves at least m shares up, a sell m down.
        Locks need nothing here: their bounds are already x = h."""
        hh, m = self.hh, self.model
        for k, a in enumerate(self.names):
            inp = hh.account_input(a)
            for i, s in enumerate(self.symbols):
                lo, hi, h = self.lo[k, i], self.hi[k, i], self.h[k, i]
                if lo == hi or not inp.in_model(s):
                    continue
                x = self.x[k][i : i + 1]
                lot = hh.options.lot(s)
                if lot > 1:
                    q_lo = float(np.ceil((lo - h) / lot))
                    q_hi = float(np.floor((hi - h) / lot))
                    q = m.add_vars(np.array([q_lo]), np.array([q_hi]), integer=True)
                    m.add_rows([(x, 1.0), (q, -float(lot))], np.array([h]), np.array([h]))
                need = self.min_shares[k, i]
                if need > 1:
                    assert self.o is not None
                    o = self.o[k][i : i + 1]
                    up, down = max(hi - h, 0.0), max(h - lo, 0.0)
                    buy = m.add_vars(np.zeros(1), np.ones(1), integer=True)
                    # x - h >= need*o - (down + need)*(1 - buy)
                    m.add_rows([(x, 1.0), (o, -need), (buy, -(down + need))],
                               np.array([h - down - need]), np.array([np.inf]))  # fmt: skip
                    # h - x >= need*o - (up + need)*buy
                    m.add_rows([(x, -1.0), (o, -need), (buy, up + need)],
                               np.array([-h]), np.array([np.inf]))  # fmt: skip

    def _tax_bounds(self) -> None:
        """A holding sells at most what its unblocked lots hold: a lower bound
        on its final shares (left alone when it cannot be met, e.g. a forced
        sale of blocked lots: the lot rows then make the model infeasible)."""
        for k, a in enumerate(self.names):
            for i, s in enumerate(self.symbols):
                most = sellable(self.hh, a, s)
                if most is None:
                    continue
                floor = self.h[k, i] - most
                if self.lo[k, i] < floor <= self.hi[k, i]:
                    self.lo[k, i] = floor

    def _tax_columns(self) -> None:
        """The lot columns and their rows (see the module docstring)."""
        hh, m = self.hh, self.model
        losses: dict[str, list[tuple[int, float]]] = {}
        for k, a in enumerate(self.names):
            for i, s in enumerate(self.symbols):
                lots = lots_of(hh, a, s)
                lo, hi, h = self.lo[k, i], self.hi[k, i], self.h[k, i]
                if not lots or lo >= h:
                    continue  # nothing can be sold here: no tax, no columns
                ub = np.array([0.0 if lot_block(hh, lot) else float(lot.shares) for lot in lots])
                lot_cols = m.add_vars(np.zeros(len(lots)), ub, integer=False)
                m.lot_columns += len(lots)
                for lot, c in zip(lots, lot_cols, strict=True):
                    self.lot_cols.append(LotColumn(a, s, lot, int(c)))
                # The shares sold are the class totals' sum (blocked lots sell 0).
                classes = self._lot_classes(a, s, lots, lot_cols, ub)
                cols = np.array([c for c, _, _ in classes], dtype=int)
                for c, most, loss in classes:
                    if loss:
                        losses.setdefault(s, []).append((c, most))
                x = self.x[k][i : i + 1]
                one = np.ones(len(cols))
                if hi <= h:  # only sells: sum s = h - x
                    m.add_row(np.concatenate([cols, x]), np.append(one, 1.0), h, h)
                else:
                    up, down = hi - h, h - lo
                    z = m.add_vars(np.zeros(1), np.ones(1), integer=True)  # 1: a buy
                    xz = np.concatenate([x, z])
                    m.add_row(xz, np.array([1.0, -up]), -np.inf, h)  # x - h <= up*z
                    m.add_row(xz, np.array([-1.0, down]), -np.inf, down - h)  # h-x <= down(1-z)
                    sx = np.concatenate([cols, x])
                    m.add_row(sx, np.append(one, 1.0), h, np.inf)  # sum s >= h - x
                    sxz = np.concatenate([cols, x, z])
                    m.add_row(sxz, np.append(one, [1.0, -up]), -np.inf, h)  # <= h - x + up*z
                    sz = np.concatenate([cols, z])
                    m.add_row(sz, np.append(one, down), -np.inf, down)  # sum s <= down(1-z)
        if not self.lot_cols:
            return
        cap = hh.options.max_gains
        if cap is not None:
            cols, vals = self.gain_terms()
            m.add_row(cols, vals, -np.inf, float(cap))
        if hh.options.wash_sale_days:
            for s, loss_classes in losses.items():
                w = m.add_vars(np.zeros(1), np.ones(1), integer=True)  # 1: sold at a loss
                for c, u in loss_classes:  # y_c <= (its most) * w
                    m.add_row(np.array([c, w[0]]), np.array([1.0, -u]), -np.inf, 0.0)
                i = self.symbols.index(s)
                for k in range(len(self.names)):
                    up = self.hi[k, i] - self.h[k, i]
                    if up > 0:  # x - h <= up*(1 - w)
                        m.add_row(np.array([self.x[k][i], w[0]]), np.array([1.0, up]),
                                  -np.inf, self.h[k, i] + up)  # fmt: skip

    def _lot_classes(
        self, account: str, symbol: str, lots: tuple[TaxLot, ...], cols: np.ndarray, ub: np.ndarray
    ) -> list[tuple[int, float, bool]]:
        """The integer class totals of one holding's lot columns (module
        docstring): per class (its total's column, the most it can sell,
        whether it sells at a loss)."""
        hh, m = self.hh, self.model
        p = hh.prices[symbol]
        classes: dict[tuple[str, bool], list[int]] = {}
        for j, lot in enumerate(lots):
            if ub[j] > 0:
                classes.setdefault((term(lot, hh.options), lot.cost > p), []).append(j)
        out: list[tuple[int, float, bool]] = []
        for (_, loss), members in classes.items():
            most = float(ub[members].sum())
            y = m.add_vars(np.zeros(1), np.array([most]), integer=True)
            out.append((int(y[0]), most, loss))
            m.add_row(np.append(cols[members], y), np.append(np.ones(len(members)), -1.0), 0, 0)
            ordered = sorted((lots[j] for j in members), key=lambda lot: lot_order(hh, lot))
            self.lot_classes.append(LotClass(account, symbol, tuple(ordered), int(y[0])))
        return out

    # -- objectives and caps -----------------------------------------------

    def gain_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """Realised gains (losses negative), in dollars."""
        cols = np.array([c.col for c in self.lot_cols], dtype=int)
        vals = np.array([float(self.hh.prices[c.symbol] - c.lot.cost) for c in self.lot_cols])
        return cols, vals

    def tax_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """Tax on the realised gains, in dollars (negative: tax saved)."""
        hh = self.hh
        cols = np.array([c.col for c in self.lot_cols], dtype=int)
        vals = np.array(
            [
                float(rate(c.lot, hh.options) * (hh.prices[c.symbol] - c.lot.cost))
                for c in self.lot_cols
            ]
        )
        return cols, vals

    def combined_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """Deviation + λ·tax (SPEC §8, tracking-error with taxes)."""
        d_cols, d_vals = self.deviation_terms()
        t_cols, t_vals = self.tax_terms()
        weight = float(self.hh.options.tax_weight)
        return np.concatenate([d_cols, t_cols]), np.concatenate([d_vals, weight * t_vals])

    def to_lots(self, xs: np.ndarray) -> PlanLots:
        """The lots sold in a solution (whole shares; pairs that sell only)."""
        out: PlanLots = {}
        for c in self.lot_classes:
            left = round(float(xs[c.col]))
            for lot in c.lots:
                if left <= 0:
                    break
                n = min(left, lot.shares)
                out.setdefault((c.account, c.symbol), []).append(sale(self.hh, lot, n))
                left -= n
        return out

    def deviation_terms(self) -> tuple[np.ndarray, np.ndarray]:
        assert self.d is not None
        return self.d, np.ones(len(self.d))

    def order_terms(self) -> tuple[np.ndarray, np.ndarray]:
        assert self.o is not None
        cols = np.concatenate(self.o)
        return cols, np.ones(len(cols))

    def turnover_terms(self) -> tuple[np.ndarray, np.ndarray]:
        assert self.t is not None
        cols = np.concatenate(self.t)
        return cols, np.tile(self.p, len(self.t))

    def location_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """Minus the dollars held in preferred kinds (minimised)."""
        cols, vals = [], []
        for k, a in enumerate(self.names):
            w = np.array([self.p[i] if self.hh.located(a, s) else 0.0
                          for i, s in enumerate(self.symbols)])  # fmt: skip
            cols.append(self.x[k])
            vals.append(-w)
        return np.concatenate(cols), np.concatenate(vals)

    def objective(self, terms: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        c = np.zeros(len(self.model.c))
        np.add.at(c, terms[0], terms[1])
        return c

    def to_shares(self, xs: np.ndarray) -> HouseholdShares:
        return {
            a: {s: round(float(xs[self.x[k][i]])) for i, s in enumerate(self.symbols)}
            for k, a in enumerate(self.names)
        }

    def solve(
        self,
        terms: tuple[np.ndarray, np.ndarray],
        *,
        scale: float,
        abs_gap: float,
        deadline: float,
        caps: Sequence[tuple[tuple[np.ndarray, np.ndarray], float]] = (),
    ) -> Answer:
        """Minimise `terms` under the caps; never raises for a time-out (the
        answer then says what was found and proven). Raises Infeasible when
        HiGHS proves there is no plan."""
        objective = self.objective(terms)
        budgets = self.budgets.copy()
        for _ in range(3):
            left = deadline - time.monotonic()
            if left <= 0.01:
                return Answer(None, float("inf"), -float("inf"), False)
            prob = self.model.copy()
            for k in range(len(self.names)):
                cols, vals = [self.x[k]], [self.p]
                if self.t is not None and self.rate > 0:
                    cols.append(self.t[k])
                    vals.append(self.rate * self.p)
                if self.o is not None and self.fee > 0:
                    cols.append(self.o[k])
                    vals.append(np.full(len(self.p), self.fee))
                prob.add_row(np.concatenate(cols), np.concatenate(vals), -np.inf, budgets[k])
            for (cap_cols, cap_vals), cap in caps:
                prob.add_row(cap_cols, cap_vals, -np.inf, cap)
            res: MilpResult = prob.solve_any(objective, left, abs_gap, scale)
            if res.infeasible:
                raise Infeasible("no household plan satisfies the constraints")
            if res.x is None:
                return Answer(None, float("inf"), res.bound, False)
            shares = self.to_shares(res.x)
            why = self.hh.infeasibility(shares)
            if why is None:
                proven = res.objective - res.bound <= abs_gap + 1e-9 * abs(res.objective)
                lots = self.to_lots(res.x) if self.taxed else None
                return Answer(shares, res.objective, res.bound, proven, lots)
            over = False
            for k, a in enumerate(self.names):
                short = float(
                    self.hh.account_input(a).options.reserve - self.hh.cash_left(a, shares)
                )
                if short > 0:
                    budgets[k] -= short * 1.5 + 1e-9 * max(self.budgets[k], 1.0)
                    over = True
            if not over:
                raise SolveFailed(f"solver plan infeasible: {why}")
        return Answer(None, float("inf"), -float("inf"), False)


__all__ = ["Answer", "HouseholdModel", "LotClass", "LotColumn"]
