"""Line state (off, heating, running, idle) from zone temperatures and throughput.

:func:`line_states` classifies every throughput sample of one line with three
hysteresis switches, each evaluated without a Python loop so a year of 1 Hz data takes
seconds:

* **on**: the line temperature :math:`T` (the hottest zone at that instant) rose to at
  least ``heating_min_c`` and has not since fallen below ``heating_min_c - hysteresis_c``;
* **hot**: :math:`T` rose to at least the low end of the process window and has not since
  fallen below ``low - hysteresis_c``;
* **flowing**: the throughput rose to at least ``running_min_kg_h`` and has not since
  fallen below ``running_min_kg_h - hysteresis_kg_h``.

The state of a sample is then

===========  ======================================================================
``running``  flowing (whatever the temperature: material leaves the line)
``idle``     not flowing, and hot or warm after having been hot since it was last off
             (lunch breaks, stoppages, and the cool-down after the shift)
``heating``  on, not flowing, and not yet hot since the line was last off
``off``      everything else
===========  ======================================================================

Why the hottest zone: the feed zone of an extruder runs 20-60 °C below the melt, so the
mean of the zones would stay below the process window on a line that is running well.
Why the cool-down counts as ``idle``: without the heater's power the sensors cannot tell
a line whose heaters were switched off from one waiting warm; a warm line that is not
producing is idle by this definition until it falls below ``heating_min_c``.

A sample where the switch quantity is missing (no temperature within the alignment
tolerance, or a missing throughput) is no evidence either way: the switch keeps its
previous value (``off``/not flowing at the start).

Example: a line that heats up, runs, stops for a break and cools down.

>>> import pandas as pd
>>> index = pd.date_range("2019-06-03 00:00", periods=8, freq="10min", tz="UTC")
>>> temps_c = pd.DataFrame({"zone1": [28, 120, 185, 200, 200, 200, 150, 50]}, index=index)
>>> throughput_kg_h = pd.Series([0, 0, 0, 60, 60, 0, 0, 0], index=index, dtype=float)
>>> line_states(temps_c, throughput_kg_h, process_window_c=(180.0, 230.0)).tolist()
['off', 'heating', 'idle', 'running', 'running', 'idle', 'idle', 'off']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.alignment import ALIGN_TOLERANCE_INTERVALS, align_to, check_time_index
from models.errors import ModelError

__all__ = [
    "ALIGN_TOLERANCE_INTERVALS",
    "DEFAULT_THRESHOLDS",
    "HEATING",
    "IDLE",
    "OFF",
    "RUNNING",
    "STATES",
    "StateThresholds",
    "StateTracker",
    "align_to",
    "check_thresholds",
    "codes_from_arrays",
    "line_states",
    "state_codes",
]

#: A cold line, or one whose heaters are off.
OFF = "off"
#: Switched on and warming up, not yet hot since it was last off.
HEATING = "heating"
#: Material leaves the line.
RUNNING = "running"
#: Hot (or warm after having been hot) and not producing.
IDLE = "idle"
#: The states :func:`line_states` returns; the int8 codes are indices into it.
STATES: tuple[str, ...] = (OFF, HEATING, RUNNING, IDLE)


@dataclass(frozen=True, slots=True)
class StateThresholds:
    """The thresholds that decide a line's state, the same for every part that asks.

    Activity extraction, the daily report, the live view and the alarms all classify
    with these values, which come from the configuration's ``[line_states]`` section.

    Parameters
    ----------
    heating_min_c
        Line temperature (hottest zone) from which a line counts as switched on [°C];
        must lie below the process window's low end.
    running_min_kg_h
        Throughput from which a line counts as running [kg/h].
    hysteresis_c
        A temperature switch falls back only this far below its threshold [K].
    hysteresis_kg_h
        The running switch falls back only this far below ``running_min_kg_h`` [kg/h];
        at most ``running_min_kg_h``.
    """

    heating_min_c: float = 60.0
    running_min_kg_h: float = 1.0
    hysteresis_c: float = 5.0
    hysteresis_kg_h: float = 0.5


#: The thresholds when none are configured.
DEFAULT_THRESHOLDS = StateThresholds()


class StateTracker:
    """The state of one line, updated reading by reading (the live view and the alarms).

    The same three switches as :func:`line_states`, with the same thresholds, applied to
    the latest values as they arrive instead of to arrays: give it the hottest zone's
    temperature and the throughput whenever either changes, and read :attr:`state`.

    Parameters
    ----------
    process_window_c
        The line's process temperature window (low, high) [°C].
    thresholds
        The configured :class:`StateThresholds`.

    >>> tracker = StateTracker((180.0, 230.0), StateThresholds())
    >>> states = []
    >>> samples = [(28, 0), (120, 0), (185, 0), (200, 60), (200, 0), (150, 0), (50, 0)]
    >>> for temp_c, rate_kg_h in samples:
    ...     tracker.update(line_temp_c=temp_c, throughput_kg_h=rate_kg_h)
    ...     states.append(tracker.state)
    >>> states
    ['off', 'heating', 'idle', 'running', 'idle', 'idle', 'off']
    """

    __slots__ = ("_low", "flowing", "hot", "on", "thresholds", "was_hot")

    def __init__(self, process_window_c: tuple[float, float], thresholds: StateThresholds) -> None:
        check_thresholds(process_window_c, thresholds)
        self.thresholds = thresholds
        self._low = process_window_c[0]
        self.on = self.hot = self.was_hot = self.flowing = False

    def update(
        self, *, line_temp_c: float | None = None, throughput_kg_h: float | None = None
    ) -> None:
        """Take the latest line temperature (hottest zone) [°C] and/or throughput [kg/h].

        ``None`` (or NaN) is no evidence: that switch keeps its value.
        """
        th = self.thresholds
        if line_temp_c is not None and line_temp_c == line_temp_c:
            self.on = _switch(self.on, line_temp_c, th.heating_min_c, th.hysteresis_c)
            self.hot = _switch(self.hot, line_temp_c, self._low, th.hysteresis_c)
            if not self.on:
                self.was_hot = False
            if self.hot:
                self.was_hot = True
        if throughput_kg_h is not None and throughput_kg_h == throughput_kg_h:
            self.flowing = _switch(
                self.flowing, throughput_kg_h, th.running_min_kg_h, th.hysteresis_kg_h
            )

    @property
    def running(self) -> bool:
        """Whether the line is running (material leaves it)."""
        return self.flowing

    @property
    def state(self) -> str:
        """One of :data:`STATES`, decided as in :func:`line_states`."""
        if self.flowing:
            return RUNNING
        if self.hot or (self.on and self.was_hot):
            return IDLE
        return HEATING if self.on else OFF


def _switch(state: bool, value: float, on_at: float, hysteresis: float) -> bool:
    """One hysteresis switch: on from ``on_at``, off below ``on_at - hysteresis``."""
    if value >= on_at:
        return True
    if value < on_at - hysteresis:
        return False
    return state


def _ffill_decisions(decided: np.ndarray, state: np.ndarray) -> np.ndarray:
    """Boolean state that holds ``state`` from each ``decided`` sample until the next one.

    Before the first decision the result is False. Equal to a forward fill of a NaN/0/1
    float series, computed on booleans only (10^8 samples stay 100 MB, no index arrays):
    the result toggles exactly at the decisions whose state differs from the previous
    decision's, so it is the running XOR of those toggles.
    """
    at_decisions = state[decided]
    toggles = np.zeros(len(decided), dtype=bool)
    if len(at_decisions):
        changes = np.empty_like(at_decisions)
        changes[0] = at_decisions[0]  # the state before any decision is False
        np.not_equal(at_decisions[1:], at_decisions[:-1], out=changes[1:])
        toggles[decided] = changes
    return np.logical_xor.accumulate(toggles)


def _hysteresis(values: np.ndarray, on_at: float, off_below: float) -> np.ndarray:
    """Boolean switch: True from ``values >= on_at`` until ``values < off_below``.

    NaN keeps the previous state; the state before the first decision is False.
    """
    with np.errstate(invalid="ignore"):
        on = values >= on_at
        off = values < off_below
    # Where both hold (only if off_below > on_at) the switch-off wins, as it always did.
    return _ffill_decisions(on | off, on & ~off)


def check_thresholds(process_window_c: tuple[float, float], thresholds: StateThresholds) -> None:
    """Refuse a process window and thresholds that contradict each other.

    Raises
    ------
    ModelError
        A window with low >= high, ``heating_min_c`` not below the window, a negative
        hysteresis, or a throughput hysteresis above the running threshold.
    """
    heating_min_c, running_min_kg_h = thresholds.heating_min_c, thresholds.running_min_kg_h
    hysteresis_c, hysteresis_kg_h = thresholds.hysteresis_c, thresholds.hysteresis_kg_h
    low, high = process_window_c
    if not low < high:
        raise ModelError(f"process_window_c must be (low, high) with low < high, got {low, high}")
    if not heating_min_c < low:
        raise ModelError(
            f"heating_min_c ({heating_min_c} °C) must lie below the process window's low end "
            f"({low} °C); lower heating_min_c"
        )
    if hysteresis_c < 0 or hysteresis_kg_h < 0:
        raise ModelError("hysteresis_c and hysteresis_kg_h must not be negative")
    if hysteresis_kg_h > running_min_kg_h:
        raise ModelError(
            f"hysteresis_kg_h ({hysteresis_kg_h}) above running_min_kg_h ({running_min_kg_h}) "
            "would keep a stopped line running forever; reduce it"
        )


def codes_from_arrays(
    line_temp_c: np.ndarray,
    throughput_kg_h: np.ndarray,
    *,
    process_window_c: tuple[float, float],
    thresholds: StateThresholds = DEFAULT_THRESHOLDS,
) -> np.ndarray:
    """:func:`state_codes` on plain arrays already on the throughput's instants.

    Parameters
    ----------
    line_temp_c
        Line temperature (hottest zone) at each throughput sample [°C], NaN if unknown.
    throughput_kg_h
        Throughput [kg/h], same length.
    process_window_c, thresholds
        As in :func:`line_states`.

    Returns
    -------
    int8 codes, indices into :data:`STATES`.
    """
    check_thresholds(process_window_c, thresholds)
    if len(line_temp_c) != len(throughput_kg_h):
        raise ModelError("line_temp_c and throughput_kg_h must have the same length")
    th = thresholds
    low = process_window_c[0]
    rate = np.asarray(throughput_kg_h, dtype=float)
    on = _hysteresis(line_temp_c, th.heating_min_c, th.heating_min_c - th.hysteresis_c)
    hot = _hysteresis(line_temp_c, low, low - th.hysteresis_c)
    flowing = _hysteresis(rate, th.running_min_kg_h, th.running_min_kg_h - th.hysteresis_kg_h)
    # "Has been hot since the line was last off": a latch set where hot, reset where off.
    was_hot = _ffill_decisions(~on | hot, hot)

    codes = np.full(len(rate), STATES.index(OFF), dtype=np.int8)
    codes[on & ~was_hot] = STATES.index(HEATING)
    codes[hot | (on & was_hot)] = STATES.index(IDLE)  # unless flowing
    codes[flowing] = STATES.index(RUNNING)
    return codes


def state_codes(
    temps_c: pd.DataFrame,
    throughput_kg_h: pd.Series,
    *,
    process_window_c: tuple[float, float],
    thresholds: StateThresholds = DEFAULT_THRESHOLDS,
) -> np.ndarray:
    """:func:`line_states` as int8 codes, indices into :data:`STATES` (faster on long series)."""
    check_time_index(throughput_kg_h, "throughput_kg_h")
    check_time_index(temps_c, "temps_c")
    check_thresholds(process_window_c, thresholds)
    index = throughput_kg_h.index
    if temps_c.shape[1] == 0:
        line_temp = np.full(len(index), np.nan)
    else:
        aligned = np.column_stack([align_to(temps_c[c], index).to_numpy() for c in temps_c])
        # fmax ignores NaN unless every zone is missing (then the row stays NaN).
        line_temp = np.fmax.reduce(aligned, axis=1)
    return codes_from_arrays(
        line_temp,
        throughput_kg_h.to_numpy(dtype=float),
        process_window_c=process_window_c,
        thresholds=thresholds,
    )


def line_states(
    temps_c: pd.DataFrame,
    throughput_kg_h: pd.Series,
    *,
    process_window_c: tuple[float, float],
    thresholds: StateThresholds = DEFAULT_THRESHOLDS,
) -> pd.Series:
    """State of a line at each throughput sample.

    Parameters
    ----------
    temps_c
        Zone temperatures [°C]: one column per zone sensor, DatetimeIndex (UTC). Columns
        may hold NaN where a sensor has no reading at that instant; each column is
        forward-filled onto the throughput's instants within
        :data:`ALIGN_TOLERANCE_INTERVALS` of its median sampling interval.
    throughput_kg_h
        Throughput [kg/h], DatetimeIndex (UTC); its index is the result's index.
    process_window_c
        Process temperature window (low, high) [°C]; reaching ``low`` makes the line hot.
    thresholds
        The switches' thresholds and hystereses (:class:`StateThresholds`; the
        configuration's ``[line_states]`` section).

    Returns
    -------
    Series of strings in :data:`STATES` on the throughput's index, named ``state``.

    Raises
    ------
    ModelError
        Inputs without a sorted, unique, UTC DatetimeIndex, or contradictory thresholds.
    """
    codes = state_codes(
        temps_c,
        throughput_kg_h,
        process_window_c=process_window_c,
        thresholds=thresholds,
    )
    names = np.array(STATES, dtype=object)
    return pd.Series(names[codes], index=throughput_kg_h.index, name="state", dtype=object)
