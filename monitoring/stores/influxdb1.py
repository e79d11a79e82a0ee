"""InfluxDB store over the v1 HTTP API: line protocol to ``/write``, InfluxQL on ``/query``.

Works with InfluxDB 1.x OSS and Enterprise (and servers that speak the v1 API). Each
reading is one point of :func:`~monitoring.stores.line_protocol.line_protocol`, written
with ``precision=u``; writing a reading again overwrites it with itself.

The client is :mod:`urllib3` without retries: the collector decides when to retry, from
the :class:`~monitoring.errors.StoreUnavailable` / :class:`~monitoring.errors.StoreError`
split.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import NoReturn
from urllib.parse import urlencode

import pandas as pd
import urllib3
from urllib3.util import make_headers, parse_url

from monitoring.errors import StoreError, StoreUnavailable
from monitoring.stores.base import READ_COLUMNS, SensorSeries, Store, check_range
from monitoring.stores.frames import (
    SeriesPart,
    downsampled_frame,
    empty_frame,
    reading_frame,
    series_from_parts,
    series_part,
)
from monitoring.stores.influxql import (
    count_query,
    loads,
    quote_identifier,
    quote_string,
    series_query,
    where_clause,
)
from monitoring.stores.line_protocol import check_measurement, chunks, line_protocol
from sensors.schema import Reading

__all__ = ["InfluxDB1Store", "line_protocol", "quote_identifier", "quote_string"]

# Rows per chunk of a chunked /query answer; chunking keeps large reads from being
# truncated by the server's max-row-limit.
_QUERY_CHUNK_ROWS = 10_000


class InfluxDB1Store(Store):
    """Readings in an InfluxDB database, over the v1 HTTP API.

    Parameters
    ----------
    url
        Base URL of the server, e.g. ``http://127.0.0.1:8086``. Credentials go in
        ``username``/``password``, not in the URL.
    database
        Database to write to and read from; see :meth:`create_database`.
    username, password
        Credentials when the server has ``auth-enabled = true``; sent as HTTP basic auth.
    retention_policy
        Retention policy to write to and read from; the database's default when ``None``.
    measurement
        Measurement holding the readings.
    timeout_s
        Connect timeout and read timeout of each request [s].
    verify_ssl
        Check the server certificate for ``https`` URLs.

    Raises
    ------
    ValueError
        For an unusable argument (URL with credentials or without http/https scheme,
        empty database, non-positive timeout, password without user name).
    """

    name = "influxdb1"

    def __init__(
        self,
        url: str,
        *,
        database: str,
        username: str | None = None,
        password: str | None = None,
        retention_policy: str | None = None,
        measurement: str = "readings",
        timeout_s: float = 10.0,
        verify_ssl: bool = True,
    ) -> None:
        parsed = parse_url(url)
        # Credentials first, so that the message below never repeats them.
        if parsed.auth:
            raise ValueError(
                "InfluxDB url must not contain credentials; pass username and password instead"
            )
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(f"InfluxDB url {url!r} must look like http://host:8086")
        if not database:
            raise ValueError("database must be a non-empty name")
        if retention_policy == "":
            raise ValueError("retention_policy must be a name, or None for the default policy")
        check_measurement(measurement)
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s!r}")
        if password is not None and not username:
            raise ValueError("a password needs a username")
        self.url = url.rstrip("/")
        self.database = database
        self.username = username
        self.retention_policy = retention_policy
        self.measurement = measurement
        self.timeout_s = float(timeout_s)
        # The password lives only in this header, so it cannot leak through repr or messages.
        self._headers: dict[str, str] = {}
        if username:
            self._headers.update(make_headers(basic_auth=f"{username}:{password or ''}"))
        self._has_password = password is not None
        self._pool = urllib3.PoolManager(
            cert_reqs="CERT_REQUIRED" if verify_ssl else "CERT_NONE",
            timeout=urllib3.Timeout(connect=self.timeout_s, read=self.timeout_s),
            # No retries here: the collector retries with backoff and counts the attempts.
            retries=False,
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.url!r}, database={self.database!r}, "
            f"username={self.username!r}, password={'***' if self._has_password else None}, "
            f"retention_policy={self.retention_policy!r}, measurement={self.measurement!r})"
        )

    # -- Store interface -------------------------------------------------------------

    def write(self, readings: Sequence[Reading]) -> None:
        """Write ``readings``, one HTTP request per :data:`MAX_LINES_PER_REQUEST` lines.

        Returns after the server acknowledged every request with 204. When a later
        request fails, earlier ones are stored; writing the whole batch again is harmless.
        """
        lines = line_protocol(readings, measurement=self.measurement)
        params = {"db": self.database, "precision": "u"}
        if self.retention_policy is not None:
            params["rp"] = self.retention_policy
        query = urlencode(params)
        for chunk in chunks(lines):
            body = ("\n".join(chunk) + "\n").encode("utf-8")
            response = self._request(
                "POST",
                f"/write?{query}",
                body=body,
                headers={"Content-Type": "text/plain; charset=utf-8"},
                what="write",
            )
            if response.status != 204:
                self._raise_for(response, "write")

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
        if sensors is not None and not sensors:
            return empty_frame(downsampled)
        where = where_clause(site, line, start_us, end_us, sensors)
        if every_s is not None:
            step_us = max(1, round(every_s * 1e6))
            # GROUP BY time() windows are aligned to the epoch, like SQLiteStore's.
            series = self._select(
                'SELECT mean("value") AS "value", count("value") AS "count" '
                f"FROM {self._source()} WHERE {where} "
                f'GROUP BY time({step_us}u), "sensor" fill(none)'
            )
            return downsampled_frame(
                (row[0], site, line, tags.get("sensor"), row[1], row[2])
                for tags, columns, values in series
                for row in values
            )

        # "time" first: the answer's times [µs] come in that column.
        wanted = ["time", *READ_COLUMNS[1:]]
        fields = ", ".join(quote_identifier(c) for c in wanted[1:])
        series = self._select(f"SELECT {fields} FROM {self._source()} WHERE {where}")
        rows = []
        for _tags, columns, values in series:
            positions = [columns.index(c) if c in columns else None for c in wanted]
            rows.extend([row[p] if p is not None else None for p in positions] for row in values)
        return reading_frame(rows)

    def read_series(
        self,
        *,
        site: str,
        line: str,
        start: datetime,
        end: datetime,
        sensors: Sequence[str] | None = None,
    ) -> dict[str, SensorSeries]:
        """:meth:`read` as arrays: one query grouped by sensor, its chunked answer
        decoded as it streams in, so no text frame and no whole answer in memory."""
        if sensors is not None and not sensors:
            return {}
        where = where_clause(site, line, *check_range(start, end), sensors)
        parts: dict[str, list[SeriesPart]] = {}
        for tags, columns, values in self._stream(series_query(self._source(), where)):
            parts.setdefault(str(tags.get("sensor")), []).append(series_part(columns, values))
        return series_from_parts(parts)

    def count_series(
        self,
        *,
        site: str,
        line: str,
        start: datetime,
        end: datetime,
        sensors: Sequence[str],
    ) -> dict[str, int]:
        """:meth:`read_series`' lengths by InfluxQL ``count("value")`` over the same WHERE
        clause: the server counts, no reading crosses the network."""
        if not sensors:
            return {}
        where = where_clause(site, line, *check_range(start, end), sensors)
        out: dict[str, int] = {}
        for tags, columns, values in self._stream(count_query(self._source(), where)):
            sensor = str(tags.get("sensor"))
            n = sum(int(row[columns.index("count")] or 0) for row in values)
            if n:
                out[sensor] = out.get(sensor, 0) + n
        return out

    def count(self, *, site: str | None = None, line: str | None = None) -> int:
        conditions = []
        if site is not None:
            conditions.append(f'"site" = {quote_string(site)}')
        if line is not None:
            conditions.append(f'"line" = {quote_string(line)}')
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        # Without a time condition InfluxQL counts all points, future ones included.
        series = self._select(f'SELECT count("value") FROM {self._source()}{where}')
        return sum(
            int(row[columns.index("count")]) for _, columns, values in series for row in values
        )

    def ping(self) -> None:
        """Check that the server answers ``/ping``.

        Raises
        ------
        StoreUnavailable
            If it does not answer.
        StoreError
            If something that is not InfluxDB 1.x answers.
        """
        response = self._request("GET", "/ping", what="ping")
        if response.status != 204:
            self._raise_for(response, "ping")

    def close(self) -> None:
        self._pool.clear()

    # -- administration ------------------------------------------------------------

    def create_database(self) -> None:
        """Create :attr:`database` (``CREATE DATABASE``); nothing happens if it exists.

        Needs admin rights when authentication is enabled. The retention policy is not
        created: the database gets the server's default ``autogen`` policy.
        """
        self._select(f"CREATE DATABASE {quote_identifier(self.database)}", method="POST")

    # -- HTTP plumbing ---------------------------------------------------------------

    def _source(self) -> str:
        rp = quote_identifier(self.retention_policy) if self.retention_policy else ""
        return f"{quote_identifier(self.database)}.{rp}.{quote_identifier(self.measurement)}"

    def _request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        body: bytes | None = None,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
    ) -> urllib3.BaseHTTPResponse:
        all_headers = {**self._headers, **(headers or {})}
        try:
            if fields is not None:
                return self._pool.request(
                    method,
                    self.url + path,
                    fields=fields,
                    headers=all_headers,
                    encode_multipart=False,
                    preload_content=not stream,
                )
            return self._pool.request(method, self.url + path, body=body, headers=all_headers)
        except urllib3.exceptions.HTTPError as exc:
            raise StoreUnavailable(
                f"InfluxDB at {self.url} did not answer the {what} request: {exc}; check that "
                "influxd runs and that the url is right (the collector retries)",
                store=self.name,
            ) from exc

    def _select(self, query: str, *, method: str = "POST") -> list[tuple[dict, list, list]]:
        """Run an InfluxQL statement; (tags, columns, values) of every series returned."""
        return list(self._stream(query, method=method))

    def _stream(self, query: str, *, method: str = "POST") -> Iterator[tuple[dict, list, list]]:
        """(tags, columns, values) of each chunk of each series, as the answer streams in."""
        fields = {
            "db": self.database,
            "q": query,
            "epoch": "u",
            "chunked": "true",
            "chunk_size": str(_QUERY_CHUNK_ROWS),
        }
        # POST with a form body: GET would put long sensor lists in the URL, and
        # CREATE DATABASE must be POSTed anyway.
        response = self._request(method, "/query", fields=fields, what="query", stream=True)
        if response.status != 200:
            self._raise_for(response, "query")
        # A chunked answer is one JSON document per line.
        try:
            yield from self._documents(response)
        finally:
            response.release_conn()

    def _documents(self, response: urllib3.BaseHTTPResponse) -> Iterator[tuple[dict, list, list]]:
        for raw in response:
            if not raw.strip():
                continue
            try:
                doc = loads(raw)
            except ValueError as exc:
                raise StoreError(
                    f"InfluxDB at {self.url} sent an answer that is not JSON ({exc}); "
                    "check that the url points at InfluxDB 1.x",
                    store=self.name,
                ) from exc
            if "error" in doc:
                self._raise_message(str(doc["error"]), None, "query")
            for result in doc.get("results", []):
                if "error" in result:
                    self._raise_message(str(result["error"]), None, "query")
                for s in result.get("series", []):
                    yield (s.get("tags") or {}, s["columns"], s.get("values") or [])

    def _raise_for(self, response: urllib3.BaseHTTPResponse, what: str) -> NoReturn:
        message = response.headers.get("X-Influxdb-Error", "")
        if not message:
            try:
                message = str(loads(response.data).get("error", ""))
            except (ValueError, AttributeError):
                message = response.data[:200].decode("utf-8", "replace").strip()
        self._raise_message(message or (response.reason or ""), response.status, what)

    def _raise_message(self, message: str, status: int | None, what: str) -> NoReturn:
        """Raise the exception for a refused request, with what to do next.

        ``status`` is ``None`` for an error reported inside a 200 answer.
        """
        detail = f"HTTP {status}: {message}" if status is not None else message
        where = f"InfluxDB at {self.url} refused the {what} ({detail})"
        lowered = message.lower()
        db = quote_identifier(self.database)
        if "database not found" in lowered:
            hint = (
                f"create the database with CREATE DATABASE {db} "
                "(InfluxDB1Store.create_database() does it) or fix the database name"
            )
        elif "retention policy not found" in lowered:
            rp = quote_identifier(self.retention_policy or "autogen")
            hint = (
                f"create it with CREATE RETENTION POLICY {rp} ON {db} DURATION INF "
                "REPLICATION 1, or fix retention_policy"
            )
        elif status in (401, 403) or "authorization failed" in lowered:
            hint = (
                "check username/password_env, and that the user may "
                f"{'write to' if what == 'write' else 'read'} database {db}"
            )
        elif "field type conflict" in lowered:
            hint = (
                f"measurement {self.measurement!r} already holds fields of other types "
                "(this store writes value as float, seq as integer); use a new measurement or "
                "database"
            )
        elif "beyond retention policy" in lowered:
            hint = "these readings are older than the retention policy keeps; lengthen it"
        elif status == 404:
            hint = "check that the url points at InfluxDB 1.x (not 2.x: use InfluxDB2Store)"
        elif status is not None and (status == 429 or status >= 500):
            hint = "the server is overloaded or failing; the collector retries, see the influxd log"
        else:
            hint = "report this with the influxd log: the store or the readings are at fault"
        retryable = status is not None and (status == 429 or status >= 500)
        # InfluxDB 1.x answers 500 for a missing retention policy: retrying cannot fix that.
        retryable = retryable and "not found" not in lowered
        error = StoreUnavailable if retryable else StoreError
        raise error(f"{where}; {hint}", store=self.name, status=status)
