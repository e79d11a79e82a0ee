"""The store interface shared by the embedded SQLite store and the InfluxDB stores.

A store keeps readings keyed by (site, line, sensor, household, device time): writing
the same reading twice keeps one. Times are UTC.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import numpy as np
import pandas as pd

from sensors.schema import Reading

#: Columns of :meth:`Store.read` without downsampling, in this order.
READ_COLUMNS = ["time", "site", "line", "sensor", "household", "value", "unit", "seq"]
#: Columns of :meth:`Store.read` with ``every_s``: window start, mean value, reading count.
DOWNSAMPLED_COLUMNS = ["time", "site", "line", "sensor", "value", "count"]


class SensorSeries(NamedTuple):
    """One sensor's readings as plain arrays, in the order :meth:`Store.read` gives them
    (time, then household with a missing one first).

    ``times_us`` [µs since 1970-01-01 UTC] int64, ``values`` float64 in the sensor's
    unit, ``households`` an object array (None where a reading has no household), or
    ``None`` when no reading has one (every clocked sensor).
    """

    times_us: np.ndarray
    values: np.ndarray
    households: np.ndarray | None


def series_from_frame(frame: pd.DataFrame) -> dict[str, SensorSeries]:
    """:meth:`Store.read`'s frame cut into :class:`SensorSeries` per sensor."""
    out: dict[str, SensorSeries] = {}
    if frame.empty:
        return out
    times = pd.DatetimeIndex(frame["time"]).tz_convert("UTC").as_unit("us").asi8
    values = frame["value"].to_numpy(dtype=float)
    households = frame["household"].to_numpy(dtype=object)
    codes, names = pd.factorize(frame["sensor"])
    for i, name in enumerate(names):
        rows = np.flatnonzero(codes == i)
        hh = households[rows]
        present = pd.notna(hh)
        hh_out = np.where(present, hh, None) if present.any() else None
        out[str(name)] = SensorSeries(times[rows], values[rows], hh_out)
    return out


class Store(ABC):
    """Write batches of readings; read a time range back as a DataFrame."""

    #: Short name used in messages and counters.
    name: str = "store"

    @abstractmethod
    def write(self, readings: Sequence[Reading]) -> None:
        """Store ``readings`` durably before returning (synchronous, idempotent).

        Raises
        ------
        StoreUnavailable
            The store cannot be reached now; nothing may have been stored. Retry.
        StoreError
            The store refused the batch for a reason retrying will not fix.
        """

    @abstractmethod
    def read(
        self,
        *,
        site: str,
        line: str,
        start: datetime,
        end: datetime,
        sensors: Sequence[str] | None = None,
        every_s: float | None = None,
    ) -> pd.DataFrame:
        """Readings of ``site``/``line`` with ``start <= time < end``.

        Parameters
        ----------
        start, end
            Aware datetimes; converted to UTC.
        sensors
            Sensor ids to read; all sensors of the line when ``None``.
        every_s
            When given, the server averages each sensor over windows of this length [s]
            aligned to the Unix epoch and returns :data:`DOWNSAMPLED_COLUMNS`.

        Returns
        -------
        DataFrame with :data:`READ_COLUMNS` (or :data:`DOWNSAMPLED_COLUMNS`), ``time``
        as ``datetime64[us, UTC]`` (device time to the microsecond), sorted by sensor
        then time. Empty when nothing matches.
        """

    def read_series(
        self,
        *,
        site: str,
        line: str,
        start: datetime,
        end: datetime,
        sensors: Sequence[str] | None = None,
    ) -> dict[str, SensorSeries]:
        """The readings of :meth:`read` as arrays per sensor, without a long frame.

        Same rows, order and values as :meth:`read`; a sensor without readings is
        absent. A frame of text columns costs about 1 KB per reading; these arrays 16
        bytes, which is what lets an evaluation read a year chunk by chunk. Stores
        override it with their efficient path; this default goes through :meth:`read`,
        one sensor at a time when ``sensors`` are named (InfluxDB 2.x uses it).
        """
        if sensors is None:
            return series_from_frame(self.read(site=site, line=line, start=start, end=end))
        # One sensor at a time: the text frame of one sensor is the most in memory at once.
        out: dict[str, SensorSeries] = {}
        for sensor in sensors:
            frame = self.read(site=site, line=line, start=start, end=end, sensors=[sensor])
            out.update(series_from_frame(frame))
        return out

    def count_series(
        self,
        *,
        site: str,
        line: str,
        start: datetime,
        end: datetime,
        sensors: Sequence[str],
    ) -> dict[str, int]:
        """How many readings :meth:`read_series` would give per sensor, without them.

        For sensors whose readings only count (data completeness): a store that can
        count in place overrides this; this default reads the series and takes their
        lengths. A sensor without readings in range is absent.
        """
        if not sensors:
            return {}
        series = self.read_series(site=site, line=line, start=start, end=end, sensors=sensors)
        return {sensor: len(s.values) for sensor, s in series.items()}

    @abstractmethod
    def count(self, *, site: str | None = None, line: str | None = None) -> int:
        """Number of stored readings, optionally for one site or line."""

    def ping(self) -> None:  # noqa: B027 - optional hook, stores that connect override it
        """Raise :class:`StoreUnavailable` if the store cannot be reached."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_range(start: datetime, end: datetime) -> tuple[int, int]:
    """(start, end) in µs since the epoch; raises ValueError for naive or reversed times."""
    from sensors.schema import us_from_datetime

    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware (UTC)")
    s, e = us_from_datetime(start), us_from_datetime(end)
    if e < s:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    return s, e
