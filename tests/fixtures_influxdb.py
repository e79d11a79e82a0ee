"""A real InfluxDB 1.x server for the tests, on free loopback ports with its own folder.

The suite never touches an InfluxDB a machine may already run on 8086: each session
starts its own ``influxd`` (Debian's ``influxdb`` package, 1.6) with meta, data and WAL
directories in a temporary folder, and can stop and restart it at will.

Fixtures:

``influxdb_server`` (session)
    The running server: ``.url``, ``.port``, ``.stop()``, ``.start()``.
``fresh_influxdb`` (function)
    A server of one test's own, for tests that stop and restart it.
``influxdb_database``
    A fresh database for one test; its name.
``influxdb_v2_shim``
    An ``/api/v2/write`` front for the server, so that :mod:`influxdb_client` writes
    can be tested against it (see :class:`InfluxDBv2Shim`).
``influxdb2_url``
    Connection settings of a real InfluxDB 2.x from ``PILOT_TEST_INFLUXDB2_*``; skips
    when they are not set.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitoring.stores.influxdb1 import InfluxDB1Store, quote_identifier
from tests.servers import free_port, require_binary, stop_process

#: How long ``influxd`` may take to answer /ping after it was started [s].
START_TIMEOUT_S = 30.0


class InfluxDBServer:
    """An ``influxd`` process; :meth:`start` after :meth:`stop` keeps its ports and data."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.host = "127.0.0.1"
        self.port = free_port()
        self.rpc_port = free_port()
        self.config = folder / "influxdb.conf"
        self.log = folder / "influxd.log"
        self.config.write_text(
            "reporting-enabled = false\n"
            # The RPC (backup/restore) listener defaults to 8088 on all interfaces.
            f'bind-address = "127.0.0.1:{self.rpc_port}"\n'
            "[meta]\n"
            f'  dir = "{folder}/meta"\n'
            "[data]\n"
            f'  dir = "{folder}/data"\n'
            f'  wal-dir = "{folder}/wal"\n'
            "  query-log-enabled = false\n"
            "[monitor]\n"
            # Otherwise every server writes its own metrics into an _internal database.
            "  store-enabled = false\n"
            "[http]\n"
            f'  bind-address = "127.0.0.1:{self.port}"\n'
            "  auth-enabled = false\n"
            "  log-enabled = false\n"
            "[continuous_queries]\n"
            "  enabled = false\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Start ``influxd`` and wait until it answers /ping.

        Raises
        ------
        RuntimeError
            If it exits or does not answer within :data:`START_TIMEOUT_S`; the message
            ends with the tail of its log.
        """
        if self.proc is not None and self.proc.poll() is None:
            return
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "-config", str(self.config)], stdout=log, stderr=log
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"influxd exited with code {self.proc.returncode}; log:\n{self._log_tail()}"
                )
            if self.answers_ping():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"influxd did not answer {self.url}/ping within {START_TIMEOUT_S} s; "
            f"log:\n{self._log_tail()}"
        )

    def stop(self, *, kill: bool = False) -> None:
        """Stop the server: SIGTERM (SIGKILL after 10 s), or SIGKILL at once when ``kill``."""
        if self.proc is not None:
            stop_process(self.proc, kill=kill)
            self.proc = None

    def answers_ping(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/ping", timeout=1.0) as response:
                return response.status == 204
        except OSError:
            return False

    def query(self, statement: str) -> dict:
        """POST an InfluxQL statement (no database) and return the JSON answer."""
        body = urllib.parse.urlencode({"q": statement}).encode()
        with urllib.request.urlopen(f"{self.url}/query", data=body, timeout=10.0) as response:
            return json.loads(response.read())

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@pytest.fixture(scope="session")
def influxdb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxDBServer]:
    """An InfluxDB 1.x server started for this test session."""
    binary = require_binary("influxd")
    server = InfluxDBServer(binary, tmp_path_factory.mktemp("influxdb"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_influxdb(tmp_path: Path) -> Iterator[InfluxDBServer]:
    """An InfluxDB 1.x server of this test's own, for tests that stop or restart it."""
    binary = require_binary("influxd")
    folder = tmp_path / "influxdb"
    folder.mkdir()
    server = InfluxDBServer(binary, folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def influxdb_database(
    influxdb_server: InfluxDBServer, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A new, empty database for this test (dropped afterwards); its name."""
    stem = re.sub(r"[^A-Za-z0-9_]", "_", request.node.name)[:40]
    name = f"{stem}_{uuid.uuid4().hex[:8]}"
    store = InfluxDB1Store(influxdb_server.url, database=name)
    try:
        store.create_database()
    finally:
        store.close()
    yield name
    # A test may leave the server stopped; then there is nothing to clean up now.
    if influxdb_server.answers_ping():
        influxdb_server.query(f"DROP DATABASE {quote_identifier(name)}")


# -- /api/v2/write shim --------------------------------------------------------------

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

    target: InfluxDBServer
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


@pytest.fixture
def influxdb_v2_shim(influxdb_server: InfluxDBServer) -> Iterator[InfluxDBv2Shim]:
    """An ``/api/v2/write`` front for :func:`influxdb_server` (see :class:`InfluxDBv2Shim`)."""
    shim = InfluxDBv2Shim(influxdb_server)
    shim.start()
    try:
        yield shim
    finally:
        shim.stop()


# -- a real InfluxDB 2.x, when one is configured ---------------------------------------


@dataclass(frozen=True)
class InfluxDB2Target:
    """Where a real InfluxDB 2.x (or Cloud) for the tests is, and how to reach it."""

    url: str
    token: str = field(repr=False)
    org: str
    bucket: str


@pytest.fixture(scope="session")
def influxdb2_url() -> InfluxDB2Target:
    """A real InfluxDB 2.x from ``PILOT_TEST_INFLUXDB2_URL``, ``_TOKEN``, ``_ORG``, ``_BUCKET``.

    Skips when ``PILOT_TEST_INFLUXDB2_URL`` is unset, under CI too: no 2.x server can be
    installed from the distribution, so Flux reads are tested only where one is at hand.
    """
    url = os.environ.get("PILOT_TEST_INFLUXDB2_URL")
    if not url:
        pytest.skip(
            "no InfluxDB 2.x: set PILOT_TEST_INFLUXDB2_URL, _TOKEN, _ORG and _BUCKET "
            "to test Flux reads"
        )
    names = ("TOKEN", "ORG", "BUCKET")
    values = {n: os.environ.get(f"PILOT_TEST_INFLUXDB2_{n}", "") for n in names}
    missing = [f"PILOT_TEST_INFLUXDB2_{n}" for n in names if not values[n]]
    if missing:
        pytest.fail(f"PILOT_TEST_INFLUXDB2_URL is set but {', '.join(missing)} not; set them too")
    return InfluxDB2Target(
        url=url, token=values["TOKEN"], org=values["ORG"], bucket=values["BUCKET"]
    )
