"""``pilot collect --workers N``: N collector processes over one shared subscription,
alarms evaluated once by the parent (issue 15). Real Mosquitto, real processes."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring.alarms.log import AlarmLog
from monitoring.alarms.reorder import Reorder
from pilot.cli import main
from pilot.config import load_config
from pilot.wiring import alarm_engine
from sensors.schema import Reading, encode_payload
from sensors.topics import build_topic
from tests.configs import example_config

SITE, LINE = "minh-khai", "line-1"
ROOT = Path(__file__).resolve().parents[2]


def _readings(t0_s: int, seconds: int) -> list[Reading]:
    """A running line at 1 Hz whose melt overheats from second 30 on."""
    steady = {
        "zone1_temp": ("degC", 160.0),
        "zone2_temp": ("degC", 175.0),
        "zone3_temp": ("degC", 190.0),
        "zone4_temp": ("degC", 200.0),
        "mould_temp": ("degC", 40.0),
        "throughput": ("kg/h", 60.0),
    }
    out = []
    for i in range(seconds):
        ts_us = (t0_s + i) * 1_000_000
        for sensor, (unit, value) in steady.items():
            out.append(Reading(SITE, LINE, sensor, ts_us, value, unit, i))
        melt = 320.0 if i >= 30 else 220.0
        out.append(Reading(SITE, LINE, "melt_temp", ts_us, melt, "degC", i))
    return out


def _wait_for(predicate, timeout_s: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute("SELECT COUNT(*) FROM readings").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _start_workers(broker, tmp_path: Path):  # type: ignore[no-untyped-def]
    """``pilot collect --workers 2`` on the example configuration with a fresh topic
    prefix, its stderr in ``collect.log``: (prefix, config path, log path, process)."""
    prefix = f"wk{uuid.uuid4().hex[:8]}"
    config_path = example_config(
        tmp_path, broker_url=broker.url, prefix=prefix, client_id=f"c-{prefix}"
    )
    log_path = tmp_path / "collect.log"
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "pilot.cli", "--config", str(config_path)),
            *("collect", "--workers", "2"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=log_path.open("ab"),
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=tmp_path,
    )
    return prefix, config_path, log_path, proc


@pytest.mark.slow
@pytest.mark.mosquitto
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_workers_store_every_reading_once_and_raise_alarms_once(
    mosquitto_broker, tmp_path, stop_signal
):
    prefix, config_path, log_path, proc = _start_workers(mosquitto_broker, tmp_path)
    readings = _readings(int(time.time()) - 600, 120)
    try:
        assert _wait_for(lambda: log_path.read_text().count("subscribed to $share/") == 2, 60), (
            log_path.read_text()
        )
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"p-{prefix}")
        pub.connect(mosquitto_broker.host, mosquitto_broker.port)
        pub.loop_start()
        infos = [
            pub.publish(build_topic(prefix, SITE, LINE, r.sensor), encode_payload([r]), qos=1)
            for r in readings
        ]
        # Every 40th message again, as a device's retry would send it.
        infos += [
            pub.publish(build_topic(prefix, SITE, LINE, r.sensor), encode_payload([r]), qos=1)
            for r in readings[::40]
        ]
        for info in infos:
            info.wait_for_publish(10)
        pub.disconnect()
        pub.loop_stop()
        db = tmp_path / "data" / "readings.sqlite"
        assert _wait_for(lambda: _count(db) >= len(readings), 60), _count(db)
    finally:
        proc.send_signal(stop_signal)
        code = proc.wait(timeout=90)
    log = log_path.read_text()
    assert code == 0, log
    # Every reading stored exactly once.
    with sqlite3.connect(tmp_path / "data" / "readings.sqlite") as conn:
        rows = conn.execute("SELECT COUNT(*) FROM readings").fetchone()[0]
    assert rows == len(readings)
    # Both members took a share; together they received every message (and the line's
    # retained alarm state, which the parent publishes on <prefix>/<site>/<line>/alarms).
    received = [
        int(n)
        for n in re.findall(
            r"\[c-" + prefix + r"-\d\]: collector stopped received=(\d+) stored=\d+", log
        )
    ]
    assert len(received) == 2, log
    assert sum(received) >= len(infos)
    assert all(n > 0 for n in received), received
    # Each member has its own spool and quarantine.
    for i in (1, 2):
        assert (tmp_path / "data" / f"spool.c-{prefix}-{i}.sqlite").exists()
    # Alarms: exactly what one engine fed the whole stream in order raises, each once.
    config = load_config(config_path)
    engine = alarm_engine(config)
    expected = engine.feed(readings) + engine.flush()
    alarm_log = AlarmLog(tmp_path / config.alarms.path)
    try:
        got = alarm_log.events()
    finally:
        alarm_log.close()

    def key(e):  # type: ignore[no-untyped-def]
        return (e.event, e.rule, e.sensor, e.ts_us)

    assert any(e.rule == "overheat" and e.event == "raised" for e in expected)
    assert Counter(map(key, got)) == Counter(map(key, expected)), log


def test_workers_must_be_positive(capsys):
    assert main(["collect", "--workers", "0"]) != 0
    assert "--workers" in capsys.readouterr().err


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(min_value=1, max_value=4), st.integers(min_value=0, max_value=2**32))
def test_reorder_gives_each_sensor_its_order_back(members, seed):
    """Members report their shares in batches, each within 0.9 s of a reading's arrival:
    with a 1 s window every sensor's order comes back and nothing is late."""
    rnd = random.Random(seed)
    stream = [
        Reading("mk", "l1", f"s{k}", t * 1_000_000, 1.0, "degC", t)
        for t in range(300)
        for k in range(3)
    ]
    reports: list[tuple[float, int, list[Reading]]] = []
    for m in range(members):
        share = stream[m::members]  # round robin, as the broker shares
        arrival = [i * members * 0.002 for i in range(len(share))]
        at, i = 0.0, 0
        while i < len(share):
            at += rnd.uniform(0.01, 0.9)
            batch = []
            while i < len(share) and arrival[i] <= at:
                batch.append(share[i])
                i += 1
            if batch:
                reports.append((at, m, batch))
    reports.sort(key=lambda x: (x[0], x[1]))
    reorder = Reorder(window_s=1.0)
    out: list[Reading] = []
    for wall, _, batch in reports:
        out += reorder.due(wall_s=wall)
        reorder.add(batch, wall_s=wall)
    out += reorder.due(wall_s=reports[-1][0], flush=True)
    assert sorted(out, key=lambda r: (r.sensor, r.ts_us)) == sorted(
        stream, key=lambda r: (r.sensor, r.ts_us)
    )
    for k in range(3):
        mine = [r.ts_us for r in out if r.sensor == f"s{k}"]
        assert mine == sorted(mine)
    assert reorder.late == 0


def _spawned_members(parent_pid: int) -> list[int]:
    """Process ids of the collector members ``parent_pid`` started (spawn children)."""
    pids = []
    for task in Path(f"/proc/{parent_pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"spawn_main" in cmdline:
                pids.append(int(child))
    return pids


@pytest.mark.slow
@pytest.mark.mosquitto
def test_a_member_that_dies_stops_the_others_and_the_command_fails(mosquitto_broker, tmp_path):
    _prefix, _config, log_path, proc = _start_workers(mosquitto_broker, tmp_path)
    try:
        assert _wait_for(lambda: log_path.read_text().count("subscribed to $share/") == 2, 60), (
            log_path.read_text()
        )
        members = _spawned_members(proc.pid)
        assert len(members) == 2, members
        os.kill(members[0], signal.SIGKILL)
        code = proc.wait(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = log_path.read_text()
    assert code == 3, log
    assert "exited with -9; stopping the others" in log
    # The other member stopped in order: it logged its final counters.
    assert len(re.findall(r"collector stopped received=", log)) == 1, log
    assert not any(Path(f"/proc/{pid}").exists() for pid in members)
