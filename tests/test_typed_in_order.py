"""Keys typed in a burst take effect in the order typed.

Textual inserts printable keys as the field handles them but ran the field's
editing keys (Backspace, Delete, arrows, Home) as bindings after the key had
bubbled back to the app: "1000⌫⌫50" sent at once became 1000, not 1050.
Keys go through the driver's queue with no pause, as a paste or a fast typist
over a slow link sends them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import app_pilot as ui
import pytest
from textual.widgets import Input

from rebalancer_tui.widgets.ordered_input import OrderedInput

pytestmark = pytest.mark.asyncio

BURSTS = [
    ([*"1000", "backspace", "backspace", *"50", "tab"], "1050"),
    ([*"123", "left", "backspace", "9", "tab"], "193"),
    ([*"77", "home", "delete", "8", "tab"], "87"),
    ([*"45", "left", "left", "right", "6", "end", "0", "tab"], "4650"),
]


@pytest.mark.parametrize(("keys", "want"), BURSTS)
async def test_a_burst_in_the_cash_field_applies_what_was_typed(
    tmp_path: Path, keys: list[str], want: str
) -> None:
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        await ui.press(pilot, "i")
        field = app.screen.query_one("#in-cash", Input)
        assert isinstance(field, OrderedInput)
        field.value = ""
        field.focus()
        await pilot.pause()
        await ui.keys_at_speed(pilot, keys, gap_s=0)
        await ui.settle(pilot)
        assert app.screen.query_one("#in-cash", Input).value == want
        assert app.main_screen.state.cash == Decimal(want)


async def test_every_field_of_the_app_keeps_the_order(tmp_path: Path) -> None:
    """No dialog builds a plain Input (which would reorder a burst again)."""
    app = ui.offline_app(tmp_path)
    async with ui.running(app) as pilot:
        for key in ("i", "e", "A", "T"):
            await ui.press(pilot, key)
            fields = list(app.screen.query(Input))
            assert fields, key
            assert all(isinstance(f, OrderedInput) for f in fields), key
            await ui.press(pilot, "escape")
