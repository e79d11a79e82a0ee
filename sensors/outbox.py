"""Edge outbox: MQTT messages kept on disk until they are safe.

A device (or simulator) writes every message here before handing it to the MQTT
client, and removes it once the collector confirms its readings stored
(:mod:`sensors.confirming`), or, for a device that does not ask for confirmations, once
the broker's PUBACK arrives. While the broker is
unreachable the messages simply stay in the file, so a network or power cut loses
nothing that was measured; when the broker returns they are sent in the order they were
written, with the payload, and so the device timestamps, unchanged.

The file is bounded (``max_bytes`` of payload and ``max_rows`` messages). When a new
message would exceed a bound, the **oldest messages not yet handed to the client are
dropped first** and counted (``dropped_messages``, ``dropped_readings``): during a very
long outage the newest data are the most useful for running the line, and the gap is
recorded instead of silent. Messages already handed to the client (at most the
publisher's ``max_outstanding``) are never dropped, as they may be on their way.

>>> import tempfile, pathlib
>>> box = Outbox(pathlib.Path(tempfile.mkdtemp()) / "outbox.sqlite", max_rows=2)
>>> for n in range(3):
...     _ = box.put("upops/s/l/x", f"payload {n}".encode(), readings=10)
>>> [m.payload for m in box.take(5)], box.dropped_messages, box.dropped_readings
([b'payload 1', b'payload 2'], 1, 10)
>>> box.done([m.id for m in box.take(5)])  # nothing new to take: both are in flight
>>> box.pending_messages
2
>>> box.close()
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sensors.errors import SensorsError
from sensors.sqlite_file import open_durable

__all__ = ["Outbox", "OutboxError", "OutboxFull", "OutboxMessage"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    readings INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO outbox_meta VALUES ('dropped_messages', 0);
INSERT OR IGNORE INTO outbox_meta VALUES ('dropped_readings', 0);
"""


class OutboxError(SensorsError):
    """The outbox file cannot be opened or written."""

    reason = "outbox_failed"


class OutboxFull(OutboxError):
    """The disk under the outbox is full: the message was not kept."""

    reason = "outbox_disk_full"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One kept message: its row id (order of writing), topic, payload, reading count."""

    id: int
    topic: str
    payload: bytes
    readings: int


class Outbox:
    """Durable FIFO of MQTT messages, bounded by payload bytes and message count.

    Parameters
    ----------
    path
        SQLite file; its folder is created if missing. Messages left by an earlier run
        are sent first.
    max_bytes
        Upper bound on the payload bytes kept [B], >= 1.
    max_rows
        Upper bound on the messages kept [-], >= 1.

    Thread-safe; one process should own a file at a time.
    """

    def __init__(
        self, path: str | Path, *, max_bytes: int = 64 * 2**20, max_rows: int = 1_000_000
    ) -> None:
        if max_bytes < 1 or max_rows < 1:
            raise ValueError("max_bytes and max_rows must be at least 1")
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.max_rows = max_rows
        # Durable (WAL, synchronous=FULL): a message the device believes kept must
        # survive a power cut.
        self._conn = open_durable(self.path, schema=_SCHEMA, what="outbox", error=OutboxError)
        try:
            rows, size = self._conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(LENGTH(payload)), 0) FROM outbox"
            ).fetchone()
        except sqlite3.Error as exc:
            self._conn.close()
            raise OutboxError(
                f"cannot read outbox {self.path}: {exc}; check the path and its permissions"
            ) from exc
        self._lock = threading.Lock()
        self._rows = int(rows)
        self._bytes = int(size)
        # Highest id handed out by take(): rows up to it are in flight, not droppable.
        self._cursor = 0

    # -- writing ---------------------------------------------------------------------

    def put(self, topic: str, payload: bytes, *, readings: int) -> int:
        """Keep a message durably; returns its id. Drops the oldest untaken ones if full."""
        with self._lock:
            rows, size = self._rows, self._bytes
            try:
                with self._conn:
                    cur = self._conn.execute(
                        "INSERT INTO outbox (topic, payload, readings) VALUES (?, ?, ?)",
                        (topic, payload, readings),
                    )
                    self._rows += 1
                    self._bytes += len(payload)
                    self._evict()
            except sqlite3.Error as exc:
                self._rows, self._bytes = rows, size  # the transaction was rolled back
                if getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL":
                    raise OutboxFull(
                        f"outbox {self.path}: the disk is full, a message of {readings} "
                        f"reading(s) was not kept; free space on the disk of {self.path.parent}"
                    ) from exc
                raise OutboxError(f"cannot write to outbox {self.path}: {exc}") from exc
            return int(cur.lastrowid or 0)

    def _evict(self) -> None:
        """Drop the oldest messages not in flight until both bounds hold (lock held)."""
        while self._rows > self.max_rows or self._bytes > self.max_bytes:
            row = self._conn.execute(
                "SELECT id, LENGTH(payload), readings FROM outbox WHERE id > ? ORDER BY id LIMIT 1",
                (self._cursor,),
            ).fetchone()
            if row is None:
                return  # everything left is in flight; the bound is exceeded briefly
            row_id, size, readings = row
            self._conn.execute("DELETE FROM outbox WHERE id = ?", (row_id,))
            self._conn.execute(
                "UPDATE outbox_meta SET value = value + 1 WHERE key = 'dropped_messages'"
            )
            self._conn.execute(
                "UPDATE outbox_meta SET value = value + ? WHERE key = 'dropped_readings'",
                (readings,),
            )
            self._rows -= 1
            self._bytes -= int(size)

    # -- sending ---------------------------------------------------------------------

    def take(self, limit: int) -> list[OutboxMessage]:
        """Up to ``limit`` messages not yet taken, oldest first; they are now in flight."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, topic, payload, readings FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
                (self._cursor, limit),
            ).fetchall()
            if rows:
                self._cursor = int(rows[-1][0])
        return [OutboxMessage(int(i), t, bytes(p), int(n)) for i, t, p, n in rows]

    def done(self, ids: Iterable[int]) -> None:
        """Forget messages the broker acknowledged."""
        keys = [(i,) for i in ids]
        if not keys:
            return
        with self._lock:
            try:
                with self._conn:
                    for (key,) in keys:
                        row = self._conn.execute(
                            "DELETE FROM outbox WHERE id = ? RETURNING LENGTH(payload)", (key,)
                        ).fetchone()
                        if row is not None:
                            self._rows -= 1
                            self._bytes -= int(row[0])
            except sqlite3.Error as exc:
                if getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL":
                    # Deleting needs room in the write-ahead log. The messages stay and
                    # go again after a restart: harmless, the store keeps them once.
                    self._rows, self._bytes = self._count()
                    return
                raise OutboxError(f"cannot update outbox {self.path}: {exc}") from exc

    def _count(self) -> tuple[int, int]:
        rows, size = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(payload)), 0) FROM outbox"
        ).fetchone()
        return int(rows), int(size)

    def rewind(self) -> None:
        """Make every kept message takeable again (after the client lost its in-flight ones)."""
        with self._lock:
            self._cursor = 0

    # -- observation -----------------------------------------------------------------

    @property
    def pending_messages(self) -> int:
        """Messages kept now (waiting or in flight)."""
        with self._lock:
            return self._rows

    @property
    def pending_bytes(self) -> int:
        """Payload bytes kept now [B]."""
        with self._lock:
            return self._bytes

    def _meta(self, key: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM outbox_meta WHERE key = ?", (key,)
            ).fetchone()
        return int(row[0])

    @property
    def dropped_messages(self) -> int:
        """Messages dropped to respect the bounds since the file was created."""
        return self._meta("dropped_messages")

    @property
    def dropped_readings(self) -> int:
        """Readings in those dropped messages."""
        return self._meta("dropped_readings")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
