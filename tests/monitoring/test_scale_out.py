"""Scale-out: collectors in one MQTT shared-subscription group split the stream.

Real Mosquitto (2.0 supports ``$share/<group>/<filter>``); two in-process collectors,
each with its own client id and persistent session, write into one SQLite file.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from monitoring.collector import Collector
from monitoring.quarantine import Quarantine
from monitoring.stores.sqlite import SQLiteStore
from pilot.cli import main
from sensors.catalog import Catalog, SensorSpec
from sensors.schema import Reading, encode_payload
from sensors.topics import build_topic
from tests.configs import example_config

T0_US = 1_559_523_600_000_000  # 2019-06-03T01:00:00Z
SITE = "minh-khai"
SENSORS = ("zone1_temp", "zone2_temp", "zone3_temp")


def _member(broker, tmp_path: Path, prefix: str, name: str, group: str | None) -> Collector:  # type: ignore[no-untyped-def]
    catalog = Catalog(
        [SensorSpec(SITE, "line-1", s, "barrel_temp", "degC", 0.0, 500.0, 1.0) for s in SENSORS]
    )
    return Collector(
        broker=broker.settings(f"{name}-{prefix}"),
        prefix=prefix,
        catalog=catalog,
        # One database file for both members, as one InfluxDB would be.
        store=SQLiteStore(tmp_path / "readings.sqlite"),
        quarantine=Quarantine(tmp_path / f"quarantine-{name}.sqlite"),
        stats_interval_s=0,
        share_group=group,
    )


@pytest.mark.mosquitto
def test_two_collectors_in_a_share_group_store_every_reading_once(mosquitto_broker, tmp_path):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    group = f"g{prefix}"
    members = [_member(mosquitto_broker, tmp_path, prefix, n, group) for n in ("c1", "c2")]
    for member in members:
        member.start()
    assert members[0].topic_filter == f"$share/{group}/{prefix}/+/+/+"
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"p-{prefix}")
    pub.connect(mosquitto_broker.host, mosquitto_broker.port)
    pub.loop_start()
    per_sensor = 400
    infos = []
    expected = []
    for sensor in SENSORS:
        topic = build_topic(prefix, SITE, "line-1", sensor)
        for i in range(per_sensor):
            r = Reading(SITE, "line-1", sensor, T0_US + i * 1_000_000, 200.0 + i % 9, "degC", i)
            expected.append(r)
            # Single-reading messages, and every 50th sent twice as a redelivery would be.
            infos.append(pub.publish(topic, encode_payload([r]), qos=1))
            if i % 50 == 0:
                infos.append(pub.publish(topic, encode_payload([r]), qos=1))
    for info in infos:
        info.wait_for_publish(10)
    pub.disconnect()
    pub.loop_stop()

    def all_acked() -> bool:
        return sum(m.stats().acked for m in members) >= len(infos)

    for member in members:
        member.wait_until(lambda _s: all_acked(), 60)
    for member in members:
        member.stop()
    stats = [m.stats() for m in members]
    assert sum(s.received for s in stats) == len(infos), [m.format_stats() for m in members]
    # Both took a share, and the shares add up to the stream: no message went to both.
    assert all(s.readings_stored > 0 for s in stats), [m.format_stats() for m in members]
    assert all(s.quarantined == 0 for s in stats)
    store = members[0].store
    assert store.count() == len(expected)
    for sensor in SENSORS:
        frame = store.read(
            site=SITE,
            line="line-1",
            sensors=[sensor],
            start=expected[0].time,
            end=expected[-1].time.replace(year=2020),
        )
        assert list(frame["seq"]) == list(range(per_sensor))


def test_share_group_names_are_single_topic_levels(tmp_path):
    from sensors.mqtt import BrokerSettings

    def make(group: str) -> Collector:
        return Collector(
            broker=BrokerSettings(url="mqtt://127.0.0.1:1", client_id="c"),
            prefix="upops",
            catalog=Catalog([]),
            store=SQLiteStore(tmp_path / "r.sqlite"),
            quarantine=Quarantine(tmp_path / "q.sqlite"),
            share_group=group,
        )

    assert make("collectors").topic_filter == "$share/collectors/upops/+/+/+"
    for bad in ("", "a/b", "a+", "#", "x" * 65):
        with pytest.raises(ValueError, match="share group"):
            make(bad)


def test_collect_group_needs_its_own_client_id(capsys):
    assert main(["collect", "--group", "collectors"]) != 0
    assert "--client-id" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.mosquitto
def test_pilot_collect_group_processes_split_the_stream(mosquitto_broker, tmp_path):
    prefix = f"grp{uuid.uuid4().hex[:8]}"
    config = example_config(
        tmp_path, broker_url=mosquitto_broker.url, prefix=prefix, client_id=f"c-{prefix}"
    )
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    logs = [tmp_path / f"member{i}.log" for i in (1, 2)]
    procs = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "pilot.cli", "--config", str(config), "collect"),
                *("--group", "collectors", "--client-id", f"member{i}-{prefix}"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=log.open("ab"),
            env=env,
            cwd=tmp_path,
        )
        for i, log in zip((1, 2), logs, strict=True)
    ]
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(
            "subscribed to $share/collectors/" in log.read_text() for log in logs
        ):
            time.sleep(0.05)
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"p-{prefix}")
        pub.connect(mosquitto_broker.host, mosquitto_broker.port)
        pub.loop_start()
        topic = build_topic(prefix, SITE, "line-1", "zone1_temp")
        infos = [
            pub.publish(
                topic,
                encode_payload(
                    [Reading(SITE, "line-1", "zone1_temp", T0_US + i * 10**6, 200.0, "degC", i)]
                ),
                qos=1,
            )
            for i in range(300)
        ]
        for info in infos:
            info.wait_for_publish(10)
        pub.disconnect()
        pub.loop_stop()
        db = tmp_path / "data" / "readings.sqlite"
        deadline = time.monotonic() + 30
        count = 0
        while time.monotonic() < deadline and count < 300:
            time.sleep(0.1)
            try:
                with sqlite3.connect(db, timeout=30) as conn:
                    count = conn.execute("SELECT COUNT(*) FROM readings").fetchone()[0]
            except sqlite3.OperationalError:  # not created yet
                count = 0
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)
    assert count == 300
    stored = []
    for log in logs:
        text = log.read_text()
        found = re.findall(r"collector stopped received=\d+ stored=(\d+)", text)
        assert found, text
        stored.append(int(found[-1]))
    assert sum(stored) == 300
    assert all(n > 0 for n in stored), stored
    # Each member has its own spool and quarantine file.
    assert (tmp_path / "data" / f"spool.member1-{prefix}.sqlite").exists()
    assert (tmp_path / "data" / f"spool.member2-{prefix}.sqlite").exists()
