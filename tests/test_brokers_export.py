"""Orders out (SPEC §10): the orders CSV per account and the Interactive
Brokers basket, checked against the formats' rules, and the orders CSV's
round trip (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from demo_data import half_and_half
from hypothesis import given, settings
from hypothesis import strategies as st

from rebalancer_tui.engine import solve
from rebalancer_tui.rules import InputError
from rebalancer_tui.storage.orders_export import (
    IBKR_HEADER,
    ORDERS_HEADER,
    OrderRow,
    default_ibkr_ids,
    export_orders,
    ibkr_basket,
    order_rows_from_plan,
    orders_csv,
    parse_orders_csv,
    read_orders_csv,
    sells_first,
)

D = Decimal

ROWS = [
    OrderRow("taxable", "BUY", "ESGV", 12, D("98.76"), D("1185.12")),
    OrderRow("ira", "BUY", "BND", 4, D("72.4"), D("289.6")),
    OrderRow("taxable", "SELL", "VSGX", 3, D("61.25"), D("183.75")),
    OrderRow("ira", "SELL", "BRK.B", 1, D("455.105"), D("455.105")),
    OrderRow("taxable", "BUY", "VTI", 1, D("281.5"), D("281.5")),
]


def test_orders_csv_header_and_sells_first_per_account() -> None:
    text = orders_csv(ROWS)
    assert text.splitlines() == [
        "account,action,symbol,shares,price,amount",
        "taxable,SELL,VSGX,3,61.25,183.75",
        "taxable,BUY,ESGV,12,98.76,1185.12",
        "taxable,BUY,VTI,1,281.5,281.50",
        "ira,SELL,BRK.B,1,455.105,455.10",
        "ira,BUY,BND,4,72.4,289.60",
    ]
    assert ", " not in text
    assert tuple(text.splitlines()[0].split(",")) == ORDERS_HEADER


def test_ibkr_basket_rows_like_the_spec() -> None:
    ids = {"taxable": "U1234567", "ira": "U7654321"}
    text = ibkr_basket(ROWS, ids)
    assert text.splitlines() == [
        "Action,Quantity,Symbol,SecType,Exchange,Currency,TimeInForce,OrderType,Account",
        "SELL,3,VSGX,STK,SMART,USD,DAY,MKT,U1234567",
        "BUY,12,ESGV,STK,SMART,USD,DAY,MKT,U1234567",
        "BUY,1,VTI,STK,SMART,USD,DAY,MKT,U1234567",
        # TWS writes a share class with a space.
        "SELL,1,BRK B,STK,SMART,USD,DAY,MKT,U7654321",
        "BUY,4,BND,STK,SMART,USD,DAY,MKT,U7654321",
    ]
    assert tuple(text.splitlines()[0].split(",")) == IBKR_HEADER
    assert ", " not in text


def test_ibkr_basket_needs_an_id_for_every_account() -> None:
    with pytest.raises(InputError, match="no Interactive Brokers account id for account 'ira'"):
        ibkr_basket(ROWS, {"taxable": "U1234567"})
    with pytest.raises(InputError, match="like U1234567"):
        ibkr_basket(ROWS, {"taxable": "U1234567", "ira": "=cmd|' /C calc'!A0"})
    # An empty id leaves the cell empty: TWS uses its default account.
    lines = ibkr_basket(ROWS[:1], {"taxable": ""}).splitlines()
    assert lines[1] == "BUY,12,ESGV,STK,SMART,USD,DAY,MKT,"


def test_no_cell_starts_a_formula_and_the_quote_reads_back() -> None:
    rows = [OrderRow("-ira", "BUY", "VTI", 2, D("281.5"), D("563"))]
    text = orders_csv(rows)
    assert text.splitlines()[1] == "'-ira,BUY,VTI,2,281.5,563.00"
    assert parse_orders_csv(text) == rows


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        (OrderRow("my ira", "BUY", "VTI", 1, D(1), D(1)), "account name: must be 1-32 letters"),
        (OrderRow("ira", "BUY", "ES GV", 1, D(1), D(1)), "symbol: must be a ticker"),
        (OrderRow("ira", "BUY", "VTI", 0, D(1), D(1)), "at least 1 share"),
        (OrderRow("ira", "BUY", "VTI", 1, D(0), D(0)), "price: must be at least"),
    ],
)
def test_export_refuses_rows_off_the_rules(row: OrderRow, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        orders_csv([row])
    with pytest.raises(InputError, match=needle):
        ibkr_basket([row], {row.account: "U1234567"})


def test_rows_from_todays_single_account_plan() -> None:
    inp = half_and_half({"AAA": 10, "BBB": 0}, {"AAA": 10, "BBB": 20})
    plan = solve(inp, "simple")
    rows = order_rows_from_plan(plan)
    # Value $100: 5 AAA sold funds 2 BBB at $20 (half of $100 is $50, 2.5 shares).
    assert [(r.account, r.action, r.symbol, r.shares) for r in rows] == [
        ("main", "SELL", "AAA", 5),
        ("main", "BUY", "BBB", 2),
    ]
    assert [r.amount for r in rows] == [D(50), D(40)]
    assert order_rows_from_plan(plan, "ira")[0].account == "ira"


def test_default_ibkr_ids() -> None:
    flex = [
        OrderRow("U1234567", "BUY", "VTI", 1, D(1), D(1)),
        OrderRow("DU7654321", "BUY", "VTI", 1, D(1), D(1)),
    ]
    ids = {"U1234567": "U1234567", "DU7654321": "DU7654321"}
    assert default_ibkr_ids(flex) == ids
    # A household name with digits is not an IBKR id.
    assert default_ibkr_ids([*flex, OrderRow("ira2", "BUY", "VTI", 1, D(1), D(1))]) == ids
    assert default_ibkr_ids([OrderRow("main", "BUY", "VTI", 1, D(1), D(1))]) == {"main": ""}
    assert default_ibkr_ids(ROWS) == {}


def test_writers_are_atomic_files_read_back(tmp_path: Path) -> None:
    out = tmp_path / "orders.csv"
    export_orders(out, ROWS, "csv")
    assert read_orders_csv(out) == [
        OrderRow(r.account, r.action, r.symbol, r.shares, r.price, r.amount.quantize(D("0.01")))
        for r in sells_first(ROWS)
    ]
    basket = tmp_path / "basket.csv"
    export_orders(basket, ROWS[:1], "ibkr", {"taxable": "U1234567"})
    assert basket.read_text().splitlines()[1] == "BUY,12,ESGV,STK,SMART,USD,DAY,MKT,U1234567"
    # Without ids, an account name is its own IBKR id (a Flex file's household).
    export_orders(basket, [OrderRow("U1234567", "SELL", "VTI", 1, D(1), D(1))], "ibkr")
    assert basket.read_text().splitlines()[1].endswith(",MKT,U1234567")
    # One account not named like an id ("main"): TWS's default account.
    export_orders(basket, [OrderRow("main", "BUY", "VTI", 2, D(1), D(2))], "ibkr")
    assert basket.read_text().splitlines()[1] == "BUY,2,VTI,STK,SMART,USD,DAY,MKT,"
    # Several such accounts: which IBKR account is which must be said.
    with pytest.raises(InputError, match="no Interactive Brokers account id for account"):
        export_orders(basket, ROWS, "ibkr")
    with pytest.raises(InputError, match="is a directory"):
        export_orders(tmp_path, ROWS, "csv")


_ORDERS_HEADER = "account,action,symbol,shares,price,amount\n"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty file"),
        ("symbol,shares\nVTI,1\n", "line 1: expected the header"),
        (_ORDERS_HEADER + "ira,HOLD,VTI,1,1,1\n", "line 2: action"),
        (_ORDERS_HEADER + "ira,BUY,VTI,1.5,1,1\n", "line 2: shares"),
        (_ORDERS_HEADER + "ira,BUY,VTI,1\n", "line 2: expected 6"),
    ],
)
def test_parse_orders_csv_refusals(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        parse_orders_csv(text)


_accounts = st.from_regex(r"[A-Za-z0-9_.-]{1,32}", fullmatch=True)
_symbols = st.from_regex(r"[A-Z0-9][A-Z0-9.\-]{0,15}", fullmatch=True)
_prices = st.decimals(
    min_value=D("0.000001"), max_value=D(10) ** 6, places=8, allow_nan=False, allow_infinity=False
).filter(lambda d: d >= D("0.000001"))
_rows = st.builds(
    OrderRow,
    account=_accounts,
    action=st.sampled_from(["BUY", "SELL"]),
    symbol=_symbols,
    shares=st.integers(min_value=1, max_value=10**9),
    price=_prices,
    amount=st.decimals(min_value=0, max_value=D(10) ** 11, places=2, allow_nan=False),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_rows, max_size=12))
def test_orders_csv_round_trip(rows: list[OrderRow]) -> None:
    text = orders_csv(rows)
    back = parse_orders_csv(text)
    assert back == sells_first(rows)
    assert orders_csv(back) == text
    assert ", " not in text
    # Sells first in every account.
    for acct in {r.account for r in back}:
        actions = [r.action for r in back if r.account == acct]
        assert actions == sorted(actions, key=lambda a: a != "SELL")
