"""Edge outbox and collector spool: bounded, durable, replayed in order, idempotent."""

from __future__ import annotations

import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest

from monitoring.collector import Collector
from monitoring.quarantine import Quarantine
from monitoring.spool import Spool
from monitoring.stores.influxdb1 import InfluxDB1Store
from sensors.catalog import Catalog, SensorSpec
from sensors.outbox import Outbox
from sensors.publisher import publish
from sensors.schema import Reading, decode_payload, encode_payload
from sensors.topics import parse_topic, subscription

T0_US = 1_601_863_200_000_000  # 2020-10-05T02:00:00Z
SITE, LINE = "minh-khai", "line-1"


def _readings(n: int, sensor: str = "zone1_temp") -> list[Reading]:
    return [
        Reading(SITE, LINE, sensor, T0_US + i * 1_000_123, 200.0 + i / 7, "degC", i)
        for i in range(n)
    ]


# -- outbox ----------------------------------------------------------------------------


def test_outbox_keeps_order_across_reopen_and_drops_oldest_untaken_when_full(tmp_path):
    path = tmp_path / "outbox.sqlite"
    box = Outbox(path, max_rows=5)
    for n in range(3):
        box.put("t", f"m{n}".encode(), readings=2)
    box.close()
    box = Outbox(path, max_rows=5)  # a restarted device finds its messages
    in_flight = box.take(1)
    assert [m.payload for m in in_flight] == [b"m0"]
    for n in range(3, 8):
        box.put("t", f"m{n}".encode(), readings=2)
    # Full at 5: the oldest not yet taken (m1, m2, m3) went; m0 is in flight and stays.
    assert box.dropped_messages == 3
    assert box.dropped_readings == 6
    assert [m.payload for m in box.take(10)] == [b"m4", b"m5", b"m6", b"m7"]
    box.done([in_flight[0].id])
    assert box.pending_messages == 4
    box.close()


def test_outbox_byte_bound(tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite", max_bytes=250)
    for n in range(10):
        box.put("t", bytes([n]) * 100, readings=1)
    assert box.pending_bytes <= 250
    assert box.pending_messages == 2
    assert box.dropped_messages == 8
    box.close()


@pytest.mark.slow
@pytest.mark.mosquitto
def test_device_started_while_the_broker_is_down_delivers_everything_in_order(
    fresh_mosquitto, tmp_path
):
    prefix = f"ob{uuid.uuid4().hex[:8]}"
    received: list[tuple[str, bytes]] = []
    subscribed = threading.Event()
    sub = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=f"sub-{prefix}", clean_session=False
    )
    sub.on_message = lambda _c, _u, msg: received.append((msg.topic, bytes(msg.payload)))
    sub.on_subscribe = lambda *args: subscribed.set()
    sub.on_connect = lambda c, *args: c.subscribe(subscription(prefix), qos=1)
    sub.connect(fresh_mosquitto.host, fresh_mosquitto.port)
    sub.loop_start()
    assert subscribed.wait(10)
    fresh_mosquitto.stop()

    sent = _readings(300) + _readings(300, "zone2_temp")
    sent.sort(key=lambda r: r.ts_us)
    outbox = Outbox(tmp_path / "outbox.sqlite")
    result: list[object] = []
    thread = threading.Thread(
        target=lambda: result.append(
            publish(
                sent,
                settings=fresh_mosquitto.settings(f"dev-{prefix}"),
                prefix=prefix,
                batch_size=10,
                outbox=outbox,
            )
        )
    )
    thread.start()
    deadline = time.monotonic() + 30
    while outbox.pending_messages < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert outbox.pending_messages == 60  # everything waits on disk
    fresh_mosquitto.start()
    thread.join(60)
    stats = result[0]
    assert stats.readings == 600  # type: ignore[attr-defined]
    assert stats.outbox_max_pending == 60  # type: ignore[attr-defined]
    assert outbox.pending_messages == 0
    outbox.close()
    deadline = time.monotonic() + 30
    while len(received) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    sub.disconnect()
    sub.loop_stop()
    got = []
    for topic, payload in received:
        parts = parse_topic(topic, prefix=prefix)
        got += decode_payload(payload, site=parts.site, line=parts.line, sensor=parts.sensor)
    # In order per sensor, with the original device times.
    for sensor in ("zone1_temp", "zone2_temp"):
        assert [r for r in got if r.sensor == sensor] == [r for r in sent if r.sensor == sensor]


# -- spool -----------------------------------------------------------------------------


def test_spool_refuses_when_full_and_replays_oldest_first(tmp_path):
    batches = [_readings(5)[i : i + 1] for i in range(5)]
    probe = Spool(tmp_path / "probe.sqlite")
    probe.put(batches[0])
    size = probe.pending_bytes
    probe.close()
    spool = Spool(tmp_path / "spool.sqlite", max_bytes=3 * size + size // 2)
    kept = [spool.put(b) for b in batches]
    assert kept == [True, True, True, False, False]  # full: the broker keeps the rest
    first = spool.oldest(2)
    assert first.readings == batches[0] + batches[1]
    spool.remove(first)
    spool.close()
    reopened = Spool(tmp_path / "spool.sqlite", max_bytes=2000)
    assert reopened.oldest(100).readings[0] == batches[2][0]
    reopened.close()


@pytest.mark.mosquitto
@pytest.mark.influxdb
def test_collector_spools_during_outage_acks_and_replays_after_restart(
    fresh_mosquitto, fresh_influxdb, tmp_path
):
    prefix = f"sp{uuid.uuid4().hex[:8]}"
    store = InfluxDB1Store(fresh_influxdb.url, database="spool", timeout_s=2.0)
    store.create_database()
    catalog = Catalog([SensorSpec(SITE, LINE, "zone1_temp", "barrel_temp", "degC", 0, 500, 1.0, 1)])

    def collector() -> Collector:
        return Collector(
            broker=fresh_mosquitto.settings(f"c-{prefix}"),
            prefix=prefix,
            catalog=catalog,
            store=store,
            quarantine=Quarantine(tmp_path / "quarantine.sqlite"),
            stats_interval_s=0,
            spool=Spool(tmp_path / "spool.sqlite"),
        )

    first = collector()
    first.start()
    fresh_influxdb.stop()
    readings = _readings(500)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"p-{prefix}")
    client.connect(fresh_mosquitto.host, fresh_mosquitto.port)
    client.loop_start()
    topic = f"{prefix}/{SITE}/{LINE}/zone1_temp"
    for i in range(0, 500, 10):
        client.publish(topic, encode_payload(readings[i : i + 10]), qos=1).wait_for_publish(10)
    client.disconnect()
    client.loop_stop()
    # Acknowledged while the store is down: the spool, not the broker, holds them.
    assert first.wait_until(lambda s: s.acked >= 50, 60), first.format_stats()
    assert first.stats().spooled == 500
    assert first.stats().spool_pending == 500
    first.stop()  # a restart with the database still down

    fresh_influxdb.start()
    second = collector()
    second.start()
    assert second.wait_until(lambda s: s.replayed >= 500, 60), second.format_stats()
    second.stop()
    assert store.count() == 500
    assert second.stats().spool_pending == 0
    assert second.stats().received == 0  # nothing was redelivered: it came from the spool
