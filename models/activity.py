r"""Activity extraction: what one line did over a period, from its stored readings.

Input is the store's long DataFrame (columns ``time, site, line, sensor, household,
value, unit, seq``; see ``monitoring.stores.base.READ_COLUMNS``) for one line and a
:class:`LineParameters` of plain values (the models never read configuration). Output
is a :class:`LineActivity` and, for the release model, an *activity table*
(:data:`ACTIVITY_COLUMNS`).

Methods
-------
Processed mass (trapezoidal rule, never across a gap):

.. math::

    m = \sum_{i:\,\Delta t_i \le g\tau} \tfrac12 (\dot m_i + \dot m_{i+1})\,\Delta t_i

with throughput :math:`\dot m` [kg/h], step :math:`\Delta t_i` [h], expected interval
:math:`\tau` and the gap multiple :math:`g` (``max_gap_intervals``). It is computed with
:func:`scipy.integrate.trapezoid` on a time axis whose gap steps are set to zero.

Energy from a counter :math:`E_i` [kWh] with resets:
:math:`E = \sum_i \max(E_{i+1} - E_i, 0) + \sum_{i:\,E_{i+1} < E_i} E_{i+1}` (a drop
means the meter restarted from zero, so the new reading is energy since the restart).

Completeness of a clocked sensor: readings received over readings expected in the
period, :math:`n\,\tau / T`, at most 1. Only sensors with an expected interval are
reported; event sensors (intake weighings) have no expected count.

Example: 1 h at 60 kg/h sampled every 10 min, with one lost reading; the 20-minute hole
is a gap for ``max_gap_intervals=1.5`` and is not bridged, so 40 min of flow count.

>>> import pandas as pd
>>> times = pd.date_range("2019-06-03 01:00", periods=7, freq="10min", tz="UTC")
>>> rate = pd.Series(60.0, index=times).drop(times[3])
>>> processed_mass_kg(rate, expected_interval_s=600, max_gap_intervals=1.5)
40.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from scipy.integrate import trapezoid

from models.errors import ModelError
from models.states import ALIGN_TOLERANCE_INTERVALS, STATES, codes_from_arrays

__all__ = [
    "ACTIVITY_COLUMNS",
    "SURVEY_QUANTITIES",
    "LineActivity",
    "LineParameters",
    "SensorArrays",
    "activity_from_survey",
    "counter_increase_kwh",
    "extract_activity",
    "extract_activity_arrays",
    "intake_by_household",
    "processed_mass_kg",
    "sensor_completeness",
]

#: Columns of an activity table: one uncertain quantity of one line in one period.
#: ``value`` is the central estimate, ``low``/``high`` the range the Monte Carlo draws
#: from (triangular with mode ``value``), ``source`` says where it came from.
ACTIVITY_COLUMNS = ["period", "site", "line", "quantity", "value", "low", "high", "unit", "source"]

#: Quantities an activity table may carry, with their unit.
SURVEY_QUANTITIES: dict[str, str] = {
    "intake_kg": "kg",
    "processed_kg": "kg",
    "energy_kwh": "kWh",
    "running_h": "h",
}

_US_PER_H = 3_600_000_000


@dataclass(frozen=True)
class LineParameters:
    """Plain-value description of one line for activity extraction.

    Parameters
    ----------
    process_window_c
        Process temperature window (low, high) [°C].
    degradation_c
        Polymer degradation threshold [°C].
    temperature_sensors
        Zone temperature sensor ids used for the line state.
    expected_interval_s
        Expected interval between readings per clocked sensor id [s].
    process_temp_sensor
        Sensor whose temperature is compared with the window and the degradation
        threshold [°C] (the melt); the hottest zone when ``None`` or missing.
    throughput_sensor, energy_sensor, intake_sensor
        Sensor ids of the throughput [kg/h], energy counter [kWh] and intake weighings
        [kg]; ``None`` when the line has no such sensor.
    max_gap_intervals
        A step longer than this many expected intervals is a gap and is not integrated
        [-].
    throughput_accuracy, energy_accuracy
        Relative accuracy of the throughput sensor and of the energy meter [-], used for
        the activity ranges. Defaults: ±5 % (design assumption for a belt or loss-in-
        weight scale) and ±2 % (accuracy class 2 of IEC 62053-21 for static kWh meters).
    heating_min_c, running_min_kg_h, hysteresis_c, hysteresis_kg_h
        Passed to :func:`models.states.line_states`.
    """

    process_window_c: tuple[float, float]
    degradation_c: float
    temperature_sensors: tuple[str, ...]
    expected_interval_s: Mapping[str, float]
    process_temp_sensor: str | None = "melt_temp"
    throughput_sensor: str | None = "throughput"
    energy_sensor: str | None = "energy"
    intake_sensor: str | None = "intake"
    max_gap_intervals: float = 3.0
    throughput_accuracy: float = 0.05
    energy_accuracy: float = 0.02
    heating_min_c: float = 60.0
    running_min_kg_h: float = 1.0
    hysteresis_c: float = 5.0
    hysteresis_kg_h: float = 0.5

    def __post_init__(self) -> None:
        if not self.max_gap_intervals >= 1.0:
            raise ModelError("max_gap_intervals must be at least 1 (one expected interval)")
        for name in ("throughput_accuracy", "energy_accuracy"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ModelError(f"{name} must lie in [0, 1)")


@dataclass(frozen=True)
class LineActivity:
    """What one line did over ``[start, end)``; see the module docstring for methods.

    Parameters
    ----------
    site, line, start, end
        Identity and period (aware UTC datetimes).
    processed_kg
        Mass processed, gaps not bridged [kg].
    throughput_coverage
        Share of the period covered by throughput steps that are not gaps [-].
    energy_kwh
        Energy-counter increase [kWh]; NaN without an energy sensor.
    energy_kwh_per_kg
        ``energy_kwh / processed_kg`` [kWh/kg]; NaN when nothing was processed.
    state_h
        Hours per line state [h].
    in_window_share
        Share of running time with the process temperature inside the window [-].
    above_degradation_h, above_degradation_share
        Time above the degradation threshold [h], and its share of running time [-].
    intake_kg, deliveries
        Delivered mass [kg] and number of deliveries per household code.
    completeness
        Readings received over readings expected, per clocked sensor [-].
    throughput_accuracy, energy_accuracy
        Copied from the parameters, for the activity ranges.
    """

    site: str
    line: str
    start: datetime
    end: datetime
    processed_kg: float
    throughput_coverage: float
    energy_kwh: float
    energy_kwh_per_kg: float
    state_h: dict[str, float]
    in_window_share: float
    above_degradation_h: float
    above_degradation_share: float
    intake_kg: dict[str, float] = field(default_factory=dict)
    deliveries: dict[str, int] = field(default_factory=dict)
    completeness: dict[str, float] = field(default_factory=dict)
    throughput_accuracy: float = 0.05
    energy_accuracy: float = 0.02

    @property
    def running_h(self) -> float:
        """Hours in the ``running`` state [h]."""
        return self.state_h.get("running", 0.0)

    @property
    def intake_total_kg(self) -> float:
        """Delivered mass, all households [kg]."""
        return float(sum(self.intake_kg.values()))

    def activity_table(self, period: str) -> pd.DataFrame:
        """The activity table (:data:`ACTIVITY_COLUMNS`) of this line for ``period``.

        Ranges: the measured mass can only be too low by the uncovered share of the
        period (gaps are not bridged) and is off by the sensor accuracy either way, so
        ``low = m (1 - a)`` and ``high = m / c (1 + a)`` with coverage :math:`c`; the
        energy counter keeps counting through gaps, so only its accuracy applies.
        """
        rows = []
        coverage = max(self.throughput_coverage, 1e-9)
        a = self.throughput_accuracy
        m = self.processed_kg
        rows.append(("processed_kg", m, m * (1 - a), m / coverage * (1 + a), "kg", "measured"))
        if not np.isnan(self.energy_kwh):
            e, b = self.energy_kwh, self.energy_accuracy
            rows.append(("energy_kwh", e, e * (1 - b), e * (1 + b), "kWh", "measured"))
        if self.intake_kg:
            t = self.intake_total_kg
            rows.append(("intake_kg", t, t * (1 - a), t * (1 + a), "kg", "measured"))
        rows.append(("running_h", self.running_h, self.running_h, self.running_h, "h", "measured"))
        return pd.DataFrame(
            [(period, self.site, self.line, *r) for r in rows], columns=ACTIVITY_COLUMNS
        )


#: One sensor's readings as plain arrays: times [µs since 1970-01-01 UTC] (int64) and
#: values (float64, NaN allowed), in any order; see :func:`extract_activity_arrays`.
SensorArrays = tuple[np.ndarray, np.ndarray]

_NO_READINGS: SensorArrays = (np.empty(0, dtype=np.int64), np.empty(0, dtype=float))


class _BySensor:
    """Rows of each sensor of a long frame, found once (a year of 1 Hz data is 10^8 rows)."""

    def __init__(self, readings: pd.DataFrame) -> None:
        self._readings = readings
        sensor = readings["sensor"]
        if isinstance(sensor.dtype, pd.CategoricalDtype):
            # The category codes (int8 for a few sensors, -1 if missing) serve as they are;
            # factorize would make int64 codes, 2 GB for a year of 8 sensors at 1 Hz.
            codes: np.ndarray = sensor.cat.codes.to_numpy()
            names = sensor.cat.categories
        else:
            codes, names = pd.factorize(sensor)
        self._codes = codes
        self._code_of = {str(name): i for i, name in enumerate(names)}
        times = pd.DatetimeIndex(readings["time"])
        times = times.tz_localize("UTC") if times.tz is None else times.tz_convert("UTC")
        # int64 µs (the store's resolution): a view when the column is already µs, and
        # integer steps are cheaper than Timestamp arithmetic in the hot loops.
        self._times_us = times.as_unit("us").asi8
        self._values = readings["value"].to_numpy(dtype=float)

    def counts(self) -> dict[str, int]:
        """Readings per sensor."""
        # factorize marks a missing sensor id with -1; such rows belong to no sensor.
        if self._codes.dtype.itemsize < np.dtype(np.intp).itemsize:
            # Narrow category codes: bincount would first widen them all to intp.
            return {
                name: int(np.count_nonzero(self._codes == i)) for name, i in self._code_of.items()
            }
        valid = self._codes if self._codes.min(initial=0) >= 0 else self._codes[self._codes >= 0]
        per_code = np.bincount(valid, minlength=len(self._code_of))
        return {name: int(per_code[i]) for name, i in self._code_of.items()}

    def rows(self, sensor: str | None) -> np.ndarray | slice:
        """Positions of one sensor's rows, in frame order; a slice when contiguous."""
        if sensor is None or sensor not in self._code_of:
            return slice(0, 0)
        rows = np.flatnonzero(self._codes == self._code_of[sensor])
        # The store returns rows grouped by sensor: a slice gives views, not copies.
        if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
            return slice(int(rows[0]), int(rows[-1]) + 1)
        return rows

    def arrays(self, sensor: str | None) -> SensorArrays:
        """One sensor's raw (times [µs], values) in frame order."""
        rows = self.rows(sensor)
        return self._times_us[rows], self._values[rows]

    def frame(self, sensor: str | None) -> pd.DataFrame:
        """One sensor's rows of the long frame."""
        return self._readings.iloc[self.rows(sensor)]


def _sorted_unique(raw: SensorArrays) -> SensorArrays:
    """Readings sorted by time (stable), duplicate times resolved by keeping the last."""
    times_us, values = raw
    # The store returns rows sorted by sensor then time; sort only when it did not.
    if len(times_us) > 1 and (times_us[1:] < times_us[:-1]).any():
        order = np.argsort(times_us, kind="stable")
        times_us, values = times_us[order], values[order]
    if len(times_us) > 1:
        later = times_us[1:] != times_us[:-1]
        if not later.all():
            keep = np.append(later, True)
            times_us, values = times_us[keep], values[keep]
    return times_us, values


def _dropna(arrays: SensorArrays) -> SensorArrays:
    """Readings with a value; the same arrays when none is missing."""
    times_us, values = arrays
    present = ~np.isnan(values)
    if present.all():
        return times_us, values
    return times_us[present], values[present]


def _same_times(a: np.ndarray, b: np.ndarray) -> bool:
    return a is b or (len(a) == len(b) and bool(np.array_equal(a, b)))


def _align_us(source: SensorArrays, target_us: np.ndarray) -> np.ndarray:
    """:func:`models.states.align_to` on arrays (sorted, unique times [µs])."""
    times_us, values = source
    if _same_times(times_us, target_us):
        return values
    times_us, values = _dropna(source)
    if len(times_us) == 0:
        return np.full(len(target_us), np.nan)
    # Same tolerance as align_to, which works in ns: the median step times the multiple.
    step_ns = float(np.median(np.diff(times_us) * 1000)) if len(times_us) > 1 else 0.0
    tolerance_ns = int(step_ns * ALIGN_TOLERANCE_INTERVALS)
    latest = np.searchsorted(times_us, target_us, side="right") - 1
    found = latest >= 0
    latest[~found] = 0
    found &= (target_us - times_us[latest]) * 1000 <= tolerance_ns
    return np.where(found, values[latest], np.nan)


def _gapless_hours(index: pd.DatetimeIndex, max_gap_s: float) -> np.ndarray:
    """Cumulative time axis [h] in which every step longer than ``max_gap_s`` is zero."""
    return _gapless_hours_us(index.as_unit("us").asi8, max_gap_s)


def _gapless_hours_us(times_us: np.ndarray, max_gap_s: float) -> np.ndarray:
    """:func:`_gapless_hours` on times [µs]."""
    steps_us = np.diff(times_us).astype(float)
    steps_us[steps_us > max_gap_s * 1e6] = 0.0
    return np.concatenate([[0.0], np.cumsum(steps_us)]) / _US_PER_H


def processed_mass_kg(
    throughput_kg_h: pd.Series, *, expected_interval_s: float, max_gap_intervals: float = 3.0
) -> float:
    """Processed mass by the trapezoidal rule, not bridging gaps [kg].

    Parameters
    ----------
    throughput_kg_h
        Throughput [kg/h] on a sorted UTC DatetimeIndex.
    expected_interval_s
        Expected interval between readings [s].
    max_gap_intervals
        Steps longer than ``max_gap_intervals * expected_interval_s`` are gaps [-].

    Returns
    -------
    Mass [kg]; 0 for fewer than two readings.
    """
    clean = throughput_kg_h.dropna()
    if len(clean) < 2:
        return 0.0
    hours = _gapless_hours(pd.DatetimeIndex(clean.index), expected_interval_s * max_gap_intervals)
    return float(trapezoid(clean.to_numpy(dtype=float), hours))


def counter_increase_kwh(counter_kwh: pd.Series) -> float:
    """Increase of a cumulative counter with resets [kWh] (module docstring equation).

    >>> import pandas as pd
    >>> counter_increase_kwh(pd.Series([100.0, 101.5, 103.0, 0.5, 2.0]))  # reset after 103
    5.0
    """
    return _counter_increase(counter_kwh.dropna().to_numpy(dtype=float))


def _counter_increase(values: np.ndarray) -> float:
    """:func:`counter_increase_kwh` on readings without NaN [kWh]."""
    if len(values) < 2:
        return 0.0
    steps = np.diff(values)
    resets = steps < 0
    return float(steps[~resets].sum() + values[1:][resets].sum())


def sensor_completeness(
    readings: pd.DataFrame,
    expected_interval_s: Mapping[str, float],
    *,
    start: datetime,
    end: datetime,
) -> dict[str, float]:
    """Readings received over readings expected, per sensor of ``expected_interval_s`` [-].

    >>> import pandas as pd
    >>> from datetime import UTC, datetime
    >>> frame = pd.DataFrame({"sensor": ["a"] * 30, "time": pd.date_range(
    ...     "2019-01-01", periods=30, freq="1s", tz="UTC"), "value": 1.0})
    >>> sensor_completeness(frame, {"a": 1.0, "b": 10.0}, start=datetime(2019, 1, 1, tzinfo=UTC),
    ...                     end=datetime(2019, 1, 1, 0, 1, tzinfo=UTC))
    {'a': 0.5, 'b': 0.0}
    """
    counts = readings["sensor"].value_counts()
    return _completeness(
        {str(k): int(v) for k, v in counts.items()}, expected_interval_s, start=start, end=end
    )


def _completeness(
    counts: Mapping[str, int],
    expected_interval_s: Mapping[str, float],
    *,
    start: datetime,
    end: datetime,
) -> dict[str, float]:
    period_s = (end - start).total_seconds()
    if not period_s > 0:
        raise ModelError(f"the period {start} .. {end} is empty; end must be after start")
    out = {}
    for sensor, interval_s in expected_interval_s.items():
        expected = period_s / interval_s
        out[sensor] = float(min(1.0, counts.get(sensor, 0) / expected))
    return out


def intake_by_household(readings: pd.DataFrame, intake_sensor: str | None) -> pd.DataFrame:
    """Deliveries and delivered mass per household code.

    Returns
    -------
    DataFrame indexed by ``household`` with ``deliveries`` [-] and ``intake_kg`` [kg];
    weighings without a household code are grouped under ``"(unknown)"``.
    """
    return _intake_totals(readings.loc[readings["sensor"] == intake_sensor])


def _intake_totals(part: pd.DataFrame) -> pd.DataFrame:
    """:func:`intake_by_household` on the intake sensor's rows (``household``, ``value``)."""
    households = part["household"].fillna("(unknown)").astype(str)
    grouped = part["value"].astype(float).groupby(households)
    result = pd.DataFrame({"deliveries": grouped.count(), "intake_kg": grouped.sum()})
    result.index.name = "household"
    return result


def _distinct(column: pd.Series) -> list[object]:
    """Distinct values of a column (:func:`pandas.unique`), cheaply when there is one.

    A year of 1 Hz data is 10^8 rows; a categorical ``site``/``line`` column holding one
    value is recognised from its codes in one comparison instead of a hash pass.
    """
    if isinstance(column.dtype, pd.CategoricalDtype) and len(column):
        codes = column.cat.codes.to_numpy()
        if (codes == codes[0]).all():
            return list(pd.unique(column.iloc[:1]))
    return list(pd.unique(column))


def extract_activity(
    readings: pd.DataFrame,
    params: LineParameters,
    *,
    start: datetime,
    end: datetime,
) -> LineActivity:
    """Activity of one line over ``[start, end)`` from its stored readings.

    Parameters
    ----------
    readings
        Long DataFrame of one site and line (store ``READ_COLUMNS``), times UTC.
    params
        Sensor roles, intervals and thresholds.
    start, end
        Aware datetimes bounding the period; used for completeness and coverage.

    Raises
    ------
    ModelError
        Readings of several lines, no readings at all, no throughput sensor or no
        throughput readings.

    See Also
    --------
    extract_activity_arrays : the same from per-sensor arrays, without a long frame.
    """
    if readings.empty:
        raise ModelError(
            f"no readings between {start.isoformat()} and {end.isoformat()}; check the period "
            "and that the collector stored data for this line"
        )
    sites, lines = _distinct(readings["site"]), _distinct(readings["line"])
    if len(sites) != 1 or len(lines) != 1:
        raise ModelError("readings of several lines were given; select one site and line")
    site, line = str(sites[0]), str(lines[0])
    by_sensor = _BySensor(readings)
    return _extract(
        by_sensor.arrays,
        by_sensor.counts(),
        by_sensor.frame(params.intake_sensor),
        params,
        site=site,
        line=line,
        start=start,
        end=end,
    )


def extract_activity_arrays(
    sensors: Mapping[str, SensorArrays],
    params: LineParameters,
    *,
    site: str,
    line: str,
    start: datetime,
    end: datetime,
    intake: pd.DataFrame | None = None,
) -> LineActivity:
    """:func:`extract_activity` from per-sensor arrays instead of a long frame.

    Same results as :func:`extract_activity` on the equivalent frame, without building
    one: a year of 1 Hz data of 8 sensors is 2.5 x 10^8 long rows (about 5 GB), but only
    2 GB as arrays, and the times may be one array shared by all sensors.

    Parameters
    ----------
    sensors
        Sensor id -> (times [µs since 1970-01-01 UTC], int64; values in the sensor's
        unit, float64, NaN for a missing value). Any order; duplicate times keep the
        last reading. Every reading counts for completeness.
    params
        Sensor roles, intervals and thresholds.
    site, line
        Identity of the line.
    start, end
        Aware datetimes bounding the period; used for completeness and coverage.
    intake
        The intake sensor's weighings, columns ``household`` and ``value`` [kg]; none
        when ``None``.

    Raises
    ------
    ModelError
        No readings at all, arrays of unequal length, no throughput sensor or no
        throughput readings.
    """
    counts: dict[str, int] = {}
    for sensor, (times_us, values) in sensors.items():
        if len(times_us) != len(values):
            raise ModelError(f"sensor {sensor!r}: {len(times_us)} times but {len(values)} values")
        counts[sensor] = len(times_us)
    if intake is None:
        intake = pd.DataFrame(
            {"household": pd.Series([], dtype=object), "value": pd.Series([], dtype=float)}
        )
    elif params.intake_sensor is not None:
        counts[params.intake_sensor] = len(intake)
    if not any(counts.values()):
        raise ModelError(
            f"no readings between {start.isoformat()} and {end.isoformat()}; check the period "
            "and that the collector stored data for this line"
        )

    def raw(sensor: str | None) -> SensorArrays:
        if sensor is None or sensor not in sensors:
            return _NO_READINGS
        times_us, values = sensors[sensor]
        return np.asarray(times_us, dtype=np.int64), np.asarray(values, dtype=float)

    return _extract(raw, counts, intake, params, site=site, line=line, start=start, end=end)


def _line_temperature(zones: list[SensorArrays], target_us: np.ndarray) -> np.ndarray:
    """Hottest zone at each target instant [°C], NaN where no zone has a reading.

    The zones' sorted, unique readings are put on their common time axis (the union of
    their times) and aligned as :func:`models.states.state_codes` aligns the columns of
    that frame: when the common axis is the targets themselves, a zone without a reading
    at an instant is missing there (no forward fill); otherwise each zone is forward-
    filled within :data:`models.states.ALIGN_TOLERANCE_INTERVALS`.
    """
    if not zones:
        return np.full(len(target_us), np.nan)
    first = zones[0][0]
    if all(_same_times(times_us, first) for times_us, _ in zones[1:]):
        axis = first  # zones sampled together (the usual case): no union to build
    else:
        axis = np.unique(np.concatenate([times_us for times_us, _ in zones]))
    if len(axis) == 0:
        return np.full(len(target_us), np.nan)
    on_target = _same_times(axis, target_us)
    line_temp: np.ndarray | None = None
    for times_us, values in zones:
        if not on_target:
            column = _align_us((times_us, values), target_us)
        elif _same_times(times_us, axis):
            column = values
        else:
            column = np.full(len(axis), np.nan)
            column[np.searchsorted(axis, times_us)] = values
        # fmax ignores NaN unless every zone is missing (then the sample stays NaN);
        # in place, one column at a time, rather than stacking all zones.
        if line_temp is None:
            line_temp = np.array(column, dtype=float)
        else:
            np.fmax(line_temp, column, out=line_temp)
    assert line_temp is not None
    return line_temp


def _extract(
    raw: Callable[[str | None], SensorArrays],
    counts: Mapping[str, int],
    intake_rows: pd.DataFrame,
    params: LineParameters,
    *,
    site: str,
    line: str,
    start: datetime,
    end: datetime,
) -> LineActivity:
    """Activity of one line from a source of raw per-sensor arrays (module docstring).

    ``raw`` gives a sensor's (times [µs], values) in any order, ``counts`` the readings
    per sensor for completeness, ``intake_rows`` the intake weighings.
    """
    if params.throughput_sensor is None:
        raise ModelError(f"{site}/{line}: a throughput sensor is needed to extract activity")
    period_h = (end - start).total_seconds() / 3600.0

    tp_times, rate = _dropna(_sorted_unique(raw(params.throughput_sensor)))
    tp_interval = params.expected_interval_s.get(params.throughput_sensor, np.nan)
    if not tp_interval > 0:
        raise ModelError(
            f"{site}/{line}: no expected interval for sensor {params.throughput_sensor!r}; "
            "add it to expected_interval_s"
        )
    if len(tp_times) == 0:
        raise ModelError(
            f"{site}/{line}: no readings of the throughput sensor {params.throughput_sensor!r} "
            f"between {start.isoformat()} and {end.isoformat()}; activity needs them"
        )
    # One gap-free time axis serves both the trapezoids and the per-sample durations.
    hours = _gapless_hours_us(tp_times, tp_interval * params.max_gap_intervals)
    mass = float(trapezoid(rate, hours)) if len(rate) >= 2 else 0.0
    steps_h = np.diff(hours, append=np.nan)
    steps_h[-1] = 0.0
    del hours
    coverage = float(steps_h.sum() / period_h) if period_h > 0 else 0.0

    zones = [_sorted_unique(raw(sensor)) for sensor in params.temperature_sensors]
    line_temp = _line_temperature(zones, tp_times)
    del zones
    states = codes_from_arrays(
        line_temp,
        rate,
        process_window_c=params.process_window_c,
        heating_min_c=params.heating_min_c,
        running_min_kg_h=params.running_min_kg_h,
        hysteresis_c=params.hysteresis_c,
        hysteresis_kg_h=params.hysteresis_kg_h,
    )
    state_h = {
        name: float(h)
        for name, h in zip(STATES, np.bincount(states, steps_h, len(STATES)), strict=True)
    }

    process = _sorted_unique(raw(params.process_temp_sensor))
    # Without a process (melt) temperature the hottest zone stands for it.
    temp_c = line_temp if np.isnan(process[1]).all() else _align_us(process, tp_times)
    del process
    running = states == STATES.index("running")
    low, high = params.process_window_c
    with np.errstate(invalid="ignore"):
        in_window = (temp_c >= low) & (temp_c <= high)
        above = temp_c > params.degradation_c
    running_h = state_h["running"]
    in_window_share = float(steps_h[running & in_window].sum() / running_h) if running_h else 0.0
    above_h = float(steps_h[above].sum())
    above_share = float(steps_h[running & above].sum() / running_h) if running_h else 0.0

    energy = (
        _counter_increase(_dropna(_sorted_unique(raw(params.energy_sensor)))[1])
        if params.energy_sensor is not None
        else float("nan")
    )
    intake = _intake_totals(intake_rows)
    return LineActivity(
        site=site,
        line=line,
        start=start,
        end=end,
        processed_kg=mass,
        throughput_coverage=min(coverage, 1.0),
        energy_kwh=energy,
        energy_kwh_per_kg=energy / mass if mass > 0 else float("nan"),
        state_h=state_h,
        in_window_share=in_window_share,
        above_degradation_h=above_h,
        above_degradation_share=above_share,
        intake_kg={str(k): float(v) for k, v in intake["intake_kg"].items()},
        deliveries={str(k): int(v) for k, v in intake["deliveries"].items()},
        completeness=_completeness(counts, params.expected_interval_s, start=start, end=end),
        throughput_accuracy=params.throughput_accuracy,
        energy_accuracy=params.energy_accuracy,
    )


def activity_from_survey(survey: pd.DataFrame, *, period: str) -> pd.DataFrame:
    """An activity table from survey or manual data (baseline before the sensors).

    Parameters
    ----------
    survey
        One row per quantity of one line, columns:

        ``site``, ``line``
            Identity.
        ``quantity``
            One of :data:`SURVEY_QUANTITIES` (``intake_kg``, ``processed_kg``,
            ``energy_kwh``, ``running_h``).
        ``value``
            Central estimate, in ``unit``.
        ``low``, ``high`` (optional)
            Range reported by the survey; ``value`` when missing.
        ``unit``
            Must equal the quantity's unit in :data:`SURVEY_QUANTITIES`.
        ``source`` (optional)
            Where the number comes from (questionnaire, logbook...); ``"survey"`` if
            missing.
    period
        Period id written to the table.

    Returns
    -------
    Activity table (:data:`ACTIVITY_COLUMNS`).

    >>> import pandas as pd
    >>> survey = pd.DataFrame({"site": ["minh-khai"], "line": ["line-1"],
    ...     "quantity": ["intake_kg"], "value": [1000.0], "low": [800.0], "high": [1300.0],
    ...     "unit": ["kg"]})
    >>> activity_from_survey(survey, period="baseline-2019")[["quantity", "low", "source"]]
        quantity    low  source
    0  intake_kg  800.0  survey
    """
    missing = [c for c in ("site", "line", "quantity", "value", "unit") if c not in survey]
    if missing:
        raise ModelError(f"survey data lacks columns {missing}; see activity_from_survey")
    table = survey.copy()
    for column in ("low", "high"):
        if column not in table:
            table[column] = table["value"]
        table[column] = table[column].fillna(table["value"])
    if "source" not in table:
        table["source"] = "survey"
    table["source"] = table["source"].fillna("survey")
    for i, row in enumerate(table.itertuples(index=False)):
        expected = SURVEY_QUANTITIES.get(str(row.quantity))
        if expected is None:
            raise ModelError(
                f"survey row {i}: unknown quantity {row.quantity!r}; use one of "
                f"{sorted(SURVEY_QUANTITIES)}"
            )
        if row.unit != expected:
            raise ModelError(
                f"survey row {i}: {row.quantity} must be in {expected}, not {row.unit}"
            )
        if not row.low <= row.value <= row.high:
            raise ModelError(f"survey row {i}: need low <= value <= high for {row.quantity}")
        if row.value < 0:
            raise ModelError(f"survey row {i}: {row.quantity} must not be negative")
    table["period"] = period
    return table[ACTIVITY_COLUMNS].reset_index(drop=True)
