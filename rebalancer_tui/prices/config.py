"""Where prices come from and where the last good ones are kept.

Both are overridable by the environment so tests and benchmarks never reach
the internet or the user's real cache directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from rebalancer_tui.storage import locations

DEFAULT_API_URL = "https://fintual.cl"
API_URL_ENV = "REBALANCER_API_URL"
HISTORY_FILE_NAME = "history.json"
# Longer than any real base URL; a longer one is a paste accident.
MAX_URL_LENGTH = 2000
_HOST = re.compile(r"[A-Za-z0-9._~%-]+|\[[0-9A-Fa-f:.]+\]")


class BadApiUrl(ValueError):
    """The API URL is unusable; str(exc) is one line naming where it came from."""


def resolve_api_url(flag: str | None = None) -> str:
    """The API base URL: the `--api-url` flag, else the environment, else Fintual.

    A flag or variable that is set but empty is an error, not a silent switch
    to the production API. Raises `BadApiUrl` (a `ValueError`) with one line.
    """
    if flag is not None:
        return check_api_url(flag, "--api-url")
    env = os.environ.get(API_URL_ENV)
    if env is not None:
        return check_api_url(env, API_URL_ENV)
    return DEFAULT_API_URL


def check_api_url(url: str, origin: str = "the API URL") -> str:
    """`url` without its trailing slash if it is a usable http(s) base URL, else `BadApiUrl`.

    Usable: scheme http or https, a host, a port (if any) from 1 to 65535, no
    credentials, query or fragment (the request paths are appended to it).
    """
    text = url.strip()
    if not text:
        raise BadApiUrl(f"{origin} is empty; give an http(s) URL like {DEFAULT_API_URL}")
    shown = _shown(text)
    if len(text) > MAX_URL_LENGTH or any(c.isspace() or not c.isprintable() for c in text):
        raise BadApiUrl(f"{origin} {shown} is not a URL (spaces or control characters)")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise BadApiUrl(f"{origin} {shown} has an invalid port (1-65535)") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BadApiUrl(f"{origin} {shown} must start with http:// or https://")
    if not parts.hostname or not _HOST.fullmatch(_host_part(parts.netloc)):
        raise BadApiUrl(f"{origin} {shown} has no valid host name")
    if port is not None and not 1 <= port <= 65535:
        raise BadApiUrl(f"{origin} {shown} has an invalid port (1-65535)")
    if "@" in parts.netloc:
        raise BadApiUrl(f"{origin} {shown} must not carry a user name or password")
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise BadApiUrl(f"{origin} {shown} must not have a query (?) or fragment (#)")
    # The paths are appended as "/api/...", so a trailing slash would double it.
    return text.rstrip("/")


def _host_part(netloc: str) -> str:
    address = netloc.rpartition("@")[2]
    if address.startswith("["):
        return address.partition("]")[0] + "]"
    return address.partition(":")[0]


def _shown(text: str) -> str:
    # Quoted, control characters escaped by repr, and short: this goes into one line.
    clipped = text if len(text) <= 80 else text[:77] + "..."
    return repr(clipped)


def default_cache_path() -> Path:
    """`$REBALANCER_CACHE_DIR/prices.json`, else the platform's user cache dir."""
    return locations.price_cache_path()


def default_history_path() -> Path:
    """`history.json` beside the price cache."""
    return locations.cache_dir() / HISTORY_FILE_NAME
