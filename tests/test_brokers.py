"""Broker position files in (SPEC §10): each dated fixture read field by field
against values written by hand from the fixture's rows
(tests/data/broker_fixtures.toml), every quirk, and every refusal with its line."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from demo_data import broker_fixtures
from hypothesis import given, settings
from hypothesis import strategies as st

from rebalancer_tui.rules import ACCOUNT_NAME, InputError
from rebalancer_tui.storage.brokers import (
    FORMATS,
    BrokerLot,
    BrokerPositions,
    Skipped,
    account_name,
    is_broker_file,
    parse_broker_text,
    read_broker_file,
    read_if_broker_file,
)
from rebalancer_tui.storage.brokers.money import broker_number

FIXTURES = Path(__file__).parent / "fixtures" / "brokers"
D = Decimal


def fixture(name: str) -> BrokerPositions:
    return read_broker_file(FIXTURES / name)


def read_as(name: str, fmt: str, as_of: date | None) -> BrokerPositions:
    """A fixture file, read and recognised as `fmt`, its positions dated `as_of`."""
    p = fixture(name)
    assert (p.format, p.as_of) == (fmt, as_of)
    return p


# -- every fixture, field by field ---------------------------------------------------

EXPECTED = broker_fixtures()


def _as_read(key: str, value: Any) -> Any:
    """An account's field as tests/data/broker_fixtures.toml writes it, as the reader gives it."""
    if key in ("fractions", "prices"):
        return {s: D(v) for s, v in value.items()}
    if key == "lots":
        return [BrokerLot(s, n, D(cost), when) for s, n, cost, when in value]
    return D(value) if key == "cash" else value


@pytest.mark.parametrize("name", list(EXPECTED))
def test_fixture_read_field_by_field(name: str) -> None:
    want = EXPECTED[name]
    p = read_as(name, want["format"], want.get("as_of"))
    assert [a.account for a in p.accounts] == [a["account"] for a in want["accounts"]]
    for acct, fields in zip(p.accounts, want["accounts"], strict=True):
        for key, value in fields.items():
            assert getattr(acct, key) == _as_read(key, value), (acct.account, key)
    assert p.skipped == [Skipped(line, why) for line, why in want["skipped"]]
    if "skipped_summary" in want:
        assert p.skipped_summary() == want["skipped_summary"]


def test_every_fixture_is_described() -> None:
    assert {p.name for p in FIXTURES.glob("*.csv")} == set(EXPECTED)


# -- Charles Schwab -----------------------------------------------------------


def test_schwab_one_account_file_takes_the_account_from_the_banner() -> None:
    text = (
        '"Positions for account Individual ...789 as of 12:33 PM ET, 2025/05/04","",""\n'
        '"","",""\n'
        '"Symbol","Description","Qty (Quantity)","Price","Mkt Val (Market Value)"\n'
        '"SCHB","SCHWAB US BROAD MARKET ETF","12","$25.10","$301.20"\n'
        '"VTI","VANGUARD TOTAL","3","--","--"\n'
        '"Account Total","--","--","--","$301.20"\n'
    )
    p = parse_broker_text(text)
    (acct,) = p.accounts
    assert (acct.account, acct.label, p.as_of) == (
        "individual-789",
        "Individual ...789",
        date(2025, 5, 4),
    )
    assert acct.holdings == {"SCHB": 12, "VTI": 3}
    # "--" is no price: the holding is kept, the file gives no price for it.
    assert acct.prices == {"SCHB": D("25.10")}


def test_schwab_money_fund_row_is_cash_and_columns_in_any_order() -> None:
    text = (
        '"Positions for All-Accounts as of 09:31 AM ET, 11/27/2026"\n\n'
        '"Joint ...999"\n'
        '"Symbol","Security Type","Mkt Val (Market Value)","Price","Qty (Quantity)"\n'
        '"SWVXX","Cash and Money Market","$1,000.00","$1.00","1,000"\n'
        '"VTI","ETFs & Closed End Funds","$563.00","$281.50","2"\n'
        '"Cash & Cash Investments","Cash and Money Market","$10.00","--","--"\n'
        '"Account Total","--","$1,573.00","--","--"\n'
    )
    (acct,) = parse_broker_text(text).accounts
    assert (acct.account, acct.cash, acct.holdings) == ("joint-999", D("1010.00"), {"VTI": 2})


# -- Vanguard --------------------------------------------------------------------


def test_vanguard_fund_without_symbol_and_money_market_by_name() -> None:
    text = (
        "Account Number,Investment Name,Symbol,Shares,Share Price,Total Value,\n"
        "555,TARGET RETIREMENT 2050 TRUST II,,12.5,40.00,500.00,\n"
        "555,SOME MONEY MARKET FUND,,300,1.00,300.00,\n"
        "555,VANGUARD TOTAL BOND MARKET ETF,BND,2,72.40,144.80,\n"
    )
    p = parse_broker_text(text)
    (acct,) = p.accounts
    assert (acct.cash, acct.holdings) == (D("300.00"), {"BND": 2})
    assert p.skipped == [Skipped(2, "unknown instrument type (no symbol)")]


# -- Interactive Brokers ------------------------------------------------------------


_FLEX = "ClientAccountID,Symbol,Quantity,MarkPrice,CostBasisPrice,OpenDateTime,LevelOfDetail\n"


def test_ibkr_cash_report_of_totals_only_is_the_cash() -> None:
    text = (
        "ClientAccountID,Symbol,Quantity,MarkPrice\nU1,VTI,1,280\n"
        "ClientAccountID,CurrencyPrimary,EndingCash\nU1,BASE_SUMMARY,500.25\n"
    )
    p = parse_broker_text(text)
    assert (p.accounts[0].cash, p.skipped) == (D("500.25"), [])


def test_ibkr_lots_only_make_the_position() -> None:
    p = parse_broker_text(
        _FLEX + "U1,VTI,2,280,250,20240102,LOT\n" + "U1,VTI,3,280,260,2025-02-03;10:00:00,LOT\n"
    )
    (acct,) = p.accounts
    assert acct.holdings == {"VTI": 5}
    assert acct.lots == [
        BrokerLot("VTI", 2, D(250), date(2024, 1, 2)),
        BrokerLot("VTI", 3, D(260), date(2025, 2, 3)),
    ]


@pytest.mark.parametrize(
    ("rows", "needle"),
    [
        ("U1,VTI,5,280,,,SUMMARY\nU1,VTI,4,280,250,20240102,LOT\n", "line 3: the lots of VTI"),
        ("U1,VTI,5,280,250,2024-13-40,LOT\n", "line 2: OpenDateTime: not a date"),
        ("U1,VTI,5,280,,20240102,LOT\n", "line 2: cost: required"),
        ("U1,VTI,-10,280,,,SUMMARY\n", "line 2: shares: must not be negative"),
        ("U1,VTI,5,280,,,EXECUTION\n", "line 2: LevelOfDetail: expected SUMMARY or LOT"),
        ("U1,ES GV,5,280,,,SUMMARY\n", "line 2: symbol: must be a ticker"),
        (",VTI,5,280,,,SUMMARY\n", "line 2: ClientAccountID: required"),
    ],
)
def test_ibkr_bad_rows_name_their_line(rows: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        parse_broker_text(_FLEX + rows, "flex.csv")


def test_ibkr_tagged_data_before_header_and_unknown_records() -> None:
    with pytest.raises(InputError, match="line 2: a DATA record before any HEADER"):
        parse_broker_text('"BOF","U1"\n"DATA","POST","U1","VTI"\n')
    with pytest.raises(InputError, match="line 2: expected a Flex record"):
        parse_broker_text('"BOF","U1"\nVTI,5\n')


def test_ibkr_section_codes_without_header_and_trailer_records() -> None:
    text = (
        '"HEADER","POST","ClientAccountID","Symbol","Quantity","MarkPrice"\n'
        '"DATA","POST","U9","VTI","3","281.5"\n'
        '"HEADER","TRNT","ClientAccountID","Symbol","TradeDate","Quantity","TradePrice"\n'
        '"DATA","TRNT","U9","VTI","20261127","3","280"\n'
    )
    p = parse_broker_text(text)
    assert (p.format, p.accounts[0].holdings, p.skipped) == ("ibkr", {"VTI": 3}, [])


def test_ibkr_trades_only_file_has_no_positions_section() -> None:
    text = (
        "ClientAccountID,CurrencyPrimary,Symbol,TradeDate,Quantity,TradePrice\n"
        "U1,USD,VTI,20261127,5,280\n"
    )
    with pytest.raises(InputError, match="no Open Positions section"):
        parse_broker_text(text)


# -- every quirk -------------------------------------------------------------------


def _same(a: BrokerPositions, b: BrokerPositions) -> None:
    assert (a.format, a.as_of, a.accounts, a.skipped) == (b.format, b.as_of, b.accounts, b.skipped)


def test_bom_and_crlf_change_nothing(tmp_path: Path) -> None:
    raw = (FIXTURES / "schwab_positions_2026-11.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    plain = tmp_path / "plain.csv"
    plain.write_bytes(raw.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n"))
    _same(read_broker_file(plain), fixture("schwab_positions_2026-11.csv"))


def test_format_is_found_by_content_never_by_name(tmp_path: Path) -> None:
    misleading = tmp_path / "Portfolio_Positions_Nov-27-2026.csv"
    shutil.copy(FIXTURES / "schwab_positions_2026-11.csv", misleading)
    assert read_broker_file(misleading).format == "schwab"
    ofx = tmp_path / "ofxdownload.csv"
    shutil.copy(FIXTURES / "fidelity_positions_2026-11.csv", ofx)
    assert read_broker_file(ofx).format == "fidelity"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("schwab_positions_2026-11.csv", "schwab"),
        ("schwab_positions_2021-09.csv", "schwab"),
        ("fidelity_positions_2026-11.csv", "fidelity"),
        ("fidelity_positions_2021-07.csv", "fidelity"),
        ("vanguard_ofxdownload_2026-11.csv", "vanguard"),
        ("ibkr_flex_positions_2026-11.csv", "ibkr"),
        ("ibkr_flex_positions_untagged_2026-11.csv", "ibkr"),
    ],
)
def test_is_broker_file_names_each_fixture(name: str, key: str) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8-sig")
    assert is_broker_file(text) == key
    assert key in FORMATS


@pytest.mark.parametrize(
    "text",
    [
        "symbol,shares\nESGV,10\n",
        "account,symbol,shares\nira,ESGV,10\n",
        "\ufeffSymbol,Shares\r\nESGV,10\r\n",
        "account,kind,cash\nira,tax-deferred,500\n",
        "symbol,price\nVTI,281.5\n",
        "symbol,weight\nVTI,1\n",
        "account,symbol,shares,cost,date\nira,VTI,1,200,2024-01-02\n",
        "",
        'not "csv at all\n',
    ],
)
def test_plain_csv_is_not_a_broker_file(text: str) -> None:
    assert is_broker_file(text) is None


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Account Number,Account Name,Symbol,Quantity,Last Price,Current Value", "fidelity"),
        ("Account Number,Investment Name,Symbol,Shares,Share Price,Total Value", "vanguard"),
        ('"Symbol","Description","Qty (Quantity)","Price","Mkt Val (Market Value)"', "schwab"),
        ("ClientAccountID,CurrencyPrimary,Symbol,Quantity,MarkPrice", "ibkr"),
    ],
)
@pytest.mark.parametrize(("banner_lines", "found"), [(10, True), (11, False)])
def test_a_header_is_looked_for_in_the_first_eleven_lines_only(
    header: str, key: str, banner_lines: int, found: bool
) -> None:
    # Blank lines do not count: only the lines with text before the header do.
    banner = "".join(f"note {i}\n\n" for i in range(banner_lines))
    assert is_broker_file(f"{banner}{header}\n") == (key if found else None)


def test_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(InputError) as exc:
        parse_broker_text("symbol,shares\nESGV,10\n", "mine.csv")
    msg = str(exc.value)
    assert msg.startswith("mine.csv: not a broker positions file")
    for label in FORMATS.values():
        assert label in msg


# A fixture, its format's label and columns it cannot do without (each removed in turn).
NEEDED_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "schwab_positions_2026-11.csv": (
        "Charles Schwab positions", ("Price", "Qty (Quantity)", "Mkt Val (Market Value)")
    ),
    "fidelity_positions_2026-11.csv": ("Fidelity positions", ("Quantity", "Current Value")),
    "vanguard_ofxdownload_2026-11.csv": ("Vanguard ofxdownload", ("Share Price", "Shares")),
    "ibkr_flex_positions_untagged_2026-11.csv": (
        "Interactive Brokers Flex", ("MarkPrice", "Quantity")
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "column", "label"),
    [
        (name, column, label)
        for name, (label, columns) in NEEDED_COLUMNS.items()
        for column in columns
    ],
)
def test_missing_column_names_format_and_column(name: str, column: str, label: str) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8-sig")
    # The column's header cell taken out (its first occurrence is the header).
    cut = next(c for c in (f'"{column}",', f"{column},") if c in text)
    text = text.replace(cut, "", 1)
    with pytest.raises(InputError) as exc:
        parse_broker_text(text, "f.csv")
    msg = str(exc.value)
    assert label in msg and f"'{column}'" in msg, msg


def test_money_cells_dollars_separators_dashes_and_parentheses() -> None:
    text = (
        "Account Number,Account Name,Symbol,Description,Quantity,Last Price,Current Value\n"
        'Z1,Ind,SPAXX**,MONEY MARKET,,,"$1,234,567.89"\n'
        'Z1,Ind,VTI,TOTAL,"1,000",$281.50,"$281,500.00"\n'
        "Z1,Ind,BND,BOND,7,--,--\n"
        "Z1,Ind,OLD,DELISTED,3,$0.00,$0.00\n"
        '\n"Date downloaded 11/27/2026 3:02 PM ET"\n'
    )
    (acct,) = parse_broker_text(text).accounts
    assert acct.cash == D("1234567.89")
    # No price ("--") or $0: the holding is kept, with no price from the file.
    assert acct.holdings == {"VTI": 1000, "BND": 7, "OLD": 3}
    assert acct.prices == {"VTI": D("281.50")}


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("$1,234.56", D("1234.56")),
        ("-$5.00", D("-5.00")),
        ("$-5", D("-5")),
        ("+$0.16", D("0.16")),
        ("($625.00)", D("-625.00")),
        ("(12.50)", D("-12.50")),
        ("--", None),
        ("n/a", None),
        ("", None),
        (" 1,000,000 ", D("1000000")),
        (".5", D("0.5")),
    ],
)
def test_broker_number(cell: str, value: Decimal | None) -> None:
    assert broker_number(cell, "x") == value


@pytest.mark.parametrize("cell", ["1e3", "12,34", "1,23,456", "$$5", "--5", "five", "1_000", "١٢"])
def test_broker_number_refuses_what_is_not_money(cell: str) -> None:
    with pytest.raises(InputError, match="x: not a number"):
        broker_number(cell, "x")


def test_negative_cash_is_refused_by_the_rules_naming_the_account() -> None:
    text = (
        "Account Number,Account Name,Symbol,Description,Quantity,Last Price,Current Value\n"
        "Z1,Margin acct,SPAXX**,MONEY MARKET,,,($12.50)\n"
        '\n"Date downloaded 11/27/2026 3:02 PM ET"\n'
    )
    with pytest.raises(InputError, match=r"Margin acct Z1.*cash: must not be negative"):
        parse_broker_text(text)


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ("Z1,Ind,VTI,TOTAL,12,34,$281.50,$3378.00", "line 2: 8 cells under a header of 7"),
        ("Z1,Ind,VTI,TOTAL,twelve,$281.50,$3378.00", "line 2: shares: not a number"),
        ("Z1,Ind,VTI,TOTAL,12,-$3.00,$0", "line 2: price: must be at least"),
        ("Z1,Ind,VTI,TOTAL,12,$1.123456789,$0", "line 2: price: must have at most 8 decimals"),
        ("Z1,Ind,VTI,TOTAL,,$281.50,$0", "line 2: shares: required for VTI"),
        ('Z1,Ind,"VTI', "line 2: malformed CSV"),
    ],
)
def test_unreadable_rows_are_bad_input_with_their_line(row: str, needle: str) -> None:
    text = (
        "Account Number,Account Name,Symbol,Description,Quantity,Last Price,Current Value\n"
        + row
        + "\n"
    )
    with pytest.raises(InputError, match=needle):
        parse_broker_text(text, "f.csv")


def test_footer_disclaimers_and_banners_are_ignored() -> None:
    text = (
        "Account Number,Account Name,Symbol,Description,Quantity,Last Price,Current Value,\n"
        "Z1,Ind,VTI,TOTAL,2,$281.50,$563.00,\n"
        "\n"
        '"Brokerage services are provided by Fidelity Brokerage Services LLC, Member NYSE, SIPC."\n'
        '"Date downloaded 11/27/2026 3:02 PM ET"\n'
        "\n"
        "Some,other,table,that,is,not,positions\n"
    )
    p = parse_broker_text(text)
    assert p.as_of == date(2026, 11, 27)
    assert p.accounts[0].holdings == {"VTI": 2}
    assert p.skipped == []


def test_summary_line_names_what_was_read_skipped_and_left_out() -> None:
    p = fixture("fidelity_positions_2026-11.csv")
    assert p.summary() == (
        "Fidelity positions as of 2026-11-27: 2 accounts, 3 holdings, cash $3,360.80; "
        "skipped 3 rows: 1 unknown instrument type (option), "
        "1 unknown instrument type (bond or CD), 1 pending activity; "
        "fractional shares left out: 0.345 FXAIX (Z12345678)"
    )
    assert "\n" not in p.summary()


def test_every_account_name_is_valid_and_unique() -> None:
    for path in sorted(FIXTURES.glob("*.csv")):
        names = [a.account for a in read_broker_file(path).accounts]
        assert len(set(names)) == len(names)
        assert all(ACCOUNT_NAME.fullmatch(n) for n in names), names


@pytest.mark.parametrize(
    ("number", "label", "name"),
    [
        ("", "Individual ...123", "individual-123"),
        ("", "Individual                XXXX-1234", "individual-1234"),
        ("Z12345678", "Individual Z12345678", "Z12345678"),
        ("", "Trust Account", "trust-account"),
        (
            "",
            "A very long account name that goes on and on ...9876",
            "a-very-long-account-name-th-9876",
        ),
        ("", "!!!", "account"),
        ("", "Brokerage **42", "brokerage-42"),
        # A huge masked-looking cell is cheap (the old pattern took a minute on this).
        ("", "X" * 3000, "x" * 32),
        ("", "X" * 100_000 + "-12", "x" * 29 + "-12"),
    ],
)
def test_account_name(number: str, label: str, name: str) -> None:
    assert account_name(number, label) == name
    assert ACCOUNT_NAME.fullmatch(name)


def test_two_accounts_with_one_derived_name_are_told_apart() -> None:
    hdr = '"Symbol","Description","Qty (Quantity)","Price","Mkt Val (Market Value)"\n'
    total = '"Account Total","--","--","--","$9"\n'
    text = (
        '"Positions for All-Accounts as of 09:31 AM ET, 2026/11/27"\n\n'
        '"Individual ...123"\n' + hdr + '"VTI","T","1","$1","$1"\n' + total + "\n"
        '"Individual  ...123"\n' + hdr + '"BND","B","2","$1","$2"\n' + total
    )
    # The same label twice is one account listed twice: refused, not summed.
    with pytest.raises(
        InputError, match=r"line 8: account 'Individual \.\.\.123' appears twice \(lines 3 and 8\)"
    ):
        parse_broker_text(text)
    text2 = text.replace('"Individual  ...123"', '"Individual: ...123"')
    names = [a.account for a in parse_broker_text(text2).accounts]
    assert names == ["individual-123", "individual-123-2"]


def test_account_numbers_for_the_basket_only_where_the_file_gives_them() -> None:
    ibkr = fixture("ibkr_flex_positions_2026-11.csv")
    assert ibkr.account_ids() == {"U1234567": "U1234567", "U7654321": "U7654321"}
    schwab = fixture("schwab_positions_2026-11.csv")
    assert schwab.account_ids() == {"individual-123": "", "roth-contributory-ira-456": ""}


def test_read_if_broker_file(tmp_path: Path) -> None:
    plain = tmp_path / "mine.csv"
    plain.write_text("symbol,shares\nVTI,3\n")
    assert read_if_broker_file(plain) is None
    got = read_if_broker_file(FIXTURES / "vanguard_ofxdownload_2026-11.csv")
    assert got is not None and got.format == "vanguard"
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "Account Number,Investment Name,Symbol,Shares,Share Price,Total Value\n1,X,VTI,-3,1,1\n"
    )
    with pytest.raises(InputError, match=r"broken\.csv line 2: shares: must not be negative"):
        read_if_broker_file(broken)


def test_read_errors_come_from_the_bounded_reader(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_broker_file(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a directory"):
        read_broker_file(tmp_path)


_ALL = sorted(FIXTURES.glob("*.csv"))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_ALL),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3000),
            st.sampled_from(["", ",", '"', "\n", "-", "(", "$", "1", ".", "x", "\x00", " "]),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_a_damaged_file_is_read_or_refused_in_one_line(
    path: Path, edits: list[tuple[int, str]]
) -> None:
    text = path.read_text(encoding="utf-8-sig")
    for at, piece in edits:
        at %= len(text) + 1
        text = text[:at] + piece + text[at + 1 :]
    try:
        p = parse_broker_text(text, "f.csv")
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    for acct in p.accounts:
        assert ACCOUNT_NAME.fullmatch(acct.account)
        assert acct.cash >= 0 and all(n > 0 for n in acct.holdings.values())
        for sym, n in acct.holdings.items():
            lots = [lot.shares for lot in acct.lots if lot.symbol == sym]
            assert not lots or sum(lots) == n


# -- Cut short, pasted twice, a header renamed (issue 14's silent misreads) -----


def _text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8-sig")


def _cut_after(text: str, piece: str) -> str:
    """The text as a download interrupted just after `piece` leaves it."""
    at = text.index(piece) + len(piece)
    return text[:at]


@pytest.mark.parametrize(
    ("name", "piece", "needle"),
    [
        (
            "schwab_positions_2026-11.csv",
            '"VSGX","VANGUARD ESG INTL STOCK ETF","300"',
            "f.csv line 6: this Charles Schwab positions row has 3 of the 17 columns "
            r"\(a truncated download\?\)",
        ),
        (
            "fidelity_positions_2026-11.csv",
            "Y87654321,ROTH IRA,VSGX,VANGUARD",
            "f.csv line 10: this Fidelity positions row has 4 of the 16 columns",
        ),
        (
            "vanguard_ofxdownload_2026-11.csv",
            "87654321,VANGUARD TOTAL BOND MARKET ETF,BND,60.0000,",
            "f.csv line 6: this Vanguard ofxdownload row has 5 of the 7 columns",
        ),
        (
            "ibkr_flex_positions_untagged_2026-11.csv",
            '"U2223334","USD","STK","BND"',
            "f.csv line 3: this Interactive Brokers Flex open positions row has 4 of the 10",
        ),
        (
            "ibkr_flex_positions_2026-11.csv",
            '"DATA","POST","U7654321","Roth","USD","STK","BND","VANGUARD TOTAL BOND MARKET"',
            "f.csv line 24: this Interactive Brokers Flex open positions row has 6 of the 14",
        ),
    ],
)
def test_a_row_cut_short_is_refused_naming_format_and_line(
    name: str, piece: str, needle: str
) -> None:
    text = _cut_after(_text(name), piece)
    with pytest.raises(InputError, match=needle):
        parse_broker_text(text, "f.csv")


def test_a_schwab_account_without_its_total_row_was_cut_short() -> None:
    text = _text("schwab_positions_2026-11.csv")
    # Cut at the end of a whole position row: every row read is complete.
    cut = _cut_after(text, '"Equity",\n')
    with pytest.raises(InputError) as exc:
        parse_broker_text(cut, "f.csv")
    msg = str(exc.value)
    assert "'Roth Contributory IRA ...456' has no 'Account Total' row" in msg, msg
    assert "truncated download" in msg
    # Cut just after the next account's header: its table is empty but open.
    header_end = '"Security Type",\n'
    first = text[: text.index(header_end, text.index("Roth")) + len(header_end)]
    with pytest.raises(InputError, match=r"'Roth Contributory IRA \.\.\.456' has no 'Account"):
        parse_broker_text(first, "f.csv")
    # Every fixture of the format has the row under every account.
    for fx in ("schwab_positions_2026-11.csv", "schwab_positions_2021-09.csv"):
        assert fixture(fx).accounts


def _twice(text: str, body_from: str, body_to: str | None = None) -> str:
    """The text with its body (from `body_from` up to `body_to`) written twice."""
    start = text.index(body_from)
    end = text.index(body_to, start) if body_to is not None else len(text)
    body = text[start:end].rstrip("\n")
    return text[:end].rstrip("\n") + "\n" + body + "\n" + text[end:].lstrip("\n")


@pytest.mark.parametrize(
    ("name", "body_from", "body_to", "needle"),
    [
        (
            "schwab_positions_2026-11.csv",
            '"Individual ...123"',
            None,
            r"line 18: account 'Individual \.\.\.123' appears twice \(lines 3 and 18\)",
        ),
        (
            "fidelity_positions_2026-11.csv",
            "Z12345678,Individual,SPAXX",
            "\n\n",
            r"f.csv line 11: account 'Individual Z12345678' appears twice \(lines 2 and 11\)",
        ),
        (
            "vanguard_ofxdownload_2026-11.csv",
            "12345678,VANGUARD FEDERAL",
            "\n\n",
            r"line 8: account '12345678' appears twice \(lines 2 and 8\)",
        ),
        (
            "ibkr_flex_positions_2026-11.csv",
            '"BOA","U1234567"',
            '"EOF"',
            r"line 35: account 'U1234567' appears twice \(lines 5 and 35\)",
        ),
        (
            "ibkr_flex_positions_untagged_2026-11.csv",
            '"ClientAccountID"',
            None,
            r"line 6: account 'U2223334' appears twice \(lines 2 and 6\)",
        ),
    ],
)
def test_an_account_twice_in_one_file_is_refused_not_summed(
    name: str, body_from: str, body_to: str | None, needle: str
) -> None:
    text = _text(name)
    if not text.endswith("\n"):
        text += "\n"
    with pytest.raises(InputError, match=needle):
        parse_broker_text(_twice(text, body_from, body_to), "f.csv")


@pytest.mark.parametrize(
    "name", ["ibkr_flex_positions_2026-11.csv", "ibkr_flex_positions_untagged_2026-11.csv"]
)
@pytest.mark.parametrize("column", ["Symbol", "Quantity"])
def test_an_ibkr_positions_header_without_symbol_or_quantity_is_refused(
    name: str, column: str
) -> None:
    text = _text(name)
    # Only the first positions section's header loses the column: the other
    # account's section is whole, so nothing else would reveal the loss.
    text = text.replace(f'"{column}"', '"Other"', 1)
    with pytest.raises(InputError) as exc:
        parse_broker_text(text, "f.csv")
    msg = str(exc.value)
    assert "Interactive Brokers Flex open positions" in msg and f"'{column}'" in msg, msg
