"""The alarm log: every alarm raised or cleared, in a SQLite file of its own.

Like the quarantine, the log is written before anything else learns of the event, with
``synchronous=FULL``, so an alarm survives a crash of the collector.

>>> import tempfile, pathlib
>>> from monitoring.alarms.rules import AlarmEvent
>>> log = AlarmLog(pathlib.Path(tempfile.mkdtemp()) / "alarms.sqlite")
>>> up = AlarmEvent("raised", "overheat", "mk", "line-1", "melt_temp", 310.0, 300.0, 5, "hot")
>>> log.add_many([up])
>>> [e.rule for e in log.active()]
['overheat']
>>> log.add_many([AlarmEvent("cleared", "overheat", "mk", "line-1", "melt_temp", 290.0,
...                          300.0, 9, "ok")])
>>> log.active(), len(log.events())
([], 2)

Each event has an id; an engineer acknowledges a raised alarm by its id, and the log
keeps who and when:

>>> first = log.records()[0]
>>> first.id, first.event.event, first.acked_by
(1, 'raised', None)
>>> log.acknowledge(1, by="Lan", at_us=7).acked_by
'Lan'
>>> log.close()
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitoring.alarms.rules import AlarmEvent
from monitoring.errors import MonitoringError
from sensors.sqlite_file import open_durable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alarm_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_us INTEGER NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('raised', 'cleared')),
    rule TEXT NOT NULL,
    site TEXT NOT NULL,
    line TEXT NOT NULL,
    sensor TEXT NOT NULL,
    value REAL NOT NULL,
    threshold REAL NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alarm_events_time ON alarm_events (site, line, ts_us);
CREATE TABLE IF NOT EXISTS alarm_acks (
    event_id INTEGER PRIMARY KEY REFERENCES alarm_events (id),
    acked_by TEXT NOT NULL,
    acked_at_us INTEGER NOT NULL
);
"""
_COLUMNS = "event, rule, site, line, sensor, value, threshold, ts_us, message"
_RECORD = (
    "SELECT e.id, e.event, e.rule, e.site, e.line, e.sensor, e.value, e.threshold, e.ts_us, "
    "e.message, k.acked_by, k.acked_at_us FROM alarm_events AS e "
    "LEFT JOIN alarm_acks AS k ON k.event_id = e.id"
)
_LATEST = (
    "e.id = (SELECT max(id) FROM alarm_events AS b WHERE b.site = e.site AND "
    "b.line = e.line AND b.sensor = e.sensor AND b.rule = e.rule)"
)


@dataclass(frozen=True, slots=True)
class AlarmRecord:
    """An event of the log with its ``id`` and, for a raise, its acknowledgement.

    ``acked_by`` is who acknowledged it and ``acked_at_us`` when [µs since the epoch,
    UTC, wall time], or None.
    """

    id: int
    event: AlarmEvent
    acked_by: str | None = None
    acked_at_us: int | None = None


def _record(row: tuple[Any, ...]) -> AlarmRecord:
    return AlarmRecord(row[0], AlarmEvent(*row[1:10]), row[10], row[11])


class AlarmLog:
    """Durable list of alarm events.

    Parameters
    ----------
    path
        SQLite file; its folder is created if missing.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = open_durable(
            self.path,
            schema=_SCHEMA,
            what="the alarm log",
            error=MonitoringError,
            hint="check [alarms] path",
        )
        self._lock = threading.Lock()

    def add_many(self, events: Iterable[AlarmEvent]) -> None:
        """Append ``events`` in one transaction."""
        rows = [
            (e.event, e.rule, e.site, e.line, e.sensor, e.value, e.threshold, e.ts_us, e.message)
            for e in events
        ]
        if not rows:
            return
        with self._lock:
            try:
                with self._conn:
                    self._conn.executemany(
                        f"INSERT INTO alarm_events ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", rows
                    )
            except sqlite3.Error as exc:
                raise MonitoringError(f"cannot write the alarm log {self.path}: {exc}") from exc

    def events(
        self,
        *,
        site: str | None = None,
        line: str | None = None,
        start_us: int | None = None,
        end_us: int | None = None,
    ) -> list[AlarmEvent]:
        """Events with ``start_us <= ts_us < end_us`` [µs, device time], oldest first."""
        where, args = ["1=1"], []
        for column, value, op in (
            ("site", site, "="),
            ("line", line, "="),
            ("ts_us", start_us, ">="),
            ("ts_us", end_us, "<"),
        ):
            if value is not None:
                where.append(f"{column} {op} ?")
                args.append(value)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM alarm_events WHERE {' AND '.join(where)} "
                "ORDER BY ts_us, id",
                args,
            ).fetchall()
        return [AlarmEvent(*row) for row in rows]

    def active(self) -> list[AlarmEvent]:
        """Raising events of the alarms whose latest event is ``raised``."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM alarm_events AS a WHERE id = ("
                "  SELECT max(id) FROM alarm_events AS b WHERE b.site = a.site AND "
                "  b.line = a.line AND b.sensor = a.sensor AND b.rule = a.rule"
                ") AND event = 'raised' ORDER BY ts_us, id"
            ).fetchall()
        return [AlarmEvent(*row) for row in rows]

    def records(self, *, limit: int = 50) -> list[AlarmRecord]:
        """The newest ``limit`` events with their ids and acknowledgements, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT * FROM ({_RECORD} ORDER BY e.id DESC LIMIT ?) ORDER BY id", (limit,)
            ).fetchall()
        return [_record(row) for row in rows]

    def active_records(self) -> list[AlarmRecord]:
        """The active alarms (as :meth:`active`) with their ids and acknowledgements."""
        with self._lock:
            rows = self._conn.execute(
                f"{_RECORD} WHERE {_LATEST} AND e.event = 'raised' ORDER BY e.ts_us, e.id"
            ).fetchall()
        return [_record(row) for row in rows]

    def acknowledge(self, event_id: int, *, by: str, at_us: int) -> AlarmRecord:
        """Record that ``by`` acknowledged the raised alarm ``event_id`` at ``at_us``.

        Raises
        ------
        MonitoringError
            If there is no raised event ``event_id``, or it was acknowledged already.
        """
        if not by.strip():
            raise MonitoringError("say who acknowledges the alarm (--by NAME)")
        with self._lock:
            row = self._conn.execute(f"{_RECORD} WHERE e.id = ?", (event_id,)).fetchone()
            if row is None or row[1] != "raised":
                raise MonitoringError(
                    f"no raised alarm with id {event_id}; `pilot alarms list` shows the ids"
                )
            if row[10] is not None:
                raise MonitoringError(f"alarm {event_id} was already acknowledged by {row[10]}")
            try:
                with self._conn:
                    self._conn.execute(
                        "INSERT INTO alarm_acks (event_id, acked_by, acked_at_us) VALUES (?,?,?)",
                        (event_id, by.strip(), at_us),
                    )
            except sqlite3.Error as exc:
                raise MonitoringError(f"cannot write the alarm log {self.path}: {exc}") from exc
        return AlarmRecord(row[0], AlarmEvent(*row[1:10]), by.strip(), at_us)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
