"""Wall-clock jump detection on the gateway.

Readings carry the gateway's wall-clock time, so a clock that jumps (NTP stepping a
drifted clock, a Raspberry Pi without a real-time clock booting at 1970 and syncing
later, a manual change) shifts every reading's timestamp. :class:`ClockWatch` compares
how far the wall clock (``time.time``) and the monotonic clock (``time.monotonic``)
advanced between two looks; a difference beyond ``tolerance_s`` is a jump, logged as a
warning. The collector refuses readings more than ``max_future_s`` ahead of its own
clock, which catches a gateway clock running ahead.

>>> wall, mono = [1000.0], [50.0]
>>> watch = ClockWatch(tolerance_s=1.0, wall=lambda: wall[0], monotonic=lambda: mono[0])
>>> wall[0], mono[0] = 1010.0, 60.0
>>> watch.check()
0.0
>>> wall[0], mono[0] = 1130.0, 70.0  # the wall clock moved 120 s in 10 s
>>> watch.check()
110.0
>>> watch.jumps
1
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["ClockWatch"]

log = logging.getLogger("upops.agent.clock")


class ClockWatch:
    """Detects jumps of the wall clock against the monotonic clock.

    Parameters
    ----------
    tolerance_s
        Largest disagreement between the two clocks' advances that is not a jump [s];
        NTP slews small errors at 0.5 ms/s, far below the default.
    wall, monotonic
        Clock functions [s]; the standard ones unless testing.
    """

    def __init__(
        self,
        *,
        tolerance_s: float = 2.0,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tolerance_s = tolerance_s
        self._wall = wall
        self._monotonic = monotonic
        self._last_wall = wall()
        self._last_mono = monotonic()
        self.jumps = 0

    def check(self) -> float:
        """Compare the clocks since the last check; the jump [s] (0.0 if none), logged."""
        wall, mono = self._wall(), self._monotonic()
        jump = (wall - self._last_wall) - (mono - self._last_mono)
        self._last_wall, self._last_mono = wall, mono
        if abs(jump) <= self.tolerance_s:
            return 0.0
        self.jumps += 1
        log.warning(
            "the gateway's wall clock jumped by %+.1f s; readings carry this clock, so "
            "keep it synchronised by NTP (timedatectl status; chrony or systemd-timesyncd)",
            jump,
        )
        return jump
