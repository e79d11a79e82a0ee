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
:func:`models.measures.trapezoid` on a time axis whose gap steps are set to zero.

Energy from a counter :math:`E_i` [kWh] with resets:
:math:`E = \sum_i \max(E_{i+1} - E_i, 0) + \sum_{i:\,E_{i+1} < E_i} E_{i+1}` (a drop
means the meter restarted from zero, so the new reading is energy since the restart).

Residue from the line's residue scale, where it has readings in the period:
the sum of its weighings or of its counter's increases (:mod:`models.residue_scale`).

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
from datetime import datetime

import numpy as np
import pandas as pd

from emission_factors.units import SECONDS_PER_HOUR
from models.activity_table import ACTIVITY_COLUMNS, SURVEY_QUANTITIES, activity_from_survey
from models.errors import ModelError
from models.line_activity import LineActivity, LineParameters
from models.measures import (
    completeness,
    counter_increase,
    counter_increase_kwh,
    gapless_hours_us,
    intake_by_household,
    intake_totals,
    processed_mass_kg,
    sensor_completeness,
    trapezoid,
)
from models.residue_scale import residue_increments_kg, residue_mass_kg
from models.sensor_arrays import (
    NO_READINGS,
    ReadingsBySensor,
    SensorArrays,
    align_us,
    distinct,
    drop_missing,
    line_temperature,
    sorted_unique,
)
from models.states import RUNNING, STATES, codes_from_arrays

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
    sites, lines = distinct(readings["site"]), distinct(readings["line"])
    if len(sites) != 1 or len(lines) != 1:
        raise ModelError("readings of several lines were given; select one site and line")
    site, line = str(sites[0]), str(lines[0])
    by_sensor = ReadingsBySensor(readings)
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
    counted: Mapping[str, int] | None = None,
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
    counted
        Readings per sensor given as a number only (sensors the model does not use,
        counted for completeness by the store instead of read); they add to the
        arrays' counts.

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
    for sensor, n in (counted or {}).items():
        counts[sensor] = counts.get(sensor, 0) + int(n)
    if not any(counts.values()):
        raise ModelError(
            f"no readings between {start.isoformat()} and {end.isoformat()}; check the period "
            "and that the collector stored data for this line"
        )

    def raw(sensor: str | None) -> SensorArrays:
        if sensor is None or sensor not in sensors:
            return NO_READINGS
        times_us, values = sensors[sensor]
        return np.asarray(times_us, dtype=np.int64), np.asarray(values, dtype=float)

    return _extract(raw, counts, intake, params, site=site, line=line, start=start, end=end)


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
    period_h = (end - start).total_seconds() / SECONDS_PER_HOUR

    tp_times, rate = drop_missing(sorted_unique(raw(params.throughput_sensor)))
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
    hours = gapless_hours_us(tp_times, tp_interval * params.max_gap_intervals)
    mass = float(trapezoid(rate, hours)) if len(rate) >= 2 else 0.0
    steps_h = np.diff(hours, append=np.nan)
    steps_h[-1] = 0.0
    del hours
    coverage = float(steps_h.sum() / period_h) if period_h > 0 else 0.0

    zones = [sorted_unique(raw(sensor)) for sensor in params.temperature_sensors]
    line_temp = line_temperature(zones, tp_times)
    del zones
    states = codes_from_arrays(
        line_temp,
        rate,
        process_window_c=params.process_window_c,
        thresholds=params.states,
    )
    state_h = {
        name: float(h)
        for name, h in zip(STATES, np.bincount(states, steps_h, len(STATES)), strict=True)
    }

    process = sorted_unique(raw(params.process_temp_sensor))
    # Without a process (melt) temperature the hottest zone stands for it.
    temp_c = line_temp if np.isnan(process[1]).all() else align_us(process, tp_times)
    del process
    running = states == STATES.index(RUNNING)
    low, high = params.process_window_c
    with np.errstate(invalid="ignore"):
        in_window = (temp_c >= low) & (temp_c <= high)
        above = temp_c > params.degradation_c
    running_h = state_h[RUNNING]
    in_window_share = float(steps_h[running & in_window].sum() / running_h) if running_h else 0.0
    above_h = float(steps_h[above].sum())
    above_share = float(steps_h[running & above].sum() / running_h) if running_h else 0.0

    energy = (
        counter_increase(drop_missing(sorted_unique(raw(params.energy_sensor)))[1])
        if params.energy_sensor is not None
        else float("nan")
    )
    intake = intake_totals(intake_rows)
    residue_values = drop_missing(sorted_unique(raw(params.residue_sensor)))[1]
    residue_kg = residue_mass_kg(
        [residue_increments_kg(residue_values, counter=params.residue_counter)],
        seen=len(residue_values) > 0,
    )
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
        completeness=completeness(counts, params.expected_interval_s, start=start, end=end),
        throughput_accuracy=params.throughput_accuracy,
        energy_accuracy=params.energy_accuracy,
        residue_kg=residue_kg,
    )
