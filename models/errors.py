"""Exceptions of the models layer."""

from __future__ import annotations


class ModelError(Exception):
    """The model cannot compute a result from these inputs; the message says what to fix."""
