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
    can be tested against it (see :class:`tests.influxdb_v2_shim.InfluxDBv2Shim`).
``influxdb2_url``
    Connection settings of a real InfluxDB 2.x from ``PILOT_TEST_INFLUXDB2_*``; skips
    when they are not set.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from monitoring.stores.influxdb1 import InfluxDB1Store, quote_identifier
from tests.influxdb_v2_shim import InfluxDBv2Shim
from tests.servers import ServerProcess, free_port, require_binary, serving

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
        self.process = ServerProcess(
            "influxd",
            [binary, "-config", str(self.config)],
            folder,
            ready=self.answers_ping,
            start_timeout_s=START_TIMEOUT_S,
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def log(self) -> Path:
        return self.process.log

    def start(self) -> None:
        """Start ``influxd`` (if it is not running) and wait until it answers /ping.

        Raises
        ------
        tests.servers.ServerStartError
            If it exits or does not answer within :data:`START_TIMEOUT_S`; the message
            ends with the tail of its log.
        """
        self.process.start()

    def stop(self, *, kill: bool = False) -> None:
        """Stop the server: SIGTERM (SIGKILL after 10 s), or SIGKILL at once when ``kill``."""
        self.process.stop(kill=kill)

    def answers_ping(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/ping", timeout=1.0) as response:
                return response.status == 204
        except OSError:
            return False

    def query(self, statement: str, *, timeout_s: float = 10.0) -> dict:
        """POST an InfluxQL statement (no database) and return the JSON answer."""
        body = urllib.parse.urlencode({"q": statement}).encode()
        with urllib.request.urlopen(f"{self.url}/query", data=body, timeout=timeout_s) as response:
            return json.loads(response.read())


@pytest.fixture(scope="session")
def influxdb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxDBServer]:
    """An InfluxDB 1.x server started for this test session."""
    yield from _influxd(tmp_path_factory.mktemp("influxdb"))


@pytest.fixture
def fresh_influxdb(tmp_path: Path) -> Iterator[InfluxDBServer]:
    """An InfluxDB 1.x server of this test's own, for tests that stop or restart it."""
    yield from _influxd(tmp_path / "influxdb")


def _influxd(folder: Path) -> Iterator[InfluxDBServer]:
    folder.mkdir(exist_ok=True)
    with serving(InfluxDBServer(require_binary("influxd"), folder)) as server:
        yield server


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
