"""The headless `plan` command: the JSON contract and bad input (SPEC §5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from demo_data import user_model

from rebalancer_tui.cli import main
from rebalancer_tui.data import load_catalog

MONEY_KEYS = {"deviation", "turnover", "costs", "cash_left"}


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["plan", "--offline", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_all_strategies_match_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "--fund", "risky-norris", "--strategy", "all")
    # SPEC §5's keys, plus §11's household additions.
    assert set(out) == {
        "total_value", "investable", "cash", "prices", "plans", "accounts", "skipped_rows"
    }  # fmt: skip
    assert [a["account"] for a in out["accounts"]] == ["main"]
    assert [p["strategy"] for p in out["plans"]] == [
        "simple",
        "tracking-error",
        "trade-minimization",
        "band-edge",
    ]
    model = load_catalog().model("risky-norris")
    assert model is not None
    assert set(out["prices"]) == set(model.weights)
    for sym, q in out["prices"].items():
        assert q == {
            "price": float(load_catalog().asset(sym).price),  # type: ignore[union-attr]
            "source": "fallback",
            "date": "2026-02-04",
        }
    for plan in out["plans"]:
        assert plan["status"] in ("optimal", "heuristic") or plan["status"].startswith(
            ("fallback:", "bounded:")
        )
        assert set(plan["metrics"]) == {
            "deviation",
            "deviation_pct",
            "max_drift",
            "orders",
            "shares_traded",
            "turnover",
            "costs",
            "cash_left",
            "solve_ms",
            "location_score",
            "realized_gains_short",
            "realized_gains_long",
            "tax",
        }
        for key in MONEY_KEYS:
            value = plan["metrics"][key]
            assert round(value, 2) == value
        actions = [o["action"] for o in plan["orders"]]
        assert actions == sorted(actions, key=lambda a: a != "SELL"), "sells come first"
        for o in plan["orders"]:
            assert set(o) == {
                "account",
                "symbol",
                "action",
                "shares",
                "price",
                "amount",
                "cost",
                "reasons",
            }
            assert Decimal(str(o["amount"])) == (Decimal(str(o["price"])) * o["shares"]).quantize(
                Decimal("0.01")
            )
        for row in plan["holdings_after"]:
            assert set(row) == {"symbol", "shares", "value", "weight", "target", "drift"}
            assert abs(row["drift"] - (row["weight"] - row["target"])) < 1e-5
        assert plan["metrics"]["orders"] == len(plan["orders"])


def test_json_numbers_recompute_from_the_orders(capsys: pytest.CaptureFixture[str]) -> None:
    """Cash left = value - holdings after - costs, in exact decimals from the output."""
    out = run_json(
        capsys, "--cash", "2500", "--fee", "1.5", "--cost-rate", "0.001", "--reserve", "300"
    )
    total = Decimal(str(out["total_value"]))
    assert out["investable"] == pytest.approx(out["total_value"] - 300)
    for plan in out["plans"]:
        invested = sum(Decimal(str(r["value"])) for r in plan["holdings_after"])
        costs = sum(Decimal(str(o["cost"])) for o in plan["orders"])
        left = Decimal(str(plan["metrics"]["cash_left"]))
        assert abs(total - invested - costs - left) <= Decimal("0.03")
        assert left >= Decimal("300") - Decimal("0.005"), "the reserve is kept"
        assert all(o["cost"] >= 1.5 for o in plan["orders"])


def test_targets_holdings_and_price_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = write(tmp_path / "t.csv", "symbol,weight\nESGV,0.6\nZZZ,0.4\n")
    holdings = write(tmp_path / "h.csv", "symbol,shares\nESGV,10\nOLD,3\n")
    prices = write(tmp_path / "p.csv", "symbol,price\nZZZ,10.00\nOLD,5\nESGV,100\n")
    files = ["--targets", str(targets), "--holdings", str(holdings), "--prices", str(prices)]
    out = run_json(capsys, *files, "--cash", "1000", "--strategy", "tracking-error")
    assert out["prices"]["ZZZ"]["source"] == "override"
    assert out["prices"]["ESGV"] == {"price": 100.0, "source": "override", "date": None}
    assert out["total_value"] == 10 * 100 + 3 * 5 + 1000
    plan = out["plans"][0]
    after = {r["symbol"]: r["shares"] for r in plan["holdings_after"]}
    assert after["OLD"] == 0, "holdings outside the model are sold"
    # 2015 investable: ESGV 1209 -> 12 shares, ZZZ 806 -> 80 or 81 shares.
    assert after["ESGV"] == 12
    assert after["ZZZ"] in (80, 81)


def test_buy_only_keeps_everything(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    holdings = write(tmp_path / "h.csv", "symbol,shares\nESGV,100\nBND,1\n")
    out = run_json(
        capsys,
        "--holdings",
        str(holdings),
        "--buy-only",
        "--cash",
        "3000",
        "--fund",
        "moderate-pitt",
    )
    for plan in out["plans"]:
        assert all(o["action"] == "BUY" for o in plan["orders"])


def test_readable_tables_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--offline", "--strategy", "all"]) == 0
    text = capsys.readouterr().out
    for header in ("== simple (", "== tracking-error (", "== trade-minimization ("):
        assert header in text
    assert "Holdings after" in text and "fallback 2026-02-04" in text


# A file the flag reads (its text; None: no such file) and words of the one-line error.
BAD_FILES: dict[str, tuple[str, str | None, str]] = {
    "malformed csv": ("--holdings", "symbol;shares\nESGV;3\n", "header"),
    "negative shares": ("--holdings", "symbol,shares\nESGV,-3\n", "shares: must not be negative"),
    "weights not summing to 1": ("--targets", "symbol,weight\nESGV,0.5\nBND,0.4\n", "sum"),
    "unknown symbol without price": (
        "--targets",
        "symbol,weight\nESGV,0.5\nZZZ,0.5\n",
        "no price for ZZZ",
    ),
    "held symbol without price": (
        "--holdings",
        "symbol,shares\nESGV,1\nQQQ,4\n",
        "no price for held QQQ",
    ),
    "missing file": ("--holdings", None, "not found"),
}
BAD_FLAGS = {
    "unknown fund": (["--fund", "nope"], "unknown fund"),
    "non-numeric cash": (["--cash", "lots"], "--cash"),
    "negative reserve": (["--reserve", "-5"], "--reserve"),
    "reserve above value": (["--reserve", "99999999"], "reserve"),
    "band above 1": (["--band", "2"], "--band"),
    "unknown strategy": (["--strategy", "magic"], "strategy"),
}


@pytest.mark.parametrize("case", [*sorted(BAD_FILES), *sorted(BAD_FLAGS)])
def test_bad_input_exits_2_with_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if case in BAD_FILES:
        flag, text, expected = BAD_FILES[case]
        path = tmp_path / "input.csv"
        if text is not None:
            write(path, text)
        args = [flag, str(path)]
    else:
        args, expected = BAD_FLAGS[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["plan", "--offline", "--json", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "", "nothing is written to stdout"
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert expected in lines[0]
    assert "Traceback" not in captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "no file written"


def test_console_script_exit_code_and_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "REBALANCER_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "rebalancer_tui", "plan", "--offline", "--fund", "nope"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_own_models_from_the_models_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], user_models: Callable[..., Path]
) -> None:
    user_models(
        user_model("my-mix", {"ESGV": 0.6, "VXUS": 0.4}, {"symbol": "VXUS", "price": 62.10}),
        user_model("by-id", {"BND": 0.5, "NEWF": 0.5}, {"symbol": "NEWF", "id": 424242}),
    )
    out = run_json(capsys, "--fund", "my-mix", "--strategy", "simple")
    assert out["prices"]["VXUS"] == {"price": 62.1, "source": "fallback", "date": None}
    # An asset known only by its id has no price offline: refused, one line.
    assert main(["plan", "--offline", "--fund", "by-id"]) == 2
    assert "no price for NEWF" in capsys.readouterr().err
    prices = write(tmp_path / "p.csv", "symbol,price\nNEWF,20\n")
    out = run_json(capsys, "--fund", "by-id", "--prices", str(prices), "--strategy", "simple")
    assert out["prices"]["NEWF"]["source"] == "override"


def test_json_stays_clean_when_the_milp_solver_runs(tmp_path: Path) -> None:
    """Buy-only with new cash is a subset-sum-like case that reaches HiGHS,
    whose SciPy build printf()s debug lines on fd 1; stdout must stay pure JSON."""
    env = {**os.environ, "REBALANCER_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rebalancer_tui",
            "plan",
            "--offline",
            "--json",
            "--buy-only",
            "--cash",
            "1000",
            "--fund",
            "moderate-pitt",
            "--demo-seed",
            "1",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [p["status"] for p in out["plans"]][:2] == ["heuristic", "optimal"]


def test_an_empty_portfolio_says_there_is_nothing_to_invest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holdings = write(tmp_path / "h.csv", "symbol,shares\n")
    assert main(["plan", "--offline", "--strategy", "simple", "--holdings", str(holdings)]) == 0
    out = capsys.readouterr().out
    assert "(no orders: nothing to invest: no holdings and no cash above the reserve)" in out
    assert "already as close as whole shares allow" not in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--cash", "1e26"], "cash: write plain digits, no exponent"),
        (["--cash", "1" + "0" * 30], "cash: too many digits"),
        (["--cash", "1000000000000"], "cash: must be at most $100,000,000,000"),
        (["--cash", "nan"], "cash: not a number"),
        (["--cost-rate", "0.7"], "cost rate: must be at most 50% (0.5)"),
        (["--time-limit", "0"], "time limit: must be above 0 s"),
        (["--fund", "\x1b[2J"], "unknown fund '\\x1b[2J'"),
    ],
)
def test_bounds_and_grammar_on_every_flag(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    assert main(["plan", "--offline", "--json", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and "\x1b" not in err


def test_total_value_above_the_bound_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holdings = write(tmp_path / "h.csv", "symbol,shares\nESGV,1000000000\n")
    prices = write(tmp_path / "p.csv", "symbol,price\nESGV,1000\n")
    args = ["--holdings", str(holdings), "--prices", str(prices)]
    assert main(["plan", "--offline", "--json", *args]) == 2
    err = capsys.readouterr().err
    assert "total value $1,000,000,000,000.00 is above the limit of $100,000,000,000.00" in err
