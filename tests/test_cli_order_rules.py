"""SPEC §11: `plan --min-trade`, `--lot`, `--lock`, `--destination`,
`--strategy band-edge`, the lot of a user model's asset, and the portfolio
file's order rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from demo_data import user_model

from rebalancer_tui.cli import main
from rebalancer_tui.data import load_catalog
from rebalancer_tui.storage.portfolio_file import PortfolioOptions

HOLDINGS = "symbol,shares\nESGV,40\nQQQM,3\nFTEC,9\nSOXX,2\nXLY,1\nVUG,1\nIAUM,20\nBND,7\n"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["plan", "--offline", "--json", *args]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def holdings(tmp_path: Path) -> str:
    p = tmp_path / "h.csv"
    p.write_text(HOLDINGS, encoding="utf-8")
    return str(p)


def prices() -> dict[str, Decimal]:
    return {a.symbol: a.price for a in load_catalog().assets if a.price is not None}


def test_all_gives_four_plans_in_order(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = run_json(capsys, "--holdings", holdings(tmp_path), "--strategy", "all")
    assert [p["strategy"] for p in out["plans"]] == [
        "simple", "tracking-error", "trade-minimization", "band-edge",
    ]  # fmt: skip
    for plan in out["plans"]:
        assert plan["skipped"] == []
        assert all(o["reasons"] == [] for o in plan["orders"])


def test_min_trade_lot_and_lock_hold_in_every_plan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = run_json(
        capsys, "--holdings", holdings(tmp_path), "--cash", "1500", "--min-trade", "300",
        "--lot", "IAUM=10", "--lot", "FLCH=5", "--lock", "ESGV", "--strategy", "all",
        "--time-limit", "5",
    )  # fmt: skip
    held = {"ESGV": 40, "BND": 7}
    seen_reason = False
    for plan in out["plans"]:
        for o in plan["orders"]:
            assert o["symbol"] != "ESGV"
            if o["symbol"] == "BND":  # outside the model: the forced sale of all
                assert o["action"] == "SELL" and o["shares"] == held["BND"]
                continue
            assert o["amount"] >= 300, o
            if o["symbol"] in ("IAUM", "FLCH"):
                assert o["shares"] % (10 if o["symbol"] == "IAUM" else 5) == 0
            seen_reason |= bool(o["reasons"])
        after = {a["account"]: a["holdings"] for a in plan["accounts_after"]}
        assert after["main"]["ESGV"] == 40
        locked = [k for k in plan["skipped"] if k["symbol"] == "ESGV"]
        assert all(k["reason"] == "ESGV: locked" for k in locked)
    # ESGV is 31 % of the model and far under it: someone wanted to trade it.
    assert any(k["reason"] == "ESGV: locked" for p in out["plans"] for k in p["skipped"])
    assert seen_reason or any(p["skipped"] for p in out["plans"])


def test_account_lock_and_band_edge_destination(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = run_json(
        capsys, "--holdings", holdings(tmp_path), "--lock", "main:QQQM",
        "--strategy", "band-edge", "--destination", "0.125",
    )  # fmt: skip
    (plan,) = out["plans"]
    assert plan["strategy"] == "band-edge"
    assert not [o for o in plan["orders"] if o["symbol"] == "QQQM"]


def test_lot_from_the_user_models_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], user_models: Callable[..., Path]
) -> None:
    bigl = {"symbol": "BIGL", "price": 3.10, "lot": 100}
    user_models(user_model("lots", {"ESGV": 0.5, "BIGL": 0.5}, bigl))
    h = tmp_path / "h.csv"
    h.write_text("symbol,shares\nESGV,20\n", encoding="utf-8")
    out = run_json(capsys, "--fund", "lots", "--holdings", str(h), "--strategy", "tracking-error")
    (plan,) = out["plans"]
    bigl = [o for o in plan["orders"] if o["symbol"] == "BIGL"]
    assert bigl and all(o["shares"] % 100 == 0 for o in bigl)
    # --lot wins over the file.
    out = run_json(capsys, "--fund", "lots", "--holdings", str(h), "--strategy", "tracking-error",
                   "--lot", "BIGL=1")  # fmt: skip
    (plan,) = out["plans"]
    assert any(o["shares"] % 100 for o in plan["orders"] if o["symbol"] == "BIGL")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-trade", "-5"], "minimum order"),
        (["--lot", "ESGV"], "SYMBOL=N"),
        (["--lot", "ESGV=0"], "lot"),
        (["--lot", "ESGV=2.5"], "whole"),
        (["--lock", ":ESGV"], "ACCOUNT:SYMBOL"),
        (["--lock", "nobody:ESGV"], "no account nobody"),
        (["--destination", "1.5"], "destination"),
        # A typo must not quietly leave a holding tradable (Risky Norris has no BND).
        (["--lock", "ESVG"], "--lock: ESVG is neither in the model nor held"),
        (["--lock", "main:BND"], "--lock: BND is neither in the model nor held"),
        (["--lot", "ZZZZ=5"], "--lot: ZZZZ is neither in the model nor held"),
        (["--lot", "ESGV=5", "--lot", "ESGV=7"], "--lot: ESGV is given twice"),
        (["--strategy", "band"], "invalid choice"),
    ],
)
def test_bad_rules_exit_2_with_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--offline", "--json", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and captured.err.count("\n") == 1, captured.err


def test_portfolio_options_carry_the_rules() -> None:
    raw = {"min_trade": "100", "lots": {"bnd": 10}, "locked": ["ira:esgv", "QQQM"],
           "destination": "0.125"}  # fmt: skip
    opts = PortfolioOptions.model_validate(raw)
    engine = opts.to_engine(time_limit=1.0)
    assert engine.min_trade == Decimal(100) and engine.lots == {"BND": 10}
    assert engine.locked == frozenset({"ira:ESGV", "QQQM"})
    assert engine.destination == Decimal("0.125")
    assert PortfolioOptions.from_engine(engine) == opts
    with pytest.raises(ValueError, match="lot"):
        PortfolioOptions.model_validate({"lots": {"BND": 0}})
