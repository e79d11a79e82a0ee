"""Putting one sensor's readings onto another's instants, and the checks of a time index.

The line state is decided at each throughput sample, but the zone temperatures are read
by other sensors at other instants: :func:`align_to` carries each temperature forward to
the throughput's instants, for a bounded time only, so an outage is not bridged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.errors import ModelError

__all__ = ["ALIGN_TOLERANCE_INTERVALS", "align_to", "check_time_index"]

#: A temperature reading stands for the line at a later instant for at most this many of
#: its sensor's median sampling intervals; beyond that the temperature counts as missing.
#: Three intervals tolerate one or two lost readings without bridging an outage.
ALIGN_TOLERANCE_INTERVALS: float = 3.0


def check_time_index(obj: pd.Series | pd.DataFrame, what: str) -> None:
    """Refuse an index that is not a sorted, unique, UTC DatetimeIndex.

    Raises
    ------
    ModelError
        Saying which of the four properties is missing and how to get it.
    """
    index = obj.index
    if not isinstance(index, pd.DatetimeIndex):
        raise ModelError(f"{what} needs a DatetimeIndex; set the reading times as the index")
    if index.tz is None:
        raise ModelError(f"{what} has naive times; localise them to UTC (tz_localize('UTC'))")
    if not index.is_monotonic_increasing:
        raise ModelError(f"{what} must be sorted by time; call sort_index() first")
    if index.has_duplicates:
        raise ModelError(f"{what} has duplicate times; keep one reading per sensor and time")


def align_to(values: pd.Series, index: pd.DatetimeIndex) -> pd.Series:
    """Forward-fill ``values`` onto ``index`` within :data:`ALIGN_TOLERANCE_INTERVALS`.

    Parameters
    ----------
    values
        One sensor's readings, DatetimeIndex (UTC), sorted, missing values allowed.
    index
        Target instants (UTC).

    Returns
    -------
    Series on ``index``: the latest reading at or before each instant when it is at most
    ``ALIGN_TOLERANCE_INTERVALS`` median intervals old, else NaN.

    >>> import pandas as pd
    >>> src = pd.Series([1.0, 2.0, 3.0],
    ...                 index=pd.to_datetime(["2019-01-01 00:00:00", "2019-01-01 00:00:01",
    ...                                       "2019-01-01 00:00:02"], utc=True))
    >>> dst = pd.date_range("2019-01-01 00:00:01.5", periods=4, freq="2s", tz="UTC")
    >>> align_to(src, dst).tolist()
    [2.0, 3.0, nan, nan]
    """
    if values.index.equals(index):
        # Same instants (sensors sampled together): nothing to align; NaN stays missing.
        return values.astype(float)
    clean = values.dropna()
    if clean.empty:
        return pd.Series(np.nan, index=index, dtype=float)
    times_ns = clean.index.as_unit("ns").asi8
    step_ns = float(np.median(np.diff(times_ns))) if len(times_ns) > 1 else 0.0
    tolerance = pd.Timedelta(int(step_ns * ALIGN_TOLERANCE_INTERVALS), unit="ns")
    return clean.astype(float).reindex(index, method="ffill", tolerance=tolerance)
