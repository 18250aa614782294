"""A bad API URL in the app: one clear notice, offline prices, no request, no crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_pilot import Notes, running

from rebalancer_tui.app import RebalancerApp


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        ("", None, "--api-url is empty; give an http(s) URL like https://fintual.cl"),
        (None, "", "REBALANCER_API_URL is empty; give an http(s) URL like https://fintual.cl"),
        (
            "http://127.0.0.1:99999",
            None,
            "--api-url 'http://127.0.0.1:99999' has an invalid port (1-65535)",
        ),
    ],
)
async def test_a_bad_api_url_is_one_notice_and_the_app_works_offline(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: str | None,
    env: str | None,
    expected: str,
) -> None:
    monkeypatch.setenv("REBALANCER_DATA_DIR", str(tmp_path / "user-data"))
    monkeypatch.setenv("REBALANCER_MODELS", str(tmp_path / "user-models.json"))
    if env is not None:
        monkeypatch.setenv("REBALANCER_API_URL", env)
    app = RebalancerApp(api_url=flag, cache_path=tmp_path / "prices.json")
    notes = Notes(app)
    async with running(app):
        assert app.is_running
        url_notes = [text for text, _ in notes.items if "API_URL" in text or "--api-url" in text]
        assert url_notes == [f"{expected}; working offline."]
        assert "\n" not in url_notes[0]
