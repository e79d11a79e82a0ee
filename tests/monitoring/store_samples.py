"""Readings and helpers shared by the store tests (SQLite, InfluxDB 1.x and 2.x)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, datetime

import pandas as pd

from monitoring.stores import InfluxDB1Store
from sensors.schema import Reading, us_from_datetime

T0_US = 1_559_523_600_000_000  # 2019-06-03T01:00:00Z
SITE, LINE = "minh-khai", "line-1"
START = datetime(2019, 6, 3, tzinfo=UTC)
END = datetime(2019, 6, 4, tzinfo=UTC)
PASSWORD = "pw-Xq7-never-shown"


def sample_readings(site: str = SITE, line: str = LINE) -> list[Reading]:
    """Readings that exercise every field: odd microseconds, households, units, big seq."""
    out = [
        Reading(site, line, "zone1_temp", T0_US + i * 1_000_123 + 7, 231.123456789 + i, "degC", i)
        for i in range(5)
    ]
    out += [
        Reading(site, line, "throughput", T0_US + i * 2_000_001, 12.5 * i, "kg/h", 2**53 - 1 - i)
        for i in range(3)
    ]
    # Same time, with and without household: different readings. Spaces, commas and '='
    # must survive line protocol escaping.
    out += [
        Reading(site, line, "intake", T0_US + 1, 40.0, "kg", 1, "HH 07,a=b"),
        Reading(site, line, "intake", T0_US + 1, 41.0, "kg", 2, None),
        Reading(site, line, "intake", T0_US + 1, 42.0, "kg", 3, "hh-01"),
    ]
    return out


def as_readings(frame: pd.DataFrame) -> list[Reading]:
    return [
        Reading(
            row.site,
            row.line,
            row.sensor,
            us_of(row.time),
            float(row.value),
            row.unit,
            int(row.seq),
            None if pd.isna(row.household) else row.household,
        )
        for row in frame.itertuples(index=False)
    ]


def us_of(ts: pd.Timestamp) -> int:
    return us_from_datetime(ts.to_pydatetime())


def sorted_readings(readings: list[Reading]) -> list[Reading]:
    return sorted(readings, key=lambda r: (r.sensor, r.ts_us, r.household or ""))


def v1_store(server, database: str, **kwargs) -> InfluxDB1Store:  # type: ignore[no-untyped-def]
    kwargs.setdefault("timeout_s", 5.0)
    return InfluxDB1Store(server.url, database=database, **kwargs)


#: Stored readings of one sensor as (device time [µs], value, seq).
Rows = list[tuple[int, float, int]]


def digest(rows: Rows) -> str:
    """A short SHA-256 of ``rows`` in any order: equal digests, equal stored readings."""
    h = hashlib.sha256()
    for row in sorted(rows):
        h.update(repr(row).encode())
    return h.hexdigest()[:16]


def stored_rows(store, site: str, line: str, start: datetime, end: datetime) -> dict[str, Rows]:  # type: ignore[no-untyped-def]
    """What ``store`` holds of one line in ``[start, end)``, per sensor, as :data:`Rows`."""
    frame = store.read(site=site, line=line, start=start, end=end)
    out: dict[str, Rows] = defaultdict(list)
    for sensor, ts, value, seq in zip(
        frame["sensor"],
        frame["time"].dt.as_unit("us").astype("int64"),
        frame["value"],
        frame["seq"],
        strict=True,
    ):
        out[sensor].append((int(ts), float(value), int(seq)))
    return out
