"""Errors the CLI turns into exit codes."""

from __future__ import annotations


class PilotError(Exception):
    """A command could not do its work; the message says what to do next."""
