"""A fresh adversarial pass (issue 10): what it found, each pinned by a test
that failed before the fix. Driven through the real app and its driver queue."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import app_pilot as ui
import pytest
from textual.widgets import DataTable, Input

from rebalancer_tui.screens.confirm import Confirm
from rebalancer_tui.screens.file_prompt import FilePrompt
from rebalancer_tui.screens.lots import LotsScreen

pytestmark = pytest.mark.usefixtures("in_tmp_home")

MINE = "my notes\n"

BURSTS = [
    # Cancel has the focus; a burst moves to Replace and presses it.
    ([], ["shift+tab", "enter"], True),
    ([], ["tab", "enter"], True),  # Tab wraps from Cancel to the first button
    ([], ["shift+tab", "tab", "enter"], False),  # there and back: Cancel
    ([], ["shift+tab", "shift+tab", "enter"], False),  # round the two buttons: Cancel
    # On Replace (moved there before), the user thinks again: Tab Enter is Cancel.
    (["shift+tab"], ["tab", "enter"], False),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("before", "keys", "replaced"), BURSTS)
async def test_a_burst_in_a_question_presses_the_button_it_reached(
    tmp_path: Path, before: list[str], keys: list[str], replaced: bool
) -> None:
    """Tab then Enter sent at once (a fast typist, a slow link) pressed the button
    the focus was leaving: Shift+Tab Enter on "Replace?" cancelled, and from
    Replace, Tab Enter replaced the file."""
    target = tmp_path / "orders.csv"
    target.write_text(MINE, encoding="utf-8")
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await ui.press(pilot, "x")
        assert isinstance(app.screen, FilePrompt)
        app.screen.query_one("#file-path", Input).value = str(target)
        await ui.press(pilot, "enter")
        assert isinstance(app.screen, Confirm)
        await ui.press(pilot, *before)
        await ui.keys_at_speed(pilot, keys, gap_s=0)
        await ui.settle(pilot)
        await ui.settle(pilot)
    text = target.read_text(encoding="utf-8")
    assert (text != MINE) == replaced, text


def test_plan_into_a_closed_pipe_ends_without_a_traceback(tmp_path: Path) -> None:
    """`rebalancer-tui plan | head -1`: the reader is gone before the report is
    written. It printed a BrokenPipeError traceback; now status 1, stderr silent."""
    env = {
        **os.environ,
        "REBALANCER_CACHE_DIR": str(tmp_path / "cache"),
        "REBALANCER_DATA_DIR": str(tmp_path / "data"),
        "REBALANCER_CONFIG_DIR": str(tmp_path / "config"),
    }
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: every write is EPIPE
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "rebalancer_tui", "plan", "--offline", "--strategy", "all"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == 1


HELD_ONLY = (
    '{"version": 2, "model": "moderate-pitt", "accounts": [{"account": "main", '
    '"kind": "taxable", "cash": 500, "reserve": 0, "holdings": {"ESGV": 12, "BND": 10}, '
    '"buyable": null}]}'
)


async def test_a_key_typed_on_a_table_never_runs_on_the_field_tabbed_to_later(
    tmp_path: Path,
) -> None:
    """On the lots table, Ctrl+U (no binding there), Tab to the symbol, '3', Tab,
    '7': the Ctrl+U bubbled up after the focus had moved and ran as the date
    field's "delete all", after its 7: the date was emptied and the refusal lost."""
    mine = tmp_path / "mine.json"
    mine.write_text(HELD_ONLY, encoding="utf-8")
    app = ui.offline_app(tmp_path, portfolio=mine)
    async with ui.running(app) as pilot:
        await ui.focus_holding(pilot, "ESGV")
        await ui.press(pilot, "T")
        assert isinstance(app.screen, LotsScreen)
        await ui.press(pilot, "shift+tab", "shift+tab")
        assert isinstance(app.screen.focused, DataTable)
        ui.one_read(pilot, ["ctrl+u", "tab", "ctrl+u", "3", "tab", "7"])
        await ui.settle(pilot)
        await ui.settle(pilot)
        typed = {f.id: f.value for f in app.screen.query(Input)}
    assert typed == {"lot-symbol": "3", "lot-date": "7", "lot-shares": "", "lot-cost": ""}


def test_too_many_accounts_is_told_in_our_words(tmp_path: Path) -> None:
    """pydantic's "List should have at most 100 items after validation, not 5000"
    reached the user as it was (issue 10: one voice)."""
    from rebalancer_tui.rules import InputError
    from rebalancer_tui.storage.portfolio_file import load_portfolio

    account = {"kind": "taxable", "cash": 1, "reserve": 0, "holdings": {"ESGV": 1}}
    accounts = [{"account": f"a{i}", **account} for i in range(150)]
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"version": 2, "model": "moderate-pitt", "accounts": accounts}))
    with pytest.raises(InputError) as refused:
        load_portfolio(path)
    assert str(refused.value) == f"{path}: accounts: must have at most 100 entries (got 150)"


def _asset_answer(day: str) -> str:
    last_day = {"date": day, "net_asset_value": 120.5}
    attributes = {"name": "Vanguard ESG", "symbol": "ESGV", "last_day": last_day}
    return json.dumps({"data": {"id": "15581", "type": "real_asset", "attributes": attributes}})


def test_a_price_dated_in_days_to_come_is_refused_live_and_cached(tmp_path: Path) -> None:
    """An answer dated 9999-12-31 was taken as live and cached, and then outranked
    every later price offline (a cached quote wins when it is not older)."""
    from rebalancer_tui.prices.cache import PriceCache
    from rebalancer_tui.prices.parse import InvalidAnswer, parse_real_asset

    today = dt.datetime.now(dt.UTC).date()
    tomorrow = today + dt.timedelta(days=1)  # Chile's today, seen from UTC, is never later
    assert parse_real_asset(_asset_answer(tomorrow.isoformat())).date == tomorrow
    with pytest.raises(InvalidAnswer, match="9999-12-31, a day still to come"):
        parse_real_asset(_asset_answer("9999-12-31"))
    prices = {
        "ESGV": {"price": "121.5", "date": today.isoformat()},
        "BND": {"price": "70", "date": "9999-12-31"},
        "TIP": {"price": "110", "date": (today + dt.timedelta(days=2)).isoformat()},
    }
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"version": 1, "prices": prices}), encoding="utf-8")
    assert list(PriceCache(path).load()) == ["ESGV"]
