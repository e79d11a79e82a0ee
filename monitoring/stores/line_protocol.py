"""InfluxDB line protocol: how both InfluxDB stores write a reading.

Each reading is one point::

    readings,line=line-1,sensor=zone1_temp,site=minh-khai,unit=degC value=231.5,seq=17i 1559...

with the timestamp in microseconds taken from :attr:`Reading.ts_us` (InfluxData,
"Line protocol", InfluxDB 1.8 and 2.7 documentation,
https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/). InfluxDB keys a
point by measurement, tag set and time, so writing a reading again overwrites it with
itself: writes are idempotent as long as a sensor keeps its unit (``unit`` is a tag, so
a reading stored under another unit would be a second point).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from monitoring.errors import StoreError
from sensors.schema import Reading

__all__ = [
    "MAX_LINES_PER_REQUEST",
    "check_measurement",
    "chunks",
    "line_protocol",
    "unrepresentable",
]

#: Most lines sent in one HTTP request; InfluxData's recommended batch size.
MAX_LINES_PER_REQUEST = 5000
# InfluxDB stores int64 nanoseconds; these are the limits in microseconds.
_MIN_TS_US = -9_223_372_036_854_775 + 1
_MAX_TS_US = 9_223_372_036_854_775 - 1
_MAX_SEQ = 2**63 - 1

#: Escaped tag sets by (household, line, sensor, site, unit), filled by the encoder so
#: each distinct tag set is checked and escaped once (see :func:`line_protocol`).
TAG_CACHE: dict[tuple[object, ...], str] = {}
#: Most tag sets kept; the cache is emptied when full, so it never grows without bound.
TAG_CACHE_MAX = 10_000

_TAG_ESCAPES = str.maketrans({",": r"\,", "=": r"\=", " ": r"\ "})
_MEASUREMENT_ESCAPES = str.maketrans({",": r"\,", " ": r"\ "})


def unrepresentable(text: str) -> str | None:
    """Why ``text`` cannot be a tag value or measurement name, or ``None`` if it can.

    Line protocol has no escape for newlines, and InfluxDB versions disagree on whether
    ``\\\\`` means one backslash or two, so a backslash could not be read back reliably.

    >>> unrepresentable("zone1_temp") is None, unrepresentable("a\\\\b")
    (True, 'it contains a backslash')
    """
    if not text:
        return "it is empty"
    if "\\" in text:
        return "it contains a backslash"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return "it contains a control character (newline, tab, ...)"
    return None


def check_measurement(measurement: str) -> str:
    """``measurement`` if it can name the readings' measurement.

    Raises
    ------
    ValueError
        If it cannot be written and read back (see :func:`unrepresentable`).
    """
    why = unrepresentable(measurement) if isinstance(measurement, str) else "it is not a string"
    if why is not None:
        raise ValueError(f"measurement {measurement!r} is unusable because {why}")
    return measurement


def chunks(lines: Sequence[str], size: int = MAX_LINES_PER_REQUEST) -> Iterator[Sequence[str]]:
    """``lines`` in consecutive pieces of at most ``size``, one per HTTP request."""
    for i in range(0, len(lines), size):
        yield lines[i : i + size]


def line_protocol(readings: Sequence[Reading], *, measurement: str) -> list[str]:
    """Readings as line-protocol lines with microsecond timestamps.

    Tags are ``household`` (only when not ``None``), ``line``, ``sensor``, ``site`` and
    ``unit``, in key order as InfluxDB prefers; fields are ``value`` (float) and ``seq``
    (integer).

    Raises
    ------
    StoreError
        If a reading cannot be represented (empty or backslash-containing tag value,
        non-finite value, time outside InfluxDB's range); nothing should be sent then.

    >>> r = Reading("minh-khai", "line-1", "t", 1_559_523_600_250_000, 231.0, "degC", 17, "h 1")
    >>> print(line_protocol([r], measurement="readings")[0])  # doctest: +NORMALIZE_WHITESPACE
    readings,household=h\\ 1,line=line-1,sensor=t,site=minh-khai,unit=degC
    value=231.0,seq=17i 1559523600250000
    """
    head = measurement.translate(_MEASUREMENT_ESCAPES)
    lines = []
    append = lines.append
    tag_cache = TAG_CACHE
    isfinite = math.isfinite
    for r in readings:
        try:
            tag_text = tag_cache.get((r.household, r.line, r.sensor, r.site, r.unit))
        except TypeError:  # an unhashable field: _tag_text explains what is wrong
            tag_text = None
        if tag_text is None:
            tag_text = _tag_text(r)
        value = float(r.value)
        if not isfinite(value):
            raise StoreError(
                f"reading {r.key}: value {r.value!r} is not finite; InfluxDB cannot store it",
                store="influxdb",
            )
        seq = r.seq
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= _MAX_SEQ:
            raise StoreError(
                f"reading {r.key}: seq {seq!r} is not an integer in 0..2**63-1",
                store="influxdb",
            )
        ts_us = r.ts_us
        if not isinstance(ts_us, int) or not _MIN_TS_US <= ts_us <= _MAX_TS_US:
            raise StoreError(
                f"reading {r.key}: time {ts_us} µs is outside InfluxDB's range "
                "(years 1677-2262); check the device clock",
                store="influxdb",
            )
        # repr() gives the shortest text that reads back as the same double.
        append(f"{head},{tag_text} value={value!r},seq={seq}i {ts_us}")
    return lines


def _tag_text(r: Reading) -> str:
    """The escaped tag set of ``r`` (``household=..,line=..,sensor=..,site=..,unit=..``).

    Checked and escaped once per distinct tag set, then cached: a collector sees a few
    dozen sensors, so this takes the per-character checks out of the per-reading path
    (it was the largest cost of encoding). Sets that cannot be represented raise and
    are never cached.

    Raises
    ------
    StoreError
        If a tag value cannot be represented in line protocol.
    """
    tags = [("line", r.line), ("sensor", r.sensor), ("site", r.site), ("unit", r.unit)]
    if r.household is not None:
        tags.insert(0, ("household", r.household))
    for key, text in tags:
        why = unrepresentable(text) if isinstance(text, str) else "it is not a string"
        if why is not None:
            raise StoreError(
                f"reading {r.key}: {key} {text!r} cannot be stored in InfluxDB because {why}; "
                "fix it at the source (sensor catalogue or device)",
                store="influxdb",
            )
    text = ",".join(f"{k}={v.translate(_TAG_ESCAPES)}" for k, v in tags)
    if len(TAG_CACHE) >= TAG_CACHE_MAX:
        TAG_CACHE.clear()  # bounded: many households over years must not grow it forever
    # Only all-string keys get here, and a string never equals a non-string, so a key
    # of other types can never hit a cached entry.
    TAG_CACHE[(r.household, r.line, r.sensor, r.site, r.unit)] = text
    return text
