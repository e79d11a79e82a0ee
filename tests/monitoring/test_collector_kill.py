"""A collector killed with SIGKILL mid-stream and restarted loses nothing the broker accepted."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pilot.config import load_config
from sensors.publisher import publish
from sensors.simulator import simulate_line
from tests.configs import example_config
from tests.monitoring.collector_process import start_collector

pytestmark = [pytest.mark.mosquitto, pytest.mark.slow]


def _stored(db: Path) -> list[tuple[str, str, str, int, float]]:
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute(
            "SELECT site, line, sensor, ts_us, value FROM readings "
            "ORDER BY site, line, sensor, ts_us"
        ).fetchall()


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM readings").fetchone()[0])
    except sqlite3.OperationalError:  # the collector has not created the table yet
        return 0


def _checksum(rows: list[tuple[str, str, str, int, float]]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def test_sigkill_mid_stream_loses_nothing(mosquitto_broker, tmp_path):
    prefix = f"kill{uuid.uuid4().hex[:8]}"
    config_path = example_config(
        tmp_path,
        broker_url=mosquitto_broker.url,
        prefix=prefix,
        client_id=f"collector-{prefix}",
    )
    config = load_config(config_path)
    db = tmp_path / "data" / "readings.sqlite"
    log = tmp_path / "collector.log"

    start = datetime(2020, 10, 5, 2, 0, tzinfo=UTC)  # 09:00 local, line running
    end = start + timedelta(minutes=40)
    expected = []
    streams = []
    for index, (site, line) in enumerate(config.catalog().lines()):
        params = config.line(site, line)
        readings = list(
            simulate_line(params, regime="post", start=start, end=end, seed=7 + index, interval_s=2)
        )
        expected.extend((r.site, r.line, r.sensor, r.ts_us, r.value) for r in readings)
        streams.append(readings)
    expected.sort()
    total = len(expected)

    collector = start_collector(config_path, log)
    # The broker keeps messages only for a session that exists: wait for the first
    # subscription before publishing, as a deployment does once at installation.
    deadline = time.monotonic() + 30
    while "connected to" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    # Publish both lines concurrently, paced so that the kill lands mid-stream.
    results: list[object] = []

    def run(index: int, stream: list) -> None:  # type: ignore[type-arg]
        try:
            results.append(
                publish(
                    stream,
                    settings=mosquitto_broker.settings(f"pub-{prefix}-{index}"),
                    prefix=prefix,
                    batch_size=10,
                    speed=400.0,
                )
            )
        except Exception as exc:  # surfaced by the assertion below
            results.append(exc)

    publishers = [
        threading.Thread(target=run, args=(i, stream)) for i, stream in enumerate(streams)
    ]
    for thread in publishers:
        thread.start()

    deadline = time.monotonic() + 60
    while _count(db) < total // 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    stored_at_kill = _count(db)
    collector.send_signal(signal.SIGKILL)
    collector.wait(10)
    assert 0 < stored_at_kill < total, "the kill must land mid-stream"
    time.sleep(1.0)  # the stream goes on while no collector is connected
    collector = start_collector(config_path, log)
    for thread in publishers:
        thread.join(120)

    deadline = time.monotonic() + 90
    while _count(db) < total and time.monotonic() < deadline:
        time.sleep(0.1)
    collector.send_signal(signal.SIGTERM)
    assert collector.wait(30) == 0, log.read_text()

    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.readings for r in results) == total  # type: ignore[union-attr]
    rows = _stored(db)
    missing = sorted(set(expected) - set(rows))
    if missing:
        print("missing", len(missing), missing[:3], missing[-3:])
    print(
        f"\nkill test: {total} readings published, {stored_at_kill} stored before SIGKILL, "
        f"{len(rows)} stored in the end"
    )
    assert len(rows) == total, log.read_text()[-3000:]
    assert _checksum(rows) == _checksum(expected)
