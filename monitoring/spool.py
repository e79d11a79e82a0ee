"""Collector spool: readings kept on disk while the store is unreachable.

When a write fails because the store cannot be reached, the collector puts the batch
here (one durable SQLite transaction) and only then acknowledges its messages to the
broker: the broker's queue for the collector stays short, and the collector's memory
stays flat however long the outage lasts. Once the store answers again the batches are
replayed oldest first and removed after each successful write. A crash between a write
and its removal replays that batch once more, which is harmless: the store's key
(site, line, sensor, household, device time) makes a reading replace itself.

The spool is bounded (``max_bytes``). When it is full, :meth:`Spool.put` returns
``False`` and the collector stops acknowledging, so new messages wait at the broker
(sized by ``pilot broker-config``) instead of being dropped.

>>> import tempfile, pathlib
>>> from sensors.schema import Reading
>>> spool = Spool(pathlib.Path(tempfile.mkdtemp()) / "spool.sqlite")
>>> r = Reading("minh-khai", "line-1", "zone1_temp", 1_559_523_600_250_000, 231.5, "degC", 17)
>>> spool.put([r]), spool.pending_readings
(True, 1)
>>> chunk = spool.oldest(100)
>>> chunk.readings == [r]
True
>>> spool.remove(chunk); spool.pending_readings
0
>>> spool.close()
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from monitoring.errors import MonitoringError
from sensors.schema import Reading
from sensors.sqlite_file import open_durable

__all__ = ["Spool", "SpoolChunk"]

log = logging.getLogger("upops.collector")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spool (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    readings INTEGER NOT NULL,
    data BLOB NOT NULL
);
"""


@dataclass(frozen=True)
class SpoolChunk:
    """Consecutive spooled batches: their row ids and readings, in spool order."""

    ids: tuple[int, ...]
    readings: list[Reading]


def _encode(readings: Sequence[Reading]) -> bytes:
    # Plain JSON lists: repr-exact floats, integers of any size, no pickle.
    rows = [
        [r.site, r.line, r.sensor, r.ts_us, r.value, r.unit, r.seq, r.household] for r in readings
    ]
    return json.dumps(rows, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _decode(data: bytes) -> list[Reading]:
    return [Reading(*row) for row in json.loads(data)]


class Spool:
    """Durable FIFO of reading batches, bounded by their encoded size.

    Parameters
    ----------
    path
        SQLite file; its folder is created if missing. Batches left by an earlier run
        (e.g. a collector killed during an outage) are replayed first.
    max_bytes
        Upper bound on the encoded readings kept [B], >= 1.
    """

    def __init__(self, path: str | Path, *, max_bytes: int = 1024 * 2**20) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        self.path = Path(path)
        self.max_bytes = max_bytes
        # Durable (synchronous=FULL): messages are acknowledged to the broker right after
        # put() returns.
        self._conn = open_durable(self.path, schema=_SCHEMA, what="spool", error=MonitoringError)
        try:
            count, size = self._conn.execute(
                "SELECT COALESCE(SUM(readings), 0), COALESCE(SUM(LENGTH(data)), 0) FROM spool"
            ).fetchone()
        except sqlite3.Error as exc:
            self._conn.close()
            raise MonitoringError(
                f"cannot open spool {self.path}: {exc}; check the path and its permissions"
            ) from exc
        self._lock = threading.Lock()
        self._readings = int(count)
        self._bytes = int(size)

    def put(self, readings: Sequence[Reading]) -> bool:
        """Keep ``readings`` durably; ``False`` (nothing kept) if that would pass ``max_bytes``.

        Raises
        ------
        MonitoringError
            If the file cannot be written (permissions, a damaged file); a full disk
            returns ``False``, as a full spool does.
        """
        if not readings:
            return True
        data = _encode(readings)
        with self._lock:
            if self._bytes + len(data) > self.max_bytes:
                return False
            try:
                with self._conn:
                    self._conn.execute(
                        "INSERT INTO spool (readings, data) VALUES (?, ?)", (len(readings), data)
                    )
            except sqlite3.Error as exc:
                if _disk_full(exc):
                    # Like a full spool: the writer keeps retrying the store and the
                    # broker keeps the messages, none acknowledged, until space returns.
                    log.error(
                        "spool %s: the disk is full; nothing more is spooled (the broker "
                        "keeps the messages) until space is freed on it",
                        self.path,
                    )
                    return False
                raise MonitoringError(f"cannot write to spool {self.path}: {exc}") from exc
            self._readings += len(readings)
            self._bytes += len(data)
        return True

    def oldest(self, max_readings: int) -> SpoolChunk:
        """The oldest batches, together at most ``max_readings`` readings (at least one batch)."""
        ids: list[int] = []
        readings: list[Reading] = []
        with self._lock:
            cursor = self._conn.execute("SELECT id, readings, data FROM spool ORDER BY id")
            for row_id, count, data in cursor:
                if ids and len(readings) + int(count) > max_readings:
                    break
                ids.append(int(row_id))
                readings.extend(_decode(data))
            cursor.close()
        return SpoolChunk(tuple(ids), readings)

    def remove(self, chunk: SpoolChunk) -> None:
        """Forget a chunk once the store has it."""
        with self._lock:
            try:
                with self._conn:
                    for row_id in chunk.ids:
                        row = self._conn.execute(
                            "DELETE FROM spool WHERE id = ? RETURNING readings, LENGTH(data)",
                            (row_id,),
                        ).fetchone()
                        if row is not None:
                            self._readings -= int(row[0])
                            self._bytes -= int(row[1])
            except sqlite3.Error as exc:
                raise MonitoringError(f"cannot update spool {self.path}: {exc}") from exc

    @property
    def pending_readings(self) -> int:
        """Readings waiting for the store."""
        with self._lock:
            return self._readings

    @property
    def pending_bytes(self) -> int:
        """Encoded size of the readings waiting [B]."""
        with self._lock:
            return self._bytes

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _disk_full(exc: sqlite3.Error) -> bool:
    """Whether SQLite failed because its disk is full (SQLITE_FULL)."""
    return getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(exc)
