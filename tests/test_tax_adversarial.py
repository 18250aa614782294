"""Tax lots under hostile or careless input (SPEC §8, §10, §11): what an
adversarial pass found, each test failing on the code before its fix.

- `--portfolio` with lots plus `--holdings` used to drop every lot of the
  portfolio without a word, so the plan sold those shares as if tax-free.
- A lots or holdings CSV without the `account` column, for a household of
  several accounts, said "unknown account 'main'" about a cell that is not there.

Figures are recomputed here from the lots written in the test."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rebalancer_tui.cli import main

D = Decimal
AS_OF = dt.date(2026, 11, 30)
ST, LT = D("0.37"), D("0.15")
PRICES = {"ESGV": D(120), "BND": D(70)}
# ESGV 10 long-term at a gain, 2 short-term at a loss (at $120).
LOTS = [
    {"symbol": "ESGV", "shares": 10, "cost": 98.5, "date": "2024-03-01"},
    {"symbol": "ESGV", "shares": 2, "cost": 130, "date": "2026-10-01"},
]


def portfolio(tmp_path: Path) -> Path:
    data = {
        "version": 2,
        "model": "risky-norris",
        "accounts": [
            {"account": "tx", "kind": "taxable", "cash": 0, "reserve": 0,
             "holdings": {"ESGV": 12}, "lots": LOTS},
            {"account": "ira", "kind": "tax-deferred", "cash": 0, "reserve": 0,
             "holdings": {"BND": 3}},
        ],
    }  # fmt: skip
    p = tmp_path / "p.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


def common(tmp_path: Path) -> list[str]:
    t = tmp_path / "t.csv"
    t.write_text("symbol,weight\nESGV,0.2\nBND,0.8\n", encoding="utf-8")
    pr = tmp_path / "prices.csv"
    pr.write_text("symbol,price\nESGV,120\nBND,70\n", encoding="utf-8")
    return ["plan", "--offline", "--json", "--targets", str(t), "--prices", str(pr),
            "--portfolio", str(portfolio(tmp_path)), "--as-of", AS_OF.isoformat(),
            "--st-rate", str(ST), "--lt-rate", str(LT), "--strategy", "tracking-error"]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[dict[str, Any], str]:
    rc = main(argv)
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    out: dict[str, Any] = json.loads(captured.out)
    return out, captured.err


def test_holdings_flag_keeps_the_portfolio_lots_that_still_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h = tmp_path / "h.csv"
    h.write_text("account,symbol,shares\ntx,ESGV,12\nira,BND,3\n", encoding="utf-8")
    out, err = run(capsys, [*common(tmp_path), "--holdings", str(h)])
    assert err == ""
    (plan,) = out["plans"]
    sells = [o for o in plan["orders"] if o["action"] == "SELL" and o["symbol"] == "ESGV"]
    assert len(sells) == 1, plan["orders"]  # 80% bonds: most of the ESGV must go
    (sell,) = sells
    assert sum(lot["shares"] for lot in sell["lots"]) == sell["shares"]
    short = long = D(0)
    given = {(x["date"], D(str(x["cost"]))): x["shares"] for x in LOTS}
    for lot in sell["lots"]:
        key = (lot["date"], D(str(lot["cost"])))
        assert lot["shares"] <= given[key]
        gain = lot["shares"] * (PRICES["ESGV"] - key[1])
        assert D(str(lot["gain"])) == gain
        held = (AS_OF - dt.date.fromisoformat(lot["date"])).days
        if held >= 365:
            long += gain
        else:
            short += gain
    m = plan["metrics"]
    assert D(str(m["realized_gains_short"])) == short
    assert D(str(m["realized_gains_long"])) == long
    assert D(str(m["tax"])) == (ST * short + LT * long).quantize(D("0.01"))
    assert (short, long) != (0, 0)


def test_holdings_flag_drops_changed_lots_and_names_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h = tmp_path / "h.csv"
    h.write_text("account,symbol,shares\ntx,ESGV,5\nira,BND,3\n", encoding="utf-8")
    out, err = run(capsys, [*common(tmp_path), "--holdings", str(h)])
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("rebalancer-tui: tax lots of ")
    assert "tx:ESGV" in lines[0] and "h.csv" in lines[0]
    (plan,) = out["plans"]
    assert all("lots" not in o for o in plan["orders"])
    assert plan["metrics"]["tax"] == 0


def test_lots_flag_still_replaces_the_portfolio_lots_without_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h = tmp_path / "h.csv"
    h.write_text("account,symbol,shares\ntx,ESGV,5\nira,BND,3\n", encoding="utf-8")
    lf = tmp_path / "l.csv"
    lf.write_text("account,symbol,shares,cost,date\ntx,ESGV,5,200,2026-11-01\n", encoding="utf-8")
    out, err = run(capsys, [*common(tmp_path), "--holdings", str(h), "--lots", str(lf)])
    assert err == ""
    (plan,) = out["plans"]
    for o in plan["orders"]:
        if o["action"] == "SELL" and o["symbol"] == "ESGV":
            assert {lot["cost"] for lot in o["lots"]} == {200.0}


@pytest.mark.parametrize("flag", ["--lots", "--holdings"])
def test_a_file_without_account_column_says_so_for_several_accounts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    f = tmp_path / "f.csv"
    if flag == "--lots":
        f.write_text("symbol,shares,cost,date\nESGV,12,50,2020-01-01\n", encoding="utf-8")
    else:
        f.write_text("symbol,shares\nESGV,12\n", encoding="utf-8")
    out = tmp_path / "orders.csv"
    rc = main([*common(tmp_path), flag, str(f), "--export-orders", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("rebalancer-tui: error: ")
    assert "no 'account' column" in err
    assert not out.exists()


# -- the app: an account with lots made tax-deferred, or removed ---------------------


async def test_app_kind_change_asks_before_dropping_lots_and_undoes(tmp_path: Path) -> None:
    import app_pilot as ui

    from rebalancer_tui.engine.tax import TaxLot
    from rebalancer_tui.screens.accounts import AccountsScreen
    from rebalancer_tui.screens.confirm import Confirm

    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        main = app.main_screen
        held = main.state.account("main").holdings["ESGV"]
        lot = TaxLot(symbol="ESGV", shares=held, cost=D("98.5"), date=dt.date(2024, 3, 1))
        main.set_state(main.state.with_account("main", lots=(lot,)))
        await ui.settle(pilot)
        await ui.press(pilot, "A")
        assert isinstance(app.screen, AccountsScreen)
        await ui.fill(pilot, {"#ac-name": "main", "#ac-kind": "tax-deferred"}, "enter")
        await pilot.pause()
        # Asked, not refused outright: the lots are named before they go.
        assert "has 1 tax lot" in ui.question(pilot)
        await ui.press(pilot, "escape")  # keep them
        assert isinstance(app.screen, AccountsScreen)
        assert main.state.account("main").kind == "taxable"
        assert main.state.account("main").lots == (lot,)
        await ui.press(pilot, "enter")  # the fields still say tax-deferred
        assert isinstance(app.screen, Confirm)
        await pilot.click("#confirm-drop")
        await ui.settle(pilot)
        assert main.state.account("main").kind == "tax-deferred"
        assert main.state.account("main").lots == ()
        await ui.press(pilot, "escape")
        await ui.settle(pilot)
        await ui.press(pilot, "ctrl+z")
        await ui.settle(pilot)
        assert main.state.account("main").kind == "taxable"
        assert main.state.account("main").lots == (lot,)


async def test_app_remove_account_names_its_lots(tmp_path: Path) -> None:
    import app_pilot as ui
    from textual.widgets import DataTable

    from rebalancer_tui.engine.household import Account
    from rebalancer_tui.engine.tax import TaxLot

    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        main = app.main_screen
        lots = (
            TaxLot(symbol="ESGV", shares=3, cost=D(90), date=dt.date(2024, 3, 1)),
            TaxLot(symbol="ESGV", shares=2, cost=D(95), date=dt.date(2025, 3, 1)),
        )
        tx = Account(name="tx", kind="taxable", holdings={"ESGV": 5}, lots=lots)
        main.set_state(main.state.replace(accounts=(*main.state.accounts, tx)))
        await ui.settle(pilot)
        await ui.press(pilot, "A")
        table = app.screen.query_one("#accounts-table", DataTable)
        table.focus()
        table.move_cursor(row=ui.row_keys(table).index("tx"))
        await ui.press(pilot, "delete")
        assert "Remove account tx with 5 ESGV (2 tax lots)?" in ui.question(pilot)


# -- a lot after the plan's day names the file it came from --------------------------


def test_portfolio_lot_after_as_of_names_the_portfolio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = common(tmp_path)
    argv[argv.index("--as-of") + 1] = "2020-01-01"
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert err.startswith(f"rebalancer-tui: error: {tmp_path / 'p.json'}: account tx: ")
    assert "ESGV lot of 2024-03-01 is dated after 2020-01-01" in err


def test_broker_lot_after_as_of_names_the_broker_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = Path(__file__).parent / "fixtures" / "brokers" / "ibkr_flex_positions_2026-11.csv"
    ib = tmp_path / "ib.csv"
    ib.write_text(fixture.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "orders.csv"
    # The fixture's newest lot: ESGV of 2026-08-15 in U1234567.
    argv = ["plan", "--offline", "--holdings", str(ib), "--as-of", "2026-08-14",
            "--strategy", "simple", "--export-orders", str(out)]  # fmt: skip
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert err.startswith(f"rebalancer-tui: error: {ib}: account U1234567: ")
    assert "ESGV lot of 2026-08-15 is dated after 2026-08-14" in err
    assert not out.exists()
