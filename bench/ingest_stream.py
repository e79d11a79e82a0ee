"""The ingest benchmark's stream: 2 lines x 8 sensors, schema v1 payloads encoded in
advance, and devices that publish a whole backlog as fast as the broker acknowledges
(``mosquitto_pub -l -q 1``, one process per sensor topic). Used by ``bench/ingest.py``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.servers import mosquitto_client

T0_MS = 1_559_523_600_000  # 2019-06-03T01:00:00Z: device times in the past, as a backlog
SITES = (("minh-khai", "line-1"), ("phan-boi", "line-1"))
SENSORS = (
    "zone1_temp",
    "zone2_temp",
    "zone3_temp",
    "zone4_temp",
    "melt_temp",
    "mould_temp",
    "throughput",
    "energy",
)
PREFIX = "bench"


def sensor_topics() -> list[tuple[str, str, str]]:
    return [(site, line, sensor) for site, line in SITES for sensor in SENSORS]


def run_size(readings: int, per_message: int) -> tuple[int, int, str]:
    """(messages, readings, kind) of one run asked for about ``readings`` readings:
    batches of 10 carry 4x the readings, so the run stays long enough (several seconds)
    to be a sustained rate; whole rounds over every sensor topic."""
    wanted = readings * (1 if per_message == 1 else 4)
    messages = wanted // per_message // len(sensor_topics()) * len(sensor_topics())
    kind = "single-reading messages" if per_message == 1 else "batches of 10 readings"
    return messages, messages * per_message, kind


def unit_of(sensor: str) -> str:
    return {"throughput": "kg/h", "energy": "kWh"}.get(sensor, "degC")


def catalog():  # type: ignore[no-untyped-def]
    from sensors.catalog import Catalog, SensorSpec

    return Catalog(
        SensorSpec(site, line, sensor, "barrel_temp", unit_of(sensor), 0.0, 1e9, 1.0)
        for site, line, sensor in sensor_topics()
    )


def payload_lines(sensor: str, messages: int, per_message: int) -> list[bytes]:
    """Pre-encoded payloads of one sensor, schema v1, integer-millisecond device times."""
    unit = unit_of(sensor)
    out = []
    seq = 0
    for _ in range(messages):
        items = []
        for _ in range(per_message):
            items.append(
                f'{{"ts":{T0_MS + seq * 1000},"value":{200.0 + seq % 97 / 10},"seq":{seq}}}'
            )
            seq += 1
        if per_message == 1:
            out.append(f'{{"v":1,"unit":"{unit}",{items[0][1:]}'.encode())
        else:
            out.append(f'{{"v":1,"unit":"{unit}","readings":[{",".join(items)}]}}'.encode())
    return out


def publish_backlog(port: int, folder: Path, total_messages: int, per_message: int) -> float:
    """Publish ``total_messages`` over the 16 sensor topics with ``mosquitto_pub -l -q 1``."""
    topics = sensor_topics()
    per_topic = total_messages // len(topics)
    procs = []
    began = time.perf_counter()
    for i, (site, line, sensor) in enumerate(topics):
        path = folder / f"payloads-{i}.txt"
        path.write_bytes(b"\n".join(payload_lines(sensor, per_topic, per_message)) + b"\n")
        with path.open("rb") as stdin:
            procs.append(
                subprocess.Popen(
                    mosquitto_client(
                        "mosquitto_pub",
                        port,
                        f"device-{i}",
                        "-t",
                        f"{PREFIX}/{site}/{line}/{sensor}",
                        "-l",
                    ),
                    stdin=stdin,
                )
            )
    for proc in procs:
        if proc.wait() != 0:
            sys.exit("mosquitto_pub failed")
    return time.perf_counter() - began
