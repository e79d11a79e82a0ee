"""An InfluxDB 2.x ``/api/v2/write`` front for the tests' InfluxDB 1.x server.

Debian's InfluxDB is 1.6, which predates the ``/api/v2/write`` compatibility endpoint
that InfluxDB 1.8 added; :class:`InfluxDBv2Shim` translates as 1.8 does, so that the
real :mod:`influxdb_client` write path is tested against a real server. The fixture
``influxdb_v2_shim`` (:mod:`tests.fixtures_influxdb`) runs one.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol


class Upstream(Protocol):
    """The InfluxDB 1.x server behind the shim (:class:`tests.fixtures_influxdb.InfluxDBServer`)."""

    @property
    def url(self) -> str: ...


_PRECISIONS = {"ns": "n", "us": "u", "ms": "ms", "s": "s"}


@dataclass
class ShimWrite:
    """One ``/api/v2/write`` request the shim forwarded."""

    database: str
    retention_policy: str
    precision: str
    content_encoding: str | None
    authorization: str | None
    status: int


@dataclass
class InfluxDBv2Shim:
    """Forwards InfluxDB 2.x write requests to an InfluxDB 1.x ``/write``.

    It exists only because Debian's InfluxDB is 1.6, which predates the ``/api/v2/write``
    compatibility endpoint that InfluxDB 1.8 added. With it, the real
    :mod:`influxdb_client` write path (serialisation, precision, gzip, auth header,
    error handling) is tested against a real server. It translates, like 1.8 does:

    - ``POST /api/v2/write?org=O&bucket=DB/RP&precision=us`` to
      ``POST /write?db=DB&rp=RP&precision=u`` (precision ns/us/ms/s to n/u/ms/s;
      ``bucket=DB`` means the default retention policy), forwarding the body,
      ``Content-Encoding`` and ``Content-Type``, and the ``Authorization`` header
      (``Token user:password`` becomes HTTP basic auth);
    - ``/ping`` to ``/ping``, and ``/health`` to a 2.x-style answer built from ``/ping``.

    Responses (status, body, ``X-Influxdb-Error``) come back unchanged; when the server
    is down the shim answers 503. Flux (``/api/v2/query``) is not available: 1.6 has none.
    """

    target: Upstream
    writes: list[ShimWrite] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the shim is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        shim = self

        class Handler(_ShimHandler):
            owner = shim

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # A short poll keeps shutdown() quick (the default waits up to 0.5 s).
            kwargs={"poll_interval": 0.05},
            name="influxdb-v2-shim",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


class _ShimHandler(BaseHTTPRequestHandler):
    owner: InfluxDBv2Shim
    # Keep-alive, as the real server does: the client's connection pool reuses sockets.
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest's output clean

    def do_POST(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if parsed.path != "/api/v2/write":
            self._reply(404, {"code": "not found", "message": f"no {parsed.path} in the shim"})
            return
        args = dict(urllib.parse.parse_qsl(parsed.query))
        precision = _PRECISIONS.get(args.get("precision", "ns"))
        bucket = args.get("bucket", "")
        if precision is None or not bucket:
            self._reply(400, {"code": "invalid", "message": "bad precision or missing bucket"})
            return
        database, _, rp = bucket.partition("/")
        params = {"db": database, "precision": precision}
        if rp:
            params["rp"] = rp
        headers = {}
        for name in ("Content-Encoding", "Content-Type"):
            if self.headers.get(name):
                headers[name] = self.headers[name]
        auth = self.headers.get("Authorization")
        if auth:
            scheme, _, credentials = auth.partition(" ")
            if scheme == "Token" and ":" in credentials:
                auth = "Basic " + base64.b64encode(credentials.encode()).decode()
            headers["Authorization"] = auth
        target = f"{self.owner.target.url}/write?{urllib.parse.urlencode(params)}"
        status, reply, error = self._forward("POST", target, body, headers)
        self.owner.writes.append(
            ShimWrite(
                database=database,
                retention_policy=rp,
                precision=args.get("precision", "ns"),
                content_encoding=self.headers.get("Content-Encoding"),
                authorization=self.headers.get("Authorization"),
                status=status,
            )
        )
        self._send(status, reply, error)

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path not in ("/ping", "/health"):
            self._reply(404, {"code": "not found", "message": f"no {path} in the shim"})
            return
        status, reply, error = self._forward("GET", f"{self.owner.target.url}/ping", None, {})
        if path == "/ping":
            self._send(status, reply, error)
        elif status == 204:
            self._reply(
                200,
                {"name": "influxdb", "message": "ready for queries and writes", "status": "pass"},
            )
        else:
            self._reply(503, {"name": "influxdb", "message": error or "down", "status": "fail"})

    def do_HEAD(self) -> None:
        self.do_GET()

    def _forward(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes, str | None]:
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30.0) as response:
                return response.status, response.read(), response.headers.get("X-Influxdb-Error")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), exc.headers.get("X-Influxdb-Error")
        except OSError as exc:
            message = f"InfluxDB 1.x behind the shim is unreachable: {exc}"
            return 503, json.dumps({"code": "unavailable", "message": message}).encode(), message

    def _reply(self, status: int, doc: dict) -> None:
        self._send(status, json.dumps(doc).encode(), None)

    def _send(self, status: int, body: bytes, error: str | None) -> None:
        self.send_response(status)
        if error:
            self.send_header("X-Influxdb-Error", error)
        if status == 204:
            self.end_headers()
            return
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
