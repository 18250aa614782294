"""Issue 10, files and words: one voice on stderr, flags bounded like every
number, sub-cent prices shown, and a broker download cut short is told as
that broker's file, wherever the cut falls if the format leaves a trace."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rebalancer_tui.cli import main
from rebalancer_tui.rules import InputError
from rebalancer_tui.storage.brokers import parse_broker_text, read_if_broker_file

BROKERS = Path(__file__).parent / "fixtures" / "brokers"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


# -- flags ---------------------------------------------------------------------


def test_an_empty_export_name_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plan", "--offline", "--strategy", "simple", "--export-orders", "")
    assert code == 2
    assert err.startswith("rebalancer-tui: error: argument --export-orders: needs a file name")
    assert "already exists" not in err


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_special_export_target_is_not_offered_force(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "target"
    if kind == "directory":
        target.mkdir()
    else:
        os.mkfifo(target)
    for force in ([], ["--force"]):
        code, _, err = run(
            capsys, "plan", "--offline", "--strategy", "simple", "--export-orders", str(target),
            *force,
        )  # fmt: skip
        assert code == 2
        assert "orders are written only to a regular file" in err
        assert "--force" not in err  # --force cannot help here


@pytest.mark.parametrize(
    ("seed", "words"),
    [
        ("1e3", "demo seed: write plain digits, no exponent"),
        ("99999999999999999999", "demo seed: must be at most 1,000,000,000"),
        ("-1", "demo seed: must not be negative"),
        ("nan", "demo seed: not a number"),
    ],
)
@pytest.mark.parametrize("where", ["top", "plan"])
def test_the_demo_seed_is_bounded_and_worded_like_every_number(
    seed: str, words: str, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--demo-seed", seed, "plan", "--offline"]
    if where == "plan":
        args = ["plan", "--offline", "--demo-seed", seed]
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("rebalancer-tui: error: argument --demo-seed: " + words), err
    assert "invalid int value" not in err


def test_a_seed_in_bounds_still_plans(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "--offline", "--json", "--demo-seed", "1000000000")
    assert code == 0 and json.loads(out)["plans"]


# -- files and messages ----------------------------------------------------------


@pytest.mark.parametrize(("text", "got"), [("null", "null"), ("true", "true"), ("7", "7")])
def test_a_portfolio_file_that_is_not_an_object_names_what_it_is(
    tmp_path: Path, text: str, got: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "plan", "--offline", "--portfolio", str(path))
    assert code == 2
    assert "expected a JSON object" in err and f"(got '{got}')" in err
    assert "None" not in err and "True" not in err


def test_a_damaged_price_cache_is_warned_in_the_clis_voice_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cache = Path(os.environ["REBALANCER_CACHE_DIR"]) / "prices.json"
    cache.write_text('{"bad": ', encoding="utf-8")
    code, _, err = run(capsys, "plan", "--offline", "--strategy", "simple")
    assert code == 0
    lines = [line for line in err.splitlines() if "price cache" in line]
    assert len(lines) == 1, err
    assert lines[0].startswith("rebalancer-tui: warning: price cache ignored: ")


def test_a_sub_cent_price_is_shown_with_its_places(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.csv").write_text("symbol,weight\nAAA,1\n", encoding="utf-8")
    (tmp_path / "p.csv").write_text("symbol,price\nAAA,0.000001\n", encoding="utf-8")
    (tmp_path / "h.csv").write_text("symbol,shares\nAAA,5\n", encoding="utf-8")
    code, out, _ = run(
        capsys, "plan", "--offline", "--strategy", "simple", "--cash", "1",
        "--targets", str(tmp_path / "t.csv"), "--prices", str(tmp_path / "p.csv"),
        "--holdings", str(tmp_path / "h.csv"),
    )  # fmt: skip
    assert code == 0
    priced = [line for line in out.splitlines() if "override" in line]
    assert priced and all("$0.000001" in line for line in priced)  # not "$0.00"


# -- broker files cut short ----------------------------------------------------------


def fixture(name: str) -> str:
    return (BROKERS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("schwab_positions_2026-11.csv", "Charles Schwab positions"),
        ("schwab_positions_2021-09.csv", "Charles Schwab positions"),
        ("ibkr_flex_positions_2026-11.csv", "Interactive Brokers Flex open positions"),
    ],
)
def test_a_download_cut_inside_a_quoted_cell_is_told_as_its_brokers_file(
    tmp_path: Path, name: str, label: str
) -> None:
    """Before: the plain CSV reader answered, asking for 'symbol,shares'."""
    text = fixture(name)
    cuts = [i + 3 for i, ch in enumerate(text) if ch == '"' and text[i + 1 : i + 4].isalpha()]
    assert cuts
    cuts = [c for c in cuts if c > len(text) // 4]  # past the lines that tell the format
    for cut in cuts[:: max(1, len(cuts) // 12)]:
        path = tmp_path / "cut.csv"
        path.write_text(text[:cut], encoding="utf-8")
        with pytest.raises(InputError) as err:
            read_if_broker_file(path)
        message = str(err.value)
        assert label in message and "symbol,shares" not in message, (cut, message)


def _refused_or_whole(text: str, cut: int, full: object) -> bool:
    try:
        got = parse_broker_text(text[:cut], "f.csv")
    except InputError:
        return True
    return [(a.account, a.holdings, a.cash) for a in got.accounts] == full


@pytest.mark.parametrize(
    "name",
    [
        "fidelity_positions_2026-11.csv",
        "fidelity_positions_2021-07.csv",
        "ibkr_flex_positions_2026-11.csv",
        "schwab_positions_2021-09.csv",
    ],
)
def test_a_download_cut_at_any_byte_is_refused_or_loses_nothing(name: str) -> None:
    """Cut at a row's end (no quote left open, no short row) too: Fidelity's
    'Date downloaded' line and Flex's EOF record are what tell it."""
    text = fixture(name)
    whole = parse_broker_text(text, "f.csv")
    full = [(a.account, a.holdings, a.cash) for a in whole.accounts]
    lost = [c for c in range(1, len(text)) if not _refused_or_whole(text, c, full)]
    assert not lost, [repr(text[c - 20 : c]) for c in lost[:5]]


def test_a_schwab_file_cut_after_the_next_accounts_name_is_refused() -> None:
    text = fixture("schwab_positions_2026-11.csv")
    cut = text.index('"Roth Contributory IRA ...456"') + len('"Roth Contributory IRA ...456"\n')
    with pytest.raises(InputError, match=r"line \d+: account 'Roth Contributory IRA \.\.\.456' "
                       r"has no positions table after it"):  # fmt: skip
        parse_broker_text(text[:cut], "f.csv")
    # ...and cut inside the header that follows it.
    with pytest.raises(InputError, match="has no positions table after it"):
        parse_broker_text(text[: cut + len('"Symbol"')], "f.csv")


def test_a_vanguard_download_cut_inside_a_row_is_refused() -> None:
    """Vanguard writes no trailer, so only a cut at a row's very end (after its
    closing comma) leaves no trace; anywhere else the last row is short of the
    header's cells and the file is refused, never read with a cut number."""
    text = fixture("vanguard_ofxdownload_2026-11.csv")
    whole = parse_broker_text(text, "f.csv")
    full = [(a.account, a.holdings, a.cash) for a in whole.accounts]
    lost = [c for c in range(1, len(text)) if not _refused_or_whole(text, c, full)]
    assert lost  # the row-end cuts: the test can tell them
    assert all(text[:c].rstrip("\n").endswith(",") for c in lost), [
        repr(text[c - 20 : c]) for c in lost if not text[:c].rstrip("\n").endswith(",")
    ][:5]
