"""The line state over a working day: heating, running with random stoppages, idle, off.

A day is a list of piecewise-constant segments ``(start_s, state, rate_kg_h)``, start
in seconds after local midnight. The day itself (``off`` → ``heating`` → ``running`` →
``idle`` at lunch → ``running`` → ``off``, jittered per day) is laid out by
:func:`sensors.simulator.day_plan.make_plan`; this module cuts the running hours into
production and stoppages and gives each running piece its output rate. All of it is a
design assumption: no public source gives the pilot lines' operating hours.

>>> import numpy as np
>>> from sensors.simulator.regime import POST
>>> pieces = with_stoppages(np.random.default_rng(1), POST, 0.0, 3600.0)
>>> pieces[0][0], pieces[-1][1]
(0.0, 3600.0)
"""

from __future__ import annotations

import numpy as np

from sensors.lines import Line
from sensors.simulator.regime import RegimeParams

__all__ = [
    "HEATING",
    "IDLE",
    "OFF",
    "RUNNING",
    "STATE_NAMES",
    "Segment",
    "running_segments",
    "with_stoppages",
]

#: Line states, as stored in the schedule arrays.
OFF, HEATING, RUNNING, IDLE = 0, 1, 2, 3
#: Name of each state, indexed by its number.
STATE_NAMES: tuple[str, ...] = ("off", "heating", "running", "idle")

#: One piece of a day: start [s after local midnight], state, output rate [kg/h].
Segment = tuple[float, int, float]


def with_stoppages(
    rng: np.random.Generator, rp: RegimeParams, a: float, b: float
) -> list[tuple[float, float, bool]]:
    """Split ``[a, b)`` [s] into running (True) and stopped (False) pieces."""
    n = int(rng.poisson(rp.stoppage_rate_per_h * (b - a) / 3600.0))
    starts = np.sort(rng.uniform(a, b, size=n))
    lengths = np.minimum(rng.exponential(rp.stoppage_mean_s, size=n), rp.stoppage_max_s)
    pieces: list[tuple[float, float, bool]] = []
    t = a
    for s0, ln in zip(starts.tolist(), lengths.tolist(), strict=True):
        s1 = min(s0 + ln, b)
        if s1 <= t:  # swallowed by the previous stoppage
            continue
        if s0 > t:
            pieces.append((t, s0, True))
        pieces.append((max(s0, t), s1, False))
        t = s1
    if t < b:
        pieces.append((t, b, True))
    return pieces


def running_segments(
    rng: np.random.Generator,
    rp: RegimeParams,
    line: Line,
    pieces: list[tuple[float, float, bool]],
) -> list[Segment]:
    """Segments of ``pieces``: stoppages idle, running pieces at a drawn output rate.

    Continuous extrusion runs each piece at one rate; a batch line melts without
    output, then discharges at a higher rate, cycle after cycle.
    """
    mean_rate = line.nominal_throughput_kg_h * rp.throughput_factor
    out: list[Segment] = []
    for a, b, is_run in pieces:
        if not is_run:
            out.append((a, IDLE, 0.0))
            continue
        if rp.batch_cycle_s is None:
            rate = mean_rate * max(0.0, 1.0 + rp.throughput_segment_sd * rng.standard_normal())
            out.append((a, RUNNING, rate))
            continue
        # A batch first melts (no output), then is discharged; restart after a stop.
        melt_s = rp.batch_cycle_s * (1.0 - rp.batch_discharge_fraction)
        peak = mean_rate / rp.batch_discharge_fraction
        t = a
        while t < b:
            if melt_s > 0:
                out.append((t, RUNNING, 0.0))
            t_dis = t + melt_s
            if t_dis >= b:
                break
            rate = peak * max(0.0, 1.0 + rp.throughput_segment_sd * rng.standard_normal())
            out.append((t_dis, RUNNING, rate))
            t = t + rp.batch_cycle_s
    return out
