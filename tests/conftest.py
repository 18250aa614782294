"""Shared pytest fixtures. Keep one section per concern."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_api import FakeFintualAPI

# -- isolation: no test reads or writes the user's real files or the internet --


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test reads or writes the real user's cache, data, models or portfolio,
    and none reaches the real API by accident."""
    monkeypatch.setenv("REBALANCER_CACHE_DIR", str(tmp_path_factory.mktemp("price-cache")))
    monkeypatch.setenv("REBALANCER_DATA_DIR", str(tmp_path_factory.mktemp("user-data")))
    monkeypatch.setenv("REBALANCER_CONFIG_DIR", str(tmp_path_factory.mktemp("user-settings")))
    models = tmp_path_factory.mktemp("user-config") / "models.json"
    monkeypatch.setenv("REBALANCER_MODELS", str(models))
    monkeypatch.delenv("REBALANCER_PORTFOLIO", raising=False)
    monkeypatch.delenv("REBALANCER_API_URL", raising=False)


# -- price service: a fake Fintual API on 127.0.0.1 --------------------------


@pytest.fixture
def fake_api() -> Iterator[FakeFintualAPI]:
    """A started fake Fintual API (`.url`, `.fail(sym, mode)`, `.configure(...)`)."""
    with FakeFintualAPI() as api:
        yield api
