"""The collector's paho client: buffered reads and batched acknowledgements (issue 15).

Real Mosquitto. Messages of every size, larger than one read chunk included, come
through the read buffer whole; the PUBACKs of a batch, written as one, acknowledge every
message, so a restart with the same client id gets nothing again.
"""

from __future__ import annotations

import uuid

import paho.mqtt.client as mqtt
import pytest

from monitoring.collector import Collector
from monitoring.collector.client import READ_CHUNK_BYTES
from monitoring.quarantine import Quarantine
from monitoring.stores.sqlite import SQLiteStore
from sensors.catalog import Catalog, SensorSpec
from sensors.schema import Reading, encode_payload
from sensors.topics import build_topic

pytestmark = pytest.mark.mosquitto

T0_US = 1_559_523_600_000_000
SITE = "minh-khai"


def _collector(broker, tmp_path, prefix: str) -> Collector:  # type: ignore[no-untyped-def]
    catalog = Catalog(
        [SensorSpec(SITE, "line-1", "zone1_temp", "barrel_temp", "degC", 0.0, 500.0, 1.0)]
    )
    return Collector(
        broker=broker.settings(f"c-{prefix}"),
        prefix=prefix,
        catalog=catalog,
        store=SQLiteStore(tmp_path / "readings.sqlite"),
        quarantine=Quarantine(tmp_path / "quarantine.sqlite"),
        stats_interval_s=0,
        max_payload_bytes=2 * READ_CHUNK_BYTES,
    )


def _reading(i: int) -> Reading:
    return Reading(SITE, "line-1", "zone1_temp", T0_US + i * 1_000_000, 200.0, "degC", i)


def test_large_and_small_messages_read_whole_and_acknowledged_once(mosquitto_broker, tmp_path):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    topic = build_topic(prefix, SITE, "line-1", "zone1_temp")
    collector = _collector(mosquitto_broker, tmp_path, prefix)
    collector.start()
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"p-{prefix}")
    pub.connect(mosquitto_broker.host, mosquitto_broker.port)
    pub.loop_start()
    infos = []
    n = 0
    for round_ in range(3):
        # Many small messages, then one batch larger than a read chunk (its payload
        # spans several reads), then one just over the payload limit (quarantined).
        for _ in range(400):
            infos.append(pub.publish(topic, encode_payload([_reading(n)]), qos=1))
            n += 1
        big = [_reading(n + i) for i in range(4900)]
        payload = encode_payload(big)
        assert READ_CHUNK_BYTES < len(payload) <= 2 * READ_CHUNK_BYTES
        infos.append(pub.publish(topic, payload, qos=1))
        n += len(big)
        infos.append(pub.publish(topic, b" " * (2 * READ_CHUNK_BYTES + 1 + round_), qos=1))
    for info in infos:
        info.wait_for_publish(10)
    assert collector.wait_until(lambda s: s.acked >= len(infos), 60), collector.format_stats()
    collector.stop()
    stats = collector.stats()
    assert stats.readings_stored == n
    assert stats.quarantined == 3
    assert collector.store.count() == n

    # Everything was acknowledged: the same session gets only what is published now.
    again = _collector(mosquitto_broker, tmp_path, prefix)
    again.start()
    pub.publish(topic, encode_payload([_reading(n)]), qos=1).wait_for_publish(10)
    assert again.wait_until(lambda s: s.readings_stored >= 1, 30), again.format_stats()
    again.stop()
    pub.disconnect()
    pub.loop_stop()
    assert again.stats().received == 1, again.format_stats()
    assert again.store.count() == n + 1
