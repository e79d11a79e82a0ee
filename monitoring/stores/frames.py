"""The frame every store's :meth:`~monitoring.stores.base.Store.read` returns.

Each store fetches rows its own way (SQL, InfluxQL, Flux); these functions turn the rows
into one shape, so that code reading a store never depends on which store it is:
:data:`~monitoring.stores.base.READ_COLUMNS` (or
:data:`~monitoring.stores.base.DOWNSAMPLED_COLUMNS`) in that order, ``time`` as
``datetime64[us, UTC]``, text columns as ``str`` with a missing household as NaN,
``value`` as float64, ``seq`` and ``count`` as int64, sorted by sensor, then time (then
household, a reading without one first).

>>> frame = reading_frame([(1_559_523_600_250_000, "mk", "line-1", "t", "", 231.5, "degC", 7)])
>>> frame.loc[0, "time"], frame.loc[0, "household"], frame["seq"].dtype
(Timestamp('2019-06-03 01:00:00.250000+0000', tz='UTC'), nan, dtype('int64'))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter

import numpy as np
import pandas as pd

from monitoring.stores.base import DOWNSAMPLED_COLUMNS, READ_COLUMNS, SensorSeries

__all__ = [
    "DOWNSAMPLED_ROW",
    "READ_ROW",
    "SeriesPart",
    "downsampled_frame",
    "empty_frame",
    "reading_frame",
    "series_from_parts",
    "series_part",
    "utc_us",
]

#: Fields of one row given to :func:`reading_frame`: the columns, with device time [µs].
READ_ROW: tuple[str, ...] = ("ts_us", *READ_COLUMNS[1:])
#: Fields of one row given to :func:`downsampled_frame`: window start [µs], mean, count.
DOWNSAMPLED_ROW: tuple[str, ...] = ("ts_us", *DOWNSAMPLED_COLUMNS[1:])

Rows = Iterable[Sequence[object]] | pd.DataFrame


def empty_frame(downsampled: bool = False) -> pd.DataFrame:
    """An empty result with the right columns and dtypes."""
    columns = DOWNSAMPLED_COLUMNS if downsampled else READ_COLUMNS
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    frame["time"] = pd.to_datetime(frame["time"], utc=True).dt.as_unit("us")
    frame["value"] = frame["value"].astype("float64")
    return frame


def utc_us(ts_us: pd.Series) -> pd.Series:
    """Aware UTC times of microsecond resolution (pandas would default to ns) from µs."""
    return pd.to_datetime(ts_us, unit="us", utc=True).dt.as_unit("us")


def reading_frame(rows: Rows, *, ordered: bool = False) -> pd.DataFrame:
    """Readings as the store frame, from rows (or a frame) of :data:`READ_ROW`.

    ``ordered``: the rows already come sorted by sensor, time and household (an SQL
    ``ORDER BY``), so sorting again is skipped. An empty household means none.
    """
    frame = _frame(rows, READ_ROW)
    if frame.empty:
        return empty_frame(False)
    for column in ("site", "line", "sensor", "household", "unit"):
        # 'str' keeps missing values missing (NaN).
        frame[column] = frame[column].astype("str")
    frame["household"] = frame["household"].replace("", None)
    frame["value"] = frame["value"].astype("float64")
    frame["seq"] = frame["seq"].astype("int64")
    if not ordered:
        frame = frame.sort_values(["sensor", "time", "household"], na_position="first")
    return frame[READ_COLUMNS].reset_index(drop=True)


def downsampled_frame(rows: Rows, *, ordered: bool = False) -> pd.DataFrame:
    """Window means as the store frame, from rows (or a frame) of :data:`DOWNSAMPLED_ROW`.

    ``ordered``: the rows already come sorted by sensor and window start.
    """
    frame = _frame(rows, DOWNSAMPLED_ROW)
    if frame.empty:
        return empty_frame(True)
    for column in ("site", "line", "sensor"):
        frame[column] = frame[column].astype("str")
    frame["value"] = frame["value"].astype("float64")
    frame["count"] = frame["count"].astype("int64")
    if not ordered:
        frame = frame.sort_values(["sensor", "time"], kind="stable")
    return frame[DOWNSAMPLED_COLUMNS].reset_index(drop=True)


def _frame(rows: Rows, fields: Sequence[str]) -> pd.DataFrame:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows), columns=fields)
    if not frame.empty:
        frame.insert(0, "time", utc_us(frame.pop("ts_us")))
    return frame


#: One piece of one sensor's answer: times [µs], values, households (None or "" if none),
#: or ``None`` for the households when no reading of the piece has one.
SeriesPart = tuple[np.ndarray, np.ndarray, list[object] | None]


def series_part(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> SeriesPart:
    """One piece of an answer (rows of ``time`` [µs], ``value``, ``household``) as arrays,
    households ``None`` when no row has one (every clocked sensor).

    Each column is taken by :func:`operator.itemgetter` into :func:`numpy.fromiter`:
    about 3 times faster than one :func:`numpy.array` of the rows, which dominated the
    client's CPU time of an InfluxDB read.

    >>> series_part(["time", "value", "household"], [[7, 2.5, None], [9, 3, None]])
    (array([7, 9]), array([2.5, 3. ]), None)
    """
    t, v, h = (itemgetter(columns.index(c)) for c in ("time", "value", "household"))
    n = len(rows)
    households = list(map(h, rows))
    return (
        np.fromiter(map(t, rows), np.int64, n),
        np.fromiter(map(v, rows), np.float64, n),
        None if households.count(None) == n else households,
    )


def series_from_parts(parts: dict[str, list[SeriesPart]]) -> dict[str, SensorSeries]:
    """Pieces of each sensor's answer joined into :class:`SensorSeries`, in the order
    :meth:`~monitoring.stores.base.Store.read` gives (time, then household, none first)."""
    out = {}
    for sensor, pieces in parts.items():
        times = np.concatenate([c[0] for c in pieces])
        values = np.concatenate([c[1] for c in pieces])
        if all(c[2] is None for c in pieces):  # a clocked sensor: no household to sort by
            out[sensor] = SensorSeries(times, values, None)
            continue
        households = np.array(
            [x for c in pieces for x in (c[2] if c[2] is not None else [None] * len(c[0]))],
            dtype=object,
        )
        households[households == ""] = None
        if not any(x is not None for x in households):
            out[sensor] = SensorSeries(times, values, None)
            continue
        rank = pd.Series(households).fillna("").to_numpy(dtype=str)
        order = np.lexsort((rank, times))
        out[sensor] = SensorSeries(times[order], values[order], households[order])
    return out
