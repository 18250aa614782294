"""Where prices come from and where the last good ones are kept.

Both are overridable by the environment so tests and benchmarks never reach
the internet or the user's real cache directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://fintual.cl"
API_URL_ENV = "REBALANCER_API_URL"
CACHE_DIR_ENV = "REBALANCER_CACHE_DIR"
CACHE_FILE_NAME = "prices.json"


def resolve_api_url(flag: str | None = None) -> str:
    """The API base URL: the `--api-url` flag, else the environment, else Fintual.

    Raises `ValueError` with a one-line message for something that is not an
    http(s) URL, so a typo is reported up front instead of as twelve failures.
    """
    for candidate, origin in ((flag, "--api-url"), (os.environ.get(API_URL_ENV), API_URL_ENV)):
        if candidate is not None and candidate.strip():
            return _checked(candidate.strip(), origin)
    return DEFAULT_API_URL


def _checked(url: str, origin: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{origin} must be an http(s) URL like https://fintual.cl (got {url!r})")
    # The paths are appended as "/api/...", so a trailing slash would double it.
    return url.rstrip("/")


def default_cache_path() -> Path:
    """`$REBALANCER_CACHE_DIR/prices.json`, else the platform's user cache dir."""
    override = os.environ.get(CACHE_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser() / CACHE_FILE_NAME
    # Imported here: only needed when no override is set, and keeps import light.
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("rebalancer-tui", appauthor=False)) / CACHE_FILE_NAME
