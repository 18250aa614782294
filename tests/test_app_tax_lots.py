"""Tax lots in the app (issue 13, SPEC §8): the lots dialog (add, refuse a
wrong sum, undo), the holdings editor refusing a holding its lots pin, the
tax options in the inputs, the lots of each sale under its order, the
realised gains and tax in the metrics, and the wash-sale mark.

Expected figures are computed here by hand from the catalog's fallback
prices (the app runs offline), not read back from the app's own helpers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import app_pilot as ui
from textual.widgets import DataTable, Switch, Tabs

from rebalancer_tui.app import RebalancerApp
from rebalancer_tui.data import load_catalog
from rebalancer_tui.engine.household import Account
from rebalancer_tui.engine.tax import TaxLot
from rebalancer_tui.screens.confirm import Confirm
from rebalancer_tui.screens.lots import LotsScreen
from rebalancer_tui.screens.main import MainScreen
from rebalancer_tui.widgets.compare_table import CompareTable

FALLBACK = {a.symbol: a.price for a in load_catalog().assets if a.price is not None}
TODAY = dt.date.today()


async def open_lots(pilot: Any, symbol: str) -> None:
    """The lots dialog (T) on `symbol`'s row of the holdings."""
    await ui.focus_holding(pilot, symbol)
    await ui.press(pilot, "T")


def lots_error(app: RebalancerApp) -> str:
    return ui.shown(app.screen.query_one("#lots-error"))


async def type_lot(pilot: Any, when: str, shares: str, cost: str) -> None:
    await ui.fill(pilot, {"#lot-date": when, "#lot-shares": shares, "#lot-cost": cost}, "enter")
    await pilot.pause()


def money(d: Decimal) -> str:
    q = d.quantize(Decimal("0.01"))
    return f"{'-' if q < 0 else ''}${abs(q):,.2f}"


async def test_lots_dialog_adds_refuses_a_wrong_sum_and_undoes(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        main = app.main_screen
        held = main.state.holdings["ESGV"]
        assert held > 2
        await open_lots(pilot, "ESGV")
        assert isinstance(app.screen, LotsScreen)
        assert app.screen.query_one("#lot-symbol").value == "ESGV"  # type: ignore[attr-defined]
        # More shares than held: refused at once, nothing changes.
        await type_lot(pilot, "2024-03-01", str(held + 1), "98.5")
        assert "Refused: ESGV lots would hold" in lots_error(app)
        assert f"holds {held:,}" in lots_error(app)
        assert main.state.account("main").lots == ()
        # A future date: refused by the field, with the rules' words.
        future = (TODAY + dt.timedelta(days=3)).isoformat()
        await type_lot(pilot, future, "1", "98.5")
        assert "a date in the future" in lots_error(app)
        assert main.state.account("main").lots == ()
        # Fewer shares than held: kept in the dialog, not applied, and said so.
        await type_lot(pilot, "2024-03-01", "2", "98.5")
        assert f"Not applied yet: ESGV lots hold 2 of {held:,} shares" in lots_error(app)
        assert main.state.account("main").lots == ()
        # The rest of the holding: the lots add up, applied as typed.
        recent = (TODAY - dt.timedelta(days=40)).isoformat()
        await type_lot(pilot, recent, str(held - 2), "1000")
        await ui.settle(pilot)
        want = (
            TaxLot(symbol="ESGV", shares=2, cost=Decimal("98.5"), date=dt.date(2024, 3, 1)),
            TaxLot(
                symbol="ESGV",
                shares=held - 2,
                cost=Decimal(1000),
                date=dt.date.fromisoformat(recent),
            ),
        )
        assert set(main.state.account("main").lots) == set(want)
        assert lots_error(app).strip() == ""
        # Each lot's gain at today's price and its term, computed by hand.
        table = app.screen.query_one("#lots-table", DataTable)
        price = FALLBACK["ESGV"]
        rows = {ui.cell(table, k, "date"): k for k in ui.row_keys(table)}
        old, new = rows["2024-03-01"], rows[recent]
        assert ui.cell(table, old, "gain").strip() == "+" + money(2 * (price - Decimal("98.5")))
        assert ui.cell(table, new, "gain").strip() == money((held - 2) * (price - 1000))
        long_term = (TODAY - dt.date(2024, 3, 1)).days >= 365
        assert ui.cell(table, old, "term") == ("long" if long_term else "short")
        assert ui.cell(table, new, "term") == "short"
        await pilot.press("escape")
        await ui.settle(pilot)
        assert isinstance(app.screen, MainScreen)
        # The metrics now show the realised gains and tax (some account has lots).
        assert "Tax " in ui.shown(main.query_one("#metrics"))
        await pilot.press("ctrl+z")
        await ui.settle(pilot)
        assert main.state.account("main").lots == ()
        assert "Tax " not in ui.shown(main.query_one("#metrics"))


async def test_lots_dialog_from_the_palette_and_other_kinds(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        main = app.main_screen
        deferred = main.state.with_account("main", kind="tax-deferred")
        main.set_state(deferred)
        await ui.settle(pilot)
        await ui.focus_holding(pilot, "QQQM")
        await ui.run_from_palette(pilot, "tax lots", "Tax lots")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, LotsScreen), "the lots dialog")
        note = ui.shown(app.screen.query_one("#lots-note"))
        assert "only taxable accounts have tax lots" in note
        assert app.screen.query_one("#lot-date").disabled


async def test_holdings_editor_refuses_a_holding_pinned_by_lots(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        main = app.main_screen
        held = main.state.holdings["ESGV"]
        lot = TaxLot(symbol="ESGV", shares=held, cost=Decimal(90), date=dt.date(2020, 1, 2))
        main.set_state(main.state.with_account("main", lots=(lot,)))
        await ui.settle(pilot)
        await ui.press(pilot, "e")
        await ui.fill(pilot, {"#ed-symbol": "ESGV", "#ed-shares": str(held + 5)}, "enter")
        await pilot.pause()
        error = ui.shown(app.screen.query_one("#editor-error"))
        assert "ESGV has tax lots" in error and "T (Tax lots)" in error
        assert main.state.holdings["ESGV"] == held
        # Another holding changes as before.
        await ui.fill(pilot, {"#ed-symbol": "QQQM", "#ed-shares": "3"}, "enter")
        await ui.settle(pilot)
        assert main.state.holdings["QQQM"] == 3
        assert main.state.account("main").lots == (lot,)


async def test_tax_inputs_reach_the_options_exactly(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        main = app.main_screen
        await ui.press(pilot, "i")
        typed = (
            ("#in-st_rate", "37"),
            ("#in-lt_rate", "15.5"),
            ("#in-long_term_days", "366"),
            ("#in-as_of", "2026-06-30"),
            ("#in-tax_weight", "2.5"),
            ("#in-max_gains", "1500.25"),
            ("#in-wash_sale_days", "30"),
        )
        for selector, text in typed:
            await ui.type_into(pilot, selector, text)
            await ui.press(pilot, "tab")
        app.screen.query_one("#in-no_short_term_gains", Switch).toggle()
        await pilot.pause()
        # A rate above 100 % is refused at the field, the last good value kept.
        await ui.type_into(pilot, "#in-st_rate", "150")
        await ui.press(pilot, "tab")
        assert "keeping 37" in ui.shown(app.screen.query_one("#inputs-error"))
        await pilot.press("escape")
        await ui.settle(pilot)
        o = main.state.options
        assert (o.st_rate, o.lt_rate) == (Decimal("0.37"), Decimal("0.155"))
        assert (o.long_term_days, o.wash_sale_days) == (366, 30)
        assert o.as_of == dt.date(2026, 6, 30)
        assert o.tax_weight == Decimal("2.5") and o.max_gains == Decimal("1500.25")
        assert o.no_short_term_gains is True
        # Blank gains cap and as-of: none, today.
        await ui.press(pilot, "i")
        assert app.screen.query_one("#in-as_of").value == "2026-06-30"  # type: ignore[attr-defined]
        for selector in ("#in-as_of", "#in-max_gains"):
            await ui.type_into(pilot, selector, "")
            await pilot.press("tab")
        await pilot.press("escape")
        await ui.settle(pilot)
        assert main.state.options.as_of is None and main.state.options.max_gains is None


async def test_sell_orders_list_their_lots_and_the_wash_sale_mark(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        main = app.main_screen
        # Without lots, compare shows no tax rows.
        await pilot.press("c")
        await ui.settle(pilot)
        assert "tax" not in ui.row_keys(app.screen.query_one(CompareTable))
        await pilot.press("escape")
        await ui.settle(pilot)
        plan = main.plans["simple"]
        sells = [o for o in plan.orders if o.action == "SELL"]
        assert sells, "the demo's simple plan sells something"
        sym, sold = sells[0].symbol, sells[0].shares
        held = main.state.holdings[sym]
        price = FALLBACK[sym]
        # Two lots: one at a gain (old), one at a loss (recent). With both rates
        # 0 the least gain goes first: the loss lot, then the gain lot.
        loss_n = max(1, min(sold - 1, held - 1)) if sold > 1 else 1
        gain_lot = TaxLot(
            symbol=sym, shares=held - loss_n, cost=(price / 2).quantize(Decimal("0.01")),
            date=dt.date(2020, 1, 2),
        )  # fmt: skip
        loss_lot = TaxLot(
            symbol=sym, shares=loss_n, cost=(price * 2).quantize(Decimal("0.01")),
            date=TODAY - dt.timedelta(days=10),
        )  # fmt: skip
        state = main.state.with_account("main", lots=(gain_lot, loss_lot))
        main.set_state(
            state.replace(options=state.options.model_copy(update={"wash_sale_days": 0}))
        )
        await ui.settle(pilot)
        orders = main.query_one("#orders", DataTable)
        keys = ui.row_keys(orders)
        lot_keys = [k for k in keys if k.startswith(f"{sym}|")]
        # Expected by hand: the loss lot first, then the gain lot for the rest.
        sold_now = next(o for o in main.plans["simple"].orders if o.symbol == sym).shares
        first = min(sold_now, loss_n)
        want = [(loss_lot, first)] + ([(gain_lot, sold_now - first)] if sold_now > first else [])
        assert len(lot_keys) == len(want)
        assert keys.index(lot_keys[0]) == keys.index(sym) + 1  # right under its order
        for key, (lot, n) in zip(lot_keys, want, strict=True):
            gain = n * (price - lot.cost)
            assert ui.cell(orders, key, "symbol") == lot.date.isoformat()
            assert ui.cell(orders, key, "shares").strip() == f"{n:,}"
            assert ui.cell(orders, key, "price").strip() == f"@{money(lot.cost)}"
            word = "loss" if gain < 0 else "gain +"
            sep = " " if gain < 0 else ""
            assert ui.cell(orders, key, "amount").strip() == f"{word}{sep}{money(gain)}"
            term = "long" if (TODAY - lot.date).days >= 365 else "short"
            assert ui.cell(orders, key, "action").strip() == f"└ {term}"
        # The plan's own lots say the same.
        order = next(o for o in main.plans["simple"].orders if o.symbol == sym)
        assert order.lots is not None
        assert [(s.date, s.shares, s.cost) for s in order.lots] == [
            (lot.date, n, lot.cost) for lot, n in want
        ]
        # The metrics: realised gains by term and the tax (rates 0: $0.00).
        short = sum((n * (price - lot.cost) for lot, n in want if lot is loss_lot), Decimal(0))
        long = sum((n * (price - lot.cost) for lot, n in want if lot is gain_lot), Decimal(0))
        metrics = ui.shown(main.query_one("#metrics"))
        assert f"short {money(short)}" in metrics and "Tax $0.00" in metrics
        # Compare adds the same figures as rows, the simple column as worked out here.
        await pilot.press("c")
        await ui.settle(pilot)
        measures = app.screen.query_one(CompareTable)
        assert {"realized_gains_short", "realized_gains_long", "tax"} <= set(ui.row_keys(measures))
        assert ui.cell(measures, "realized_gains_short", "simple").strip().endswith(money(short))
        signed_long = ("+" if long > 0 else "") + money(long)
        assert ui.cell(measures, "realized_gains_long", "simple").strip().endswith(signed_long)
        await pilot.press("escape")
        await ui.settle(pilot)
        # No wash-sale window yet: no mark. With 30 days, the recent lot marks it.
        current = main.query_one("#current", DataTable)
        assert "⊘" not in ui.cell(current, sym, "symbol")
        opts = main.state.options.model_copy(update={"wash_sale_days": 30})
        main.set_state(main.state.replace(options=opts))
        await ui.settle(pilot)
        assert ui.cell(current, sym, "symbol").endswith("⊘")
        assert "wash-sale window" in str(current.border_subtitle)
        others = [k for k in ui.row_keys(current) if k != sym and not k.startswith("$")]
        assert all("⊘" not in ui.cell(current, k, "symbol") for k in others)


async def test_lots_that_fall_short_can_set_the_holding_on_leaving(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        main = app.main_screen
        held = main.state.holdings["QQQM"]
        await open_lots(pilot, "QQQM")
        await type_lot(pilot, "2023-05-02", "3", "300")
        assert main.state.account("main").lots == ()
        await ui.press(pilot, "escape")
        assert isinstance(app.screen, Confirm)
        assert f"QQQM lots hold 3 of {held:,} shares" in ui.shown(
            app.screen.query_one("#confirm-question")
        )
        await pilot.click("#confirm-holding")
        await ui.settle(pilot)
        assert isinstance(app.screen, MainScreen)
        lot = TaxLot(symbol="QQQM", shares=3, cost=Decimal(300), date=dt.date(2023, 5, 2))
        assert main.state.account("main").lots == (lot,)
        assert main.state.holdings["QQQM"] == 3
        # One step undoes both.
        await pilot.press("ctrl+z")
        await ui.settle(pilot)
        assert main.state.account("main").lots == ()
        assert main.state.holdings["QQQM"] == held


async def test_lots_dialog_tabs_per_account_keep_typed_lots_until_they_fit(
    tmp_path: Path,
) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        main = app.main_screen
        roth = Account(name="roth", kind="tax-free", holdings={"ESGV": 5})
        main.set_state(main.state.replace(accounts=(*main.state.accounts, roth)))
        await ui.settle(pilot)
        await open_lots(pilot, "ESGV")
        assert isinstance(app.screen, LotsScreen) and app.screen.account == "main"
        await type_lot(pilot, "2023-05-02", "1", "50")
        tabs = app.screen.query_one(Tabs)
        tabs.action_next_tab()
        await pilot.pause()
        assert app.screen.account == "main" and tabs.active == "lots-acct-main"
        assert "Finish these lots before another account" in lots_error(app)
        # The typed lot deleted: nothing pending, the tab moves.
        app.screen.query_one("#lots-table", DataTable).focus()
        await ui.press(pilot, "delete")
        tabs.action_next_tab()
        await pilot.pause()
        assert app.screen.account == "roth"
        assert "roth is tax-free: only taxable accounts" in ui.shown(
            app.screen.query_one("#lots-note")
        )
        await pilot.press("escape")
        await ui.settle(pilot)
        assert all(a.lots == () for a in main.state.accounts)
