"""What the dashboard reads from the store: the newest readings, the day so far, history.

Every read goes through :class:`monitoring.stores.base.Store` (SQLite, InfluxDB 1.x or
2.x alike) and never writes. Long ranges are read as means over windows, computed by
the store (``every_s``), so a chart costs at most ``[serve] chart_points`` points per
sensor whatever its range.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from monitoring.stores.base import Store
from pilot.serve.chart_cache import ChartCache
from pilot.serve.live import LiveLines, local_day_start
from sensors.lines import Line
from sensors.schema import Reading

__all__ = ["CHART_KINDS", "Feed"]

_US = 1_000_000
#: Sensor kinds drawn in a line's charts (counters and weighings are not).
CHART_KINDS = ("barrel_temp", "melt_temp", "mould_temp", "furnace_temp", "throughput")
#: How far back the newest reading of a line is looked for, widening step by step [s].
_PROBES_S = (3600.0, 86_400.0, 31 * 86_400.0, 366 * 86_400.0, 20 * 366 * 86_400.0)
#: Window of the in-memory chart cache [s] and its span [h]: a 24 h chart of 720 points
#: averages 12 of its windows; shorter windows are read from the store.
CACHE_BUCKET_S = 10
CACHE_HOURS = 24.0


def _ms(frame: pd.DataFrame) -> pd.Series:
    """The frame's ``time`` column as ms since the epoch (floats)."""
    return frame["time"].astype("int64") / 1000.0


class Feed:
    """Reads the store for the dashboard and feeds :class:`LiveLines`.

    Parameters
    ----------
    store
        The configured store, opened by the caller.
    live
        The in-memory lines it feeds.
    max_future_s
        Device times up to this far ahead of the clock are read too ([collector]) [s].
    """

    def __init__(self, store: Store, live: LiveLines, *, max_future_s: float = 300.0) -> None:
        self.store = store
        self.live = live
        self.max_future_s = max_future_s
        self.cache = ChartCache(bucket_s=CACHE_BUCKET_S, hours=CACHE_HOURS)

    def _read(self, ln: Line, start: datetime, end: datetime, **kw: Any) -> pd.DataFrame:
        return self.store.read(site=ln.site, line=ln.line, start=start, end=end, **kw)

    def newest(self, ln: Line, now: datetime) -> datetime | None:
        """The time of the line's newest reading, looking back up to 20 years, or None.

        Widening windows find the newest non-empty one; it is then narrowed down with
        means over ever shorter windows, so no read returns more than a few rows per sensor.
        """
        end = now + timedelta(seconds=self.max_future_s)
        for probe_s in _PROBES_S:
            start = end - timedelta(seconds=probe_s)
            step_s = probe_s / 24
            frame = self._read(ln, start, end, every_s=step_s)
            if not frame.empty:
                break
            end = start
        else:
            return None
        while step_s > 60:
            start = frame["time"].max().to_pydatetime()
            stop = min(end, start + timedelta(seconds=step_s))
            step_s /= 24
            frame = self._read(ln, start, stop, every_s=step_s)
        start = frame["time"].max().to_pydatetime()
        last = self._read(ln, start, start + timedelta(seconds=step_s))
        return last["time"].max().to_pydatetime()

    def prime(self, now: datetime) -> None:
        """Load each line's last minutes and its day so far (before serving)."""
        keep_s = self.live.keep_us / _US
        for ln in self.live.lines:
            newest = self.newest(ln, now)
            if newest is None:
                continue
            day_start = local_day_start(int(newest.timestamp() * _US), self.live.tz)
            self._prime_day(ln, day_start, newest)
            recent_start = max(day_start, newest - timedelta(seconds=keep_s))
            until = newest + timedelta(microseconds=1)
            bucket_us = CACHE_BUCKET_S * _US
            cache_start_us = (int(newest.timestamp() * _US) - self.cache.span_us) // bucket_us
            cache_start = datetime.fromtimestamp(cache_start_us * bucket_us / _US, tz=UTC)
            sensors = [s.sensor for s in ln.sensors if s.kind in CHART_KINDS]
            means = self._read(ln, cache_start, until, sensors=sensors, every_s=CACHE_BUCKET_S)
            self.cache.load(ln.key, means, start_us=cache_start_us * bucket_us)
            self.live.add(self.readings(ln, self._read(ln, recent_start, until)))

    def _prime_day(self, ln: Line, day_start: datetime, until: datetime) -> None:
        """The day's mass and first energy reading, up to the live window's start."""
        keep = timedelta(seconds=self.live.keep_us / _US)
        upto = max(day_start, until - keep)
        flow, energy = ln.of_kind("throughput"), ln.of_kind("energy")
        mass_kg, first_kwh = 0.0, None
        if flow is not None and upto > day_start:
            means = self._read(ln, day_start, upto, sensors=[flow.sensor], every_s=60.0)
            # Each reading stands for one sampling interval: mean x count x interval.
            mass_kg = float((means["value"] * means["count"]).sum() * flow.interval_s / 3600)
        if energy is not None:
            first = self._read(
                ln, day_start, day_start + timedelta(hours=1), sensors=[energy.sensor]
            )
            if not first.empty:
                first_kwh = float(first["value"].iloc[0])
        self.live.start_day(
            ln.site,
            ln.line,
            day_start_us=int(day_start.timestamp() * _US),
            mass_kg=mass_kg,
            energy_first_kwh=first_kwh,
        )

    def poll(self, now: datetime) -> dict[tuple[str, str], int]:
        """Read what arrived since each line's newest reading; the new count per line."""
        end = now + timedelta(seconds=self.max_future_s)
        added = {}
        for ln in self.live.lines:
            newest_us = self.live.newest_us(ln.site, ln.line)
            if newest_us is None:
                start = now - timedelta(seconds=self.live.keep_us / _US)
            else:
                start = datetime.fromtimestamp((newest_us + 1) / _US, tz=UTC)
            if start >= end:
                continue
            taken = self.live.add(self.readings(ln, self._read(ln, start, end)))
            self.cache.add(taken)
            added[ln.key] = len(taken)
        return added

    def _series(
        self, ln: Line, start: datetime, end: datetime, sensors: list[str], every_s: int
    ) -> dict[str, list[list[float]]]:
        """Means over windows of ``every_s`` read from the store."""
        frame = self._read(ln, start, end, sensors=sensors, every_s=every_s)
        series: dict[str, list[list[float]]] = {}
        if not frame.empty:
            frame = frame.assign(ms=_ms(frame) + every_s * 500.0)  # window middle
            for sensor, rows in frame.groupby("sensor", sort=False):
                series[str(sensor)] = rows[["ms", "value"]].round(3).values.tolist()
        return series

    @staticmethod
    def readings(ln: Line, frame: pd.DataFrame) -> list[Reading]:
        """A raw read frame as readings."""
        if frame.empty:
            return []
        ts_us = frame["time"].astype("int64").tolist()
        return [
            Reading(ln.site, ln.line, sensor, ts, value, unit, 0)
            for sensor, ts, value, unit in zip(
                frame["sensor"], ts_us, frame["value"], frame["unit"], strict=True
            )
        ]

    def history(
        self, ln: Line, start: datetime, end: datetime, *, max_points: int
    ) -> dict[str, Any]:
        """Chart series of ``[start, end)``: means over windows of ``every_s`` chosen so that
        each sensor has at most ``max_points`` points."""
        every_s = max(1, math.ceil((end - start).total_seconds() / max_points))
        sensors = [s.sensor for s in ln.sensors if s.kind in CHART_KINDS]
        start_us = int(start.timestamp() * _US)
        if every_s >= CACHE_BUCKET_S and self.cache.covers(ln.key, start_us):
            every_s = math.ceil(every_s / CACHE_BUCKET_S) * CACHE_BUCKET_S
            series = self.cache.series(
                ln.key,
                sensors,
                start_us=start_us,
                end_us=int(end.timestamp() * _US),
                every_s=every_s,
            )
        else:
            series = self._series(ln, start, end, sensors, every_s)
        return {
            "every_s": every_s,
            "start_ms": start.timestamp() * 1000,
            "end_ms": end.timestamp() * 1000,
            "series": series,
        }
