"""Feed readings to the batches, paced by device time when a speed is given.

Pacing only decides *when* a reading is sent, never what time it carries: with
``speed`` simulated seconds per wall second, a reading is taken ``(ts - ts_first) /
speed`` after the first. While waiting, stale partial batches still leave on time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from sensors.batching import Batches
from sensors.schema import US_PER_S, Reading
from sensors.sending import POLL_S

__all__ = ["feed"]


def feed(
    batches: Batches,
    readings: Iterable[Reading | None],
    *,
    speed: float | None,
    stop: threading.Event | None,
) -> None:
    """Hand ``readings`` to ``batches``, paced by device time when ``speed`` is given.

    ``None`` from a live source means "nothing new": stale batches are sent. Returns
    early once ``stop`` is set (a reading waiting for its paced time is dropped).
    """
    wall0 = dev0 = None
    for reading in readings:
        if stop is not None and stop.is_set():
            return
        now = time.monotonic()
        if reading is None:
            # A live source (the Modbus agent) with nothing new: partial batches must
            # still leave on time and the outbox keep moving.
            batches.flush_stale(now)
            continue
        if speed is not None:
            if wall0 is None or dev0 is None:
                wall0, dev0 = now, reading.ts_us
            due = wall0 + (reading.ts_us - dev0) / US_PER_S / speed
            while now < due:
                batches.flush_stale(now)
                pause = min(due, batches.next_due) - now
                # Short sleeps, so a set ``stop`` event is noticed promptly.
                pause = min(max(pause, 0.0), POLL_S)
                if stop is not None:
                    if stop.wait(pause):
                        return
                else:
                    time.sleep(pause)
                now = time.monotonic()
        batches.flush_stale(now)
        batches.add(reading, now)
