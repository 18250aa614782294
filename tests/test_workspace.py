"""The headless workspace: state, file session outcomes, confirmations, undo.

No Textual here: the same rules the app follows, checked on the objects the
main screen delegates to. Files are compared byte for byte.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from rebalancer_tui.data import load_catalog
from rebalancer_tui.engine import Options
from rebalancer_tui.storage.portfolio_file import load_portfolio
from rebalancer_tui.workspace import History, Outcome, Workspace

NORRIS = load_catalog().models[0]
SYMBOLS = [a.symbol for a in load_catalog().assets]
MODELS = [m.id for m in load_catalog().models]


def portfolio_json(holdings: dict[str, int], cash: float = 0) -> str:
    return json.dumps(
        {"version": 1, "model": NORRIS.id, "holdings": holdings, "cash": cash}, indent=2
    )


@pytest.fixture
def mine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "mine.json"
    path.write_text(portfolio_json({"ESGV": 10, "BND": 5}), encoding="utf-8")
    monkeypatch.setenv("REBALANCER_DATA_DIR", str(tmp_path / "data"))
    return path


def started(path: Path) -> Workspace:
    ws = Workspace(portfolio=path)
    assert ws.start() == []
    return ws


def test_constructing_reads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A models file that would be reported, and a portfolio written only after the
    # workspace exists: both are read by start(), none by the constructor.
    models = tmp_path / "models.json"
    monkeypatch.setenv("REBALANCER_MODELS", str(models))
    path = tmp_path / "later.json"
    ws = Workspace(portfolio=path)
    models.write_text("{ not json", encoding="utf-8")
    path.write_text(portfolio_json({"ESGV": 3}), encoding="utf-8")
    problems = ws.start()
    assert [p.severity for p in problems] == ["warning"] and "models.json" in problems[0].message
    assert ws.state.holdings == {"ESGV": 3}
    assert ws.state.demo_seed is None


def test_autosave_writes_changes_but_never_a_demo(mine: Path) -> None:
    ws = started(mine)
    edited = ws.state.replace(holdings={"ESGV": 11, "BND": 5})
    assert ws.session.autosave_now(edited) is None
    assert load_portfolio(mine).holdings == {"ESGV": 11, "BND": 5}
    before = mine.read_bytes()
    outcome = ws.regenerated()
    assert outcome.state is not None and outcome.state.demo_seed == 0
    assert "unchanged" in outcome.message and "no longer saved" in outcome.message
    # An edit of the demo is the user's own holdings, but not this file's.
    made_from_demo = outcome.state.replace(holdings={"ESGV": 1}, demo_seed=None)
    assert ws.session.autosave_now(made_from_demo) is None
    assert mine.read_bytes() == before
    assert not ws.session.saving


def test_undoing_a_demo_edit_reaches_the_file(tmp_path: Path) -> None:
    """First start: the demo; an edit makes it the user's own file; ctrl+z back to
    the demo must not leave the edit in the file for the next start."""
    path = tmp_path / "new.json"
    ws = started(path)
    demo = ws.state
    assert demo.demo_seed is not None and not path.exists()
    assert ws.session.autosave_now(demo) is None and not path.exists()  # never over nothing
    edited = demo.replace(holdings={**demo.holdings, "ESGV": 1}, demo_seed=None)
    assert ws.session.autosave_now(edited) is None
    assert load_portfolio(path).holdings["ESGV"] == 1
    assert ws.session.autosave_now(demo) is None  # the undo
    assert load_portfolio(path).holdings == demo.holdings


def test_two_sessions_on_one_file_never_revert_each_other(mine: Path) -> None:
    a, b = started(mine), started(mine)
    assert b.session.autosave_now(b.state.replace(cash=Decimal(700))) is None
    written_by_b = mine.read_bytes()
    outcome = a.session.autosave_now(a.state.replace(cash=Decimal(5)))
    assert isinstance(outcome, Outcome) and outcome.conflict and not outcome.ok
    assert "changed on disk" in outcome.message
    assert mine.read_bytes() == written_by_b  # B's edit stands
    assert not a.session.saving  # A says "not saved" from now on
    # Saving over it is an explicit choice that names what is lost.
    question = a.save_question(mine)
    assert question is not None and "changed on disk" in question and "cash $700.00" in question
    # Reloading gives A what B wrote, and A saves again from there.
    reloaded = a.open(mine)
    assert reloaded.ok and reloaded.state is not None and reloaded.state.cash == Decimal(700)
    assert a.session.saving and a.save_question(mine) is None


def test_a_touch_without_new_bytes_is_no_conflict(mine: Path) -> None:
    ws = started(mine)
    st = mine.stat()
    os.utime(mine, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert ws.session.autosave_now(ws.state.replace(cash=Decimal(1))) is None
    assert load_portfolio(mine).cash == 1


def test_opening_then_autosaving_the_same_state_writes_nothing(mine: Path) -> None:
    ws = started(mine)
    before = mine.stat().st_mtime_ns, mine.read_bytes()
    assert ws.session.autosave_now(ws.state) is None
    assert (mine.stat().st_mtime_ns, mine.read_bytes()) == before


def test_save_questions_name_what_is_lost(mine: Path, tmp_path: Path) -> None:
    ws = started(mine)
    csv = tmp_path / "holdings.csv"
    csv.write_text("symbol,shares\nESGV,1\n", encoding="utf-8")
    other = tmp_path / "other.json"
    other.write_text(portfolio_json({"VTI": 2, "BND": 1, "ESGV": 4}, cash=12.5), encoding="utf-8")
    assert ws.save_question(mine) is None  # the current file, as this session left it
    assert ws.save_question(tmp_path / "new.json") is None  # nothing to lose
    q = ws.save_question(csv)
    assert q is not None and "21 bytes that is not a portfolio" in q
    q = ws.save_question(other)
    assert q is not None and "3 holdings, cash $12.50" in q
    # Declining is not calling save_as: nothing changed.
    assert csv.read_text() == "symbol,shares\nESGV,1\n"
    saved = ws.save_as(csv)
    assert saved.ok and saved.state is not None and saved.state.demo_seed is None
    assert load_portfolio(csv).holdings == {"ESGV": 10, "BND": 5}
    assert ws.session.path == csv and ws.save_question(csv) is None


def test_export_question_and_outcomes_never_raise(mine: Path, tmp_path: Path) -> None:
    ws = started(mine)
    target = tmp_path / "orders.csv"
    assert ws.export_question(target) is None
    target.write_text("keep me\n", encoding="utf-8")
    q = ws.export_question(target)
    assert q is not None and "8 bytes" in q
    missing = ws.open(tmp_path / "nope.json")
    assert not missing.ok and missing.severity == "error" and missing.state is None
    assert ws.session.path == mine  # a failed open changes nothing
    bad = ws.save_as(tmp_path)  # a directory
    assert not bad.ok and "Not saved" in bad.message


def test_import_that_would_empty_the_holdings_asks(mine: Path, tmp_path: Path) -> None:
    ws = started(mine)
    empty = tmp_path / "empty.csv"
    empty.write_text("symbol,shares\n", encoding="utf-8")
    full = tmp_path / "full.csv"
    full.write_text("symbol,shares\nQQQM,3\n", encoding="utf-8")
    q = ws.import_question(empty)
    assert q is not None and "empties your 2 holdings" in q
    assert ws.import_question(full) is None
    outcome = ws.import_holdings(full)
    assert outcome.ok and outcome.state is not None and outcome.state.holdings == {"QQQM": 3}
    assert outcome.undo == "import"
    assert ws.state.holdings == {"ESGV": 10, "BND": 5}  # applied by the screen, not here


def test_undo_goes_back_step_by_step_at_current_prices(mine: Path) -> None:
    ws = started(mine)
    states = [ws.state]
    for change in (
        {"holdings": {"ESGV": 1}},
        {"cash": Decimal(50)},
        {"options": Options(buy_only=True)},
    ):
        ws.history.record("step", ws.state)
        ws.state = ws.state.replace(**change)  # type: ignore[arg-type]
        states.append(ws.state)
    moved = {**ws.state.quotes}
    ws.state = ws.state.replace(quotes=moved)
    for expected in reversed(states[:-1]):
        outcome = ws.undo()
        assert outcome.state is not None
        assert outcome.state.saved_part() == expected.saved_part()
        assert outcome.state.quotes is moved
        ws.state = outcome.state
    assert ws.undo().message == "Nothing to undo."


def test_history_is_bounded() -> None:
    history = History(limit=3)
    ws = Workspace()
    ws.start()
    for seed in range(5):
        history.record(f"step {seed}", ws.state.regenerated(seed))
    assert len(history) == 3
    step = history.undo(ws.state)
    assert step is not None and step[0] == "step 4"


def test_edited_sets_only_what_changed(mine: Path) -> None:
    ws = started(mine)
    outcome = ws.edited(holdings=None, cash=Decimal(5), options=ws.state.options, overrides=None)
    assert outcome.undo == "edit of cash"
    assert outcome.state is not None and outcome.state.cash == 5
    assert outcome.message == ""  # the editor shows the change itself


def test_opening_a_file_forgets_the_undo_steps(mine: Path, tmp_path: Path) -> None:
    """Undo after open would write the other file's states over the opened one."""
    other = tmp_path / "other.json"
    other.write_text(portfolio_json({"QQQM": 2}), encoding="utf-8")
    ws = started(mine)
    ws.history.record("edit", ws.state)
    opened = ws.open(other)
    assert opened.ok and opened.undo is None
    assert len(ws.history) == 0


def test_no_question_for_what_the_write_refuses_anyway(mine: Path, tmp_path: Path) -> None:
    ws = started(mine)
    assert ws.save_question(tmp_path) is None
    assert ws.export_question(tmp_path) is None
    refused = ws.save_as(tmp_path)
    assert not refused.ok and "directory" in refused.message
