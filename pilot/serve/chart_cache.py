"""The last day of every charted sensor, as sums and counts over short windows, in memory.

A 24 h chart of a line is some 600 000 readings at 1 Hz; averaging them in the store
takes seconds on a month-long SQLite file. The dashboard therefore keeps the last
``hours`` as sums and counts per window of ``bucket_s`` (aligned to the epoch, like the
store's ``every_s``), loaded once from the store as means and counts, and kept up to
date with each polled reading; charts inside that span are averaged from it.

>>> from sensors.schema import Reading
>>> cache = ChartCache(bucket_s=10, hours=1)
>>> cache.add([Reading("s", "l", "melt_temp", t * 1_000_000, float(t), "degC", 0)
...            for t in range(0, 60)])
>>> cache.series(("s", "l"), ["melt_temp"], start_us=0, end_us=60_000_000, every_s=30)
{'melt_temp': [[15000.0, 14.5], [45000.0, 44.5]]}
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from sensors.schema import Reading

__all__ = ["ChartCache"]

_US = 1_000_000
Key = tuple[str, str]


class ChartCache:
    """Sums and counts per ``bucket_s`` window [s] over the last ``hours`` [h] per line."""

    def __init__(self, *, bucket_s: int = 10, hours: float = 24.0) -> None:
        self.bucket_us = bucket_s * _US
        self.bucket_s = bucket_s
        self.span_us = int(hours * 3600 * _US)
        self._sums: dict[Key, dict[str, dict[int, list[float]]]] = {}
        self._newest: dict[Key, int] = {}
        self._from: dict[Key, int] = {}
        self._lock = threading.Lock()

    def load(self, key: Key, frame: pd.DataFrame, *, start_us: int) -> None:
        """Take a store read with ``every_s = bucket_s`` (means and counts) from ``start_us``."""
        with self._lock:
            line = self._sums.setdefault(key, {})
            self._from[key] = start_us
            if frame.empty:
                return
            ts = frame["time"].astype("int64").tolist()
            for sensor, t, mean, count in zip(
                frame["sensor"], ts, frame["value"], frame["count"], strict=True
            ):
                bucket = t // self.bucket_us
                line.setdefault(str(sensor), {})[bucket] = [float(mean) * count, float(count)]
                self._newest[key] = max(self._newest.get(key, t), t)

    def add(self, readings: Iterable[Reading]) -> None:
        """Count readings not seen before (the caller passes each reading once)."""
        with self._lock:
            touched = set()
            for r in readings:
                key = (r.site, r.line)
                sums = self._sums.setdefault(key, {}).setdefault(r.sensor, {})
                cell = sums.setdefault(r.ts_us // self.bucket_us, [0.0, 0.0])
                cell[0] += r.value
                cell[1] += 1
                self._newest[key] = max(self._newest.get(key, r.ts_us), r.ts_us)
                self._from.setdefault(key, r.ts_us)
                touched.add(key)
            for key in touched:
                self._prune(key)

    def _prune(self, key: Key) -> None:
        oldest = (self._newest[key] - self.span_us) // self.bucket_us
        if self._from[key] < oldest * self.bucket_us:
            self._from[key] = (oldest + 1) * self.bucket_us
        for sums in self._sums[key].values():
            for bucket in [b for b in sums if b <= oldest]:
                del sums[bucket]

    def covers(self, key: Key, start_us: int) -> bool:
        """Whether the cache holds every window from ``start_us`` on."""
        with self._lock:
            return key in self._from and self._from[key] <= start_us

    def series(
        self, key: Key, sensors: Sequence[str], *, start_us: int, end_us: int, every_s: int
    ) -> dict[str, list[list[float]]]:
        """Means over windows of ``every_s`` (a multiple of ``bucket_s``) in
        ``[start_us, end_us)``, per sensor, as ``[[window middle ms, mean], ...]``."""
        if every_s % self.bucket_s:
            raise ValueError(f"every_s must be a multiple of {self.bucket_s} s")
        step_us = every_s * _US
        out: dict[str, list[list[float]]] = {}
        with self._lock:
            line = self._sums.get(key, {})
            cells = {
                sensor: (
                    np.fromiter(line[sensor].keys(), np.int64, len(line[sensor])),
                    np.array(list(line[sensor].values()), dtype=float).reshape(-1, 2),
                )
                for sensor in sensors
                if line.get(sensor)
            }
        for sensor, (buckets, sums) in cells.items():
            starts = buckets * self.bucket_us
            inside = (starts >= start_us) & (starts < end_us)
            if not inside.any():
                continue
            windows, index = np.unique(starts[inside] // step_us, return_inverse=True)
            total = np.bincount(index, weights=sums[inside, 0])
            count = np.bincount(index, weights=sums[inside, 1])
            middle_ms = (windows * step_us + step_us / 2) / 1000
            out[sensor] = np.column_stack([middle_ms, np.round(total / count, 3)]).tolist()
        return out
