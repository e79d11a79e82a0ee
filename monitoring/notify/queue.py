"""A durable queue of notifications: nothing is lost while the network is down.

Each notification waits in a SQLite file (``synchronous=FULL``) until its channel
delivered it; a failed try stays with the time of its next try. A collector killed
with notifications waiting sends them when it starts again.

>>> import tempfile, pathlib
>>> queue = NotifyQueue(pathlib.Path(tempfile.mkdtemp()) / "notify.sqlite")
>>> item = queue.put("email", {"subject": "s"}, now_s=100.0)
>>> [(i.channel, i.payload) for i in queue.due("email", now_s=100.0)]
[('email', {'subject': 's'})]
>>> queue.retry(item, next_try_s=130.0, error="connection refused")
>>> queue.due("email", now_s=120.0), queue.pending()
([], 1)
>>> queue.done(item); queue.pending()
0
>>> queue.close()
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitoring.errors import MonitoringError
from sensors.sqlite_file import open_durable

__all__ = ["NotifyQueue", "QueuedNotification"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    created_s REAL NOT NULL,
    next_try_s REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (channel, next_try_s, id);
"""


@dataclass(frozen=True, slots=True)
class QueuedNotification:
    """One waiting notification: its row ``id``, ``channel`` and JSON ``payload``."""

    id: int
    channel: str
    attempts: int
    payload: dict[str, Any]


class NotifyQueue:
    """Notifications waiting for their channel, in a SQLite file of their own."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = open_durable(
            self.path,
            schema=_SCHEMA,
            what="the notification queue",
            error=MonitoringError,
            hint="check [notify] queue_path",
        )
        self._lock = threading.Lock()

    def _write(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Cursor:
        with self._lock:
            try:
                with self._conn:
                    return self._conn.execute(sql, args)
            except sqlite3.Error as exc:
                raise MonitoringError(
                    f"cannot write the notification queue {self.path}: {exc}"
                ) from exc

    def put(self, channel: str, payload: dict[str, Any], *, now_s: float) -> QueuedNotification:
        """Queue ``payload`` for ``channel``, due at once (``now_s`` [s, wall time])."""
        text = json.dumps(payload, ensure_ascii=False)
        cursor = self._write(
            "INSERT INTO notifications (channel, created_s, next_try_s, payload) VALUES (?,?,?,?)",
            (channel, now_s, now_s, text),
        )
        return QueuedNotification(int(cursor.lastrowid or 0), channel, 0, payload)

    def due(self, channel: str, *, now_s: float, limit: int = 50) -> list[QueuedNotification]:
        """Notifications of ``channel`` due at ``now_s``, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, channel, attempts, payload FROM notifications "
                "WHERE channel = ? AND next_try_s <= ? ORDER BY id LIMIT ?",
                (channel, now_s, limit),
            ).fetchall()
        return [QueuedNotification(i, c, a, json.loads(p)) for i, c, a, p in rows]

    def done(self, item: QueuedNotification) -> None:
        """``item`` was delivered: forget it."""
        self._write("DELETE FROM notifications WHERE id = ?", (item.id,))

    def retry(self, item: QueuedNotification, *, next_try_s: float, error: str) -> None:
        """``item`` failed: try it again at ``next_try_s`` [s, wall time]."""
        self._write(
            "UPDATE notifications SET attempts = attempts + 1, next_try_s = ?, last_error = ? "
            "WHERE id = ?",
            (next_try_s, error[:500], item.id),
        )

    def pending(self, channel: str | None = None) -> int:
        """Notifications waiting (of ``channel``, or all)."""
        with self._lock:
            if channel is None:
                row = self._conn.execute("SELECT count(*) FROM notifications").fetchone()
            else:
                row = self._conn.execute(
                    "SELECT count(*) FROM notifications WHERE channel = ?", (channel,)
                ).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
