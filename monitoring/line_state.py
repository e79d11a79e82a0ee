"""What the live view and the alarms need to know a line's state, without deciding it.

Whether a line is off, heating, running or idle is defined once, in the emission
model's line states, from the configured thresholds; the daily report and the activity
extraction use the same definition. Monitoring must not import the model, so the
composition root (:mod:`pilot.wiring`) hands the live view and the alarm engine a
:data:`StateTrackerFactory` that makes one :class:`LineStateTracker` per line;
monitoring feeds it the hottest barrel zone and the throughput as readings arrive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sensors.lines import Line

__all__ = ["LineStateTracker", "StateTrackerFactory"]


class LineStateTracker(Protocol):
    """The state of one line, updated reading by reading."""

    def update(
        self, *, line_temp_c: float | None = None, throughput_kg_h: float | None = None
    ) -> None:
        """Take the latest line temperature (hottest barrel zone) [°C] and/or throughput
        [kg/h]; ``None`` is no evidence."""

    @property
    def state(self) -> str:
        """``off``, ``heating``, ``running`` or ``idle``."""

    @property
    def running(self) -> bool:
        """Whether material leaves the line."""


#: Makes the tracker of one line (e.g. ``lambda line: StateTracker(line.process_window_c,
#: thresholds)`` with the configured thresholds).
StateTrackerFactory = Callable[[Line], LineStateTracker]
