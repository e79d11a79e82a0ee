"""Activity of one line from consecutive chunks of its readings, in bounded memory.

:func:`models.activity.extract_activity_arrays` needs a whole period's arrays at once:
a year of 1 Hz data of one line is about 4 GB. :class:`ActivityStream` takes the period
in consecutive, disjoint chunks (a day or a few) and keeps only what crosses a chunk
boundary: the last throughput sample and its place on the gap-free time axis, the last
reading of each temperature sensor and of the energy counter, the line-state switches,
the running sums, and the intake weighings (a few per day).

Same numbers as the whole period, by construction:

* every per-sample quantity is computed exactly as on the whole period: the gap-free
  time axis continues from the carried offset (whole microseconds, exact in float64),
  the trapezoid and the step of the sample before a boundary use the carried sample,
  forward filling uses the carried readings, and the line-state switches (hysteresis,
  "has been hot") continue from their state at the end of the previous chunk;
* hours per line state are summed sample by sample in time order (``np.add.at``),
  exactly as :func:`numpy.bincount` does on the whole period; counts and intake are
  exact;
* the residue scale's increments are kept (a few per day) and summed exactly rounded at
  the end (:mod:`models.residue_scale`), so the residue is bit-identical too;
* mass, coverage, energy and the temperature shares are sums of per-chunk sums, so
  they can differ from the whole-period sum (numpy's pairwise summation) in the last
  bits (relative 1e-15, shown by ``tests/models/test_activity_stream.py``).

A period given as a single chunk is extracted by
:func:`~models.activity.extract_activity_arrays` itself, so its result is bit-identical.
Two caveats where readings are irregular: a sensor that is forward-filled (its times
differ from the throughput's) uses the median interval of the chunk, not of the period,
for the alignment tolerance; and a chunk whose temperature zones happen to share the
throughput's instants is not forward-filled even if other chunks are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from emission_factors.units import MICROSECONDS_PER_HOUR, MICROSECONDS_PER_SECOND
from models.activity import extract_activity_arrays
from models.errors import ModelError
from models.line_activity import LineActivity, LineParameters
from models.measures import completeness, counter_increase, intake_totals, trapezoid
from models.residue_scale import residue_increments_kg, residue_mass_kg
from models.sensor_arrays import (
    NO_READINGS,
    SensorArrays,
    align_us,
    drop_missing,
    line_temperature,
    same_times,
    sorted_unique,
)
from models.states import IDLE, OFF, RUNNING, STATES, codes_from_arrays

__all__ = ["ActivityStream"]

_RUNNING = STATES.index(RUNNING)
#: One chunk as given to :meth:`ActivityStream.add`: arrays, intake, counted readings.
_Chunk = tuple[dict[str, SensorArrays], pd.DataFrame | None, dict[str, int]]


class ActivityStream:
    """Activity of one line over ``[start, end)``, fed chunk by chunk in time order.

    Parameters are those of :func:`models.activity.extract_activity_arrays`; each
    :meth:`add` gives one chunk's per-sensor arrays and intake weighings. Chunks must
    come in time order and must not overlap.

    >>> import numpy as np
    >>> from datetime import UTC, datetime
    >>> from models.line_activity import LineParameters
    >>> p = LineParameters((180.0, 240.0), 280.0, ("zone1_temp",),
    ...     {"throughput": 1.0, "zone1_temp": 1.0})
    >>> t0 = 1_559_520_000_000_000
    >>> stream = ActivityStream(p, site="mk", line="line-1",
    ...     start=datetime(2019, 6, 3, tzinfo=UTC), end=datetime(2019, 6, 3, 0, 2, tzinfo=UTC))
    >>> for k in range(2):  # two one-minute chunks of 60 kg/h at 200 °C
    ...     t = t0 + (np.arange(60) + 60 * k) * 1_000_000
    ...     stream.add({"throughput": (t, np.full(60, 60.0)),
    ...                 "zone1_temp": (t, np.full(60, 200.0))})
    >>> round(stream.result().processed_kg, 6)  # 119 s of flow at 1 kg/min
    1.983333
    """

    def __init__(
        self,
        params: LineParameters,
        *,
        site: str,
        line: str,
        start: datetime,
        end: datetime,
    ) -> None:
        if params.throughput_sensor is None:
            raise ModelError(f"{site}/{line}: a throughput sensor is needed to extract activity")
        self.params = params
        self.site, self.line, self.start, self.end = site, line, start, end
        self._first: _Chunk | None = None
        self._chunks = 0
        self._counts: Counter[str] = Counter()
        self._intake: list[pd.DataFrame] = []
        # Throughput carried over a boundary: time [µs], rate, offset on the gap-free
        # axis [µs], and the sample's state code, in-window and above flags (its step
        # is known only once the next sample arrives).
        self._tp: tuple[int, float, float] | None = None
        self._pending: tuple[int, bool, bool, bool, bool] | None = None
        self._switches = (False, False, False)  # flowing, on, has been hot
        self._last: dict[str, tuple[int, float]] = {}  # last reading with a value
        self._mass_kg = 0.0
        self._covered_h = 0.0
        self._state_h = np.zeros(len(STATES))
        # Sums with the process sensor aligned [0] and with the hottest zone [1]: which
        # one counts is known only at the end (the whole period without any process
        # reading uses the hottest zone).
        self._in_window_h = [0.0, 0.0]
        self._above_h = [0.0, 0.0]
        self._running_above_h = [0.0, 0.0]
        self._process_seen = False
        self._energy_kwh = 0.0
        self._energy_last: float | None = None  # the counter's last reading [kWh]
        self._residue: list[np.ndarray] = []  # nonzero increments of the residue scale [kg]
        self._residue_last: float | None = None  # a residue counter's last reading [kg]

    def add(
        self,
        sensors: Mapping[str, SensorArrays],
        intake: pd.DataFrame | None = None,
        counted: Mapping[str, int] | None = None,
    ) -> None:
        """One chunk: sensor id -> (times [µs], values), the intake weighings (columns
        ``household``, ``value`` [kg]) and the readings of sensors given only as a
        number, as for ``extract_activity_arrays``."""
        chunk = (dict(sensors), intake, dict(counted or {}))
        self._chunks += 1
        if self._chunks == 1:
            self._first = chunk  # a one-chunk period is extracted as a whole (exact)
            return
        if self._first is not None:
            self._add(*self._first)
            self._first = None
        self._add(*chunk)

    def result(self) -> LineActivity:
        """The period's activity.

        Raises
        ------
        ModelError
            No readings at all, or no throughput readings (as ``extract_activity_arrays``).
        """
        p = self.params
        where = dict(site=self.site, line=self.line, start=self.start, end=self.end)
        if self._chunks <= 1:
            sensors, intake, counted = self._first if self._first is not None else ({}, None, {})
            return extract_activity_arrays(sensors, p, intake=intake, counted=counted, **where)
        if not any(self._counts.values()):
            raise ModelError(
                f"no readings between {self.start.isoformat()} and {self.end.isoformat()}; "
                "check the period and that the collector stored data for this line"
            )
        if self._tp is None:
            raise ModelError(
                f"{self.site}/{self.line}: no readings of the throughput sensor "
                f"{p.throughput_sensor!r} between {self.start.isoformat()} and "
                f"{self.end.isoformat()}; activity needs them"
            )
        if self._pending is not None:  # the last sample's step is zero, as on a whole period
            np.add.at(self._state_h, [self._pending[0]], [0.0])
        period_h = (self.end - self.start).total_seconds() / 3600.0
        coverage = self._covered_h / period_h if period_h > 0 else 0.0
        state_h = {name: float(h) for name, h in zip(STATES, self._state_h, strict=True)}
        running_h = state_h[RUNNING]
        v = 0 if self._process_seen else 1
        mass = self._mass_kg
        energy = self._energy_kwh if p.energy_sensor is not None else float("nan")
        intake = intake_totals(
            pd.concat(self._intake, ignore_index=True)
            if self._intake
            else pd.DataFrame({"household": pd.Series([], dtype=object), "value": []})
        )
        return LineActivity(
            site=self.site,
            line=self.line,
            start=self.start,
            end=self.end,
            processed_kg=mass,
            throughput_coverage=min(coverage, 1.0),
            energy_kwh=energy,
            energy_kwh_per_kg=energy / mass if mass > 0 else float("nan"),
            state_h=state_h,
            in_window_share=self._in_window_h[v] / running_h if running_h else 0.0,
            above_degradation_h=self._above_h[v],
            above_degradation_share=self._running_above_h[v] / running_h if running_h else 0.0,
            intake_kg={str(k): float(x) for k, x in intake["intake_kg"].items()},
            deliveries={str(k): int(x) for k, x in intake["deliveries"].items()},
            completeness=completeness(
                self._counts, p.expected_interval_s, start=self.start, end=self.end
            ),
            throughput_accuracy=p.throughput_accuracy,
            energy_accuracy=p.energy_accuracy,
            residue_kg=residue_mass_kg(self._residue, seen=self._residue_last is not None),
        )

    # -- one chunk ---------------------------------------------------------------------

    def _add(
        self, sensors: dict[str, SensorArrays], intake: pd.DataFrame | None, counted: dict[str, int]
    ) -> None:
        p = self.params
        self._counts.update(counted)
        for sensor, (times_us, values) in sensors.items():
            if len(times_us) != len(values):
                raise ModelError(
                    f"sensor {sensor!r}: {len(times_us)} times but {len(values)} values"
                )
            # Given intake weighings count instead of the intake sensor's arrays, as in
            # extract_activity_arrays.
            if intake is None or sensor != p.intake_sensor:
                self._counts[sensor] += len(times_us)
        if intake is not None and p.intake_sensor is not None:
            self._counts[p.intake_sensor] += len(intake)
            self._intake.append(intake[["household", "value"]])

        def raw(sensor: str | None) -> SensorArrays:
            if sensor is None or sensor not in sensors:
                return NO_READINGS
            times_us, values = sensors[sensor]
            return np.asarray(times_us, dtype=np.int64), np.asarray(values, dtype=float)

        tp_times, rate = drop_missing(sorted_unique(raw(p.throughput_sensor)))
        zones = [sorted_unique(raw(s)) for s in p.temperature_sensors]
        process = sorted_unique(raw(p.process_temp_sensor))
        if p.energy_sensor is not None:
            self._energy(drop_missing(sorted_unique(raw(p.energy_sensor)))[1])
        self._residue_scale(drop_missing(sorted_unique(raw(p.residue_sensor)))[1])
        if len(tp_times):
            self._throughput(tp_times, rate, zones, process)
        # Carry each temperature sensor's last reading for the next chunk's forward fill.
        named = [*zip(p.temperature_sensors, zones, strict=True), (p.process_temp_sensor, process)]
        for sensor, arrays in named:
            times_us, values = drop_missing(arrays)
            if sensor is not None and len(times_us):
                self._last[sensor] = (int(times_us[-1]), float(values[-1]))
        if not np.isnan(process[1]).all():
            self._process_seen = True

    def _energy(self, counter_kwh: np.ndarray) -> None:
        last = self._energy_last
        values = counter_kwh if last is None else np.concatenate([[last], counter_kwh])
        self._energy_kwh += counter_increase(values)
        if len(counter_kwh):
            self._energy_last = float(counter_kwh[-1])

    def _residue_scale(self, values_kg: np.ndarray) -> None:
        counter = self.params.residue_counter
        self._residue.append(
            residue_increments_kg(values_kg, counter=counter, last=self._residue_last)
        )
        if len(values_kg):
            self._residue_last = float(values_kg[-1])

    def _carried(self, sensor: str | None, arrays: SensorArrays) -> SensorArrays:
        """``arrays`` with the sensor's last reading of earlier chunks in front."""
        last = self._last.get(sensor) if sensor is not None else None
        if last is None:
            return arrays
        times_us, values = arrays
        return np.concatenate([[last[0]], times_us]), np.concatenate([[last[1]], values])

    def _throughput(
        self,
        tp_times: np.ndarray,
        rate: np.ndarray,
        zones: list[SensorArrays],
        process: SensorArrays,
    ) -> None:
        p = self.params
        # The hottest zone: as on a whole period when the zones share the throughput's
        # instants; otherwise forward-filled, from the last readings of earlier chunks too.
        axis_same = all(same_times(t, zones[0][0]) for t, _ in zones[1:]) if zones else False
        if zones and axis_same and same_times(zones[0][0], tp_times):
            line_temp = line_temperature(zones, tp_times)
        else:
            carried = [
                self._carried(s, z) for s, z in zip(p.temperature_sensors, zones, strict=True)
            ]
            line_temp = line_temperature(carried, tp_times)
        codes = self._codes(line_temp, rate)
        if same_times(process[0], tp_times):
            process_c = process[1]
        else:
            process_c = align_us(self._carried(p.process_temp_sensor, process), tp_times)
        low, high = p.process_window_c
        with np.errstate(invalid="ignore"):
            flags = [(temp >= low) & (temp <= high) for temp in (process_c, line_temp)] + [
                temp > p.degradation_c for temp in (process_c, line_temp)
            ]

        # The gap-free axis [µs], continued from the carried sample.
        gap_us = p.expected_interval_s[p.throughput_sensor] * p.max_gap_intervals  # type: ignore[index]
        gap_us *= MICROSECONDS_PER_SECOND
        if self._tp is None:
            times, rates, offset_us = tp_times, rate, 0.0
        else:
            t0, r0, offset_us = self._tp
            times = np.concatenate([[t0], tp_times])
            rates = np.concatenate([[r0], rate])
        steps_us = np.diff(times).astype(float)
        steps_us[steps_us > gap_us] = 0.0
        axis_us = np.concatenate([[offset_us], offset_us + np.cumsum(steps_us)])
        hours = axis_us / MICROSECONDS_PER_HOUR
        if len(rates) >= 2:
            self._mass_kg += float(trapezoid(rates, hours))
        steps_h = np.diff(hours)  # the step after each sample but the newest
        self._covered_h += float(steps_h.sum())

        # Per-sample codes and flags of the samples whose step is now known.
        if self._pending is None:
            codes_k, flags_k = codes[:-1], [f[:-1] for f in flags]
        else:
            code0, *flags0 = self._pending
            codes_k = np.concatenate([[code0], codes[:-1]])
            flags_k = [np.concatenate([[f0], f[:-1]]) for f0, f in zip(flags0, flags, strict=True)]
        np.add.at(self._state_h, codes_k, steps_h)
        running = codes_k == _RUNNING
        in_window = flags_k[:2]
        above = flags_k[2:]
        for v in (0, 1):
            self._in_window_h[v] += float(steps_h[running & in_window[v]].sum())
            self._above_h[v] += float(steps_h[above[v]].sum())
            self._running_above_h[v] += float(steps_h[running & above[v]].sum())
        self._tp = (int(tp_times[-1]), float(rate[-1]), float(axis_us[-1]))
        self._pending = (int(codes[-1]), *(bool(f[-1]) for f in flags))

    def _codes(self, line_temp: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """Line-state codes, with the switches continued from the previous chunk.

        Two leading samples set the switches as they were (:func:`codes_from_arrays`
        starts with all of them off); two trailing probes read them back: a sample
        without readings keeps every switch, so its code says whether material flowed;
        then one without flow says whether the line was on and had been hot.
        """
        p = self.params
        flowing, on, was_hot = self._switches
        heat = p.states.heating_min_c
        lead_temp = {
            (False, False): [-np.inf, -np.inf],  # off
            (True, False): [-np.inf, heat],  # switched on, not yet hot
        }.get((on, was_hot), [np.inf, np.inf])  # on and has been hot
        lead_rate = np.inf if flowing else -np.inf
        temps = np.concatenate([lead_temp, line_temp, [np.nan, np.nan]])
        rates = np.concatenate([[lead_rate, lead_rate], rate, [np.nan, -np.inf]])
        codes = codes_from_arrays(
            temps, rates, process_window_c=p.process_window_c, thresholds=p.states
        )
        probe_flow, probe_heat = STATES[codes[-2]], STATES[codes[-1]]
        # Without flow the code is off, heating or idle (models.states): on is "not
        # off", has been hot is "idle".
        self._switches = (probe_flow == RUNNING, probe_heat != OFF, probe_heat == IDLE)
        return codes[2:-2]
