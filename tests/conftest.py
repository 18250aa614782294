"""Shared pytest fixtures. Keep one section per concern."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_api import FakeFintualAPI

# -- isolation: no test reads or writes the user's real files or the internet --


@pytest.fixture(autouse=True)
def _isolated_price_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.setenv("REBALANCER_CACHE_DIR", str(tmp_path_factory.mktemp("price-cache")))
    monkeypatch.delenv("REBALANCER_API_URL", raising=False)


# -- price service: a fake Fintual API on 127.0.0.1 --------------------------


@pytest.fixture
def fake_api() -> Iterator[FakeFintualAPI]:
    """A started fake Fintual API (`.url`, `.fail(sym, mode)`, `.configure(...)`)."""
    with FakeFintualAPI() as api:
        yield api
