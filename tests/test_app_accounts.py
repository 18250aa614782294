"""The household in the app (issues 11 and 14): accounts added, renamed and
removed with undo; the symbol x account view; orders grouped by account,
sells first; each account's cash left; broker files in; orders out as CSV
and as an IBKR basket."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import app_pilot as ui
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Tabs

from rebalancer_tui.data import load_catalog
from rebalancer_tui.engine import Options
from rebalancer_tui.engine.household import Account, Household
from rebalancer_tui.engine.household_search import solve_household
from rebalancer_tui.messages import AccountsEdited, PortfolioEdited
from rebalancer_tui.screens.accounts import AccountsScreen, IdsPrompt, LocationScreen
from rebalancer_tui.screens.confirm import Confirm
from rebalancer_tui.screens.file_prompt import FilePrompt
from rebalancer_tui.screens.holdings_editor import HoldingsEditor
from rebalancer_tui.storage.brokers import read_broker_file
from rebalancer_tui.widgets.accounts_table import AccountsTable, column_key

BROKERS = Path(__file__).parent / "fixtures" / "brokers"
PITT = next(m for m in load_catalog().models if m.id == "moderate-pitt")
FALLBACK = {a.symbol: a.price for a in load_catalog().assets}  # offline: these prices

MAIN = {"ESGV": 50, "QQQM": 10, "SOXX": 5}  # SOXX is outside the model: sold
IRA = {"BND": 40}
HOUSEHOLD = {
    "version": 2,
    "model": "moderate-pitt",
    "accounts": [
        {"account": "main", "kind": "taxable", "cash": 1000, "holdings": MAIN},
        {"account": "ira", "kind": "tax-deferred", "cash": 3000, "holdings": IRA,
         "buyable": ["BND", "BLV", "TIP"]},
    ],
}  # fmt: skip


def household() -> Household:
    """The file's household built straight from the engine's types (not the app's)."""
    return Household(
        accounts=(
            Account(name="main", cash=Decimal(1000), holdings=MAIN),
            Account(
                name="ira", kind="tax-deferred", cash=Decimal(3000), holdings=IRA,
                buyable=frozenset({"BND", "BLV", "TIP"}),
            ),
        ),
        prices=dict(FALLBACK),
        targets=dict(PITT.weights),
        options=Options(),
    )  # fmt: skip


@pytest.fixture
def mine(write_json: Callable[[str, Any], Path]) -> Path:
    return write_json("household.json", HOUSEHOLD)


def dollars(text: str) -> Decimal:
    return Decimal(text.strip().replace("$", "").replace(",", ""))


def held(table: DataTable[Any], row: str, column: str) -> str:
    """The shares now in a cell of the account view ("50 → 24" reads 50)."""
    return ui.cell(table, row, column).split("→")[0].strip()


def accounts_table(pilot: Pilot[None]) -> AccountsTable:
    return pilot.app.get_default_screen().query_one(AccountsTable)


def orders_table(pilot: Pilot[None]) -> DataTable[object]:
    return pilot.app.get_default_screen().query_one("#orders", DataTable)


def metrics(pilot: Pilot[None]) -> str:
    return ui.shown(pilot.app.get_default_screen().query_one("#metrics"))


def column_labels(table: DataTable[Any]) -> list[str]:
    return [str(c.label) for c in table.columns.values()]


# -- the household on screen ------------------------------------------------------


async def test_household_view_orders_by_account_and_cash_left(tmp_path: Path, mine: Path) -> None:
    app = ui.offline_app(tmp_path, portfolio=mine)
    async with app.run_test(size=(160, 60)) as pilot:
        await ui.settle(pilot)
        # The symbol x account view: each account's shares and the household's.
        view = accounts_table(pilot)
        assert view.display
        assert column_labels(view) == ["Symbol", "main", "ira", "Household"]
        assert held(view, "ESGV", column_key("main")) == "50"
        assert held(view, "BND", column_key("ira")) == "40"
        assert held(view, "BND", "total") == "40"
        assert held(view, "SOXX", "total") == "5"
        assert dollars(ui.cell(view, "$cash", "total")) == Decimal(4000)
        assert held(view, "$kind", column_key("ira")) == "deferred"
        # The current holdings are the household's: weights of the pooled value.
        current = pilot.app.get_default_screen().query_one("#current", DataTable)
        assert "SOXX" in ui.row_keys(current)

        # Orders grouped by account in the household's order, sells first in each.
        table = orders_table(pilot)
        assert column_labels(table)[:2] == ["Account", "Action"]
        keys = ui.row_keys(table)
        accounts = [k.split(":")[0] for k in keys]
        assert accounts == sorted(accounts, key=["main", "ira"].index)
        for name in ("main", "ira"):
            actions = [ui.cell(table, k, "action") for k in keys if k.startswith(f"{name}:")]
            assert actions == sorted(actions, key=["SELL", "BUY"].index)
        assert "main:SOXX" in keys and ui.cell(table, "main:SOXX", "action") == "SELL"
        # Exactly the engine's household plan (built here from the engine's types).
        plan = solve_household(household(), "simple")
        assert keys == [f"{o.account}:{o.symbol}" for o in plan.orders]
        # The ira buys only from its menu.
        assert {k.split(":")[1] for k in keys if k.startswith("ira:")} <= {"BND", "BLV", "TIP"}

        # Cash never moves: each account's cash left, from the orders shown alone.
        cash = {"main": Decimal(1000), "ira": Decimal(3000)}
        for k in keys:
            name = k.split(":")[0]
            amount = dollars(ui.cell(table, k, "amount")) + dollars(ui.cell(table, k, "cost"))
            sign = 1 if ui.cell(table, k, "action") == "SELL" else -1
            cash[name] += sign * dollars(ui.cell(table, k, "amount")) - dollars(
                ui.cell(table, k, "cost")
            )
            assert amount > 0
        assert all(v >= 0 for v in cash.values())
        line = metrics(pilot)
        assert f"main ${cash['main']:,.2f}" in line and f"ira ${cash['ira']:,.2f}" in line
        assert dollars(ui.cell(view, "$left", column_key("ira"))) == cash["ira"]
        # The view shows what the plan changes per account: SOXX (outside the model) goes.
        assert ui.cell(view, "SOXX", column_key("main")).strip() == "5 → 0"
        bnd = sum(plan.final_shares[n].get("BND", 0) for n in ("main", "ira"))
        assert ui.cell(view, "BND", "total").strip() == f"40 → {bnd}"

        # Compare: every strategy for the household, each with orders per account.
        await pilot.press("c")
        await ui.settle(pilot)
        compare = pilot.app.screen
        for column in compare.query(".column-orders"):
            assert isinstance(column, DataTable)
            keys = ui.row_keys(column)
            # A heading row per account, then its orders (no room for a column).
            headings = [k for k in keys if k.endswith(":")]
            assert headings == ["main:", "ira:"][: len(headings)] and headings
            assert all(k.startswith(headings[0]) for k in keys[: keys.index(headings[-1])])
        await pilot.press("escape")
        await ui.settle(pilot)


async def test_one_account_looks_as_before(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        assert not accounts_table(pilot).display
        table = orders_table(pilot)
        assert "Account" not in column_labels(table)
        assert all(":" not in k for k in ui.row_keys(table))
        assert "main $" not in metrics(pilot)


# -- accounts: add, rename, remove, undo ---------------------------------------------


async def test_add_rename_remove_account_with_undo(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    messages = ui.Messages()
    async with ui.running(app, message_hook=messages) as pilot:
        await ui.press(pilot, "A")
        assert isinstance(app.screen, AccountsScreen)
        # A bad name is refused at the field.
        await ui.type_into(pilot, "#ac-name", "my ira")
        await ui.press(pilot, "enter")
        error = ui.shown(app.screen.query_one(".accounts-error"))
        assert "account name: must be 1-32 letters" in error
        assert messages.of(AccountsEdited) == []
        # Add ira: tax-deferred, $500 cash.
        await ui.fill(
            pilot, {"#ac-name": "ira", "#ac-kind": "tax-deferred", "#ac-cash": "500"}, "enter"
        )
        await ui.settle(pilot)
        added = messages.of(AccountsEdited)[-1]
        assert [a.name for a in added.accounts] == ["main", "ira"]
        assert added.accounts[1].kind == "tax-deferred" and added.accounts[1].cash == 500
        dialog = app.screen.query_one("#accounts-table", DataTable)
        assert ui.row_keys(dialog) == ["main", "ira"]
        # Rename: pick the row, change the name.
        dialog.focus()
        dialog.move_cursor(row=1)
        await ui.press(pilot, "enter")
        assert app.screen.query_one("#ac-name", Input).value == "ira"
        await ui.fill(pilot, {"#ac-name": "roth", "#ac-kind": "tax-free"}, "enter")
        await ui.settle(pilot)
        assert ui.row_keys(dialog) == ["main", "roth"]
        assert messages.of(AccountsEdited)[-1].what == "rename of account ira to roth"
        # Remove roth: it holds cash, so the question names it.
        dialog.focus()
        dialog.move_cursor(row=1)
        await ui.press(pilot, "delete")
        assert "Remove account roth with cash $500.00" in ui.question(pilot)
        await pilot.click("#confirm-yes")
        await ui.settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        assert ui.row_keys(app.screen.query_one("#accounts-table", DataTable)) == ["main"]
        await pilot.press("escape")
        await ui.settle(pilot)
        assert not accounts_table(pilot).display  # one account again
        # Undo brings roth back (its cash too), then the old name.
        await pilot.press("ctrl+z")
        await ui.settle(pilot)
        view = accounts_table(pilot)
        assert view.display and column_labels(view) == ["Symbol", "main", "roth", "Household"]
        assert dollars(ui.cell(view, "$cash", column_key("roth"))) == Decimal(500)
        assert held(view, "$kind", column_key("roth")) == "tax-free"
        await pilot.press("ctrl+z")
        await ui.settle(pilot)
        assert column_labels(accounts_table(pilot)) == ["Symbol", "main", "ira", "Household"]
        await pilot.press("ctrl+z")
        await ui.settle(pilot)
        assert not accounts_table(pilot).display


async def test_household_saved_as_version_2(tmp_path: Path, mine: Path) -> None:
    """Edits to accounts and location autosave the file as version 2."""
    app = ui.offline_app(tmp_path, portfolio=mine)
    async with ui.running(app) as pilot:
        table = await ui.open_table(pilot, "A", "#accounts-table")
        table.move_cursor(row=1)
        await ui.press(pilot, "enter")
        await ui.fill(pilot, {"#ac-reserve": "250", "#ac-buyable": "bnd, tip"}, "enter")
        await ui.settle(pilot)
        await pilot.press("escape")
        await ui.press(pilot, "L")
        assert isinstance(app.screen, LocationScreen)
        await ui.fill(pilot, {"#lo-symbol": "bnd", "#lo-kinds": "tax-deferred"}, "enter")
        await ui.settle(pilot)
        await pilot.press("escape")
        await ui.settle(pilot)
    saved = json.loads(mine.read_text(encoding="utf-8"))
    assert saved["version"] == 2
    ira = saved["accounts"][1]
    assert ira["account"] == "ira" and ira["reserve"] == 250 and ira["buyable"] == ["BND", "TIP"]
    assert ira["holdings"] == IRA and saved["accounts"][0]["holdings"] == MAIN
    assert saved["location"] == {"BND": ["tax-deferred"]}


async def test_holdings_edited_per_account(tmp_path: Path, mine: Path) -> None:
    app = ui.offline_app(tmp_path, portfolio=mine)
    messages = ui.Messages()
    async with ui.running(app, message_hook=messages) as pilot:
        await ui.press(pilot, "e")
        assert isinstance(app.screen, HoldingsEditor)
        tabs = app.screen.query_one(Tabs)
        tabs.active = "acct-ira"
        await pilot.pause()
        editor_table = app.screen.query_one("#editor-table", DataTable)
        assert ui.cell(editor_table, "BND", "shares").strip() == "40"
        await ui.fill(pilot, {"#ed-symbol": "bnd", "#ed-shares": "30"}, "enter")
        await ui.settle(pilot)
        edit = messages.of(PortfolioEdited)[-1]
        assert edit.account == "ira" and edit.holdings is not None and edit.holdings["BND"] == 30
        await pilot.press("escape")
        await ui.settle(pilot)
        view = accounts_table(pilot)
        assert held(view, "BND", column_key("ira")) == "30"
        assert held(view, "ESGV", column_key("main")) == "50"
        await pilot.press("ctrl+z")
        await ui.settle(pilot)
        assert held(accounts_table(pilot), "BND", column_key("ira")) == "40"


# -- broker files in -----------------------------------------------------------------

FIXTURES = sorted(p.name for p in BROKERS.glob("*.csv"))


@pytest.mark.parametrize("name", FIXTURES)
async def test_broker_file_import(tmp_path: Path, mine: Path, name: str) -> None:
    path = BROKERS / name
    positions = read_broker_file(path)  # what the file holds, read apart from the app
    app = ui.offline_app(tmp_path, portfolio=mine)
    notes = ui.Notes(app)
    async with app.run_test(size=(160, 50)) as pilot:
        await ui.settle(pilot)
        await ui.press(pilot, "I")
        assert isinstance(app.screen, FilePrompt)
        app.screen.query_one("#file-path", Input).value = str(path)
        await ui.press(pilot, "enter")
        # The user's two accounts would be replaced: asked first, naming them.
        asked = ui.question(pilot)
        assert "2 accounts: main (3 holdings, cash $1,000.00), ira (1 holdings" in asked
        await pilot.click("#confirm-yes")
        await ui.settle(pilot)
        assert positions.summary() in notes.text()
        names = [a.account for a in positions.accounts]
        main = app.get_default_screen()
        if len(names) > 1:
            view = accounts_table(pilot)
            assert column_labels(view) == ["Symbol", *names, "Household"]
            for acct in positions.accounts:
                for sym, n in acct.holdings.items():
                    assert held(view, sym, column_key(acct.account)) == f"{n:,}"
                assert dollars(ui.cell(view, "$cash", column_key(acct.account))) == acct.cash
        else:
            (acct,) = positions.accounts
            assert not accounts_table(pilot).display
            current = main.query_one("#current", DataTable)
            for sym, n in acct.holdings.items():
                assert ui.cell(current, sym, "shares").strip() == f"{n:,}"
        # A symbol the catalog does not know is priced by the file, marked so.
        known = {a.symbol for a in load_catalog().assets}
        unknown = sorted(s for s in positions.prices() if s not in known)
        if unknown:
            await ui.press(pilot, "o")
            editor = app.screen.query_one("#editor-table", DataTable)
            when = positions.as_of.isoformat() if positions.as_of else ""
            for sym in unknown:
                assert ui.cell(editor, sym, "source").strip() == f"file {when}".strip()
            await pilot.press("escape")
            await ui.settle(pilot)
        # Undo gives the two accounts back.
        await pilot.press("ctrl+z")
        await ui.settle(pilot)
        assert column_labels(accounts_table(pilot)) == ["Symbol", "main", "ira", "Household"]


# -- orders out ------------------------------------------------------------------------


async def test_export_orders_csv_and_ibkr_basket(tmp_path: Path, mine: Path) -> None:
    app = ui.offline_app(tmp_path, portfolio=mine)
    orders_csv, basket = tmp_path / "orders.csv", tmp_path / "basket.csv"
    basket.write_text("keep me\n", encoding="utf-8")
    async with ui.running(app) as pilot:
        shown_keys = ui.row_keys(orders_table(pilot))
        await ui.press(pilot, "x")
        assert isinstance(app.screen, FilePrompt)
        app.screen.query_one("#file-path", Input).value = str(orders_csv)
        await pilot.press("enter")
        await ui.settle(pilot)
        # The basket: the accounts have no IBKR ids yet, so they are asked for.
        await ui.press(pilot, "X")
        assert isinstance(app.screen, IdsPrompt)
        await ui.type_into(pilot, "#id-0", "bad id")
        await ui.press(pilot, "enter")
        assert "looks like U1234567" in ui.shown(app.screen.query_one(".accounts-error"))
        await ui.type_into(pilot, "#id-0", "U1234567")
        await ui.type_into(pilot, "#id-1", "u7654321")
        await ui.press(pilot, "enter")
        assert isinstance(app.screen, FilePrompt)
        app.screen.query_one("#file-path", Input).value = str(basket)
        await ui.press(pilot, "enter")
        # Never replaced without asking.
        assert isinstance(app.screen, Confirm)
        await pilot.click("#confirm-yes")
        await ui.settle(pilot)
    rows = list(csv.reader(io.StringIO(orders_csv.read_text())))
    assert rows[0] == ["account", "action", "symbol", "shares", "price", "amount"]
    assert [f"{r[0]}:{r[2]}" for r in rows[1:]] == shown_keys
    lines = basket.read_text().splitlines()
    assert (
        lines[0] == "Action,Quantity,Symbol,SecType,Exchange,Currency,TimeInForce,OrderType,Account"
    )
    assert ", " not in basket.read_text()
    ids = {"main": "U1234567", "ira": "U7654321"}
    body = [line.split(",") for line in lines[1:]]
    assert [(c[0], c[2], c[8]) for c in body] == [(r[1], r[2], ids[r[0]]) for r in rows[1:]]


async def test_inputs_leave_cash_and_reserve_to_the_accounts(tmp_path: Path, mine: Path) -> None:
    app = ui.offline_app(tmp_path, portfolio=mine)
    messages = ui.Messages()
    async with ui.running(app, message_hook=messages) as pilot:
        await ui.press(pilot, "i")
        assert app.screen.query_one("#in-cash", Input).disabled
        assert app.screen.query_one("#in-reserve", Input).disabled
        assert "set per account (key A)" in ui.shown(app.screen.query_one("#inputs-note"))
        await ui.type_into(pilot, "#in-band", "3")
        await pilot.press("enter")
        await ui.settle(pilot)
        edit = messages.of(PortfolioEdited)[-1]
        assert edit.options is not None and edit.options.band == Decimal("0.03")
        # The band applies to the household; each account's cash is as it was.
        view = accounts_table(pilot)
        assert dollars(ui.cell(view, "$cash", column_key("main"))) == Decimal(1000)
        assert dollars(ui.cell(view, "$cash", column_key("ira"))) == Decimal(3000)
        assert "±3%" in ui.shown(app.get_default_screen().query_one("#status"))


async def test_accounts_by_palette_and_mouse(tmp_path: Path) -> None:
    app = ui.offline_app(tmp_path)
    messages = ui.Messages()
    async with ui.running(app, message_hook=messages) as pilot:
        await ui.run_from_palette(pilot, "accounts", "Accounts")
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)
        app.screen.query_one("#ac-name", Input).value = "k401"
        app.screen.query_one("#ac-buyable", Input).value = "esgv bnd"
        await pilot.click("#ac-set")
        await ui.settle(pilot)
        added = messages.of(AccountsEdited)[-1].accounts
        assert [a.name for a in added] == ["main", "k401"]
        assert added[1].buyable == frozenset({"ESGV", "BND"}) and added[1].kind == "taxable"
        # Nothing held: removed at once (a click on the row, then on Remove).
        await pilot.click("#accounts-table", offset=(4, 2))
        await pilot.click("#ac-remove")
        await ui.settle(pilot)
        assert [a.name for a in messages.of(AccountsEdited)[-1].accounts] == ["main"]
        await pilot.press("escape")
        await ui.settle(pilot)
        assert not accounts_table(pilot).display
