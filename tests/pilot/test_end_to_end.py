"""End to end: simulated devices → real Mosquitto → collector → real InfluxDB.

Every simulated reading must be stored exactly once with its device timestamp, while
malformed messages mixed into the stream are quarantined with their reasons.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import pytest

from monitoring.collector import Collector
from monitoring.quarantine import Quarantine
from monitoring.stores.influxdb1 import InfluxDB1Store
from pilot.config import load_config
from sensors.publisher import publish
from sensors.simulator import simulate_line
from sensors.topics import build_topic
from tests.configs import example_config

pytestmark = [pytest.mark.mosquitto, pytest.mark.influxdb]


def _malformed(prefix: str) -> list[tuple[str, bytes, str]]:
    topic = build_topic(prefix, "minh-khai", "line-1", "melt_temp")
    ts = 1_601_863_200_000  # 2020-10-05T02:00:00Z, inside the run
    return [
        (topic, b"not json at all", "bad_json"),
        (topic, b'{"v":1,"unit":"degC","ts":1601863200000,"value":Infinity,"seq":1}', "non_finite"),
        (
            topic,
            json.dumps({"v": 1, "unit": "degC", "value": 200.0, "seq": 1}).encode(),
            "bad_type",
        ),
        (
            build_topic(prefix, "phan-boi", "line-9", "melt_temp"),
            json.dumps({"v": 1, "unit": "degC", "ts": ts, "value": 200.0, "seq": 1}).encode(),
            "unknown_sensor",
        ),
        (
            topic,
            json.dumps({"v": 1, "unit": "degC", "ts": ts, "value": -40.0, "seq": 1}).encode(),
            "out_of_range",
        ),
        (
            topic,
            json.dumps(
                {"v": 1, "line": "line-2", "unit": "degC", "ts": ts, "value": 200.0, "seq": 1}
            ).encode(),
            "identity_mismatch",
        ),
    ]


@pytest.mark.slow
def test_simulated_lines_through_mosquitto_into_influxdb(
    mosquitto_broker, influxdb_server, influxdb_database, tmp_path
):
    prefix = f"e2e{uuid.uuid4().hex[:8]}"
    config = load_config(
        example_config(
            tmp_path, broker_url=mosquitto_broker.url, prefix=prefix, client_id=f"c-{prefix}"
        )
    )
    store = InfluxDB1Store(influxdb_server.url, database=influxdb_database)
    collector = Collector(
        broker=config.broker,
        prefix=prefix,
        catalog=config.catalog(),
        store=store,
        quarantine=Quarantine(tmp_path / "quarantine.sqlite"),
        stats_interval_s=0,
    )
    collector.start()

    start = datetime(2020, 10, 5, 1, 30, tzinfo=UTC)  # 08:30 local: heating, then running
    end = start + timedelta(hours=1)
    streams = {}
    for index, (site, line) in enumerate(config.catalog().lines()):
        params = config.line(site, line)
        streams[(site, line)] = list(
            simulate_line(params, regime="post", start=start, end=end, seed=11 + index)
        )
    published = []

    def run(site: str, line: str, index: int) -> None:
        published.append(
            publish(
                streams[(site, line)],
                settings=mosquitto_broker.settings(f"pub-{prefix}-{index}"),
                prefix=prefix,
                batch_size=10,
            )
        )

    threads = [
        threading.Thread(target=run, args=(site, line, i)) for i, (site, line) in enumerate(streams)
    ]
    for thread in threads:
        thread.start()
    # Malformed messages interleaved with the valid stream.
    bad = _malformed(prefix)
    raw = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bad-{prefix}")
    raw.connect(mosquitto_broker.host, mosquitto_broker.port)
    raw.loop_start()
    for topic, payload, _ in bad:
        raw.publish(topic, payload, qos=1).wait_for_publish(10)
    raw.loop_stop()
    for thread in threads:
        thread.join(120)

    total_messages = sum(p.messages for p in published) + len(bad)
    assert collector.wait_until(lambda s: s.acked >= total_messages, 120), collector.format_stats()
    collector.stop()

    total_readings = 0
    for (site, line), readings in streams.items():
        frame = store.read(site=site, line=line, start=start, end=end)
        got = sorted(
            zip(
                frame["sensor"],
                frame["time"].dt.as_unit("us").astype("int64"),
                frame["value"],
                frame["seq"],
                strict=True,
            )
        )
        want = sorted((r.sensor, r.ts_us, r.value, r.seq) for r in readings)
        assert got == want, f"{site}/{line}: stored readings differ from the published ones"
        total_readings += len(readings)
    assert store.count() == total_readings
    assert sum(p.readings for p in published) == total_readings
    reasons = collector.quarantine.reasons()
    assert reasons == {reason: 1 for _, _, reason in bad}
    print(f"\nend to end: {total_readings} readings stored once, {len(bad)} quarantined")
