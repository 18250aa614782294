"""CSV readers, the orders export, atomic writes and the JSON portfolio file
(`rebalancer_tui.storage`)."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from rebalancer_tui.engine import Options, RebalanceInput, solve
from rebalancer_tui.rules import InputError
from rebalancer_tui.storage.atomic import atomic_write_text
from rebalancer_tui.storage.csv_files import (
    read_holdings_csv,
    read_prices_csv,
    read_targets_csv,
    write_orders_csv,
)
from rebalancer_tui.storage.locations import default_portfolio_path
from rebalancer_tui.storage.portfolio_file import (
    PortfolioFile,
    PortfolioOptions,
    load_portfolio,
    remember_portfolio,
    save_portfolio,
    startup_portfolio_path,
)
from rebalancer_tui.storage.text import FileMissingError

D = Decimal


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(content, str):
        p.write_text(content, encoding="utf-8", newline="")
    else:
        p.write_bytes(content)
    return p


def fails(reader, path: Path, *needles: str) -> str:
    """Assert the reader raises one clear line naming the file, and leaves the
    file byte-identical."""
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(InputError) as info:
        reader(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert str(path) in msg
    for n in needles:
        assert n in msg, msg
    if before is not None:
        assert path.read_bytes() == before
    return msg


# ---------------------------------------------------------------------------
# Holdings CSV


def test_holdings_basic(tmp_path: Path) -> None:
    p = write(tmp_path, "h.csv", "symbol,shares\nesgv,10\n QQQM , 3 \n\nBND,0\n")
    assert read_holdings_csv(p) == {"ESGV": 10, "QQQM": 3, "BND": 0}


def test_holdings_header_case_bom_crlf_order_trailing_comma(tmp_path: Path) -> None:
    p = write(tmp_path, "h.csv", "\ufeff Shares , SYMBOL ,\r\n5,esgv,\r\n\r\n7,tip\r\n".encode())
    assert read_holdings_csv(p) == {"ESGV": 5, "TIP": 7}


def test_holdings_header_only_is_empty(tmp_path: Path) -> None:
    assert read_holdings_csv(write(tmp_path, "h.csv", "symbol,shares\n")) == {}


def test_holdings_whole_number_with_zero_decimals(tmp_path: Path) -> None:
    assert read_holdings_csv(write(tmp_path, "h.csv", "symbol,shares\nA,4.00\nB,+2\n")) == {
        "A": 4,
        "B": 2,
    }


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ("symbol,shares\nESGV,-2\n", ["line 2", "shares: must not be negative", "'-2'"]),
        ("symbol,shares\nESGV,2.5\n", ["line 2", "shares: must be a whole number", "'2.5'"]),
        ("symbol,shares\nESGV,ten\n", ["line 2", "'ten'"]),
        ("symbol,shares\nESGV,\n", ["line 2", "expected 2 columns"]),
        ("symbol,shares\nESGV,1e3\n", ["line 2", "no exponent", "'1e3'"]),
        ("symbol,shares\nESGV,1_000\n", ["line 2", "no '_'", "'1_000'"]),
        ("symbol,shares\nESGV,1,234\n", ["line 2", "got 3", "thousands"]),
        ('symbol,shares\nESGV,"1,234"\n', ["line 2", "thousands", "'1,234'"]),
        ("symbol,shares\nESGV,1000000001\n", ["line 2", "at most 1,000,000,000"]),
        ("symbol,shares\nESGV," + "9" * 5000 + "\n", ["line 2", "too many digits"]),
        ("symbol,shares\n=2+5,1\n", ["line 2", "ticker", "'=2+5'"]),
        ("symbol,shares\nES\x1b[2JGV,1\n", ["line 2", "ticker", "\\x1b[2J"]),
        ("symbol,shares\nESGV,1\n\nesgv,2\n", ["line 4", "ESGV appears twice", "line 2"]),
        ("ticker,qty\nESGV,1\n", ["line 1", "header 'symbol,shares'", "'ticker,qty'"]),
        ("ESGV,10\n", ["line 1", "header"]),
        ("symbol,weight\nESGV,1\n", ["header 'symbol,shares'"]),
        ("", ["empty file"]),
        ("\n  \n", ["empty file"]),
        ("symbol,shares\nES GV,1\n", ["line 2", "ticker", "'ES GV'"]),
        ("symbol,shares\n,1\n", ["line 2", "symbol"]),
        ('symbol,shares\n"ESGV,1\n', ["line 2", "malformed CSV"]),
        ('symbol,shares\n"ES"GV,1\n', ["line 2", "malformed CSV"]),
        ("symbol,shares\nESGV,NaN\n", ["not a number", "'NaN'"]),
    ],
)
def test_holdings_bad(tmp_path: Path, content: str, needles: list[str]) -> None:
    fails(read_holdings_csv, write(tmp_path, "h.csv", content), *needles)


def test_holdings_nul_byte_is_reported(tmp_path: Path) -> None:
    p = write(tmp_path, "h.csv", b"symbol,shares\nES\x00GV,1\n")
    fails(read_holdings_csv, p, "line 2")


def test_holdings_not_utf8(tmp_path: Path) -> None:
    p = write(tmp_path, "h.csv", "symbol,shares\nESGV,1\nCAF\xc9,2\n".encode("latin-1"))
    fails(read_holdings_csv, p, "line 3", "UTF-8", "0xc9")


def test_holdings_missing_and_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(FileMissingError, match="file not found"):
        read_holdings_csv(missing)
    assert not missing.exists()
    fails(read_holdings_csv, tmp_path, "directory")


def test_holdings_truncated_file(tmp_path: Path) -> None:
    full = "symbol,shares\nESGV,10\nQQQM,3\n"
    # Cut mid-row: a row without its shares column is reported, not guessed.
    p = write(tmp_path, "h.csv", full[: full.index("QQQM") + 4])
    fails(read_holdings_csv, p, "line 3", "expected 2 columns")


def test_holdings_unknown_symbol(tmp_path: Path) -> None:
    p = write(tmp_path, "h.csv", "symbol,shares\nESGV,1\nZZZZ,2\n")
    assert read_holdings_csv(p) == {"ESGV": 1, "ZZZZ": 2}
    with pytest.raises(InputError, match="unknown symbol ZZZZ"):
        read_holdings_csv(p, known={"ESGV"})


# ---------------------------------------------------------------------------
# Targets and prices CSV


def test_targets_basic(tmp_path: Path) -> None:
    p = write(tmp_path, "t.csv", "symbol,weight\nbnd,0.65\nTIP,.20\nBLV,0.15\n")
    assert read_targets_csv(p) == {"BND": D("0.65"), "TIP": D("0.20"), "BLV": D("0.15")}


def test_targets_sum_tolerance(tmp_path: Path) -> None:
    ok = write(tmp_path, "ok.csv", "symbol,weight\nA,0.3333333\nB,0.3333333\nC,0.3333333\n")
    assert sum(read_targets_csv(ok).values()) == D("0.9999999")
    bad = write(tmp_path, "bad.csv", "symbol,weight\nA,0.5\nB,0.49\n")
    fails(read_targets_csv, bad, "sum to 0.99", "expected 1")


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ("symbol,weight\nA,31\nB,69\n", ["line 2", "weight: must be at most 100% (1)", "'31'"]),
        ("symbol,weight\nA,31%\nB,69%\n", ["line 2", "'31%'"]),
        ("symbol,weight\nA,-0.1\nB,1.1\n", ["line 2", "'-0.1'"]),
        ("symbol,weight\n", ["no target weights"]),
        ("symbol,weight\nA,0.5\na,0.5\n", ["line 3", "A appears twice"]),
        ("symbol,price\nA,1\n", ["header 'symbol,weight'"]),
    ],
)
def test_targets_bad(tmp_path: Path, content: str, needles: list[str]) -> None:
    fails(read_targets_csv, write(tmp_path, "t.csv", content), *needles)


def test_targets_unknown_symbol(tmp_path: Path) -> None:
    p = write(tmp_path, "t.csv", "symbol,weight\nESGV,0.5\nNOPE,0.5\n")
    with pytest.raises(InputError, match="unknown symbol NOPE"):
        read_targets_csv(p, known={"ESGV"})


def test_prices_basic(tmp_path: Path) -> None:
    p = write(tmp_path, "p.csv", "symbol,price\nesgv,119.97\nZZZ,0.0001\n")
    assert read_prices_csv(p) == {"ESGV": D("119.97"), "ZZZ": D("0.0001")}


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ("symbol,price\nESGV,0\n", ["line 2", "price: must be at least $0.000001", "'0'"]),
        ("symbol,price\nESGV,1e300\n", ["line 2", "no exponent"]),
        ("symbol,price\nESGV,1000001\n", ["line 2", "at most $1,000,000"]),
        ("symbol,price\nESGV,1.123456789\n", ["line 2", "at most 8 decimals"]),
        ("symbol,price\nESGV,-1\n", ["line 2", "'-1'"]),
        ("symbol,price\nESGV,inf\n", ["line 2", "'inf'"]),
        ("symbol,price\nESGV,1\nESGV,2\n", ["line 3", "twice"]),
    ],
)
def test_prices_bad(tmp_path: Path, content: str, needles: list[str]) -> None:
    fails(read_prices_csv, write(tmp_path, "p.csv", content), *needles)


# ---------------------------------------------------------------------------
# Orders export and atomic writes


def _plan():
    inp = RebalanceInput(
        holdings={"A": 10, "B": 0, "X": 3},
        prices={"A": D("10.5"), "B": D("3.333"), "X": D("7")},
        targets={"A": D("0.5"), "B": D("0.5")},
        cash=D("100"),
        options=Options(fee=D("1")),
    )
    return solve(inp, "simple")


def test_orders_csv_round_trip(tmp_path: Path) -> None:
    plan = _plan()
    assert plan.orders, "the example must trade"
    p = tmp_path / "orders.csv"
    write_orders_csv(p, plan)
    with p.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["action", "symbol", "shares", "price", "amount"]
    assert [r["action"] for r in rows] == [o.action for o in plan.orders]
    assert rows[0]["action"] == "SELL"  # X is outside the model and sold first
    for r, o in zip(rows, plan.orders, strict=True):
        assert r["symbol"] == o.symbol
        assert int(r["shares"]) == o.shares
        assert D(r["price"]) == o.price
        # amount is shares * price rounded to the cent, recomputed here
        assert D(r["amount"]) == (D(r["price"]) * int(r["shares"])).quantize(D("0.01"))
    # Prices are in plain notation (no exponent) so any broker tool parses them.
    assert all(re.fullmatch(r"\d+(\.\d+)?", r["price"]) for r in rows)
    assert not list(tmp_path.glob(".*tmp"))


def test_atomic_write_replaces_and_keeps_mode(tmp_path: Path) -> None:
    p = tmp_path / "f.txt"
    p.write_text("old")
    os.chmod(p, 0o640)
    atomic_write_text(p, "new ünïcode\n")
    assert p.read_text(encoding="utf-8") == "new ünïcode\n"
    assert p.stat().st_mode & 0o777 == 0o640
    assert sorted(x.name for x in tmp_path.iterdir()) == ["f.txt"]


def test_atomic_write_through_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic_write_text(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_atomic_write_make_dirs(tmp_path: Path) -> None:
    p = tmp_path / "a" / "b" / "f.txt"
    with pytest.raises(InputError, match="cannot write"):
        atomic_write_text(p, "x")
    atomic_write_text(p, "x", make_dirs=True)
    assert p.read_text() == "x"


def test_atomic_write_to_directory_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        atomic_write_text(tmp_path, "x")


@pytest.mark.parametrize("where", ["replace", "write", "fsync"])
def test_interrupted_save_keeps_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    p = tmp_path / "f.txt"
    p.write_bytes(b"old content\n")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if where == "replace":
        monkeypatch.setattr(os, "replace", boom)
    elif where == "fsync":
        monkeypatch.setattr(os, "fsync", boom)
    else:
        real_fdopen = os.fdopen

        class Half:
            """A file that writes half the text, then fails (disk full)."""

            def __init__(self, fh):
                self.fh = fh

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.fh.close()

            def write(self, s: str) -> int:
                self.fh.write(s[: len(s) // 2])
                self.fh.flush()
                raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fdopen", lambda *a, **k: Half(real_fdopen(*a, **k)))
    with pytest.raises(InputError, match="No space left"):
        atomic_write_text(p, "new content that is longer\n")
    assert p.read_bytes() == b"old content\n"
    assert [x.name for x in tmp_path.iterdir()] == ["f.txt"]


def test_keyboard_interrupt_mid_save_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "f.txt"
    p.write_bytes(b"old")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(p, "new")
    assert p.read_bytes() == b"old"
    assert [x.name for x in tmp_path.iterdir()] == ["f.txt"]


def test_killed_writer_leaves_old_file(tmp_path: Path) -> None:
    """A process killed in the middle of a save (after writing the temp file,
    before the rename) leaves the old file whole."""
    p = tmp_path / "f.txt"
    p.write_bytes(b"old")
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "import rebalancer_tui.storage.atomic as pio\n"
        "os.replace = lambda *a: os._exit(9)\n"
        f"pio.atomic_write_text(Path({str(p)!r}), 'new' * 1000)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert r.returncode == 9
    assert p.read_bytes() == b"old"


# ---------------------------------------------------------------------------
# JSON portfolio file


def _portfolio() -> PortfolioFile:
    return PortfolioFile(
        model="moderate-pitt",
        holdings={"ESGV": 12, "BND": 0, "ZZZ": 5},
        cash=D("1234.56"),
        options=PortfolioOptions(
            band=D("0.05"),
            relative_band=D("0.25"),
            reserve=D("100"),
            fee=D("1.5"),
            cost_rate=D("0.001"),
            buy_only=True,
        ),
        price_overrides={"ZZZ": D("12.34567891"), "ESGV": D("120")},
    )


def test_portfolio_round_trip(tmp_path: Path) -> None:
    p = tmp_path / "sub" / "portfolio.json"
    pf = _portfolio()
    save_portfolio(p, pf)
    back = load_portfolio(p)
    assert back == pf
    # Eight decimals (the most a price may have) come back exactly.
    assert back.price_overrides["ZZZ"] == D("12.34567891")
    # Saving what was loaded gives the same bytes: stable files, clean diffs.
    text = p.read_bytes()
    save_portfolio(p, back)
    assert p.read_bytes() == text
    assert [x.name for x in p.parent.iterdir()] == ["portfolio.json"]


def test_portfolio_defaults_and_engine_options(tmp_path: Path) -> None:
    p = write(tmp_path, "p.json", '{"holdings": {"esgv": 3}}')
    pf = load_portfolio(p)
    assert pf.holdings == {"ESGV": 3}
    assert pf.cash == 0 and pf.price_overrides == {}
    assert pf.options.to_engine() == Options()
    opts = _portfolio().options.to_engine(time_limit=2.0)
    assert opts.buy_only and opts.relative_band == D("0.25") and opts.time_limit == 2.0
    assert PortfolioOptions.from_engine(opts) == _portfolio().options


def test_portfolio_numbers_written_as_json_numbers(tmp_path: Path) -> None:
    import json

    p = tmp_path / "p.json"
    save_portfolio(p, _portfolio())
    raw = json.loads(p.read_text())
    # Saved as version 2: the one account `main` holds the cash and shares.
    assert raw["version"] == 2
    (main,) = raw["accounts"]
    assert main["account"] == "main"
    assert main["cash"] == 1234.56 and raw["options"]["fee"] == 1.5
    assert raw["options"]["reserve"] == 100
    assert main["holdings"]["ESGV"] == 12


GOOD = '{\n  "version": 1,\n  "holdings": {"ESGV": 3},\n  "cash": 10\n}\n'


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (GOOD[:30], ["line 3", "not valid JSON"]),  # truncated
        (GOOD[:-3], ["not valid JSON"]),
        ("", ["line 1", "not valid JSON"]),
        ("{'holdings': {}}", ["line 1 column 2", "not valid JSON"]),
        ('{"holdings": {"ESGV": "3.5"}}', ["field holdings.ESGV", "whole number", "'3.5'"]),
        ('{"holdings": {"ESGV": 2.5}}', ["field holdings.ESGV", "whole number", "2.5"]),
        ('{"holdings": {"ESGV": -2}}', ["field holdings.ESGV", "must not be negative", "-2"]),
        ('{"holdings": {"ESGV": true}}', ["field holdings.ESGV", "not a number", "true"]),
        ('{"holdings": {"ESGV": 1e3}}', ["holdings.ESGV: shares: write plain digits, no exp"]),
        ('{"holdings": {"ESGV": 1000000001}}', ["holdings.ESGV", "at most 1,000,000,000"]),
        ('{"holdings": {"ESGV": ' + "9" * 5000 + "}}", ["too many digits"]),
        ('{"holdings": [1, 2]}', ["holdings", "object"]),
        ('{"holdings": {"ES GV": 1}}', ["field holdings", "ticker"]),
        ('{"holdings": {"ESGV": 1, "esgv": 2}}', ["field holdings", "ESGV appears twice"]),
        ('{"cash": "lots"}', ["cash: not a number", "'lots'"]),
        ('{"cash": -5}', ["cash: must not be negative", "-5"]),
        ('{"cash": NaN}', ["cash: not a number (got 'NaN')"]),
        ('{"cash": 1e308}', ["cash: write plain digits, no exponent", "'1e308'"]),
        ('{"version": 1e0}', ["version: must be 1", "'1e0'"]),
        ('{"model": 1e3}', ["model: expected text"]),
        ('{"cash": 100000000000.01}', ["cash: must be at most $100,000,000,000"]),
        ('{"cash": "1,234"}', ["cash: write 1234.5: no thousands separators"]),
        ('{"cash": 1, "cash": 2}', ["'cash' appears twice"]),
        ('{"options": {"band": 1.5}}', ["field options.band", "at most 100% (1)", "1.5"]),
        ('{"options": {"relative_band": 0}}', ["options.relative_band", "must be above 0"]),
        ('{"options": {"buy_only": "yes"}}', ["field options.buy_only", "true or false"]),
        ('{"options": {"buy_onyl": true}}', ["field options.buy_onyl", "unknown field"]),
        ('{"options": {"cost_rate": 0.7}}', ["options.cost_rate", "at most 50% (0.5)"]),
        ('{"options": {"fee": 10001}}', ["options.fee", "at most $10,000"]),
        ('{"price_overrides": {"ESGV": 0}}', ["price_overrides.ESGV", "at least $0.000001"]),
        ('{"price_overrides": {"ESGV": 1E+300}}', ["no exponent"]),
        ('{"version": 3}', ["version: must be 1 or 2", "(got 3)"]),
        ('{"model": ""}', ["model: must not be empty"]),
        ('{"model": "a\\u001b[2Jb"}', ["model", "control characters", "\\x1b"]),
        ("[" * 5000 + "]" * 5000, ["nested too deeply"]),
        (
            '{"holdings": {' + ",".join(f'"S{i}": 1' for i in range(10_001)) + "}}",
            ["field holdings: too many symbols (10,001; at most 10,000)"],
        ),
        ('{"holdings": ' + "[" * 40 + "]" * 40 + "}", ["nested too deeply"]),
        ("[1, 2]", ["expected a JSON object"]),
        ('"hello"', ["expected a JSON object"]),
    ],
)
def test_portfolio_bad(tmp_path: Path, content: str, needles: list[str]) -> None:
    fails(load_portfolio, write(tmp_path, "p.json", content), *needles)


def test_portfolio_binary_and_missing(tmp_path: Path) -> None:
    fails(load_portfolio, write(tmp_path, "p.json", b"\x89PNG\r\n\x1a\n\x00\x00"), "UTF-8")
    with pytest.raises(FileMissingError):
        load_portfolio(tmp_path / "none.json")
    fails(load_portfolio, tmp_path, "directory")


def test_portfolio_unknown_symbol_and_model(tmp_path: Path) -> None:
    p = write(tmp_path, "p.json", '{"model": "mine", "holdings": {"ESGV": 1, "ZZZ": 2}}')
    known = {"ESGV", "BND"}
    msg = fails(lambda q: load_portfolio(q, known_symbols=known), p, "holdings.ZZZ", "unknown")
    assert "ESGV" not in msg
    fails(lambda q: load_portfolio(q, known_models=["risky-norris"]), p, "unknown model 'mine'")
    # A price override makes an unknown symbol usable.
    q = write(tmp_path, "q.json", '{"holdings": {"ZZZ": 2}, "price_overrides": {"zzz": 3}}')
    assert load_portfolio(q, known_symbols=known).holdings == {"ZZZ": 2}


def test_portfolio_interrupted_save_keeps_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "p.json"
    save_portfolio(p, PortfolioFile(holdings={"ESGV": 1}))
    before = p.read_bytes()

    def boom(*args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(InputError, match="cannot write"):
        save_portfolio(p, _portfolio())
    assert p.read_bytes() == before
    assert load_portfolio(p).holdings == {"ESGV": 1}
    assert [x.name for x in tmp_path.iterdir()] == ["p.json"]


def test_portfolio_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REBALANCER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("REBALANCER_PORTFOLIO", raising=False)
    assert default_portfolio_path() == tmp_path / "data" / "portfolio.json"
    assert startup_portfolio_path() == tmp_path / "data" / "portfolio.json"
    other = tmp_path / "elsewhere.json"
    remember_portfolio(other)
    assert startup_portfolio_path() == other.resolve()
    assert startup_portfolio_path("flag.json") == Path("flag.json")
    monkeypatch.setenv("REBALANCER_PORTFOLIO", str(tmp_path / "env.json"))
    assert default_portfolio_path() == tmp_path / "env.json"
    assert startup_portfolio_path() == tmp_path / "env.json"
    assert startup_portfolio_path(tmp_path / "f.json") == tmp_path / "f.json"


def test_default_path_uses_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    from platformdirs import user_data_dir

    monkeypatch.delenv("REBALANCER_PORTFOLIO", raising=False)
    monkeypatch.delenv("REBALANCER_DATA_DIR", raising=False)
    assert default_portfolio_path() == Path(user_data_dir("rebalancer-tui", appauthor=False)) / (
        "portfolio.json"
    )
