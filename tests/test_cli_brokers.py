"""`plan --holdings BROKER_FILE` and `plan --export-orders` (SPEC §10, §11):
every broker fixture read into accounts, cash, holdings and file prices, and
the orders written as CSV and as an IBKR basket file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from demo_data import broker_fixtures

from rebalancer_tui.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "brokers"


def _expected() -> dict[str, dict[str, Any]]:
    """Per fixture file (tests/data/broker_fixtures.toml): its accounts {name: (cash,
    holdings)}, the rows skipped, the symbols priced by the file (the catalog does
    not know them) and the file's date."""
    return {
        name: {
            "accounts": {a["account"]: (a["cash"], a["holdings"]) for a in want["accounts"]},
            "skipped": len(want["skipped"]),
            "file_prices": want["file_prices"],
            "date": want["as_of"].isoformat() if "as_of" in want else None,
        }
        for name, want in broker_fixtures().items()
    }


EXPECTED = _expected()


def plan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(["plan", "--offline", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def plan_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict[str, Any], str]:
    rc, out, err = plan(capsys, "--json", *args)
    assert rc == 0, err
    return json.loads(out), err


def test_every_fixture_is_listed() -> None:
    assert {p.name for p in FIXTURES.glob("*.csv")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broker_file_into_plan_json(capsys: pytest.CaptureFixture[str], name: str) -> None:
    want = EXPECTED[name]
    out, err = plan_json(capsys, "--holdings", str(FIXTURES / name), "--strategy", "simple")
    assert [a["account"] for a in out["accounts"]] == list(want["accounts"])
    prices = {s: Decimal(str(q["price"])) for s, q in out["prices"].items()}
    for acct in out["accounts"]:
        cash, holdings = want["accounts"][acct["account"]]
        assert acct["kind"] == "taxable"
        assert Decimal(str(acct["cash"])) == Decimal(cash)
        assert acct["reserve"] == 0
        assert acct["holdings"] == holdings
        value = Decimal(cash) + sum(prices[s] * n for s, n in holdings.items())
        assert Decimal(str(acct["value"])) == value.quantize(Decimal("0.01"))
    for sym, price in want["file_prices"].items():
        assert out["prices"][sym] == {
            "price": float(price), "source": "file", "date": want["date"]
        }  # fmt: skip
    # Symbols the catalog knows keep the catalog's price, not the file's.
    assert {s for s, q in out["prices"].items() if q["source"] == "file"} == set(
        want["file_prices"]
    )
    assert out["skipped_rows"] == want["skipped"]
    assert sum(p["cash_left"] for p in out["plans"][0]["accounts_after"]) >= 0
    # One summary line on stderr, never in the JSON on stdout.
    (line,) = err.splitlines()
    n = sum(len(h) for _, h in want["accounts"].values())
    assert f"{len(want['accounts'])} account" in line and f"{n} holding" in line
    if want["skipped"]:
        assert f"skipped {want['skipped']} row" in line
    else:
        assert "skipped" not in line


def test_ibkr_lots_are_counted_in_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    _, err = plan_json(
        capsys, "--holdings", str(FIXTURES / "ibkr_flex_positions_2026-11.csv"),
        "--strategy", "simple",
    )  # fmt: skip
    # 2 ESGV + 2 BRK B + 1 BND LOT rows in the file, all kept (taxable accounts).
    (line,) = err.splitlines()
    assert line.endswith("; 5 tax lots")


def test_prices_flag_beats_the_file_price(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    prices = tmp_path / "p.csv"
    prices.write_text("symbol,price\nVTI,300\n", encoding="utf-8")
    out, _ = plan_json(
        capsys, "--holdings", str(FIXTURES / "fidelity_positions_2021-07.csv"),
        "--prices", str(prices), "--strategy", "simple",
    )  # fmt: skip
    assert out["prices"]["VTI"]["price"] == 300.0
    assert out["prices"]["VTI"]["source"] == "override"
    assert out["accounts"][0]["value"] == 500 + 50 * 300


def test_cash_with_several_broker_accounts_is_bad_input(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for flag in ("--cash", "--reserve"):
        rc, out, err = plan(
            capsys, "--holdings", str(FIXTURES / "schwab_positions_2026-11.csv"), flag, "100"
        )
        assert rc == 2 and out == ""
        assert len(err.splitlines()) == 1 and flag in err


def test_cash_with_one_broker_account_replaces_its_cash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, _ = plan_json(
        capsys, "--holdings", str(FIXTURES / "fidelity_positions_2021-07.csv"),
        "--cash", "1000", "--strategy", "simple",
    )  # fmt: skip
    assert out["accounts"][0]["cash"] == 1000.0


def test_accounts_file_gives_kinds_the_broker_file_the_cash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    accounts = tmp_path / "a.csv"
    accounts.write_text(
        "account,kind,cash,reserve\nZ12345678,taxable,0,100\nY87654321,tax-free,0,0\n"
        "spare,tax-deferred,70,0\n",
        encoding="utf-8",
    )
    out, _ = plan_json(
        capsys, "--holdings", str(FIXTURES / "fidelity_positions_2026-11.csv"),
        "--accounts", str(accounts), "--strategy", "simple",
    )  # fmt: skip
    got = {
        a["account"]: (a["kind"], a["cash"], a["reserve"], a["holdings"]) for a in out["accounts"]
    }
    assert got == {
        "Z12345678": ("taxable", 3210.55, 100.0, {"ESGV": 425, "FXAIX": 12}),
        "Y87654321": ("tax-free", 150.25, 0.0, {"VSGX": 120}),
        "spare": ("tax-deferred", 70.0, 0.0, {}),
    }
    accounts.write_text("account,kind,cash\nZ12345678,taxable,0\n", encoding="utf-8")
    rc, _, err = plan(
        capsys, "--holdings", str(FIXTURES / "fidelity_positions_2026-11.csv"),
        "--accounts", str(accounts),
    )  # fmt: skip
    assert rc == 2 and "unknown account 'Y87654321'" in err


def _expected_lines(orders: list[dict[str, Any]], fmt: str, ids: dict[str, str]) -> list[str]:
    """The export written independently from the JSON orders: per account in
    order of first appearance, its sells then its buys."""
    accounts = list(dict.fromkeys(o["account"] for o in orders))
    ordered = [
        o
        for a in accounts
        for action in ("SELL", "BUY")
        for o in orders
        if o["account"] == a and o["action"] == action
    ]
    if fmt == "csv":
        return ["account,action,symbol,shares,price,amount"] + [
            f"{o['account']},{o['action']},{o['symbol']},{o['shares']},"
            f"{Decimal(str(o['price']))},{Decimal(str(o['amount'])).quantize(Decimal('0.01'))}"
            for o in ordered
        ]
    return ["Action,Quantity,Symbol,SecType,Exchange,Currency,TimeInForce,OrderType,Account"] + [
        f"{o['action']},{o['shares']},{o['symbol'].replace('.', ' ')},STK,SMART,USD,DAY,MKT,"
        f"{ids[o['account']]}"
        for o in ordered
    ]


@pytest.mark.parametrize(
    ("name", "fmt", "ids"),
    [
        ("schwab_positions_2026-11.csv", "csv", {}),
        ("ibkr_flex_positions_2026-11.csv", "csv", {}),
        (
            "ibkr_flex_positions_2026-11.csv",
            "ibkr",
            {"U1234567": "U1234567", "U7654321": "U7654321"},
        ),
        ("fidelity_positions_2021-07.csv", "ibkr", {"X11122233": ""}),  # one account: TWS default
    ],
)
def test_export_orders_line_by_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, fmt: str, ids: dict[str, str]
) -> None:
    target = tmp_path / "orders.csv"
    out, err = plan_json(
        capsys, "--holdings", str(FIXTURES / name), "--strategy", "simple",
        "--export-orders", str(target), "--export-format", fmt,
    )  # fmt: skip
    orders = out["plans"][0]["orders"]
    assert orders, "the fixture's holdings need orders for this test to mean anything"
    assert any(o["action"] == "SELL" for o in orders)
    text = target.read_text(encoding="utf-8")
    assert text.endswith("\n") and ", " not in text
    assert text.splitlines() == _expected_lines(orders, fmt, ids)
    assert f"wrote {len(orders)} orders to" in err and f"({fmt})" in err


def test_csv_is_the_default_export_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "orders.csv"
    plan_json(
        capsys, "--holdings", str(FIXTURES / "fidelity_positions_2021-07.csv"),
        "--strategy", "simple", "--export-orders", str(target),
    )  # fmt: skip
    assert target.read_text(encoding="utf-8").startswith(
        "account,action,symbol,shares,price,amount\n"
    )


def test_existing_export_target_needs_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "orders.csv"
    before = b"mine,do not touch\r\n\xef\xbb\xbf"
    target.write_bytes(before)
    args = ("--holdings", str(FIXTURES / "fidelity_positions_2021-07.csv"), "--strategy",
            "simple", "--export-orders", str(target))  # fmt: skip
    rc, out, err = plan(capsys, *args)
    assert rc == 2 and out == ""
    assert len(err.splitlines()) == 1 and "already exists" in err and "--force" in err
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["orders.csv"]
    rc, _, err = plan(capsys, *args, "--force")
    assert rc == 0, err
    assert target.read_text(encoding="utf-8").startswith("account,action,")


def test_export_needs_one_strategy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "orders.csv"
    rc, out, err = plan(
        capsys,
        "--holdings",
        str(FIXTURES / "fidelity_positions_2021-07.csv"),
        "--export-orders",
        str(target),
    )  # fmt: skip  (--strategy defaults to all)
    assert rc == 2 and out == "" and "--strategy" in err and len(err.splitlines()) == 1
    assert not target.exists()


def test_export_format_without_export_orders_is_bad_input(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, _, err = plan(capsys, "--strategy", "simple", "--export-format", "ibkr")
    assert rc == 2 and "--export-orders" in err


def test_ibkr_export_of_several_non_ibkr_accounts_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "basket.csv"
    rc, out, err = plan(
        capsys, "--holdings", str(FIXTURES / "schwab_positions_2026-11.csv"),
        "--strategy", "simple", "--export-orders", str(target), "--export-format", "ibkr",
    )  # fmt: skip
    assert rc == 2 and out == ""
    assert len(err.splitlines()) == 1 and "Interactive Brokers account ids" in err
    assert not target.exists()
