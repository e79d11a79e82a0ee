"""The benchmarks' Mosquitto and InfluxDB: the tests' server classes, with bench settings.

Both run as :class:`tests.servers.ServerProcess` (log in their folder, readiness with a
deadline, SIGTERM then SIGKILL), on free loopback ports.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from tests.fixtures_influxdb import InfluxDBServer
from tests.fixtures_mosquitto import MosquittoServer
from tests.servers import free_port


def binary(name: str) -> str:
    """Path of the program ``name``; exits with what to install when it is missing."""
    path = shutil.which(name) or (
        f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None
    )
    if path is None:
        sys.exit(
            f"{name} is not installed (Debian packages mosquitto, mosquitto-clients, influxdb)"
        )
    return path


def mosquitto_client(tool: str, port: int, client_id: str, *args: str) -> list[str]:
    """Command of ``mosquitto_pub`` or ``mosquitto_sub`` at QoS 1 to the bench's broker."""
    return [binary(tool), "-p", str(port), "-h", "127.0.0.1", "-q", "1", "-i", client_id, *args]


def start_mosquitto(folder: Path, inflight: int) -> MosquittoServer:
    """Mosquitto holding whole backlogs in memory, ``inflight`` QoS 1 messages per client."""
    port = free_port()
    config = (
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous true\n"
        # In memory only: the backlog is the point of the run, not its durability.
        "persistence false\n"
        # The backlog of a whole run waits in each subscriber's session: no queue limit.
        "max_queued_messages 0\n"
        "max_queued_bytes 0\n"
        # QoS 1 messages sent to one client and not yet acknowledged. With
        # acknowledgement after the write this window is what one collector can have in
        # hand per store round trip (Mosquitto's default: 20).
        f"max_inflight_messages {inflight}\n"
        "log_dest stderr\n" + ("user root\n" if os.geteuid() == 0 else "")
    )
    server = MosquittoServer(binary("mosquitto"), folder, config_text=config, port=port)
    server.start()
    return server


def start_influxd(folder: Path) -> InfluxDBServer:
    """InfluxDB 1.x; :meth:`~InfluxDBServer.start` after ``stop`` keeps its port and data."""
    folder.mkdir(parents=True, exist_ok=True)
    server = InfluxDBServer(binary("influxd"), folder)
    server.start()
    return server
