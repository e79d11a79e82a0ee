"""Catch-up without false alarms: each line's readings back in device-time order.

A backlog drained after a restart, a redelivery or a replay from the spool or an outbox
delivers a line's sensors interleaved in any order; the broker keeps only each sensor's
own order. Two facts of the alarm rules depend on that interleaving, and this module
removes both:

**Order across sensors.** Whether a line runs (which ``underheat`` and ``throughput_low``
need) comes from several sensors, the barrel zones and the throughput, the *feeders*.
A :class:`LineIntake` holds a line's readings and releases them in device-time order
(ties by sensor id) up to the *watermark*: the oldest newest-reading among the feeders
still delivering. The rules then see the same sequence live and in any interleaving
that keeps each sensor's order.

**Silence.** A sensor is *stopped* when the broker has delivered nothing of its stream
for its silence limit (``silent_intervals`` × ``interval_s``) of wall time. It is
``silent`` only when it is stopped *and* its line's device clock is that far past its
newest reading. A draining backlog delivers every sensor's stream continuously, so no
sensor is stopped and none is silent, however far the line's clock runs ahead; a real
outage stops the stream, and the alarm comes after the same limit as before. A stopped
feeder (or one never heard within its limit since start) no longer holds its line back.

A redelivered reading (device time not after the newest of its sensor) is dropped:
its moment has been judged. ``max_pending`` bounds memory: beyond it the oldest held
readings are released anyway.

>>> from sensors.catalog import SensorSpec
>>> from sensors.schema import Reading
>>> def spec(sensor, kind):
...     return SensorSpec("mk", "l1", sensor, kind, "degC", 0.0, 500.0, 1.0)
>>> intake = LineIntake([spec("zone1", "barrel_temp"), spec("zone2", "barrel_temp")],
...                     silent_intervals=30, started_wall_s=0.0)
>>> def r(sensor, t):
...     return Reading("mk", "l1", sensor, t * 1_000_000, 200.0, "degC", t)
>>> [intake.add(r("zone1", t), wall_s=1.0) for t in (1, 2, 3)]
[True, True, True]
>>> intake.release(wall_s=1.0)  # zone2 not heard yet: held
[]
>>> intake.add(r("zone2", 2), wall_s=1.0), intake.add(r("zone2", 2), wall_s=1.0)
(True, False)
>>> [(x.sensor, x.ts_us // 1_000_000) for x in intake.release(wall_s=1.0)]
[('zone1', 1), ('zone1', 2), ('zone2', 2)]
>>> [(x.sensor, x.ts_us // 1_000_000) for x in intake.release(wall_s=40.0)]  # zone2 stopped
[('zone1', 3)]
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from monitoring.alarms.rules import AlarmEvent
from sensors.catalog import SensorSpec
from sensors.schema import Reading

__all__ = ["FEEDER_KINDS", "LineIntake"]

#: Sensor kinds whose readings decide whether a line runs.
FEEDER_KINDS: frozenset[str] = frozenset({"barrel_temp", "throughput"})

_US = 1_000_000


class LineIntake:
    """One line's readings, held until they can be judged in device-time order.

    Parameters
    ----------
    sensors
        The line's sensors.
    silent_intervals
        Expected intervals of quiet delivery after which a sensor's stream is stopped [-].
    started_wall_s
        Wall time the engine started [s since the epoch]: a sensor never heard is
        stopped once its limit has passed since then.
    max_pending
        Most readings held; beyond it the oldest are released anyway.
    """

    def __init__(
        self,
        sensors: Iterable[SensorSpec],
        *,
        silent_intervals: float,
        started_wall_s: float,
        max_pending: int = 200_000,
    ) -> None:
        self.specs = {s.sensor: s for s in sensors}
        self._limit_s = {s.sensor: silent_intervals * s.interval_s for s in self.specs.values()}
        self._feeders = [
            s.sensor for s in self.specs.values() if s.kind in FEEDER_KINDS and not s.event
        ]
        self._started_wall_s = started_wall_s
        self.max_pending = max_pending
        #: Newest device time received of each sensor [µs].
        self.newest_us: dict[str, int] = {}
        #: Wall time of the newest delivery of each sensor [s].
        self.delivered_wall_s: dict[str, float] = {}
        self._heap: list[tuple[int, str, int, Reading]] = []
        self._seq = 0

    def limit_s(self, sensor: str) -> float:
        """The silence limit of ``sensor`` [s]."""
        return self._limit_s[sensor]

    def add(self, reading: Reading, *, wall_s: float) -> bool:
        """Take ``reading`` delivered at ``wall_s``; False when it is a redelivery."""
        newest = self.newest_us.get(reading.sensor)
        if newest is not None and reading.ts_us <= newest:
            return False
        self.newest_us[reading.sensor] = reading.ts_us
        self.delivered_wall_s[reading.sensor] = wall_s
        self._seq += 1
        heapq.heappush(self._heap, (reading.ts_us, reading.sensor, self._seq, reading))
        return True

    def stopped(self, sensor: str, wall_s: float) -> bool:
        """True when the broker has delivered nothing of ``sensor`` for its limit."""
        since = self.delivered_wall_s.get(sensor, self._started_wall_s)
        return wall_s - since > self._limit_s[sensor]

    def watermark_us(self, wall_s: float) -> float:
        """Device time up to which every feeder still delivering has been received."""
        marks = [
            self.newest_us.get(f, float("-inf"))
            for f in self._feeders
            if not self.stopped(f, wall_s)
        ]
        return min(marks, default=float("inf"))

    def release(self, *, wall_s: float, flush: bool = False) -> list[Reading]:
        """The held readings that can be judged now, oldest first (all when ``flush``)."""
        mark = float("inf") if flush else self.watermark_us(wall_s)
        out: list[Reading] = []
        heap = self._heap
        while heap and (heap[0][0] <= mark or len(heap) > self.max_pending):
            out.append(heapq.heappop(heap)[3])
        return out

    def silent_event(self, spec: SensorSpec, now_us: int) -> AlarmEvent | None:
        """The ``silent`` alarm of a stopped ``spec`` whose newest reading lies more than
        its limit before device time ``now_us``, or None."""
        newest = self.newest_us.get(spec.sensor)
        if spec.event or newest is None:
            return None
        limit_s = self._limit_s[spec.sensor]
        quiet_s = (now_us - newest) / _US
        if quiet_s <= limit_s:
            return None
        return AlarmEvent(
            "raised",
            "silent",
            spec.site,
            spec.line,
            spec.sensor,
            quiet_s,
            limit_s,
            now_us,
            f"{spec.sensor}: no reading for {quiet_s:.0f} s (expected every {spec.interval_s:g} s)",
        )

    def pending(self) -> int:
        """Readings held."""
        return len(self._heap)
