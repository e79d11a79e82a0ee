"""Quarantine: bad messages kept aside with their reason, in a bounded SQLite file.

Every message or reading the collector cannot store goes here before the broker is
told it was received, so nothing is silently dropped. The file is bounded by a row
count; when it is full the oldest rows go first and are counted in ``evicted``.

>>> import tempfile, pathlib
>>> q = Quarantine(pathlib.Path(tempfile.mkdtemp()) / "q.sqlite", max_rows=2)
>>> for n in range(3):
...     q.add(topic="upops/x/y/z", payload=b"{", reason="bad_json", detail=f"case {n}")
>>> q.count(), q.evicted
(2, 1)
>>> [row.detail for row in q.recent()]
['case 2', 'case 1']
>>> q.close()
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from monitoring.errors import MonitoringError
from sensors.sqlite_file import open_durable

#: Bytes of a payload kept in quarantine; longer payloads are cut and marked.
MAX_KEPT_PAYLOAD = 64 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_us INTEGER NOT NULL,
    topic TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    payload BLOB NOT NULL,
    payload_bytes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO quarantine_meta VALUES ('evicted', 0);
"""


@dataclass(frozen=True)
class QuarantinedItem:
    """One quarantined message or reading.

    ``received_us`` is the collector's receive time [µs since the epoch, UTC];
    ``payload`` holds at most :data:`MAX_KEPT_PAYLOAD` bytes of the original,
    ``payload_bytes`` its full length [bytes].
    """

    id: int
    received_us: int
    topic: str
    reason: str
    detail: str
    payload: bytes
    payload_bytes: int


@dataclass(frozen=True)
class Entry:
    """A quarantine entry to be written: see :meth:`Quarantine.add_many`."""

    topic: str
    payload: bytes
    reason: str
    detail: str
    received_us: int


class Quarantine:
    """Bounded, durable store of rejected input.

    Parameters
    ----------
    path
        SQLite file; its folder is created if missing.
    max_rows
        Upper bound on kept entries [-].
    """

    def __init__(self, path: str | Path, *, max_rows: int = 100_000) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self.path = Path(path)
        self.max_rows = max_rows
        self._conn = open_durable(
            self.path, schema=_SCHEMA, what="quarantine", error=MonitoringError
        )
        self._lock = threading.Lock()

    def add(self, *, topic: str, payload: bytes, reason: str, detail: str) -> None:
        """Keep one rejected message with its ``reason`` (short code) and ``detail`` (message)."""
        self.add_many([Entry(topic, payload, reason, detail, int(time.time() * 1e6))])

    def add_many(self, entries: Iterable[Entry]) -> None:
        """Keep several entries in one durable transaction."""
        rows = [
            (
                e.received_us,
                e.topic,
                e.reason,
                e.detail[:2000],
                e.payload[:MAX_KEPT_PAYLOAD],
                len(e.payload),
            )
            for e in entries
        ]
        if not rows:
            return
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT INTO quarantine "
                "(received_us, topic, reason, detail, payload, payload_bytes) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            excess = self._count() - self.max_rows
            if excess > 0:
                self._conn.execute(
                    "DELETE FROM quarantine WHERE id IN "
                    "(SELECT id FROM quarantine ORDER BY id LIMIT ?)",
                    (excess,),
                )
                self._conn.execute(
                    "UPDATE quarantine_meta SET value = value + ? WHERE key = 'evicted'", (excess,)
                )

    def _count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0])

    def count(self) -> int:
        """Entries kept now."""
        with self._lock:
            return self._count()

    @property
    def evicted(self) -> int:
        """Entries removed to respect ``max_rows`` since the file was created."""
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM quarantine_meta WHERE key = 'evicted'"
            ).fetchone()
            return int(row[0])

    def reasons(self) -> Counter[str]:
        """Kept entries per reason."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT reason, COUNT(*) FROM quarantine GROUP BY reason"
            ).fetchall()
        return Counter({reason: int(n) for reason, n in rows})

    def recent(self, limit: int = 20) -> list[QuarantinedItem]:
        """The newest entries first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, received_us, topic, reason, detail, payload, payload_bytes "
                "FROM quarantine ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [QuarantinedItem(*row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
