"""Errors the CLI turns into exit codes, and the codes themselves.

Exit codes: 0 success; 1 the command ran and found problems (``config check``,
``import``); 2 wrong usage; 3 a runtime error with a message on stderr; 130 interrupted.
"""

from __future__ import annotations

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class PilotError(Exception):
    """A command could not do its work; the message says what to do next."""
