"""Shared pytest fixtures. Keep one section per concern."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from demo_data import HELD, NORRIS
from fake_api import FakeFintualAPI

if TYPE_CHECKING:
    from rebalancer_tui.prices.cache import PriceCache
    from rebalancer_tui.prices.history import HistoryCache

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


# -- files a test starts from ------------------------------------------------------


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[str, Any], Path]:
    """`write_json(name, data)`: `data` as a JSON file under tmp_path; returns its path."""

    def write(name: str, data: Any) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write


@pytest.fixture
def user_models() -> Callable[..., Path]:
    """Writes the user's models file (where REBALANCER_MODELS points): `user_models(*models)`."""

    def write(*models: dict[str, Any]) -> Path:
        path = Path(os.environ["REBALANCER_MODELS"])
        path.write_text(json.dumps({"models": list(models)}), encoding="utf-8")
        return path

    return write


@pytest.fixture
def in_tmp_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working directory and the app's data directory under it
    (where a relative file name and the autosaved portfolio land)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REBALANCER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def mine(tmp_path: Path) -> Path:
    """The user's portfolio file (Risky Norris, HELD), written as the app writes it.
    A module may define its own `mine` (a household file, say): that one wins there."""
    from rebalancer_tui.storage.portfolio_file import PortfolioFile, save_portfolio

    path = tmp_path / "mine.json"
    save_portfolio(path, PortfolioFile(model=NORRIS.id, holdings=HELD))
    return path


# -- the price service's files ------------------------------------------------------


@pytest.fixture
def price_cache(tmp_path: Path) -> PriceCache:
    """An empty price cache file under tmp_path (`prices.json`)."""
    from rebalancer_tui.prices.cache import PriceCache

    return PriceCache(tmp_path / "prices.json")


@pytest.fixture
def history_cache(tmp_path: Path) -> HistoryCache:
    """An empty price-history cache file under tmp_path (`history.json`)."""
    from rebalancer_tui.prices.history import HistoryCache

    return HistoryCache(tmp_path / "history.json")
