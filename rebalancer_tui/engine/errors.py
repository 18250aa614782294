"""Why a strategy could not answer; imported by every layer, importing none."""

from __future__ import annotations


class SolveFailed(Exception):
    """A strategy could not produce a proven plan; the message is the reason."""


class Infeasible(SolveFailed):
    """No whole-share plan satisfies the constraints of the model solved."""


class Cancelled(Exception):
    """The caller asked a long computation to stop (its inputs changed)."""
