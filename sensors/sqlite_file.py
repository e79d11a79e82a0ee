"""Open a SQLite file that must survive a power cut: the one opener of every durable file.

The device outbox, the collector spool and quarantine, the alarm log and the embedded
store all keep data that someone was told is safe. Each opens its file the same way:
the folder is created, the write-ahead log is on (readers never block the writer) and
``synchronous=FULL`` makes a committed transaction survive a power loss, not only a
process crash (SQLite, "Write-Ahead Logging" and "PRAGMA synchronous",
https://www.sqlite.org/wal.html, https://www.sqlite.org/pragma.html#pragma_synchronous).

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> conn = open_durable(folder / "a" / "box.sqlite", schema="CREATE TABLE t (x INTEGER);",
...                     what="test box", error=RuntimeError)
>>> pragma = lambda name: conn.execute(f"PRAGMA {name}").fetchone()[0]
>>> pragma("journal_mode"), pragma("synchronous")
('wal', 2)
>>> conn.close()
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["BUSY_TIMEOUT_S", "open_durable"]

#: How long a writer waits for another connection's lock before failing [s].
BUSY_TIMEOUT_S = 30.0


def open_durable(
    path: str | Path,
    *,
    schema: str,
    what: str,
    error: type[Exception],
    hint: str = "check the path and its permissions",
) -> sqlite3.Connection:
    """A connection to ``path`` in WAL mode with ``synchronous=FULL`` and ``schema`` applied.

    Parameters
    ----------
    path
        Database file; its folder is created if missing.
    schema
        SQL script run on open (``CREATE TABLE IF NOT EXISTS ...``).
    what
        What the file is, for the error message (e.g. ``"outbox"``).
    error
        Exception class raised (with the message as its only argument) when the file
        cannot be opened; each layer passes its own.
    hint
        What the user should do next, appended to the message.

    Raises
    ------
    error
        The folder or file cannot be created or opened, or the schema fails.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(schema)
    except (OSError, sqlite3.Error) as exc:
        raise error(f"cannot open {what} {path}: {exc}; {hint}") from exc
    return conn
