"""The workspace's tax-lot helpers (SPEC §8), headless: lots checked against
the holding, the state they lead to, the wash-sale symbols, lot figures, and
a holdings edit that would break a holding's lots refused as an Outcome."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from rebalancer_tui.data import load_catalog
from rebalancer_tui.engine import Options
from rebalancer_tui.engine.household import Account
from rebalancer_tui.engine.tax import TaxLot
from rebalancer_tui.models import PriceQuote
from rebalancer_tui.workspace import PortfolioState, Workspace
from rebalancer_tui.workspace.tax_lots import (
    has_lots,
    lot_views,
    lots_short,
    shortfall_line,
    wash_symbols,
    with_lots,
)

MODEL = load_catalog().models[0]
TODAY = dt.date.today()


def state(*accounts: Account, **options: object) -> PortfolioState:
    # Every model symbol priced (a missing price is not the inputs' fault):
    # ESGV at $100 and QQQM at $50, the figures below are worked from.
    prices = {sym: Decimal(10) for sym in MODEL.weights} | {
        "ESGV": Decimal(100),
        "QQQM": Decimal(50),
    }
    quotes = {s: PriceQuote(symbol=s, price=p, source="override") for s, p in prices.items()}
    return PortfolioState(
        model=MODEL, quotes=quotes, accounts=accounts, options=Options(**options), demo_seed=None
    )


def lot(symbol: str, shares: int, cost: str, days_ago: int) -> TaxLot:
    return TaxLot(
        symbol=symbol, shares=shares, cost=Decimal(cost), date=TODAY - dt.timedelta(days=days_ago)
    )


def test_lots_short_names_only_the_symbols_that_do_not_add_up() -> None:
    lots = [lot("ESGV", 4, "90", 400), lot("ESGV", 6, "110", 10), lot("QQQM", 2, "40", 5)]
    assert lots_short({"ESGV": 10, "QQQM": 5}, lots) == {"QQQM": (2, 5)}
    assert lots_short({"ESGV": 10, "QQQM": 2}, lots) == {}
    assert lots_short({"ESGV": 10}, lots) == {"QQQM": (2, 0)}
    line = shortfall_line({"QQQM": (2, 5)})
    assert line.startswith("Not applied yet: QQQM lots hold 2 of 5 shares")
    assert shortfall_line({}) == ""


def test_with_lots_applies_checked_lots_and_refuses_the_rest() -> None:
    s = state(Account(holdings={"ESGV": 10}))
    lots = (lot("ESGV", 4, "90", 400), lot("ESGV", 6, "110", 10))
    done = with_lots(s, "main", lots, "new lots")
    assert done.ok and done.state is not None and done.undo == "new lots"
    assert done.state.account("main").lots == lots
    assert has_lots(done.state) and not has_lots(s)
    wrong = with_lots(s, "main", lots[:1], "short")
    assert not wrong.ok and wrong.state is None
    assert "add up to 4 shares, but the account holds 10" in wrong.message
    ira = state(Account(name="ira", kind="tax-deferred", holdings={"ESGV": 4}))
    refused = with_lots(ira, "ira", lots[:1], "ira lots")
    assert not refused.ok and "only for taxable accounts" in refused.message
    # The holding set to the lots' sum, in the same step.
    both = with_lots(s, "main", lots[:1], "lots and holding", {"ESGV": 4})
    assert both.state is not None and both.state.account("main").holdings == {"ESGV": 4}


def test_lot_views_gain_term_and_blocks_by_hand() -> None:
    old, new = lot("ESGV", 4, "90", 400), lot("ESGV", 6, "110", 10)
    s = state(Account(holdings={"ESGV": 10}, lots=(old, new)), wash_sale_days=30)
    views = lot_views(s, "main", (new, old))
    assert [v.lot for v in views] == [old, new]  # by date
    assert [v.gain for v in views] == [Decimal(40), Decimal(-60)]  # 4·(100-90), 6·(100-110)
    assert [v.term for v in views] == ["long", "short"]
    assert views[0].block is None
    assert views[1].block is not None and "wash-sale" in views[1].block
    assert wash_symbols(s) == frozenset({"ESGV"})
    assert wash_symbols(s.replace(options=Options())) == frozenset()
    # No short-term gains: a short-term lot at a gain is blocked.
    gain = lot("QQQM", 2, "40", 5)
    s2 = state(Account(holdings={"QQQM": 2}, lots=(gain,)), no_short_term_gains=True)
    assert lot_views(s2, "main", (gain,))[0].block == "short-term gain"


def test_a_holdings_edit_that_breaks_lots_is_an_outcome_not_a_crash() -> None:
    ws = Workspace()
    ws.state = state(Account(holdings={"ESGV": 10}, lots=(lot("ESGV", 10, "90", 400),)))
    out = ws.edited(holdings={"ESGV": 12})
    assert not out.ok and out.state is None
    assert "add up to 10 shares, but the account holds 12" in out.message
    fine = ws.edited(holdings={"ESGV": 10, "QQQM": 3})
    assert fine.ok and fine.state is not None and fine.state.holdings["QQQM"] == 3


def test_inputs_refuse_an_as_of_date_before_a_lot() -> None:
    ws = Workspace()
    ws.state = state(Account(holdings={"ESGV": 10}, lots=(lot("ESGV", 10, "90", 3),)))
    early = Options(as_of=TODAY - dt.timedelta(days=30))
    problem = ws.inputs_problem(Decimal(0), early)
    assert problem is not None and "dated after" in problem
    assert ws.inputs_problem(Decimal(0), Options(as_of=TODAY)) is None


def test_an_import_keeps_the_lots_that_still_fit_and_says_which_it_dropped(
    tmp_path: Path,
) -> None:
    ws = Workspace()
    esgv, qqqm = lot("ESGV", 10, "90", 400), lot("QQQM", 4, "40", 50)
    ws.state = state(Account(holdings={"ESGV": 10, "QQQM": 4}, lots=(esgv, qqqm)))
    csv = tmp_path / "holdings.csv"
    csv.write_text("symbol,shares\nESGV,12\nQQQM,4\n", encoding="utf-8")
    out = ws.import_file(csv)
    assert out.ok and out.state is not None, out.message
    assert out.state.account("main").holdings == {"ESGV": 12, "QQQM": 4}
    assert out.state.account("main").lots == (qqqm,)
    assert "The tax lots of ESGV were dropped" in out.message
    # With an account column: the same, naming the account.
    csv.write_text("account,symbol,shares\nmain,ESGV,10\nmain,QQQM,5\n", encoding="utf-8")
    out = ws.import_file(csv)
    assert out.state is not None and out.state.account("main").lots == (esgv,)
    assert "The tax lots of QQQM (main) were dropped" in out.message
