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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from scipy.integrate import trapezoid

from models.errors import ModelError
from models.states import STATES, align_to, state_codes

__all__ = [
    "ACTIVITY_COLUMNS",
    "SURVEY_QUANTITIES",
    "LineActivity",
    "LineParameters",
    "activity_from_survey",
    "counter_increase_kwh",
    "extract_activity",
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


class _BySensor:
    """Rows of each sensor of a long frame, found once (a year of 1 Hz data is 10^8 rows)."""

    def __init__(self, readings: pd.DataFrame) -> None:
        self._readings = readings
        codes, names = pd.factorize(readings["sensor"])
        self._codes = codes
        self._code_of = {str(name): i for i, name in enumerate(names)}
        times = pd.DatetimeIndex(readings["time"])
        self._times = times.tz_localize("UTC") if times.tz is None else times.tz_convert("UTC")

    def counts(self) -> dict[str, int]:
        """Readings per sensor."""
        # factorize marks a missing sensor id with -1; such rows belong to no sensor.
        valid = self._codes if self._codes.min(initial=0) >= 0 else self._codes[self._codes >= 0]
        per_code = np.bincount(valid, minlength=len(self._code_of))
        return {name: int(per_code[i]) for name, i in self._code_of.items()}

    def series(self, sensor: str | None) -> pd.Series:
        """One sensor's values on a sorted UTC DatetimeIndex (duplicate times: last kept)."""
        empty = pd.Series(dtype=float, index=pd.DatetimeIndex([], tz="UTC"))
        if sensor is None or sensor not in self._code_of:
            return empty
        rows = np.flatnonzero(self._codes == self._code_of[sensor])
        times = self._times[rows]
        values = self._readings["value"].to_numpy(dtype=float)[rows]
        series = pd.Series(values, index=times, name=sensor)
        # The store returns rows sorted by sensor then time; sort only when it did not.
        steps = np.diff(times.asi8)
        if (steps < 0).any():
            series = series.sort_index(kind="stable")
            steps = np.diff(series.index.asi8)
        if (steps == 0).any():
            series = series[~series.index.duplicated(keep="last")]
        return series


def _gapless_hours(index: pd.DatetimeIndex, max_gap_s: float) -> np.ndarray:
    """Cumulative time axis [h] in which every step longer than ``max_gap_s`` is zero."""
    times_us = index.as_unit("us").asi8
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
    values = counter_kwh.dropna().to_numpy(dtype=float)
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
    part = readings.loc[readings["sensor"] == intake_sensor, ["household", "value"]]
    households = part["household"].fillna("(unknown)").astype(str)
    grouped = part["value"].astype(float).groupby(households)
    result = pd.DataFrame({"deliveries": grouped.count(), "intake_kg": grouped.sum()})
    result.index.name = "household"
    return result


def _step_hours(index: pd.DatetimeIndex, max_gap_s: float) -> np.ndarray:
    """Duration each sample stands for [h]: up to the next sample, zero across a gap."""
    hours = np.diff(_gapless_hours(index, max_gap_s), append=np.nan)
    hours[-1] = 0.0
    return hours


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
        Readings of several lines, no readings at all, or no throughput sensor.
    """
    if readings.empty:
        raise ModelError(
            f"no readings between {start.isoformat()} and {end.isoformat()}; check the period "
            "and that the collector stored data for this line"
        )
    sites, lines = pd.unique(readings["site"]), pd.unique(readings["line"])
    if len(sites) != 1 or len(lines) != 1:
        raise ModelError("readings of several lines were given; select one site and line")
    site, line = str(sites[0]), str(lines[0])
    by_sensor = _BySensor(readings)
    if params.throughput_sensor is None:
        raise ModelError(f"{site}/{line}: a throughput sensor is needed to extract activity")
    period_h = (end - start).total_seconds() / 3600.0

    throughput = by_sensor.series(params.throughput_sensor).dropna()
    tp_interval = params.expected_interval_s.get(params.throughput_sensor, np.nan)
    if not tp_interval > 0:
        raise ModelError(
            f"{site}/{line}: no expected interval for sensor {params.throughput_sensor!r}; "
            "add it to expected_interval_s"
        )
    max_gap_s = tp_interval * params.max_gap_intervals
    mass = processed_mass_kg(
        throughput, expected_interval_s=tp_interval, max_gap_intervals=params.max_gap_intervals
    )
    steps_h = _step_hours(pd.DatetimeIndex(throughput.index), max_gap_s)
    coverage = float(steps_h.sum() / period_h) if period_h > 0 else 0.0

    zone_series = [by_sensor.series(s) for s in params.temperature_sensors]
    if zone_series and all(z.index.equals(zone_series[0].index) for z in zone_series):
        # Zones sampled together: build the frame without a costly index union.
        temps = pd.DataFrame(
            {s: z.to_numpy() for s, z in zip(params.temperature_sensors, zone_series, strict=True)},
            index=zone_series[0].index,
        )
    else:
        temps = pd.DataFrame(dict(zip(params.temperature_sensors, zone_series, strict=True)))
    if temps.empty:
        temps = pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC"))
    states = state_codes(
        temps,
        throughput,
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

    process = by_sensor.series(params.process_temp_sensor)
    if process.dropna().empty:
        aligned = [align_to(temps[c], throughput.index).to_numpy() for c in temps]
        temp_c = (
            np.fmax.reduce(np.column_stack(aligned), axis=1)
            if aligned
            else np.full(len(throughput), np.nan)
        )
    else:
        temp_c = align_to(process, pd.DatetimeIndex(throughput.index)).to_numpy()
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
        counter_increase_kwh(by_sensor.series(params.energy_sensor))
        if params.energy_sensor is not None
        else float("nan")
    )
    intake = intake_by_household(readings, params.intake_sensor)
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
        completeness=_completeness(
            by_sensor.counts(), params.expected_interval_s, start=start, end=end
        ),
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
