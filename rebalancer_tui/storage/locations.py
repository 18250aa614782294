"""Every user directory and default file path, computed here and only here.

Each has an environment override (tests and power users point them
elsewhere); an empty or blank variable counts as unset. platformdirs is
imported only when a platform directory is actually needed.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "rebalancer-tui"

ENV_DATA_DIR = "REBALANCER_DATA_DIR"
ENV_CONFIG_DIR = "REBALANCER_CONFIG_DIR"
ENV_CACHE_DIR = "REBALANCER_CACHE_DIR"
ENV_PORTFOLIO = "REBALANCER_PORTFOLIO"
ENV_MODELS = "REBALANCER_MODELS"

PORTFOLIO_FILE_NAME = "portfolio.json"
LAST_PORTFOLIO_FILE_NAME = "last-portfolio.txt"
MODELS_FILE_NAME = "models.json"
PRICE_CACHE_FILE_NAME = "prices.json"


def env_path(name: str) -> Path | None:
    """The path in environment variable `name`, `~` expanded; None if unset or blank."""
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else None


def _user_dir(env: str, kind: str) -> Path:
    """env `env` > the platform's user `kind` ("data", "config" or "cache") dir."""
    path = env_path(env)
    if path is not None:
        return path
    import platformdirs

    finders = {
        "data": platformdirs.user_data_dir,
        "config": platformdirs.user_config_dir,
        "cache": platformdirs.user_cache_dir,
    }
    return Path(finders[kind](APP_NAME, appauthor=False))


def data_dir() -> Path:
    """env REBALANCER_DATA_DIR > the platform's user data dir."""
    return _user_dir(ENV_DATA_DIR, "data")


def config_dir() -> Path:
    """env REBALANCER_CONFIG_DIR > the platform's user config dir."""
    return _user_dir(ENV_CONFIG_DIR, "config")


def cache_dir() -> Path:
    """env REBALANCER_CACHE_DIR > the platform's user cache dir."""
    return _user_dir(ENV_CACHE_DIR, "cache")


def default_portfolio_path() -> Path:
    """env REBALANCER_PORTFOLIO > <data dir>/portfolio.json."""
    return env_path(ENV_PORTFOLIO) or data_dir() / PORTFOLIO_FILE_NAME


def last_portfolio_pointer() -> Path:
    """The small file naming the portfolio last opened or saved."""
    return data_dir() / LAST_PORTFOLIO_FILE_NAME


def default_models_path() -> Path:
    """env REBALANCER_MODELS > <config dir>/models.json."""
    return env_path(ENV_MODELS) or config_dir() / MODELS_FILE_NAME


def price_cache_path() -> Path:
    """<cache dir>/prices.json (env REBALANCER_CACHE_DIR moves the dir)."""
    return cache_dir() / PRICE_CACHE_FILE_NAME
