"""Compatibility shim: the user's own models now live in
`rebalancer_tui.storage.user_models`; this module only re-exports them."""

from __future__ import annotations

from rebalancer_tui.storage.locations import ENV_MODELS, default_models_path
from rebalancer_tui.storage.user_models import load_user_models

__all__ = ["ENV_MODELS", "default_models_path", "load_user_models"]
