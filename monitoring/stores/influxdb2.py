"""InfluxDB store over the v2 API (InfluxDB 2.x, InfluxDB Cloud, and 1.8+ with its
``/api/v2`` compatibility endpoints), through :mod:`influxdb_client`.

Points have the same schema as :class:`~monitoring.stores.influxdb1.InfluxDB1Store`
writes (see :func:`~monitoring.stores.line_protocol.line_protocol`), with microsecond
timestamps, so both stores read each other's data.

Writes use the client's synchronous write API with its retries switched off. The
client's batching (background) API is not used: it drops a batch once its retries are
exhausted and queues without bound meanwhile, whereas the collector must know that a
batch is stored before it acknowledges the MQTT messages, and does its own retrying.

For InfluxDB 1.8 pass ``token="username:password"`` (or ``":"`` without auth),
``org="-"`` and ``bucket="database/retention_policy"``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import NoReturn, TypeVar

import pandas as pd
import urllib3
from influxdb_client import InfluxDBClient, WritePrecision
from influxdb_client.client.exceptions import InfluxDBError
from influxdb_client.client.flux_csv_parser import FluxQueryException
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.rest import ApiException
from influxdb_client.service.ping_service import PingService

from monitoring.errors import StoreError, StoreUnavailable
from monitoring.stores.base import Store, check_range
from monitoring.stores.frames import READ_ROW, downsampled_frame, empty_frame, reading_frame
from monitoring.stores.line_protocol import check_measurement, chunks, line_protocol
from sensors.schema import Reading

_T = TypeVar("_T")

# Flux range() needs a start; this store has nothing before the epoch. The stop is the
# last whole day InfluxDB's int64 nanoseconds can hold, so future-dated readings count.
_FLUX_ALL_TIME = "start: 1970-01-01T00:00:00Z, stop: 2262-04-11T00:00:00Z"


def flux_string(text: str) -> str:
    """``text`` as a double-quoted Flux string literal.

    >>> print(flux_string('a "b" ${c}'))
    "a \\"b\\" \\${c}"
    """
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        # ${ starts string interpolation in Flux.
        .replace("${", "\\${")
    )
    return f'"{escaped}"'


class InfluxDB2Store(Store):
    """Readings in an InfluxDB bucket, over the v2 API.

    Parameters
    ----------
    url
        Base URL of the server, e.g. ``http://127.0.0.1:8086``.
    org
        Organisation name or id (``"-"`` for InfluxDB 1.8).
    bucket
        Bucket to write to and read from (``"db/rp"`` for InfluxDB 1.8).
    token
        API token with read and write access to ``bucket``. Kept out of repr and messages.
    measurement
        Measurement holding the readings.
    timeout_s
        Timeout of each request [s].
    verify_ssl
        Check the server certificate for ``https`` URLs.

    Raises
    ------
    ValueError
        For an empty org, bucket or token, or a non-positive timeout.
    """

    name = "influxdb2"

    def __init__(
        self,
        url: str,
        *,
        org: str,
        bucket: str,
        token: str,
        measurement: str = "readings",
        timeout_s: float = 10.0,
        verify_ssl: bool = True,
    ) -> None:
        for what, value in (("org", org), ("bucket", bucket), ("token", token)):
            if not value:
                raise ValueError(f"{what} must not be empty")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s!r}")
        # Fail at construction, not at the first write, for an unusable measurement name.
        check_measurement(measurement)
        self.url = url.rstrip("/")
        self.org = org
        self.bucket = bucket
        self.measurement = measurement
        self.timeout_s = float(timeout_s)
        self._client = InfluxDBClient(
            url=self.url,
            token=token,
            org=org,
            timeout=int(self.timeout_s * 1000),
            verify_ssl=verify_ssl,
            # No retries in the client: the collector retries with backoff and counts them.
            retries=False,
        )
        self._write_api = self._client.write_api(write_options=SYNCHRONOUS)
        self._query_api = self._client.query_api()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.url!r}, org={self.org!r}, bucket={self.bucket!r}, "
            f"token=***, measurement={self.measurement!r})"
        )

    # -- Store interface -------------------------------------------------------------

    def write(self, readings: Sequence[Reading]) -> None:
        """Write ``readings``, one HTTP request per
        :data:`~monitoring.stores.line_protocol.MAX_LINES_PER_REQUEST` lines.

        Returns after the server acknowledged every request. When a later request
        fails, earlier ones are stored; writing the whole batch again is harmless.
        """
        lines = line_protocol(readings, measurement=self.measurement)
        for chunk in chunks(lines):
            body = "\n".join(chunk)
            self._call(
                "write",
                lambda body=body: self._write_api.write(
                    bucket=self.bucket,
                    org=self.org,
                    record=body,
                    write_precision=WritePrecision.US,
                ),
            )

    def read(
        self,
        *,
        site: str,
        line: str,
        start: datetime,
        end: datetime,
        sensors: Sequence[str] | None = None,
        every_s: float | None = None,
    ) -> pd.DataFrame:
        start_us, end_us = check_range(start, end)
        downsampled = every_s is not None
        if every_s is not None and not every_s > 0:
            raise ValueError("every_s must be positive")
        if (sensors is not None and not sensors) or start_us == end_us:
            # Flux refuses an empty range(); nothing can match anyway.
            return empty_frame(downsampled)
        source = (
            f"from(bucket: {flux_string(self.bucket)})\n"
            f"  |> range(start: time(v: {start_us * 1000}), stop: time(v: {end_us * 1000}))\n"
            f"  |> filter(fn: (r) => r._measurement == {flux_string(self.measurement)})\n"
            f"  |> filter(fn: (r) => r.site == {flux_string(site)} "
            f"and r.line == {flux_string(line)})\n"
        )
        if sensors is not None:
            either = " or ".join(f"r.sensor == {flux_string(s)}" for s in sensors)
            source += f"  |> filter(fn: (r) => {either})\n"
        # int(v: time) is nanoseconds; converting in Flux avoids parsing RFC 3339 in Python.
        to_us = "  |> map(fn: (r) => ({r with ts_us: int(v: r._time) / 1000}))\n"
        if every_s is None:
            query = (
                source + '  |> filter(fn: (r) => r._field == "value" or r._field == "seq")\n'
                '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")\n'
                + to_us
            )
            return reading_frame(
                tuple(rec.get(field) for field in READ_ROW) for rec in self._records(query)
            )

        step_us = max(1, round(every_s * 1e6))
        window = f'every: {step_us}us, createEmpty: false, timeSrc: "_start"'
        query = (
            "data = " + source + '  |> filter(fn: (r) => r._field == "value")\n'
            '  |> group(columns: ["sensor"])\n'
            f"data |> aggregateWindow({window}, fn: mean)\n{to_us}"
            '  |> yield(name: "mean")\n'
            f"data |> aggregateWindow({window}, fn: count)\n{to_us}"
            '  |> yield(name: "count")\n'
        )
        means: dict[tuple[str, int], float] = {}
        counts: dict[tuple[str, int], int] = {}
        for rec in self._records(query):
            # Flux clips the first window's _start to the range start; flooring puts it
            # back on the epoch-aligned window start that SQLiteStore and InfluxQL report.
            key = (rec["sensor"], (int(rec["ts_us"]) // step_us) * step_us)
            if rec.get("result") == "count":
                counts[key] = int(rec["_value"])
            else:
                means[key] = float(rec["_value"])
        return downsampled_frame(
            (t, site, line, s, mean, counts.get((s, t), 0)) for (s, t), mean in means.items()
        )

    def count(self, *, site: str | None = None, line: str | None = None) -> int:
        conditions = [f"r._measurement == {flux_string(self.measurement)}", 'r._field == "value"']
        if site is not None:
            conditions.append(f"r.site == {flux_string(site)}")
        if line is not None:
            conditions.append(f"r.line == {flux_string(line)}")
        query = (
            f"from(bucket: {flux_string(self.bucket)})\n"
            f"  |> range({_FLUX_ALL_TIME})\n"
            f"  |> filter(fn: (r) => {' and '.join(conditions)})\n"
            "  |> group()\n"
            "  |> count()\n"
        )
        return sum(int(rec["_value"]) for rec in self._records(query))

    def ping(self) -> None:
        """Check that the server answers ``/ping``.

        Raises
        ------
        StoreUnavailable
            If it does not answer.
        """
        self._call("ping", lambda: PingService(self._client.api_client).get_ping())

    def close(self) -> None:
        self._write_api.close()
        self._client.close()

    # -- plumbing --------------------------------------------------------------------

    def _records(self, query: str) -> list[dict]:
        """Values of every record of a Flux query's answer."""
        tables = self._call("query", lambda: self._query_api.query(query, org=self.org))
        return [rec.values for table in tables for rec in table.records]

    def _call(self, what: str, action: Callable[[], _T]) -> _T:
        try:
            return action()
        except ApiException as exc:
            self._raise_for(exc, what)
        except FluxQueryException as exc:
            raise StoreError(
                f"InfluxDB at {self.url} failed the Flux {what}: {exc.message}; report this "
                "with the server log (the query is built by InfluxDB2Store)",
                store=self.name,
            ) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StoreUnavailable(
                f"InfluxDB at {self.url} did not answer the {what} request: {exc}; check that "
                "the server runs and that the url is right (the collector retries)",
                store=self.name,
            ) from exc
        except InfluxDBError as exc:
            raise StoreError(
                f"InfluxDB at {self.url} refused the {what}: {exc.message}", store=self.name
            ) from exc

    def _raise_for(self, exc: ApiException, what: str) -> NoReturn:
        status = exc.status or 0
        message = _server_message(exc)
        where = f"InfluxDB at {self.url} refused the {what} (HTTP {status}: {message})"
        bucket, org = self.bucket, self.org
        if status in (401, 403):
            hint = (
                f"check the token (token_env): it must be valid and allow {what} access to "
                f"bucket {bucket!r} of org {org!r}"
            )
        elif status == 404:
            hint = (
                f"create the bucket (influx bucket create --name {bucket} --org {org}) or fix "
                "org/bucket; for InfluxDB 1.8 the bucket is 'database/retention_policy' and "
                "the database must exist (CREATE DATABASE)"
            )
        elif status == 413:
            hint = "the request is too large for the server; lower the collector's batch size"
        elif status == 422:
            hint = "the readings are outside the bucket's retention period; lengthen it"
        elif status == 429 or status >= 500:
            hint = "the server is overloaded or failing; the collector retries, see its log"
        elif status == 400 and what == "query":
            hint = "report this with the query: InfluxDB2Store built a query the server refuses"
        else:
            hint = "report this with the server log: the store or the readings are at fault"
        error = StoreUnavailable if status == 429 or status >= 500 else StoreError
        raise error(f"{where}; {hint}", store=self.name, status=status or None) from exc


def _server_message(exc: ApiException) -> str:
    """The server's own error text: v2 JSON ``message``, v1 JSON ``error``, or the body."""
    body = exc.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if body:
        try:
            doc = json.loads(body)
        except ValueError:
            return str(body).strip()[:300]
        if isinstance(doc, dict):
            return str(doc.get("message") or doc.get("error") or doc)[:300]
    headers = exc.headers or {}
    for key in ("X-Platform-Error-Code", "X-Influxdb-Error"):
        if headers.get(key):
            return str(headers[key])
    return str(exc.reason or "")
