"""Each sensor's own order back, for stored batches reported by several collectors.

Collectors in one shared-subscription group (``pilot collect --workers N``) split a
sensor's stream message by message, and each reports what it stored when its own write
returns; so reports of one sensor arrive interleaved out of device-time order. The alarm
engine takes any interleaving of sensors but needs each sensor's own order: it drops a
reading not newer than its sensor's newest as a redelivery
(:mod:`monitoring.alarms.intake`). A :class:`Reorder` holds every reported reading for
``window_s`` of wall time and releases them oldest device time first; a reading reported
more than ``window_s`` after a newer one of its sensor is released too late and dropped
by the engine as a redelivery (counted in :attr:`Reorder.late`).

>>> from sensors.schema import Reading
>>> def r(t):
...     return Reading("mk", "l1", "zone1", t * 1_000_000, 200.0, "degC", t)
>>> reorder = Reorder(window_s=1.0)
>>> reorder.add([r(2), r(4)], wall_s=10.0)
>>> reorder.add([r(1), r(5)], wall_s=10.2)  # another collector's share, reported later
>>> reorder.due(wall_s=10.5)
[]
>>> [x.seq for x in reorder.due(wall_s=11.1)]  # 2 and 4 are due, and 1 before them
[1, 2, 4]
>>> [x.seq for x in reorder.due(wall_s=11.3)]
[5]
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Sequence
from operator import attrgetter

from sensors.schema import Reading

__all__ = ["Reorder"]

_TS = attrgetter("ts_us")


class Reorder:
    """Hold reported readings for ``window_s`` [s] of wall time; release by device time.

    Not thread-safe: one thread adds and takes.
    """

    def __init__(self, *, window_s: float) -> None:
        if window_s < 0:
            raise ValueError(f"window_s must be >= 0 s, got {window_s}")
        self.window_s = window_s
        # Held readings in arrival order; sorted by device time only when some are due
        # (a stable sort of nearly sorted runs: cheaper than a heap push per reading).
        self._held: list[Reading] = []
        # Per report, in arrival order: (wall time [s], its newest device time [µs]).
        self._reports: deque[tuple[float, int]] = deque()
        # Newest device time of the reports already past the window [µs].
        self._horizon_us: int | None = None
        # Newest device time released per (site, line, sensor, household) [µs].
        self._released: dict[tuple[str, str, str, str], int] = {}
        #: Readings released after a newer one of the same sensor (reported too late).
        self.late = 0

    def __len__(self) -> int:
        return len(self._held)

    def add(self, readings: Sequence[Reading], *, wall_s: float) -> None:
        """Hold ``readings``, reported at ``wall_s`` [s]."""
        if readings:
            self._held.extend(readings)
            self._reports.append((wall_s, max(r.ts_us for r in readings)))

    def due(self, *, wall_s: float, flush: bool = False) -> list[Reading]:
        """The readings whose report is ``window_s`` old, with every held older one of
        device time (all when ``flush``), oldest device time first."""
        cutoff = float("inf") if flush else wall_s - self.window_s
        # The newest device time reported at or before the cutoff: everything up to it
        # can go, older readings reported later included (they come first).
        reports = self._reports
        while reports and reports[0][0] <= cutoff:
            newest = reports.popleft()[1]
            if self._horizon_us is None or newest > self._horizon_us:
                self._horizon_us = newest
        horizon = self._horizon_us
        held = self._held
        if horizon is None or not held:
            return []
        held.sort(key=_TS)
        cut = bisect.bisect_right(held, horizon, key=_TS)
        out = held[:cut]
        del held[:cut]
        released = self._released
        for reading in out:
            key = (reading.site, reading.line, reading.sensor, reading.household or "")
            newest = released.get(key)
            if newest is not None and reading.ts_us < newest:
                self.late += 1
            else:
                released[key] = reading.ts_us
        return out
