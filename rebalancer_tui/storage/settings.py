"""The app's own small settings (for now: the theme), in `settings.json` in
the user config dir (env REBALANCER_CONFIG_DIR moves it).

Read with a small size bound; a missing, unreadable or malformed file means
the defaults (with the reason logged), never an error at start-up. Written
atomically, and only when a setting changes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from rebalancer_tui.rules import InputError
from rebalancer_tui.storage import locations
from rebalancer_tui.storage.atomic import atomic_write_text
from rebalancer_tui.storage.json_file import dumps, load_json
from rebalancer_tui.storage.text import FileMissingError

log = logging.getLogger(__name__)

SETTINGS_FILE_NAME = "settings.json"
MAX_SETTINGS_BYTES = 16 * 1024
SETTINGS_VERSION = 1
# Textual's theme names: lowercase words and dashes ("textual-light", "nord").
_THEME_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


@dataclass(frozen=True)
class Settings:
    theme: str | None = None


def settings_path() -> Path:
    return locations.config_dir() / SETTINGS_FILE_NAME


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings; the defaults if there are none or they cannot be read."""
    path = settings_path() if path is None else path
    try:
        raw = load_json(path, limit=MAX_SETTINGS_BYTES)
    except FileMissingError:
        return Settings()
    except (InputError, OSError, ValueError) as exc:
        log.warning("settings ignored: %s", exc)
        return Settings()
    theme = raw.get("theme") if isinstance(raw, dict) else None
    if not (isinstance(theme, str) and _THEME_NAME.fullmatch(theme)):
        if theme is not None:
            log.warning("settings: theme ignored (not a theme name)")
        theme = None
    return Settings(theme=theme)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings atomically; InputError (one line) if they cannot be."""
    path = settings_path() if path is None else path
    text = dumps({"version": SETTINGS_VERSION, "theme": settings.theme})
    atomic_write_text(path, text, make_dirs=True)
