"""Collector against a real Mosquitto: everything valid stored once, everything bad quarantined."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from monitoring.collector import Collector
from monitoring.quarantine import Quarantine
from monitoring.stores.sqlite import SQLiteStore
from sensors.catalog import Catalog, SensorSpec
from sensors.schema import Reading, encode_payload
from sensors.topics import build_topic

pytestmark = pytest.mark.mosquitto

T0_US = 1_559_523_600_000_000  # 2019-06-03T01:00:00Z, inside the baseline survey period


def _catalog(site: str) -> Catalog:
    return Catalog(
        [
            SensorSpec(site, "line-1", "zone1_temp", "barrel_temp", "degC", 0.0, 500.0, 1.0),
            SensorSpec(site, "line-1", "throughput", "throughput", "kg/h", 0.0, 500.0, 1.0),
            SensorSpec(site, "line-1", "intake", "intake", "kg", 0.0, 2000.0, 3600.0, event=True),
        ]
    )


def _publisher(broker, client_id: str) -> mqtt.Client:  # type: ignore[no-untyped-def]
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.connect(broker.host, broker.port)
    client.loop_start()
    return client


def _readings(site: str, sensor: str, unit: str, n: int, start_seq: int = 0) -> list[Reading]:
    return [
        Reading(site, "line-1", sensor, T0_US + i * 1_000_123, 200.0 + i % 7, unit, start_seq + i)
        for i in range(n)
    ]


def _make_collector(broker, tmp_path: Path, prefix: str, site: str, client_id: str) -> Collector:  # type: ignore[no-untyped-def]
    return Collector(
        broker=broker.settings(client_id),
        prefix=prefix,
        catalog=_catalog(site),
        store=SQLiteStore(tmp_path / "readings.sqlite"),
        quarantine=Quarantine(tmp_path / "quarantine.sqlite"),
        stats_interval_s=0,
    )


def test_valid_readings_stored_once_and_bad_messages_quarantined(mosquitto_broker, tmp_path):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    site = "minh-khai"
    collector = _make_collector(mosquitto_broker, tmp_path, prefix, site, f"c-{prefix}")
    collector.start()
    pub = _publisher(mosquitto_broker, f"p-{prefix}")
    temps = _readings(site, "zone1_temp", "degC", 500)
    topic = build_topic(prefix, site, "line-1", "zone1_temp")
    infos = []
    for i in range(0, len(temps), 10):
        infos.append(pub.publish(topic, encode_payload(temps[i : i + 10]), qos=1))
        if i == 200:
            # The same batch twice, as a broker redelivery would send it.
            infos.append(pub.publish(topic, encode_payload(temps[i : i + 10]), qos=1))
    bad = {
        "bad_json": (topic, b'{"v": 1, "unit": '),
        "bad_version": (topic, json.dumps({"v": 9, "unit": "degC", "ts": 1, "value": 1, "seq": 1})),
        "non_finite": (topic, b'{"v":1,"unit":"degC","ts":1559523600000,"value":NaN,"seq":1}'),
        "bad_type": (
            topic,
            json.dumps({"v": 1, "unit": "degC", "ts": 1, "value": "hot", "seq": 1}),
        ),
        "unknown_sensor": (
            build_topic(prefix, site, "line-1", "zone9_temp"),
            json.dumps({"v": 1, "unit": "degC", "ts": 1559523600000, "value": 1.0, "seq": 1}),
        ),
        "out_of_range": (
            topic,
            json.dumps({"v": 1, "unit": "degC", "ts": 1559523600000, "value": 5000.0, "seq": 1}),
        ),
        "future_timestamp": (
            topic,
            json.dumps(
                {"v": 1, "unit": "degC", "ts": "2999-01-01T00:00:00Z", "value": 1, "seq": 1}
            ),
        ),
        "identity_mismatch": (
            topic,
            json.dumps({"v": 1, "site": "phan-boi", "unit": "degC", "ts": 1, "value": 1, "seq": 1}),
        ),
        "wrong_unit": (
            topic,
            json.dumps({"v": 1, "unit": "degF", "ts": 1559523600000, "value": 1.0, "seq": 1}),
        ),
        "too_large": (topic, b"{" + b" " * 300_000 + b"}"),
        "bad_topic": (f"{prefix}/Minh Khai/line-1/zone1_temp", b"{}"),  # not a valid site id
        "bad_timestamp": (
            topic,
            json.dumps({"v": 1, "unit": "degC", "ts": "2019-06-03 01:00", "value": 1, "seq": 1}),
        ),
    }
    for t, payload in bad.values():
        infos.append(pub.publish(t, payload, qos=1))
    # A batch with one reading out of range: the rest of it is stored.
    mixed = _readings(site, "throughput", "kg/h", 5)
    mixed[2] = Reading(site, "line-1", "throughput", mixed[2].ts_us, 9999.0, "kg/h", 2)
    infos.append(
        pub.publish(build_topic(prefix, site, "line-1", "throughput"), encode_payload(mixed), qos=1)
    )
    # An intake weighing with its household code.
    intake = Reading(site, "line-1", "intake", T0_US + 5_000_000, 84.5, "kg", 0, household="mk-h03")
    infos.append(
        pub.publish(build_topic(prefix, site, "line-1", "intake"), encode_payload([intake]), qos=1)
    )
    for info in infos:
        info.wait_for_publish(10)
    expected_messages = len(infos)
    assert collector.wait_until(lambda s: s.acked >= expected_messages, 30), (
        collector.format_stats()
    )
    collector.stop()
    pub.loop_stop()

    store = collector.store
    assert store.count() == 500 + 4 + 1
    frame = store.read(
        site=site,
        line="line-1",
        sensors=["zone1_temp"],
        start=temps[0].time,
        end=temps[-1].time.replace(year=2020),
    )
    assert list(frame["time"].dt.as_unit("us").astype("int64")) == [r.ts_us for r in temps]
    assert list(frame["seq"]) == [r.seq for r in temps]
    households = store.read(
        site=site, line="line-1", sensors=["intake"], start=intake.time, end=temps[-1].time
    )
    assert list(households["household"]) == ["mk-h03"]
    reasons = collector.quarantine.reasons()
    assert set(reasons) == set(bad), reasons
    assert reasons["out_of_range"] == 2  # the single message and the reading in the mixed batch
    assert collector.stats().quarantined == len(bad) + 1


def test_persistent_session_keeps_messages_while_collector_is_away(mosquitto_broker, tmp_path):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    site = "phan-boi"
    client_id = f"c-{prefix}"
    first = _make_collector(mosquitto_broker, tmp_path, prefix, site, client_id)
    first.start()
    first.stop()  # the session and its QoS 1 subscription stay at the broker
    pub = _publisher(mosquitto_broker, f"p-{prefix}")
    readings = _readings(site, "zone1_temp", "degC", 300)
    topic = build_topic(prefix, site, "line-1", "zone1_temp")
    for i in range(0, 300, 30):
        pub.publish(topic, encode_payload(readings[i : i + 30]), qos=1).wait_for_publish(10)
    pub.loop_stop()
    second = _make_collector(mosquitto_broker, tmp_path, prefix, site, client_id)
    second.start()
    assert second.wait_until(lambda s: s.readings_stored >= 300, 30), second.format_stats()
    second.stop()
    assert second.store.count() == 300
