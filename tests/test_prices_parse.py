"""Parser of Fintual API answers, on JSON shaped like recorded answers."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rebalancer_tui.prices.parse import InvalidAnswer, parse_days, parse_real_asset

# Recorded from fintual.cl (a Chilean fund: price under "price", fees beside it).
RECORDED_FUND = """{
    "data": {
        "id": "2073",
        "type": "real_asset",
        "attributes": {
            "name": "FONDO MUTUO INVERSIÓN BRASIL",
            "symbol": "FFMM-BANCHILE-8533-B",
            "serie": "B",
            "last_day": {
                "date": "2018-12-17",
                "price": 1856.8507,
                "fixed_fee": 0.000054798235771433,
                "variable_fee": 0
            }
        }
    }
}"""


def asset_doc(last_day: object, *, asset_id: object = "15581", kind: str = "real_asset") -> str:
    return json.dumps(
        {
            "data": {
                "id": asset_id,
                "type": kind,
                "attributes": {"name": "Vanguard ESG", "symbol": "ESGV", "last_day": last_day},
            }
        }
    )


def test_recorded_fund_answer() -> None:
    got = parse_real_asset(RECORDED_FUND, expected_id=2073)
    assert got.price == Decimal("1856.8507")
    assert got.date == dt.date(2018, 12, 17)


def test_price_is_exact_decimal_of_the_json_text() -> None:
    # Through float, 119.97 would not survive exact cent arithmetic in the engine.
    got = parse_real_asset(asset_doc({"date": "2026-03-02", "net_asset_value": 119.97}))
    assert got.price == Decimal("119.97")
    assert str(got.price) == "119.97"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"net_asset_value": 10.5, "close_price": 20, "price": 30}, Decimal("10.5")),
        ({"net_asset_value": 0, "close_price": 20.25, "price": 30}, Decimal("20.25")),
        ({"net_asset_value": None, "close_price": -1, "price": 30}, Decimal("30")),
        ({"net_asset_value": "abc", "price": 7}, Decimal("7")),
        ({"close_price": 42}, Decimal("42")),
    ],
)
def test_first_positive_of_the_three_fields_wins(
    fields: dict[str, object], expected: Decimal
) -> None:
    got = parse_real_asset(asset_doc({"date": "2026-03-02", **fields}))
    assert got.price == expected


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("<html>Maintenance</html>", "not JSON"),
        ("", "not JSON"),
        (b"\xff\xfe garbage", "not JSON"),
        ('{"data": {"id": "1", "last_day": NaN}}', "not JSON"),
        ('{"errors": [{"status": "404"}]}', "shape: data"),
        ('{"data": [{"id": "15581"}]}', "shape: data"),
        ("[1, 2, 3]", "shape"),
        (asset_doc({"date": "2026-03-02", "price": 1}, kind="day"), "data.type"),
        (asset_doc(None), "last_day"),
        (asset_doc({"price": 1}), "last_day.date"),
        (asset_doc({"date": "02/03/2026", "price": 1}), "last_day.date"),
        (asset_doc({"date": 20260302, "price": 1}), "last_day.date"),
        (asset_doc({"date": "2026-03-02"}), "no price"),
        (asset_doc({"date": "2026-03-02", "net_asset_value": 0}), "net_asset_value=0"),
        (asset_doc({"date": "2026-03-02", "net_asset_value": -3.5}), "net_asset_value=-3.5"),
        (asset_doc({"date": "2026-03-02", "price": "abc"}), "not a number"),
        (asset_doc({"date": "2026-03-02", "price": "119.97"}), "not a number"),
        (asset_doc({"date": "2026-03-02", "price": True}), "not a number"),
        (asset_doc({"date": "2026-03-02", "price": [1]}), "not a number"),
        (asset_doc({"date": "2026-03-02", "price": 1e300}), "price=1.000E+300 must be at most"),
        (asset_doc({"date": "2026-03-02", "price": 1e7}), "must be at most $1,000,000"),
        (asset_doc({"date": "2026-03-02", "price": 1e-7}), "price=0.0000001 must be at least"),
    ],
)
def test_invalid_answers_give_a_readable_reason(body: str | bytes, fragment: str) -> None:
    with pytest.raises(InvalidAnswer) as exc_info:
        parse_real_asset(body)
    reason = str(exc_info.value)
    assert fragment in reason
    assert "\n" not in reason and len(reason) < 200


def test_answer_about_another_asset_is_refused() -> None:
    body = asset_doc({"date": "2026-03-02", "price": 5}, asset_id="999")
    with pytest.raises(InvalidAnswer, match="asset 999, not 15581"):
        parse_real_asset(body, expected_id=15581)
    # The id may also come as a number.
    assert parse_real_asset(asset_doc({"date": "2026-03-02", "price": 5}, asset_id=15581), 15581)


@given(
    st.decimals(
        min_value=Decimal("0.000001"), max_value=Decimal("1000000"), places=6, allow_nan=False
    )
)
def test_any_positive_price_round_trips_exactly(price: Decimal) -> None:
    body = asset_doc({"date": "2026-03-02", "net_asset_value": 0}).replace(
        '"net_asset_value": 0', f'"net_asset_value": 0, "close_price": {price}'
    )
    assert parse_real_asset(body).price == price


RECORDED_DAYS = """{"data": [
  {"id": "226-2026-02-27", "type": "day",
   "attributes": {"date": "2026-02-27", "price": 73.41, "net_asset_value": 73.41}},
  {"id": "226-2026-02-26", "type": "day",
   "attributes": {"date": "2026-02-26", "price": 73.12}},
  {"id": "226-2026-02-25", "type": "day", "attributes": {"date": "2026-02-25", "price": 0}},
  {"id": "226-x", "type": "day", "attributes": {"price": 70}},
  "garbage",
  {"id": "226-2026-03-02", "type": "day", "attributes": {"date": "2026-03-02", "price": 73.9}}
]}"""


def test_days_sorted_and_bad_days_skipped() -> None:
    assert parse_days(RECORDED_DAYS) == [
        (dt.date(2026, 2, 26), Decimal("73.12")),
        (dt.date(2026, 2, 27), Decimal("73.41")),
        (dt.date(2026, 3, 2), Decimal("73.9")),
    ]


def test_days_empty_and_wrong_shape() -> None:
    assert parse_days('{"data": []}') == []
    with pytest.raises(InvalidAnswer, match="shape"):
        parse_days('{"data": {"id": "1"}}')
    with pytest.raises(InvalidAnswer, match="not JSON"):
        parse_days("<html>")
