"""What the ingest benchmark compares the collector with: (a) the broker's own delivery
rate to a C subscriber (``mosquitto_sub``), (b) the database's own write rate for the
same points (line protocol over HTTP, encoding excluded). Used by ``bench/ingest.py``.
"""

from __future__ import annotations

import subprocess
import sys
import time

from bench.ingest_stream import PREFIX, T0_MS, sensor_topics, unit_of
from bench.servers import mosquitto_client
from tests.fixtures_influxdb import InfluxDBServer

# -- (a) the broker --------------------------------------------------------------------


def prime_sub(port: int, client_id: str) -> None:
    """Create the persistent session of a ``mosquitto_sub`` (subscribe, then leave)."""
    subprocess.run(
        mosquitto_client("mosquitto_sub", port, client_id, "-c", "-t", f"{PREFIX}/+/+/+", "-E"),
        check=True,
    )


def drain_sub(port: int, client_id: str, messages: int) -> float:
    began = time.perf_counter()
    subprocess.run(
        mosquitto_client(
            "mosquitto_sub", port, client_id, "-c", "-t", f"{PREFIX}/+/+/+", "-C", str(messages)
        ),
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - began


# -- (b) the database ------------------------------------------------------------------


def influx_direct(
    influx: InfluxDBServer, database: str, total_messages: int, per_message: int
) -> float:
    """Seconds InfluxDB takes for the same points as line-protocol batches of 5 000."""
    import urllib3

    from monitoring.stores.influxdb1 import line_protocol
    from sensors.schema import Reading

    influx.query(f'CREATE DATABASE "{database}"', timeout_s=60.0)
    per_topic = total_messages // len(sensor_topics()) * per_message
    readings = [
        Reading(
            site, line, sensor, (T0_MS + i * 1000) * 1000, 200.0 + i % 97 / 10, unit_of(sensor), i
        )
        for site, line, sensor in sensor_topics()
        for i in range(per_topic)
    ]
    lines = line_protocol(readings, measurement="readings")
    bodies = [("\n".join(lines[i : i + 5000]) + "\n").encode() for i in range(0, len(lines), 5000)]
    pool = urllib3.PoolManager()
    target = f"{influx.url}/write?db={database}&precision=u"
    began = time.perf_counter()
    for body in bodies:
        response = pool.request("POST", target, body=body)
        if response.status != 204:
            sys.exit(f"InfluxDB refused a write: {response.status} {response.data[:200]!r}")
    return time.perf_counter() - began
