"""Tax lots and tax-aware selling (issue 13).

Seeded households of 1-3 accounts (the first taxable, then tax-deferred and
tax-free) x 12-30 ETFs, each taxable holding split into 1-20 lots (unit costs
spread around the price, dates over three years), short-term rate 0.35 and
long-term 0.15. Per case:

1. Every strategy with taxes on: solve time and share proven optimal.
2. Tracking-error with taxes against the same strategy planned without taxes
   (its sales given the least-tax lots): tax saved and deviation paid for it.
3. The lot choice alone: for the no-tax plan's own sales, the tax of the lots
   a broker sells by default (FIFO) against the least-tax lots.
4. Tracking-error with the tax rules on (gains cap, no short-term gains, a
   30-day wash-sale guard): solve time and share proven optimal.
5. The same on one taxable account with 2,000 one-share lots (the lot rules
   and the model must stay linear in lots, and the time limit hold).

Run alone: `python -m bench.tax_bench [--quick]` prints a Markdown section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal

from bench.household_bench import (
    FULL_RUN,
    KINDS,
    QUICK_RUN,
    Say,
    Seeded,
    median,
    random_market,
    share,
)
from rebalancer_tui.engine.household import Account, Household
from rebalancer_tui.engine.household_search import solve_household
from rebalancer_tui.engine.plan import StatusKind
from rebalancer_tui.engine.problem import Options
from rebalancer_tui.engine.strategies import STRATEGIES
from rebalancer_tui.engine.tax import TaxLot, fifo_plan_lots, greedy_plan_lots, plan_figures
from rebalancer_tui.engine.tax_search import untaxed

AS_OF = dt.date(2026, 6, 30)
ST_RATE, LT_RATE = Decimal("0.35"), Decimal("0.15")
# (label, accounts, ETFs)
CASES: tuple[tuple[str, int, int], ...] = (("1 x 12", 1, 12), ("2 x 20", 2, 20), ("3 x 30", 3, 30))


def tax_case(seed: int, accounts: int, n: int, time_limit: float) -> Household:
    """A seeded household with lots on its taxable account."""
    r = random.Random(f"tax-{seed}-{accounts}-{n}")
    syms, targets, prices = random_market(r, n)
    accts = []
    for k in range(accounts):
        kind = KINDS[k % 3]
        held = {s: r.randint(5, 60) for s in r.sample(syms, r.randint(2, n))}
        lots: list[TaxLot] = []
        if kind == "taxable":
            for s, shares in held.items():
                count = min(r.randint(1, 20), shares)
                cuts = sorted(r.sample(range(1, shares), count - 1)) if count > 1 else []
                sizes = [b - a for a, b in zip([0, *cuts], [*cuts, shares], strict=True)]
                for size in sizes:
                    cost = (prices[s] * Decimal(str(round(r.uniform(0.6, 1.4), 3)))).quantize(
                        Decimal("0.01")
                    )
                    date = AS_OF - dt.timedelta(days=r.randint(0, 3 * 365))
                    lots.append(TaxLot(symbol=s, shares=size, cost=cost, date=date))
        cash = Decimal(str(round(r.uniform(0, 5000), 2)))
        accts.append(Account(name=f"acc{k}", kind=kind, cash=cash, holdings=held, lots=tuple(lots)))
    return Household(
        accounts=tuple(accts),
        prices=prices,
        targets=targets,
        options=Options(st_rate=ST_RATE, lt_rate=LT_RATE, as_of=AS_OF, time_limit=time_limit),
    )


RULES = {"max_gains": Decimal(500), "no_short_term_gains": True, "wash_sale_days": 30}
MANY_LOTS = 2000


def many_lots_case(seed: int, lots: int, time_limit: float) -> Household:
    """One taxable account: `lots` one-share lots of a stock fund (costs 0.4-1.6
    x the price, dates over fifteen years) and a bond fund; an IRA with bonds."""
    r = random.Random(f"tax-many-{seed}-{lots}")
    prices = {"VTI": Decimal(250), "BND": Decimal(72)}
    stock = tuple(
        TaxLot(
            symbol="VTI",
            shares=1,
            cost=(prices["VTI"] * Decimal(str(round(r.uniform(0.4, 1.6), 3)))).quantize(
                Decimal("0.01")
            ),
            date=AS_OF - dt.timedelta(days=r.randint(0, 15 * 365)),
        )
        for _ in range(lots)
    )
    bond = TaxLot(symbol="BND", shares=50, cost=Decimal(80), date=AS_OF - dt.timedelta(400))
    tx = Account(name="tx", kind="taxable", cash=Decimal(1000),
                 holdings={"VTI": lots, "BND": 50}, lots=(*stock, bond))  # fmt: skip
    ira = Account(name="ira", kind="tax-deferred", cash=Decimal(500), holdings={"BND": 20})
    options = Options(st_rate=Decimal("0.37"), lt_rate=LT_RATE, as_of=AS_OF,
                      time_limit=time_limit, **RULES)  # fmt: skip
    targets = {"VTI": Decimal("0.6"), "BND": Decimal("0.4")}
    return Household(accounts=(tx, ira), prices=prices, targets=targets, options=options)


@dataclass
class TaxRow:
    label: str
    lots: list[int] = field(default_factory=list)
    ms: dict[str, list[float]] = field(default_factory=dict)
    proven: dict[str, list[bool]] = field(default_factory=dict)
    fallback: dict[str, list[bool]] = field(default_factory=dict)
    tax_saved: list[float] = field(default_factory=list)  # no-tax plan's tax - tax-aware plan's
    dev_cost: list[float] = field(default_factory=list)  # tax-aware deviation - no-tax deviation
    fifo_tax: list[float] = field(default_factory=list)  # no-tax plan's sales, FIFO lots
    least_tax: list[float] = field(default_factory=list)  # the same sales, least-tax lots

    def add(self, key: str, ms: float, kind: StatusKind) -> None:
        self.ms.setdefault(key, []).append(ms)
        self.proven.setdefault(key, []).append(kind is StatusKind.OPTIMAL)
        self.fallback.setdefault(key, []).append(kind is StatusKind.FALLBACK)


@dataclass
class TaxResult:
    rows: list[TaxRow]
    seeds: int
    time_limit: float
    seconds: float = 0.0


def run_tax(
    seeded: Seeded = FULL_RUN,
    say: Say = None,
    cases: tuple[tuple[str, int, int], ...] = CASES,
    many_lots: int | None = MANY_LOTS,
) -> TaxResult:
    t0 = time.perf_counter()
    rows = []
    for label, accounts, n in cases:
        if say:
            say(f"tax lots: {label}")
        row = TaxRow(label)
        for seed in range(seeded.seeds):
            hh = tax_case(seed, accounts, n, seeded.limit)
            row.lots.append(sum(len(a.lots) for a in hh.accounts))
            plans = {}
            for strategy in STRATEGIES:
                p = solve_household(hh, strategy)
                row.add(strategy, p.metrics.solve_ms, p.kind)
                plans[strategy] = p
            te = plans["tracking-error"]
            plain = solve_household(untaxed(hh), "tracking-error")
            x = plain.final_shares
            least = plan_figures(greedy_plan_lots(hh, x), hh.options).tax
            fifo = plan_figures(fifo_plan_lots(hh, x), hh.options).tax
            row.tax_saved.append(float(least - te.metrics.tax))
            row.dev_cost.append(float(te.metrics.deviation - plain.metrics.deviation))
            row.fifo_tax.append(float(fifo))
            row.least_tax.append(float(least))
            ruled = solve_household(hh.with_options(**RULES), "tracking-error")
            row.add("tracking-error, rules", ruled.metrics.solve_ms, ruled.kind)
        rows.append(row)
    if many_lots:
        if say:
            say(f"tax lots: {many_lots:,} lots")
        row = TaxRow(f"1 x 2, {many_lots:,} one-share lots")
        for seed in range(seeded.seeds):
            hh = many_lots_case(seed, many_lots, seeded.limit)
            row.lots.append(many_lots + 1)
            p = solve_household(hh, "tracking-error")
            row.add("tracking-error, rules", p.metrics.solve_ms, p.kind)
        rows.append(row)
    return TaxResult(rows, seeded.seeds, seeded.limit, time.perf_counter() - t0)


def render_tax(result: TaxResult) -> list[str]:
    out = [
        "## Tax lots and tax-aware selling (issue 13)",
        "",
        f"{result.seeds} seeded households per row (accounts x ETFs; the first account "
        "taxable with 1-20 lots per holding, costs 0.6-1.4 x the price, dates over three "
        f"years; short-term rate {ST_RATE}, long-term {LT_RATE}, λ = 1); time limit "
        f"{result.time_limit:g} s per solve; section total {result.seconds:.0f} s. Medians. "
        "`proven` = status optimal (to within $0.01 on the strategy's objective, "
        "deviation + tax for tracking-error).",
        "",
        "### Solve time with taxes on",
        "",
        "| case | lots | strategy | ms | proven | fallback |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for row in result.rows:
        for key, ms in row.ms.items():
            out.append(
                f"| {row.label} | {median(row.lots):.0f} | {key} | {median(ms):,.1f} "
                f"| {share(row.proven[key])} | {share(row.fallback[key])} |"
            )
    out += [
        "",
        "`tracking-error, rules`: with a $500 gains cap, no short-term gains and a "
        "30-day wash-sale guard. The one-share-lots row: one taxable account holding "
        "a stock fund in that many lots (short-term rate 0.37), and an IRA.",
        "",
        "### What taxes change (tracking-error)",
        "",
        "`no-tax plan` = the same strategy planned without taxes, its sales given the "
        "least-tax lots. `tax saved` = its tax minus the tax-aware plan's; `deviation "
        "paid` = how much further from target the tax-aware plan ends. `FIFO` and "
        "`least-tax` = the tax of the no-tax plan's own sales with the lots a broker "
        "sells by default (oldest first) and with the engine's lot choice.",
        "",
        "| case | tax saved | deviation paid | FIFO tax | least-tax lots | saved by lot choice |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in (row for row in result.rows if row.tax_saved):
        by_choice = [f - g for f, g in zip(row.fifo_tax, row.least_tax, strict=True)]
        out.append(
            f"| {row.label} | ${median(row.tax_saved):,.2f} | ${median(row.dev_cost):,.2f} "
            f"| ${median(row.fifo_tax):,.2f} | ${median(row.least_tax):,.2f} "
            f"| ${median(by_choice):,.2f} |"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.tax_bench")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    seeded = QUICK_RUN if args.quick else FULL_RUN
    result = run_tax(seeded, say=lambda m: print(m, file=sys.stderr))
    print("\n".join(render_tax(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
