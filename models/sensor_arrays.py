"""One sensor's readings as plain arrays, and the long frame cut into them once.

Activity extraction (:mod:`models.activity`) works on int64 times [µs since 1970-01-01
UTC] and float64 values rather than on pandas objects: a year of 1 Hz data of 8 sensors
is 2.5 x 10^8 long rows, and every copy or Timestamp operation on them counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emission_factors.units import NANOSECONDS_PER_MICROSECOND
from models.alignment import ALIGN_TOLERANCE_INTERVALS

__all__ = [
    "NO_READINGS",
    "ReadingsBySensor",
    "SensorArrays",
    "align_us",
    "distinct",
    "drop_missing",
    "line_temperature",
    "same_times",
    "sorted_unique",
]

#: One sensor's readings as plain arrays: times [µs since 1970-01-01 UTC] (int64) and
#: values (float64, NaN allowed), in any order; see :func:`extract_activity_arrays`.
SensorArrays = tuple[np.ndarray, np.ndarray]

NO_READINGS: SensorArrays = (np.empty(0, dtype=np.int64), np.empty(0, dtype=float))


class ReadingsBySensor:
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


def sorted_unique(raw: SensorArrays) -> SensorArrays:
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


def drop_missing(arrays: SensorArrays) -> SensorArrays:
    """Readings with a value; the same arrays when none is missing."""
    times_us, values = arrays
    present = ~np.isnan(values)
    if present.all():
        return times_us, values
    return times_us[present], values[present]


def same_times(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two time arrays hold the same instants (the same object is checked first)."""
    return a is b or (len(a) == len(b) and bool(np.array_equal(a, b)))


def align_us(source: SensorArrays, target_us: np.ndarray) -> np.ndarray:
    """:func:`models.states.align_to` on arrays (sorted, unique times [µs])."""
    times_us, values = source
    if same_times(times_us, target_us):
        return values
    times_us, values = drop_missing(source)
    if len(times_us) == 0:
        return np.full(len(target_us), np.nan)
    # Same tolerance as align_to, which works in ns: the median step times the multiple.
    step_ns = (
        float(np.median(np.diff(times_us) * NANOSECONDS_PER_MICROSECOND))
        if len(times_us) > 1
        else 0.0
    )
    tolerance_ns = int(step_ns * ALIGN_TOLERANCE_INTERVALS)
    latest = np.searchsorted(times_us, target_us, side="right") - 1
    found = latest >= 0
    latest[~found] = 0
    found &= (target_us - times_us[latest]) * NANOSECONDS_PER_MICROSECOND <= tolerance_ns
    return np.where(found, values[latest], np.nan)


def line_temperature(zones: list[SensorArrays], target_us: np.ndarray) -> np.ndarray:
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
    if all(same_times(times_us, first) for times_us, _ in zones[1:]):
        axis = first  # zones sampled together (the usual case): no union to build
    else:
        axis = np.unique(np.concatenate([times_us for times_us, _ in zones]))
    if len(axis) == 0:
        return np.full(len(target_us), np.nan)
    on_target = same_times(axis, target_us)
    line_temp: np.ndarray | None = None
    for times_us, values in zones:
        if not on_target:
            column = align_us((times_us, values), target_us)
        elif same_times(times_us, axis):
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


def distinct(column: pd.Series) -> list[object]:
    """Distinct values of a column (:func:`pandas.unique`), cheaply when there is one.

    A year of 1 Hz data is 10^8 rows; a categorical ``site``/``line`` column holding one
    value is recognised from its codes in one comparison instead of a hash pass.
    """
    if isinstance(column.dtype, pd.CategoricalDtype) and len(column):
        codes = column.cat.codes.to_numpy()
        if (codes == codes[0]).all():
            return list(pd.unique(column.iloc[:1]))
    return list(pd.unique(column))
