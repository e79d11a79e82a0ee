"""The plan of one local day: line-state segments, power, deliveries and overshoots.

Everything random about a day that does not depend on the temperatures is drawn here,
from the day's own generator and in a fixed order, so a day's plan depends only on the
seed, the line and the date, not on where the simulated period starts. The working day
(Monday to Saturday by default) is ``off`` → ``heating`` (from 06:00) → ``running``
(07:00–11:30) → ``idle`` (lunch) → ``running`` (13:00–17:00) → ``off``, each boundary
jittered per day, with random stoppages while running (design assumption, see
:class:`~sensors.simulator.regime.RegimeParams`).

>>> from datetime import date
>>> import numpy as np
>>> from sensors.simulator.channels import make_channels
>>> from sensors.simulator.example import example_line
>>> from sensors.simulator.regime import POST
>>> line = example_line()
>>> plan = make_plan(date(2019, 6, 3), rng=np.random.default_rng(1), rp=POST, line=line,
...                  channels=make_channels(line, POST, None), day0_us=0,
...                  day1_us=86_400 * 10**6)
>>> [STATE_NAMES[s] for s in plan.seg_state[:2]], plan.length_s
(['off', 'heating'], 86400.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from sensors.lines import Line
from sensors.schema import US_PER_S
from sensors.simulator.channels import Channel
from sensors.simulator.energy import cumulative_kwh, power
from sensors.simulator.events import deliveries, overshoots
from sensors.simulator.regime import RegimeParams
from sensors.simulator.schedule import (
    HEATING,
    IDLE,
    OFF,
    RUNNING,
    STATE_NAMES,
    Segment,
    running_segments,
    with_stoppages,
)

__all__ = ["DayPlan", "make_plan"]

#: Residue of the day is weighed this long after the shift ends [s].
RESIDUE_WEIGH_DELAY_S = 900.0


@dataclass
class DayPlan:
    """The random, temperature-independent part of one local day.

    Times ``seg_t0`` and ``bump_centre_s`` are [s after local midnight]; ``*_us`` are
    [µs since the epoch].
    """

    day: date
    day0_us: int
    day1_us: int
    seg_t0: np.ndarray  # segment starts [s after local midnight]
    seg_state: np.ndarray
    seg_rate: np.ndarray  # [kg/h]
    seg_electric_kw: np.ndarray
    seg_fuel_kw: np.ndarray
    cum_electric: np.ndarray  # [kWh] at segment starts, len + 1
    cum_fuel: np.ndarray
    delivery_us: np.ndarray
    delivery_kg: np.ndarray
    delivery_household: np.ndarray
    residue_weigh_us: int
    burn_us: int
    phases: np.ndarray  # ripple phase per channel [rad]
    oscillation_phase: float
    bump_centre_s: np.ndarray
    bump_height_c: np.ndarray

    @property
    def length_s(self) -> float:
        """Length of the local day [s]."""
        return (self.day1_us - self.day0_us) / US_PER_S

    @property
    def seg_t1(self) -> np.ndarray:
        """Segment ends [s after local midnight]."""
        return np.append(self.seg_t0[1:], self.length_s)

    def index(self, rel_s: np.ndarray) -> np.ndarray:
        """Segment of each time ``rel_s`` [s after local midnight]."""
        return np.searchsorted(self.seg_t0, rel_s, side="right") - 1

    def cumulative(self, cum: np.ndarray, power_kw: np.ndarray, rel_s: np.ndarray) -> np.ndarray:
        """Energy [kWh] from local midnight to ``rel_s`` [s], exact for constant power."""
        idx = self.index(rel_s)
        return cum[idx] + power_kw[idx] * (rel_s - self.seg_t0[idx]) / 3600.0

    def overlap_s(self, a_s: float, b_s: float) -> np.ndarray:
        """Seconds of each segment inside ``[a_s, b_s)``."""
        return np.clip(np.minimum(self.seg_t1, b_s) - np.maximum(self.seg_t0, a_s), 0.0, None)

    def states(self) -> list[tuple[int, int, str]]:
        """Consecutive ``(start_us, end_us, state name)`` segments covering the day."""
        t0 = (self.day0_us + np.round(self.seg_t0 * US_PER_S)).astype(np.int64).tolist()
        t1 = [*t0[1:], self.day1_us]
        return [
            (a, b, STATE_NAMES[s])
            for a, b, s in zip(t0, t1, self.seg_state.tolist(), strict=True)
            if b > a
        ]


def make_plan(
    day: date,
    *,
    rng: np.random.Generator,
    rp: RegimeParams,
    line: Line,
    channels: list[Channel],
    day0_us: int,
    day1_us: int,
) -> DayPlan:
    """The plan of local ``day`` from ``day0_us`` to ``day1_us`` (local midnights) [µs]."""
    length = (day1_us - day0_us) / US_PER_S
    # Draw in a fixed order so each quantity's stream is stable for a seed.
    jit = rng.uniform(-rp.schedule_jitter_s, rp.schedule_jitter_s, size=4)
    phases = rng.uniform(0.0, 2 * math.pi, size=len(channels))
    oscillation_phase = float(rng.uniform(0.0, 2 * math.pi))
    segments: list[Segment] = [(0.0, OFF, 0.0)]
    day_deliveries: list[tuple[float, float, int]] = []
    bumps: list[tuple[float, float]] = []
    shift_end = rp.shift_end_h * 3600.0
    if day.weekday() in rp.workdays:
        heat_on = rp.preheat_start_h * 3600.0 + jit[0]
        run_on = rp.shift_start_h * 3600.0 + jit[0]
        lunch_on = rp.lunch_start_h * 3600.0 + jit[1]
        lunch_off = rp.lunch_end_h * 3600.0 + jit[2]
        shift_end = rp.shift_end_h * 3600.0 + jit[3]
        segments.append((heat_on, HEATING, 0.0))
        running: list[tuple[float, float]] = []
        for a, b in ((run_on, lunch_on), (lunch_off, shift_end)):
            pieces = with_stoppages(rng, rp, a, b)
            running += [(x, y) for x, y, is_run in pieces if is_run]
            segments += running_segments(rng, rp, line, pieces)
            segments.append((b, IDLE, 0.0))
        segments[-1] = (shift_end, OFF, 0.0)
        t0 = np.array([x[0] for x in segments])
        dt_h = np.diff(np.append(t0, shift_end)) / 3600.0
        day_kg = float(np.dot([x[2] for x in segments], dt_h))
        day_deliveries = deliveries(rng, rp, line, run_on, shift_end, day_kg)
        hot_c = max(
            (c.targets[RUNNING] for c in channels if c.model in ("barrel", "melt")),
            default=sum(line.process_window_c) / 2,
        )
        bumps = overshoots(rng, rp, line, running, hot_c)
    seg_t0 = np.array([s[0] for s in segments])
    seg_state = np.array([s[1] for s in segments], dtype=np.int64)
    seg_rate = np.array([s[2] for s in segments])
    electric, fuel = power(rp, line, seg_state, seg_rate)
    seg_t1 = np.append(seg_t0[1:], length)
    dur_h = (seg_t1 - seg_t0) / 3600.0
    d_kg = np.array([d[1] for d in day_deliveries])
    day_residue = float(d_kg.sum()) * rp.residue_share
    weigh_s = shift_end + RESIDUE_WEIGH_DELAY_S
    return DayPlan(
        day=day,
        day0_us=day0_us,
        day1_us=day1_us,
        seg_t0=seg_t0,
        seg_state=seg_state,
        seg_rate=seg_rate,
        seg_electric_kw=electric,
        seg_fuel_kw=fuel,
        cum_electric=cumulative_kwh(electric, dur_h),
        cum_fuel=cumulative_kwh(fuel, dur_h),
        delivery_us=np.array(
            [day0_us + round(d[0] * US_PER_S) for d in day_deliveries], dtype=np.int64
        ),
        delivery_kg=d_kg,
        delivery_household=np.array([d[2] for d in day_deliveries], dtype=np.int64),
        residue_weigh_us=day0_us + round(weigh_s * US_PER_S) if day_residue > 0 else -1,
        burn_us=day0_us + round(rp.burn_time_h * 3600.0 * US_PER_S),
        phases=phases,
        oscillation_phase=oscillation_phase,
        bump_centre_s=np.array([b[0] for b in bumps]),
        bump_height_c=np.array([b[1] for b in bumps]),
    )
