"""Tax lots in files (SPEC §8, §10): the lots CSV `[account,]symbol,shares,cost,date`
with its one-line errors, lots in the version-2 portfolio file and the app's
state, the `as_of` option saved and read back, and IBKR `LOT` rows as lots."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from rebalancer_tui.data import load_catalog
from rebalancer_tui.engine.tax import TaxLot
from rebalancer_tui.models import PriceQuote
from rebalancer_tui.rules import InputError
from rebalancer_tui.storage import csv_files
from rebalancer_tui.storage.brokers import read_broker_file
from rebalancer_tui.storage.brokers.to_household import broker_accounts, import_summary
from rebalancer_tui.storage.portfolio_file import (
    LotEntry,
    PortfolioFile,
    load_portfolio,
    save_portfolio,
)
from rebalancer_tui.workspace.state import PortfolioState

FIXTURES = Path(__file__).parent / "fixtures" / "brokers"
D = Decimal


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


# -- the lots CSV ---------------------------------------------------------------


def test_lots_csv_reads_exact_costs_and_dates(tmp_path: Path) -> None:
    p = write(
        tmp_path / "l.csv",
        "account,symbol,shares,cost,date\n"
        "taxable,esgv,5,98.5,2024-03-01\n"
        "taxable,ESGV,7,101.12345678,2025-12-31\n"
        "ira2,BND,3,0,1999-01-04\n",
    )
    rows = csv_files.read_lots_csv(p)
    assert [(r.account, r.symbol, r.shares, r.cost, r.date, r.line) for r in rows] == [
        ("taxable", "ESGV", 5, D("98.5"), dt.date(2024, 3, 1), 2),
        ("taxable", "ESGV", 7, D("101.12345678"), dt.date(2025, 12, 31), 3),
        ("ira2", "BND", 3, D(0), dt.date(1999, 1, 4), 4),
    ]
    assert rows[1].to_lot() == TaxLot(
        symbol="ESGV", shares=7, cost=D("101.12345678"), date=dt.date(2025, 12, 31)
    )


def test_lots_csv_without_account_is_the_default_account(tmp_path: Path) -> None:
    # The same tolerance as every CSV: BOM, CRLF, quotes, a trailing comma, any column order.
    p = write(tmp_path / "l.csv", '\ufeffdate,cost,shares,symbol\r\n"2024-03-01",98.50,5,ESGV,\r\n')
    (row,) = csv_files.read_lots_csv(p)
    assert (row.account, row.symbol, row.shares, row.cost, row.date) == (
        "main", "ESGV", 5, D("98.50"), dt.date(2024, 3, 1)
    )  # fmt: skip
    (row,) = csv_files.read_lots_csv(p, default_account="brokerage")
    assert row.account == "brokerage"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("ESGV,5,98.5,2099-01-01", "line 2: date: must not be after 2026-06-30"),
        ("ESGV,5,98.5,2026-07-01", "line 2: date: must not be after 2026-06-30"),
        ("ESGV,5,-1,2024-03-01", "line 2: unit cost: must not be negative (got '-1')"),
        ("ESGV,5,98.5,3/1/24", "line 2: date: must be a date YYYY-MM-DD (got '3/1/24')"),
        ("ESGV,5,98.5,2024-02-30", "line 2: date: must be a date YYYY-MM-DD"),
        ("ESGV,0,98.5,2024-03-01", "line 2: shares: a lot holds at least 1 share (got 0)"),
        ("ESGV,1.5,98.5,2024-03-01", "line 2: shares:"),
        ("ESGV,5,1e3,2024-03-01", "line 2: unit cost:"),
        ("ESGV,5,98.5", "line 2: expected 4 columns"),
        ("=cmd,5,98.5,2024-03-01", "line 2: "),
    ],
)
def test_bad_lots_rows_are_one_line_with_the_line(tmp_path: Path, body: str, message: str) -> None:
    p = write(tmp_path / "l.csv", f"symbol,shares,cost,date\n{body}\n")
    with pytest.raises(InputError) as info:
        csv_files.read_lots_csv(p, latest=dt.date(2026, 6, 30))
    msg = str(info.value)
    assert msg.startswith(f"{p} {message}"), msg
    assert "\n" not in msg


def test_lots_csv_header_is_required(tmp_path: Path) -> None:
    p = write(tmp_path / "l.csv", "ESGV,5,98.5,2024-03-01\n")
    with pytest.raises(InputError, match=r"line 1: expected the header 'symbol,shares,cost,date"):
        csv_files.read_lots_csv(p)


def test_a_lot_dated_after_today_is_refused_by_default(tmp_path: Path) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    p = write(tmp_path / "l.csv", f"symbol,shares,cost,date\nESGV,5,1,{tomorrow}\n")
    with pytest.raises(InputError, match="a date in the future"):
        csv_files.read_lots_csv(p)


def test_lots_of_an_unknown_account_are_refused(tmp_path: Path) -> None:
    p = write(tmp_path / "l.csv", "account,symbol,shares,cost,date\nira,ESGV,5,1,2024-03-01\n")
    with pytest.raises(InputError) as info:
        csv_files.read_lots_csv(p, accounts=["main"], accounts_file="a.csv")
    assert str(info.value) == f"{p} line 2: unknown account 'ira' (not in a.csv)"


def test_lots_fit_the_holdings_or_one_line_names_file_line_account_symbol(
    tmp_path: Path,
) -> None:
    p = write(
        tmp_path / "l.csv",
        "account,symbol,shares,cost,date\n"
        "t,ESGV,5,98.5,2024-03-01\n"
        "t,BND,4,70,2024-03-01\n"
        "t,ESGV,4,99,2025-03-01\n",
    )
    rows = csv_files.read_lots_csv(p)
    kinds = {"t": "taxable", "ira": "tax-deferred"}
    fit = csv_files.check_lots_fit(p, rows, kinds, {"t": {"ESGV": 9, "BND": 4, "VTI": 3}})
    assert [(r.symbol, r.shares) for r in fit["t"]] == [("ESGV", 5), ("BND", 4), ("ESGV", 4)]
    cases = [
        ({"t": {"ESGV": 10, "BND": 4}}, kinds,
         f"{p} line 2: account t: the lots of ESGV add up to 9 shares, but the account holds 10"),
        ({"t": {"ESGV": 9}}, kinds,
         f"{p} line 3: account t: the lots of BND add up to 4 shares, but the account holds 0"),
        ({"t": {"ESGV": 9, "BND": 4}}, {"t": "tax-free"},
         f"{p} line 2: account t: tax lots are only for taxable accounts (this one is tax-free)"),
        ({"x": {}}, {"x": "taxable"}, f"{p} line 2: unknown account 't'"),
    ]  # fmt: skip
    for holdings, kinds_, message in cases:
        with pytest.raises(InputError) as info:
            csv_files.check_lots_fit(p, rows, kinds_, holdings)
        assert str(info.value) == message


# -- the portfolio file ---------------------------------------------------------

LOTS_FILE = {
    "version": 2,
    "model": "risky-norris",
    "accounts": [
        {"account": "taxable", "kind": "taxable", "cash": 100, "holdings": {"ESGV": 12, "BND": 3},
         "lots": [
             {"symbol": "ESGV", "shares": 5, "cost": 98.5, "date": "2024-03-01"},
             {"symbol": "ESGV", "shares": 7, "cost": "101.12345678", "date": "2025-12-31"},
         ]},
        {"account": "ira", "kind": "tax-deferred", "holdings": {"BND": 10}},
    ],
    "options": {"st_rate": 0.3, "lt_rate": "0.15", "long_term_days": 366, "as_of": "2026-01-15",
                "tax_weight": 2, "max_gains": 1000.5, "no_short_term_gains": True,
                "wash_sale_days": 30},
}  # fmt: skip


def test_portfolio_lots_and_tax_options_round_trip_exactly(tmp_path: Path) -> None:
    p = write(tmp_path / "p.json", json.dumps(LOTS_FILE))
    pf = load_portfolio(p)
    taxable, ira = pf.accounts
    assert taxable.lots == [
        LotEntry(symbol="ESGV", shares=5, cost=D("98.5"), date=dt.date(2024, 3, 1)),
        LotEntry(symbol="ESGV", shares=7, cost=D("101.12345678"), date=dt.date(2025, 12, 31)),
    ]
    assert ira.lots == []
    o = pf.options
    assert (o.st_rate, o.lt_rate, o.long_term_days, o.as_of) == (
        D("0.3"), D("0.15"), 366, dt.date(2026, 1, 15)
    )  # fmt: skip
    assert (o.tax_weight, o.max_gains, o.no_short_term_gains, o.wash_sale_days) == (
        D(2), D("1000.5"), True, 30
    )  # fmt: skip
    q = tmp_path / "q.json"
    save_portfolio(q, pf)
    raw = json.loads(q.read_text(encoding="utf-8"))
    assert raw["options"]["as_of"] == "2026-01-15"
    assert raw["accounts"][0]["lots"] == [
        {"symbol": "ESGV", "shares": 5, "cost": 98.5, "date": "2024-03-01"},
        {"symbol": "ESGV", "shares": 7, "cost": 101.12345678, "date": "2025-12-31"},
    ]
    assert raw["accounts"][1]["lots"] == []
    assert load_portfolio(q) == pf


def test_state_carries_lots_both_ways(tmp_path: Path) -> None:
    pf = load_portfolio(write(tmp_path / "p.json", json.dumps(LOTS_FILE)))
    catalog = load_catalog()
    model = next(m for m in catalog.models if m.id == "risky-norris")
    quotes = {
        a.symbol: PriceQuote(symbol=a.symbol, price=a.price, source="fallback")
        for a in catalog.assets
    }
    state = PortfolioState.from_file(pf, model, quotes)
    assert state.account("taxable").lots == (
        TaxLot(symbol="ESGV", shares=5, cost=D("98.5"), date=dt.date(2024, 3, 1)),
        TaxLot(symbol="ESGV", shares=7, cost=D("101.12345678"), date=dt.date(2025, 12, 31)),
    )
    assert state.account("ira").lots == ()
    assert state.options.as_of == dt.date(2026, 1, 15) and state.options.st_rate == D("0.3")
    assert state.to_file() == pf
    # The household the engine plans carries them too.
    assert state.to_household().account("taxable").lots == state.account("taxable").lots


def _with(**account: object) -> dict[str, object]:
    base: dict[str, object] = {"account": "t", "holdings": {"ESGV": 10}}
    return {"version": 2, "accounts": [{**base, **account}]}


def _lot(**fields: object) -> dict[str, object]:
    return {"symbol": "ESGV", "shares": 10, "cost": 98.5, "date": "2024-03-01", **fields}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with(lots=[_lot(shares=4)]),
         "field accounts.0: account t: the lots of ESGV add up to 4 shares, but the account "
         "holds 10"),
        (_with(lots=[_lot(), _lot(symbol="BND", shares=1)]),
         "field accounts.0: account t: the lots of BND add up to 1 shares, but the account "
         "holds 0"),
        (_with(kind="tax-free", lots=[_lot()]),
         "field accounts.0: account t: tax lots are only for taxable accounts (this one is "
         "tax-free)"),
        (_with(lots=[_lot(cost=-1)]),
         "field accounts.0.lots.0.cost: unit cost: must not be negative (got -1)"),
        (_with(lots=[_lot(date="2099-01-01")]),
         f"account t: the ESGV lot of 2099-01-01 is dated after today {dt.date.today()}"),
        (_with(lots=[_lot(date="01/03/2024")]),
         "field accounts.0.lots.0.date: date: must be a date YYYY-MM-DD (got '01/03/2024')"),
        (_with(lots=[_lot(date=20240301)]), "field accounts.0.lots.0.date: date: must be a date"),
        (_with(lots=[_lot(shares=0)]),
         "field accounts.0.lots.0.shares: a lot holds at least 1 share (got 0)"),
        (_with(lots=[_lot(price=1)]), "field accounts.0.lots.0.price: unknown field"),
        ({**_with(lots=[_lot(date="2025-06-01")]), "options": {"as_of": "2025-05-31"}},
         "account t: the ESGV lot of 2025-06-01 is dated after options.as_of 2025-05-31"),
        ({**_with(), "options": {"as_of": "31/05/2025"}},
         "field options.as_of: as_of: must be a date YYYY-MM-DD (got '31/05/2025')"),
    ],
)  # fmt: skip
def test_bad_lots_in_a_portfolio_file_are_one_line(
    tmp_path: Path, data: dict[str, object], message: str
) -> None:
    p = write(tmp_path / "p.json", json.dumps(data))
    before = p.read_bytes()
    with pytest.raises(InputError) as info:
        load_portfolio(p)
    msg = str(info.value)
    assert msg.startswith(f"{p}: {message}"), msg
    assert "\n" not in msg
    assert p.read_bytes() == before


def test_portfolio_file_keywords_build_lots() -> None:
    pf = PortfolioFile(
        accounts=[
            {"account": "main", "holdings": {"ESGV": 2},
             "lots": [{"symbol": "ESGV", "shares": 2, "cost": "1.5", "date": "2020-02-29"}]},
        ]
    )  # fmt: skip
    assert pf.accounts[0].lots[0].to_lot() == TaxLot(
        symbol="ESGV", shares=2, cost=D("1.5"), date=dt.date(2020, 2, 29)
    )


# -- broker files -----------------------------------------------------------------


def test_ibkr_lot_rows_become_the_accounts_lots() -> None:
    positions = read_broker_file(FIXTURES / "ibkr_flex_positions_2026-11.csv")
    accounts = {a.name: a for a in broker_accounts(positions)}
    # By hand from the fixture: ESGV 20 @ 85 (2024-03-01) + 10 @ 101.5 (2026-08-15);
    # BRK B 3 @ 300 (2023-01-05) + 1.5 @ 410.2 (2025-10-10), floored to the 4 whole
    # shares held: the newest lot loses the half share; BND 50 @ 70 (2025-01-02).
    assert set(accounts["U1234567"].lots) == {
        TaxLot(symbol="ESGV", shares=20, cost=D(85), date=dt.date(2024, 3, 1)),
        TaxLot(symbol="ESGV", shares=10, cost=D("101.5"), date=dt.date(2026, 8, 15)),
        TaxLot(symbol="BRK.B", shares=3, cost=D(300), date=dt.date(2023, 1, 5)),
        TaxLot(symbol="BRK.B", shares=1, cost=D("410.2"), date=dt.date(2025, 10, 10)),
    }
    assert accounts["U1234567"].holdings == {"ESGV": 30, "BRK.B": 4}
    assert accounts["U7654321"].lots == (
        TaxLot(symbol="BND", shares=50, cost=D(70), date=dt.date(2025, 1, 2)),
    )
    summary = import_summary(positions)
    assert summary.endswith("; 5 tax lots") and "not used" not in summary


def test_read_account_lots_gives_each_account_its_lots(tmp_path: Path) -> None:
    p = write(
        tmp_path / "l.csv",
        "account,symbol,shares,cost,date\nt,ESGV,2,10,2024-01-02\nt,ESGV,1,12.5,2024-02-03\n",
    )
    kinds = {"t": "taxable", "ira": "tax-deferred"}
    lots = csv_files.read_account_lots(p, kinds, {"t": {"ESGV": 3}, "ira": {"BND": 4}})
    assert lots == {
        "t": (
            TaxLot(symbol="ESGV", shares=2, cost=D(10), date=dt.date(2024, 1, 2)),
            TaxLot(symbol="ESGV", shares=1, cost=D("12.5"), date=dt.date(2024, 2, 3)),
        ),
        "ira": (),
    }
    with pytest.raises(InputError) as info:
        csv_files.read_account_lots(p, kinds, {"t": {"ESGV": 3}}, as_of=dt.date(2024, 2, 2))
    assert str(info.value) == (
        f"{p} line 3: date: must not be after 2024-02-02 (got 2024-02-03, a date in the future)"
    )
    # Without the account column: the one account, whatever its name.
    q = write(tmp_path / "m.csv", "symbol,shares,cost,date\nESGV,3,10,2024-01-02\n")
    assert list(csv_files.read_account_lots(q, {"solo": "taxable"}, {"solo": {"ESGV": 3}})) == [
        "solo"
    ]
    with pytest.raises(InputError, match="line 2: unknown account 'main'"):
        csv_files.read_account_lots(q, kinds, {"t": {"ESGV": 3}})
