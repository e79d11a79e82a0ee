"""Reading payload schema, version 1.

One MQTT message carries the readings of one sensor, on the topic
``<prefix>/<site>/<line>/<sensor>`` (see :mod:`sensors.topics`). The payload is a
UTF-8 JSON object::

    {"v": 1, "unit": "degC", "ts": "2019-06-03T01:00:00.250Z", "value": 231.5, "seq": 17}

or, for a batch (up to :data:`MAX_BATCH` readings, all of the same sensor)::

    {"v": 1, "site": "minh-khai", "line": "line-1", "sensor": "zone1_temp",
     "unit": "degC",
     "readings": [{"ts": 1559523600250, "value": 231.5, "seq": 17},
                  {"ts": 1559523601250, "value": 231.9, "seq": 18}]}

Fields:

``v`` (int, required)
    Schema version; this module reads version 1.
``unit`` (str, required)
    Unit of every value in the message; must equal the unit configured for the sensor.
``site``, ``line``, ``sensor`` (str, optional)
    Identity; where present they must equal the topic's levels.
``ts`` (required per reading)
    Device time of the measurement, UTC: an RFC 3339 string with a zone designator
    (``Z`` or ``+07:00``; naive times are refused) or an integer of milliseconds since
    the Unix epoch. Kept to the microsecond end to end.
``value`` (number, required per reading)
    Finite number. ``NaN`` and ``Infinity`` are refused.
``seq`` (int, required per reading)
    Device sequence number, 0 ≤ seq < 2**53, incremented by one per reading; used to
    spot gaps, not for identity.
``household`` (str, optional per reading)
    Household code for intake weighings.

A reading's identity is (site, line, sensor, household, ts): sending the same reading
twice stores it once.

>>> r = Reading("minh-khai", "line-1", "zone1_temp", 1_559_523_600_250_000, 231.5, "degC", 17)
>>> payload = encode_payload([r])
>>> decode_payload(payload, site="minh-khai", line="line-1", sensor="zone1_temp") == [r]
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from sensors.errors import PayloadError

SCHEMA_VERSION = 1
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_BATCH = 5000
MAX_SEQ = 2**53
#: Latest integer device time accepted [ms]: 9999-12-31T23:59:59.999Z, the last instant
#: a datetime can hold (later ones crashed the collector's messages; found by fuzzing).
MAX_TS_MS = 253_402_300_799_999
#: Microseconds per second: device times are integers [µs since the epoch].
US_PER_S = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Reading:
    """One measurement of one sensor at one device time.

    Parameters
    ----------
    site, line, sensor
        Identity, as in the topic.
    ts_us
        Device time [µs since 1970-01-01T00:00:00Z].
    value
        Measured value [``unit``].
    unit
        Unit symbol, e.g. ``degC``, ``kg/h``, ``kWh``, ``kg``.
    seq
        Device sequence number [-].
    household
        Household code, for intake weighings; ``None`` otherwise.
    """

    site: str
    line: str
    sensor: str
    ts_us: int
    value: float
    unit: str
    seq: int
    household: str | None = None

    @property
    def time(self) -> datetime:
        """Device time as an aware UTC datetime."""
        return datetime_from_us(self.ts_us)

    @property
    def key(self) -> tuple[str, str, str, str, int]:
        """Identity of the reading: equal keys are the same reading."""
        return (self.site, self.line, self.sensor, self.household or "", self.ts_us)


def datetime_from_us(ts_us: int) -> datetime:
    """Aware UTC datetime for ``ts_us`` [µs since the Unix epoch].

    >>> datetime_from_us(1_000_000).isoformat()
    '1970-01-01T00:00:01+00:00'
    """
    seconds, micros = divmod(ts_us, US_PER_S)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=micros)


def us_from_datetime(when: datetime) -> int:
    """Microseconds since the Unix epoch for an aware datetime.

    >>> us_from_datetime(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC))
    1000005
    """
    if when.tzinfo is None:
        raise ValueError("naive datetime: give a timezone (UTC for device time)")
    delta = when - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * US_PER_S + delta.microseconds


def format_ts(ts_us: int) -> str:
    """RFC 3339 UTC string with microseconds and ``Z``.

    >>> format_ts(1_559_523_600_250_000)
    '2019-06-03T01:00:00.250000Z'
    """
    return datetime_from_us(ts_us).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(raw: Any, *, where: str = "ts") -> int:
    """Device time [µs since the epoch] from an RFC 3339 string or integer milliseconds.

    >>> parse_ts("2019-06-03T08:00:00.25+07:00")
    1559523600250000
    >>> parse_ts(1559523600250)
    1559523600250000
    """
    if isinstance(raw, bool):
        raise PayloadError(f"{where}: boolean is not a time", reason="bad_timestamp")
    if isinstance(raw, int):
        if not 0 <= raw <= MAX_TS_MS:
            raise PayloadError(
                f"{where}: {raw} ms is out of range 0..{MAX_TS_MS} (1970 to 9999)",
                reason="bad_timestamp",
            )
        return raw * 1000
    if isinstance(raw, str):
        text = raw.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise PayloadError(
                f"{where}: {raw!r} is not an RFC 3339 time", reason="bad_timestamp"
            ) from None
        if when.tzinfo is None:
            raise PayloadError(
                f"{where}: {raw!r} has no zone; add 'Z' for UTC", reason="bad_timestamp"
            )
        return us_from_datetime(when)
    raise PayloadError(
        f"{where}: expected an RFC 3339 string or integer milliseconds, got {type(raw).__name__}",
        reason="bad_timestamp",
    )


def _reject_constant(name: str) -> float:
    raise PayloadError(f"{name} is not a finite number", reason="non_finite")


# One decoder for every payload: json.loads(..., parse_constant=...) builds a new
# JSONDecoder on each call, which cost as much as the decoding of a small payload.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_isfinite = math.isfinite
_fast_loads = orjson.loads
_FastError = orjson.JSONDecodeError
#: Read payloads with orjson first (:func:`decode_payload`); ``False``: the standard
#: decoder alone, the reference that the tests and ``bench/ingest.py --compare`` use.
FAST_JSON = True


def load_json_standard(payload: bytes) -> Any:
    """The JSON document in ``payload`` read by the standard ``json`` decoder alone.

    ``NaN`` and ``Infinity`` raise :class:`PayloadError` (``non_finite``), other faults
    ``ValueError``.

    >>> load_json_standard(b'[1, 2.5]')
    [1, 2.5]
    """
    return _DECODER.decode(payload.decode("utf-8"))


def _path(batch: bool, index: int, field: str) -> str:
    """Where a field sits, for messages: ``readings[3].ts`` in a batch, ``ts`` alone."""
    return f"readings[{index}].{field}" if batch else field


def _number(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise PayloadError(
            f"{where}: expected a number, got {type(raw).__name__}", reason="bad_type"
        )
    try:
        value = float(raw)
    except OverflowError:  # an integer beyond a double: it crashed the collector before
        raise PayloadError(
            f"{where}: an integer of {len(str(raw))} digits is not a finite double",
            reason="non_finite",
        ) from None
    if not math.isfinite(value):
        raise PayloadError(f"{where}: {raw!r} is not finite", reason="non_finite")
    return value


def _text(raw: Any, where: str, *, max_len: int = 64) -> str:
    if not isinstance(raw, str) or not raw or len(raw) > max_len:
        raise PayloadError(
            f"{where}: expected a non-empty string of at most {max_len} characters",
            reason="bad_type",
        )
    return raw


def decode_payload(
    payload: bytes,
    *,
    site: str,
    line: str,
    sensor: str,
    max_bytes: int = MAX_PAYLOAD_BYTES,
) -> list[Reading]:
    """Decode a version-1 message published on the topic of ``site/line/sensor``.

    Raises
    ------
    PayloadError
        With ``reason`` one of ``too_large``, ``bad_json``, ``bad_version``,
        ``bad_type``, ``non_finite``, ``bad_timestamp``, ``identity_mismatch``,
        ``empty_batch``, ``too_many_readings``, naming the field at fault.
    """
    if len(payload) > max_bytes:
        raise PayloadError(
            f"payload of {len(payload)} bytes exceeds the limit of {max_bytes} bytes",
            reason="too_large",
        )
    if FAST_JSON:
        # orjson (C) reads what it accepts to the values json gives, except integers
        # beyond 64 bits, which become floats (equal to json's float(int) for "value",
        # refused anywhere else). It refuses more (NaN, Infinity, lone surrogates,
        # overflowing numbers). Whatever it or the checks refuse is read again by the
        # standard decoder, so reasons and messages stay exactly the standard's.
        try:
            doc = _fast_loads(payload)
        except _FastError:
            pass
        else:
            try:
                return _readings(doc, site, line, sensor)
            except PayloadError:
                pass
    try:
        doc = load_json_standard(payload)
    except PayloadError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PayloadError(f"payload is not UTF-8 JSON: {exc}", reason="bad_json") from exc
    return _readings(doc, site, line, sensor)


def _readings(doc: Any, site: str, line: str, sensor: str) -> list[Reading]:
    """The readings of a decoded payload document, checked field by field."""
    if not isinstance(doc, dict):
        raise PayloadError(
            f"payload must be a JSON object, got {type(doc).__name__}", reason="bad_type"
        )
    version = doc.get("v")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise PayloadError(
            f"v: schema version {version!r} is not supported; this collector reads v=1",
            reason="bad_version",
        )
    for field, expected in (("site", site), ("line", line), ("sensor", sensor)):
        if field in doc and doc[field] != expected:
            raise PayloadError(
                f"{field}: payload says {doc[field]!r} but the topic says {expected!r}",
                reason="identity_mismatch",
            )
    unit = _text(doc.get("unit"), "unit", max_len=16)
    if "readings" in doc:
        items = doc["readings"]
        if not isinstance(items, list):
            raise PayloadError("readings: expected a list", reason="bad_type")
        if not items:
            raise PayloadError("readings: the batch is empty", reason="empty_batch")
        if len(items) > MAX_BATCH:
            raise PayloadError(
                f"readings: {len(items)} readings exceed the limit of {MAX_BATCH}",
                reason="too_many_readings",
            )
        batch = True
    else:
        items = [doc]
        batch = False
    readings: list[Reading] = []
    append = readings.append
    for index, item in enumerate(items):
        # Field paths (readings[3].ts) are built only for an error message: formatting
        # them for every reading was a measurable share of the collector's decoding.
        if not isinstance(item, dict):
            raise PayloadError(
                f"{_path(batch, index, '').rstrip('.')}: expected an object", reason="bad_type"
            )
        if "ts" not in item or "value" not in item or "seq" not in item:
            missing = [f for f in ("ts", "value", "seq") if f not in item]
            raise PayloadError(
                f"{_path(batch, index, missing[0])}: required field is missing", reason="bad_type"
            )
        seq = item["seq"]
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < MAX_SEQ:
            raise PayloadError(
                f"{_path(batch, index, 'seq')}: expected an integer 0 ≤ seq < 2**53",
                reason="bad_type",
            )
        household = item.get("household")
        if household is not None:
            household = _text(household, _path(batch, index, "household"))
        # Fast paths for the common forms (integer ms, float value); anything else takes
        # the full checks of parse_ts and _number, with their messages.
        raw_ts = item["ts"]
        if type(raw_ts) is int and 0 <= raw_ts <= MAX_TS_MS:
            ts_us = raw_ts * 1000
        else:
            ts_us = parse_ts(raw_ts, where=_path(batch, index, "ts"))
        raw_value = item["value"]
        if type(raw_value) is float and _isfinite(raw_value):
            value = raw_value
        else:
            value = _number(raw_value, _path(batch, index, "value"))
        append(Reading(site, line, sensor, ts_us, value, unit, seq, household))
    return readings


def encode_payload(readings: Sequence[Reading], *, include_identity: bool = True) -> bytes:
    """Encode readings of one sensor as a version-1 message.

    One reading gives the flat form, several give a ``readings`` batch. Timestamps are
    written as RFC 3339 strings with microseconds, so nothing is rounded.
    """
    if not readings:
        raise ValueError("encode_payload needs at least one reading")
    first = readings[0]
    for r in readings:
        if (r.site, r.line, r.sensor, r.unit) != (first.site, first.line, first.sensor, first.unit):
            raise ValueError("one message carries readings of one sensor and one unit")
    doc: dict[str, Any] = {"v": SCHEMA_VERSION}
    if include_identity:
        doc.update(site=first.site, line=first.line, sensor=first.sensor)
    doc["unit"] = first.unit

    def item(r: Reading) -> dict[str, Any]:
        out: dict[str, Any] = {"ts": format_ts(r.ts_us), "value": r.value, "seq": r.seq}
        if r.household is not None:
            out["household"] = r.household
        return out

    if len(readings) == 1:
        doc.update(item(first))
    else:
        doc["readings"] = [item(r) for r in readings]
    return json.dumps(doc, separators=(",", ":"), allow_nan=False).encode("utf-8")
