"""Exceptions of the emission-factor library."""

from __future__ import annotations


class FactorError(Exception):
    """An emission factor is missing, malformed or lacks provenance.

    Parameters
    ----------
    message
        What is wrong and what to do next.
    file
        The data file or configuration the factor came from ("" when not from a file).
    row
        Line number in that file [1-based], or the entry number for configuration.
    field
        The offending field, e.g. ``unit``.

    ``reason`` keeps the message without the location.
    """

    def __init__(self, message: str, *, file: str = "", row: int | None = None, field: str = ""):
        self.reason = message
        self.file = file
        self.row = row
        self.field = field
        where = ", ".join(
            part
            for part in (
                file,
                f"row {row}" if row is not None else "",
                f"field {field!r}" if field else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
