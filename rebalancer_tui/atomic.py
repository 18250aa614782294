"""Compatibility shim: atomic writes now live in `rebalancer_tui.storage.atomic`."""

from __future__ import annotations

from rebalancer_tui.storage.atomic import (
    UnsafeTargetError,
    atomic_write_text,
    clean_stale_temps,
    write_text_atomically,
)

__all__ = ["UnsafeTargetError", "atomic_write_text", "clean_stale_temps", "write_text_atomically"]
