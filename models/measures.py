"""Quantities measured from one line's readings: mass, energy, completeness, intake.

The equations are in :mod:`models.activity`'s docstring; each function here works on
one sensor's readings and is what :func:`models.activity.extract_activity` applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from emission_factors.units import MICROSECONDS_PER_HOUR, MICROSECONDS_PER_SECOND
from models.errors import ModelError

__all__ = [
    "completeness",
    "counter_increase",
    "counter_increase_kwh",
    "gapless_hours",
    "gapless_hours_us",
    "intake_by_household",
    "intake_totals",
    "processed_mass_kg",
    "sensor_completeness",
    "trapezoid",
]


def trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    """Integral of ``y`` over ``x`` by the trapezoidal rule [unit of y × unit of x].

    The expression and summation order of :func:`scipy.integrate.trapezoid`, bit for bit
    (a test holds it to that), without importing scipy.integrate (0.4 s) in every
    command that extracts activity.

    >>> trapezoid(np.array([0.0, 60.0, 60.0]), np.array([0.0, 0.5, 1.0]))
    45.0
    """
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))


def gapless_hours(index: pd.DatetimeIndex, max_gap_s: float) -> np.ndarray:
    """Cumulative time axis [h] in which every step longer than ``max_gap_s`` is zero."""
    return gapless_hours_us(index.as_unit("us").asi8, max_gap_s)


def gapless_hours_us(times_us: np.ndarray, max_gap_s: float) -> np.ndarray:
    """:func:`gapless_hours` on times [µs]."""
    steps_us = np.diff(times_us).astype(float)
    steps_us[steps_us > max_gap_s * MICROSECONDS_PER_SECOND] = 0.0
    return np.concatenate([[0.0], np.cumsum(steps_us)]) / MICROSECONDS_PER_HOUR


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
    hours = gapless_hours(pd.DatetimeIndex(clean.index), expected_interval_s * max_gap_intervals)
    return float(trapezoid(clean.to_numpy(dtype=float), hours))


def counter_increase_kwh(counter_kwh: pd.Series) -> float:
    """Increase of a cumulative counter with resets [kWh] (module docstring equation).

    >>> import pandas as pd
    >>> counter_increase_kwh(pd.Series([100.0, 101.5, 103.0, 0.5, 2.0]))  # reset after 103
    5.0
    """
    return counter_increase(counter_kwh.dropna().to_numpy(dtype=float))


def counter_increase(values: np.ndarray) -> float:
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
    return completeness(
        {str(k): int(v) for k, v in counts.items()}, expected_interval_s, start=start, end=end
    )


def completeness(
    counts: Mapping[str, int],
    expected_interval_s: Mapping[str, float],
    *,
    start: datetime,
    end: datetime,
) -> dict[str, float]:
    """:func:`sensor_completeness` from readings already counted per sensor [-]."""
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
    return intake_totals(readings.loc[readings["sensor"] == intake_sensor])


def intake_totals(part: pd.DataFrame) -> pd.DataFrame:
    """:func:`intake_by_household` on the intake sensor's rows (``household``, ``value``)."""
    households = part["household"].fillna("(unknown)").astype(str)
    grouped = part["value"].astype(float).groupby(households)
    result = pd.DataFrame({"deliveries": grouped.count(), "intake_kg": grouped.sum()})
    result.index.name = "household"
    return result
