"""Households in files and on the command line (SPEC §10, §11): portfolio
version 2 and the version-1 migration, the account CSVs with line numbers,
and `plan` with several accounts (JSON additions, exit 2 on bad input)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from rebalancer_tui.cli import main
from rebalancer_tui.rules import InputError
from rebalancer_tui.storage import csv_files
from rebalancer_tui.storage.portfolio_file import load_portfolio, save_portfolio

V1 = (
    '{"version": 1, "model": "moderate-pitt", "holdings": {"ESGV": 3, "BND": 4}, "cash": 10.5,'
    ' "options": {"reserve": 2, "fee": 1}, "price_overrides": {"XYZ": 5}}'
)
V2 = {
    "version": 2,
    "model": "moderate-pitt",
    "accounts": [
        {"account": "taxable", "kind": "taxable", "cash": 2500, "reserve": 0,
         "holdings": {"ESGV": 40}},
        {"account": "ira", "kind": "tax-deferred", "cash": 500, "reserve": 10,
         "holdings": {"BND": 10, "ESGV": 5}, "buyable": ["BND", "TIP", "ESGV"], "lots": [],
         "locked": []},
    ],
    "options": {"band": 0.05},
    "location": {"BND": ["tax-deferred"]},
}  # fmt: skip


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_version_1_opens_as_main_and_saves_as_version_2(tmp_path: Path) -> None:
    p = write(tmp_path / "p.json", V1)
    pf = load_portfolio(p)
    assert pf.version == 2
    (main_account,) = pf.accounts
    assert main_account.account == "main" and main_account.kind == "taxable"
    assert main_account.holdings == {"ESGV": 3, "BND": 4}
    assert main_account.cash == Decimal("10.5")
    assert pf.holdings == {"ESGV": 3, "BND": 4} and pf.cash == Decimal("10.5")
    assert pf.options.reserve == 2 and pf.price_overrides == {"XYZ": 5}
    save_portfolio(p, pf)
    raw = json.loads(p.read_text())
    assert raw["version"] == 2 and "holdings" not in raw and "cash" not in raw
    assert raw["accounts"][0]["holdings"] == {"ESGV": 3, "BND": 4}
    again = load_portfolio(p)
    assert again == pf


def test_version_2_round_trip(tmp_path: Path) -> None:
    p = write(tmp_path / "p.json", json.dumps(V2))
    pf = load_portfolio(p)
    assert [a.account for a in pf.accounts] == ["taxable", "ira"]
    assert pf.accounts[1].buyable == ["BND", "TIP", "ESGV"]
    assert pf.location == {"BND": ["tax-deferred"]}
    assert pf.holdings == {"ESGV": 45, "BND": 10} and pf.cash == 3000
    q = tmp_path / "q.json"
    save_portfolio(q, pf)
    assert load_portfolio(q) == pf


@pytest.mark.parametrize(
    ("accounts", "needles"),
    [
        ([{"account": "a"}, {"account": "a"}], ["account a appears twice"]),
        ([{"account": "a b"}], ["accounts.0.account", "1-32 letters"]),
        ([{"account": "a", "kind": "roth"}], ["accounts.0.kind"]),
        ([{"account": "a", "cash": -1}], ["accounts.0.cash", "must not be negative"]),
        ([{"account": "a", "lots": [{"symbol": "ESGV"}]}], ["accounts.0.lots.0.shares"]),
        ([], ["accounts"]),
    ],
)
def test_version_2_bad_accounts(tmp_path: Path, accounts: list[object], needles: list[str]) -> None:
    p = write(tmp_path / "p.json", json.dumps({"version": 2, "accounts": accounts}))
    with pytest.raises(InputError) as info:
        load_portfolio(p)
    msg = str(info.value)
    assert "\n" not in msg and str(p) in msg
    for needle in needles:
        assert needle in msg


def test_holdings_csv_with_and_without_accounts(tmp_path: Path) -> None:
    p = write(tmp_path / "h.csv", "account,symbol,shares\nira,bnd,3\ntaxable,ESGV,2\nira,ESGV,1\n")
    assert csv_files.read_account_holdings_csv(p) == {
        "ira": {"BND": 3, "ESGV": 1},
        "taxable": {"ESGV": 2},
    }
    q = write(tmp_path / "q.csv", "symbol,shares\nESGV,2\n")
    assert csv_files.read_account_holdings_csv(q) == {"main": {"ESGV": 2}}


def test_accounts_and_location_csv(tmp_path: Path) -> None:
    a = write(tmp_path / "a.csv", "account,kind,cash\nira,Tax-Deferred,500\ntaxable,taxable,0\n")
    rows = csv_files.read_accounts_csv(a)
    assert [(r.account, r.kind, r.cash, r.reserve) for r in rows] == [
        ("ira", "tax-deferred", Decimal(500), Decimal(0)),
        ("taxable", "taxable", Decimal(0), Decimal(0)),
    ]
    b = write(tmp_path / "b.csv", "account,kind,cash,reserve\nira,tax-free,5,1\n")
    assert csv_files.read_accounts_csv(b)[0].reserve == 1
    loc = write(tmp_path / "l.csv", "symbol,kind\nBND,tax-deferred\nbnd,tax-free\nESGV,taxable\n")
    assert csv_files.read_location_csv(loc) == {
        "BND": frozenset({"tax-deferred", "tax-free"}),
        "ESGV": frozenset({"taxable"}),
    }


HOLDINGS_CSV_ERRORS = [
    ("account,symbol,shares\nira,BND,3\nira,BND,4\n", ["line 3", "BND appears twice in "
                                                       "account ira (first on line 2)"]),
    ("account,symbol,shares\nira,BND,3\nI R A,BND,1\n", ["line 3", "account name"]),
    ("account,symbol,shares\nira,BND,-3\n", ["line 2", "negative"]),
    ("account,symbol,shares,extra\nira,BND,3,1\n", ["line 1", "expected the header"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("account,kind,cash\nira,ira,5\n",
         ["line 2", "account kind: must be one of taxable, tax-deferred, tax-free (got 'ira')"]),
        ("account,kind,cash\nira,taxable,-5\n", ["line 2", "negative"]),
        ("account,kind,cash\nira,taxable,5\nira,taxable,1\n",
         ["line 3", "account ira appears twice (first on line 2)"]),
        ("account,kind\nira,taxable\n", ["line 1", "expected the header"]),
        ("account,kind,cash\n", ["no accounts"]),
    ],
)  # fmt: skip
def test_accounts_csv_errors(tmp_path: Path, text: str, needles: list[str]) -> None:
    csv_refused(csv_files.read_accounts_csv, write(tmp_path / "a.csv", text), needles)


@pytest.mark.parametrize(("text", "needles"), HOLDINGS_CSV_ERRORS)
def test_holdings_csv_errors(tmp_path: Path, text: str, needles: list[str]) -> None:
    csv_refused(csv_files.read_account_holdings_csv, write(tmp_path / "h.csv", text), needles)


def csv_refused(read: Callable[[Path], object], path: Path, needles: list[str]) -> None:
    """`read` refuses the file with an InputError whose text holds every needle."""
    with pytest.raises(InputError) as info:
        read(path)
    for needle in needles:
        assert needle in str(info.value)


# ---------------------------------------------------------------------------
# plan


def household_files(tmp_path: Path) -> list[str]:
    a = write(tmp_path / "a.csv", "account,kind,cash,reserve\ntaxable,taxable,2500,0\n"
              "ira,tax-deferred,500,10\n")  # fmt: skip
    h = write(tmp_path / "h.csv", "account,symbol,shares\ntaxable,ESGV,40\nira,BND,10\n"
              "ira,ESGV,5\n")  # fmt: skip
    return ["--fund", "moderate-pitt", "--accounts", str(a), "--holdings", str(h)]


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    assert main(["plan", "--offline", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_plan_with_two_accounts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, *household_files(tmp_path), "--fee", "1")
    assert [(a["account"], a["kind"], a["cash"], a["reserve"]) for a in out["accounts"]] == [
        ("taxable", "taxable", 2500.0, 0.0),
        ("ira", "tax-deferred", 500.0, 10.0),
    ]
    assert out["accounts"][1]["holdings"] == {"BND": 10, "ESGV": 5}
    assert out["cash"] == 3000.0
    start = {a["account"]: Decimal(str(a["cash"])) for a in out["accounts"]}
    reserve = {a["account"]: Decimal(str(a["reserve"])) for a in out["accounts"]}
    for plan in out["plans"]:
        # Cash never moves between accounts: each account's own sells, buys and
        # costs explain its cash left, which covers its reserve.
        for after in plan["accounts_after"]:
            name = after["account"]
            flow = start[name]
            seen_buy = False
            for o in (o for o in plan["orders"] if o["account"] == name):
                amount = Decimal(str(o["amount"]))
                flow += amount if o["action"] == "SELL" else -amount
                flow -= Decimal(str(o["cost"]))
                assert not (seen_buy and o["action"] == "SELL"), "sells first in each account"
                seen_buy = seen_buy or o["action"] == "BUY"
            assert abs(flow - Decimal(str(after["cash_left"]))) <= Decimal("0.02")
            assert Decimal(str(after["cash_left"])) >= reserve[name]
        assert plan["metrics"]["orders"] == len(plan["orders"])
    te = out["plans"][1]
    assert te["strategy"] == "tracking-error"
    assert te["metrics"]["deviation"] <= out["plans"][0]["metrics"]["deviation"]


def test_plan_text_groups_orders_by_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--offline", *household_files(tmp_path), "--strategy", "simple"]) == 0
    text = capsys.readouterr().out
    assert "Account taxable (cash left" in text and "Account ira (cash left" in text
    assert text.index("Account taxable") < text.index("Account ira")


def test_plan_one_account_is_main(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    h = write(tmp_path / "h.csv", "symbol,shares\nESGV,10\n")
    out = run_json(capsys, "--holdings", str(h), "--cash", "1000", "--reserve", "5")
    assert [(a["account"], a["cash"], a["reserve"]) for a in out["accounts"]] == [
        ("main", 1000.0, 5.0)
    ]
    for plan in out["plans"]:
        assert {o["account"] for o in plan["orders"]} <= {"main"}
        assert [a["account"] for a in plan["accounts_after"]] == ["main"]


def test_plan_portfolio_version_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path / "p.json", json.dumps(V2))
    out = run_json(capsys, "--portfolio", str(p), "--strategy", "tracking-error")
    assert [a["account"] for a in out["accounts"]] == ["taxable", "ira"]
    (plan,) = out["plans"]
    bought = {o["symbol"] for o in plan["orders"] if o["account"] == "ira" and o["action"] == "BUY"}
    assert bought <= {"BND", "TIP", "ESGV"}, "the IRA's buy menu"


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--cash", "5"], "--cash applies to a single account"),
        (["--reserve", "5"], "--reserve applies to a single account"),
    ],
)
def test_plan_bad_household_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], needle: str
) -> None:
    assert main(["plan", "--offline", *household_files(tmp_path), *extra]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("accounts", "holdings", "needle"),
    [
        ("account,kind,cash\nira,taxable,5\n", "account,symbol,shares\nroth,ESGV,1\n",
         "h.csv line 2: unknown account 'roth'"),
        ("account,kind,cash\nira,taxable,5\nira,taxable,5\n", "symbol,shares\nESGV,1\n",
         "a.csv line 3: account ira appears twice"),
        ("account,kind,cash\nira,taxable,-5\n", "symbol,shares\nESGV,1\n",
         "a.csv line 2: cash"),
        ("account,kind,cash,reserve\nira,taxable,5,50\n", "symbol,shares\nESGV,0\n",
         "account ira"),
    ],
)  # fmt: skip
def test_plan_bad_account_files(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    accounts: str,
    holdings: str,
    needle: str,
) -> None:
    a = write(tmp_path / "a.csv", accounts)
    h = write(tmp_path / "h.csv", holdings)
    assert main(["plan", "--offline", "--accounts", str(a), "--holdings", str(h)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert needle in captured.err and captured.err.count("\n") == 1, captured.err
