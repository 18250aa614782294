"""The household in the headless workspace: accounts in the state, saved as
portfolio version 2, reserves per account, broker files and account CSVs in."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rebalancer_tui.data import load_catalog
from rebalancer_tui.engine import Options
from rebalancer_tui.engine.household import Account
from rebalancer_tui.storage.brokers import read_broker_file
from rebalancer_tui.storage.portfolio_file import load_portfolio
from rebalancer_tui.workspace import Workspace
from rebalancer_tui.workspace.state import PortfolioState

BROKERS = Path(__file__).parent / "fixtures" / "brokers"
CATALOG = {a.symbol for a in load_catalog().assets}
HOUSEHOLD = {
    "version": 2,
    "model": "moderate-pitt",
    "accounts": [
        {"account": "main", "kind": "taxable", "cash": 1000, "holdings": {"ESGV": 50}},
        {"account": "ira", "kind": "tax-deferred", "cash": 3000, "reserve": 100,
         "holdings": {"BND": 40}, "buyable": ["BLV", "BND"]},
    ],
    "location": {"BND": ["tax-deferred"]},
}  # fmt: skip


@pytest.fixture
def mine(write_json: Callable[[str, Any], Path]) -> Path:
    return write_json("household.json", HOUSEHOLD)


def started(path: Path) -> Workspace:
    ws = Workspace(portfolio=path)
    assert ws.start() == []
    return ws


def test_household_round_trip_through_the_state(mine: Path, tmp_path: Path) -> None:
    ws = started(mine)
    state = ws.state
    assert state.account_names == ["main", "ira"]
    ira = state.account("ira")
    assert (ira.kind, ira.cash, ira.reserve) == ("tax-deferred", 3000, 100)
    assert ira.buyable == frozenset({"BLV", "BND"})
    assert state.holdings == {"ESGV": 50, "BND": 40} and state.cash == 4000
    assert state.location == {"BND": frozenset({"tax-deferred"})}
    # Saved and read back: the same household, as version 2.
    out = tmp_path / "again.json"
    assert ws.save_as(out).ok
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["version"] == 2 and saved["location"] == {"BND": ["tax-deferred"]}
    assert [a["account"] for a in saved["accounts"]] == ["main", "ira"]
    assert saved["accounts"][1]["buyable"] == ["BLV", "BND"]
    pf = load_portfolio(out)
    assert PortfolioState.from_file(pf, state.model, state.quotes) == state


def test_household_pools_into_one_input(mine: Path) -> None:
    hh = started(mine).state.to_household()
    assert hh.names == ["main", "ira"] and hh.options.reserve == 0
    pooled = hh.merged
    assert pooled.cash == 4000 and pooled.options.reserve == 100
    assert pooled.holdings == {"ESGV": 50, "BND": 40}


def test_holdings_and_cash_are_one_accounts(mine: Path) -> None:
    state = started(mine).state
    with pytest.raises(ValueError, match="say which account"):
        state.replace(holdings={"ESGV": 1})
    changed = state.replace(holdings={"BND": 7}, account="ira")
    assert changed.account("ira").holdings == {"BND": 7}
    assert changed.account("main") == state.account("main")


def test_one_account_state_as_before(write_json: Callable[[str, Any], Path]) -> None:
    path = write_json("one.json", {"version": 1, "holdings": {"ESGV": 3}, "cash": 5})
    state = started(path).state
    assert state.account_names == ["main"]
    assert state.replace(cash=Decimal(9)).cash == 9
    # The inputs' reserve is the one account's.
    inp = state.replace(options=Options(reserve=Decimal(2))).to_input()
    assert inp.options.reserve == 2 and inp.cash == 5


def test_a_second_account_takes_over_the_inputs_reserve(
    write_json: Callable[[str, Any], Path],
) -> None:
    path = write_json("one.json", {"version": 1, "holdings": {"ESGV": 3}, "cash": 500})
    ws = started(path)
    ws.state = ws.state.replace(options=Options(reserve=Decimal(50)))
    accounts = (*ws.state.accounts, Account(name="ira", cash=Decimal(10)))
    outcome = ws.accounts_edited(accounts, "addition of account ira")
    assert outcome.state is not None and outcome.undo == "addition of account ira"
    assert "reserve $50.00 is now account main's" in outcome.message
    new = outcome.state
    assert new.options.reserve == 0 and new.account("main").reserve == 50
    assert new.to_household().merged.options.reserve == 50
    # With several accounts an inputs' reserve is refused, with where to set it.
    with pytest.raises(ValueError, match="per account"):
        new.replace(options=Options(reserve=Decimal(1))).to_household()


def test_broker_file_becomes_the_household(mine: Path) -> None:
    ws = started(mine)
    path = BROKERS / "vanguard_ofxdownload_2026-11.csv"
    question = ws.import_question(path)
    assert question is not None and "replaces 2 accounts: main (1 holdings, cash $1,000.00)" in (
        question
    )
    outcome = ws.import_file(path)
    positions = read_broker_file(path)
    assert outcome.ok and outcome.undo == "import" and outcome.state is not None
    assert outcome.message.startswith(positions.summary())
    new = outcome.state
    assert new.account_names == [a.account for a in positions.accounts]
    for acct in positions.accounts:
        assert new.account(acct.account).holdings == acct.holdings
        assert new.account(acct.account).cash == acct.cash
    # The file's price for what the catalog does not know, with the file's date.
    for sym, price in positions.prices().items():
        if sym not in CATALOG:
            quote = new.effective_quotes()[sym]
            assert (quote.price, quote.source, quote.date) == (price, "file", positions.as_of)
        else:
            assert sym not in new.file_prices


def test_account_csv_into_the_household(mine: Path, tmp_path: Path) -> None:
    ws = started(mine)
    csv_path = tmp_path / "held.csv"
    csv_path.write_text("account,symbol,shares\nira,BLV,3\nroth,ESGV,2\n", encoding="utf-8")
    outcome = ws.import_file(csv_path)
    assert outcome.ok and outcome.state is not None
    new = outcome.state
    assert new.account("ira").holdings == {"BLV": 3}
    assert new.account("main").holdings == {"ESGV": 50}  # not in the file: kept
    assert new.account("roth").holdings == {"ESGV": 2}
    # Without an account column, several accounts cannot be told apart.
    plain = tmp_path / "plain.csv"
    plain.write_text("symbol,shares\nBND,1\n", encoding="utf-8")
    refused = ws.import_file(plain)
    assert not refused.ok and "needs an account column" in refused.message


def test_a_renamed_account_keeps_its_ibkr_id() -> None:
    ws = Workspace()
    ws.start()
    outcome = ws.import_file(BROKERS / "ibkr_flex_positions_2026-11.csv")
    assert outcome.state is not None
    ws.state = outcome.state
    first = ws.state.accounts[0]
    assert ws.state.broker_ids[first.name] == first.name  # a Flex account is its id
    renamed = (first.model_copy(update={"name": "taxable"}), *ws.state.accounts[1:])
    out = ws.accounts_edited(renamed, "rename", renamed=(first.name, "taxable"))
    assert out.state is not None and out.state.broker_ids["taxable"] == first.name
    assert first.name not in out.state.broker_ids
