"""InfluxQL for the InfluxDB 1.x store: quoting, the WHERE clause of a read, and the
decoding of ``/query`` answers into arrays.

The statements and the answer format are InfluxData's, "InfluxQL reference" and
"Query data with the InfluxDB API" (chunked answers: one JSON document per line),
InfluxDB 1.8 documentation, https://docs.influxdata.com/influxdb/v1/.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

import numpy as np
import orjson

from monitoring.stores.frames import SeriesPart, series_part

__all__ = [
    "TIME_EXACT_US",
    "count_query",
    "loads",
    "quote_identifier",
    "quote_string",
    "series_query",
    "series_rows",
    "where_clause",
]

#: Largest |time| [µs] a float64 holds exactly (2**53 µs, about year 2255): answers
#: within it are converted to arrays in one step (see :func:`series_rows`).
TIME_EXACT_US = 2**53

#: Decodes one JSON document of an answer; raises ``ValueError`` for one that is not JSON.
#: orjson (about three times :func:`json.loads`'s speed on these answers).
loads = orjson.loads

_third = itemgetter(2)


def quote_identifier(name: str) -> str:
    """``name`` as a double-quoted InfluxQL identifier.

    >>> quote_identifier('we"ird')
    '"we\\\\"ird"'
    """
    return '"' + _escape_influxql(name).replace('"', '\\"') + '"'


def quote_string(text: str) -> str:
    """``text`` as a single-quoted InfluxQL string literal.

    >>> quote_string("it's")
    "'it\\\\'s'"
    """
    return "'" + _escape_influxql(text).replace("'", "\\'") + "'"


def _escape_influxql(text: str) -> str:
    # The InfluxQL scanner knows \\, \', \" and \n; a raw newline ends a string with an error.
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def where_clause(
    site: str, line: str, start_us: int, end_us: int, sensors: Sequence[str] | None
) -> str:
    """The WHERE clause of a read: one line, ``[start, end)`` [µs], optionally sensors.

    >>> print(where_clause("mk", "line-1", 10, 20, ["t"]))
    "site" = 'mk' AND "line" = 'line-1' AND time >= 10u AND time < 20u AND ("sensor" = 't')
    """
    where = (
        f'"site" = {quote_string(site)} AND "line" = {quote_string(line)} '
        f"AND time >= {start_us}u AND time < {end_us}u"
    )
    if sensors is not None:
        where += " AND (" + " OR ".join(f'"sensor" = {quote_string(s)}' for s in sensors) + ")"
    return where


def series_query(source: str, where: str) -> str:
    """Every reading's time, value and household in ``where``, one series per sensor."""
    return f'SELECT "value", "household" FROM {source} WHERE {where} GROUP BY "sensor"'


def count_query(source: str, where: str) -> str:
    """How many rows :func:`series_query` gives per sensor, counted by the server.

    Both select the points of the same WHERE clause; every point has a ``value`` (the
    store never writes one without it), so ``count("value")`` counts each point that
    :func:`series_query` returns, one per (tag set, time) as InfluxDB keeps them.
    """
    return f'SELECT count("value") FROM {source} WHERE {where} GROUP BY "sensor"'


def series_rows(columns: Sequence[str], rows: list) -> SeriesPart:
    """One piece of a :func:`series_query` answer as arrays (see
    :func:`~monitoring.stores.frames.series_part`).

    Rows without a household (every clocked sensor) become one float64 array in one
    step, times exact below :data:`TIME_EXACT_US`, and households ``None``; others go
    row by row.

    >>> t, v, h = series_rows(["time", "value", "household"], [[1_559_523_600_250_007, 2.5, None]])
    >>> t.tolist(), v.tolist(), h
    ([1559523600250007], [2.5], None)
    """
    if columns == ["time", "value", "household"] and rows and set(map(_third, rows)) == {None}:
        table = np.array(rows, dtype=np.float64)  # the households' None become NaN
        if np.abs(table[:, 0]).max() < TIME_EXACT_US:
            return table[:, 0].astype(np.int64), table[:, 1].copy(), None
    return series_part(columns, rows)
