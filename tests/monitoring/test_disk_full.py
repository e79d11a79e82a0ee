"""The collector with its store and spool on a full disk: nothing acknowledged that was
not written, a message naming the path, and recovery once space returns.

A real 2 MiB tmpfs is filled (:mod:`tests.fixtures_small_disk`); skipped where mounting
one is not allowed. The device publishes through its outbox with confirmations, so it
also keeps every message until the store has it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid

import pytest

from monitoring.collector import Collector
from monitoring.quarantine import Quarantine
from monitoring.spool import Spool
from monitoring.stores.sqlite import SQLiteStore
from sensors.catalog import Catalog, SensorSpec
from sensors.outbox import Outbox
from sensors.publisher import publish
from sensors.schema import Reading

pytestmark = [pytest.mark.mosquitto, pytest.mark.slow]

T0_US = 1_559_523_600_000_000  # 2019-06-03T01:00:00Z
N = 3000


def _stored(path) -> int:  # type: ignore[no-untyped-def]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
        return int(db.execute("SELECT COUNT(*) FROM readings").fetchone()[0])


def test_full_disk_under_store_and_spool_acknowledges_nothing_unwritten(
    small_disk, mosquitto_broker, tmp_path, caplog
):
    caplog.set_level(logging.WARNING, logger="upops.collector")
    prefix = f"t{uuid.uuid4().hex[:8]}"
    store_path = small_disk.root / "readings.sqlite"
    spool_path = small_disk.root / "spool.sqlite"
    spec = SensorSpec("mk", "line-1", "zone1_temp", "barrel_temp", "degC", 0.0, 500.0, 1.0)
    collector = Collector(
        broker=mosquitto_broker.settings(f"col-{prefix}"),
        prefix=prefix,
        catalog=Catalog([spec]),
        store=SQLiteStore(store_path),
        quarantine=Quarantine(tmp_path / "quarantine.sqlite"),
        spool=Spool(spool_path),
        stats_interval_s=0,
        retry_max_s=0.5,
    )
    collector.start()
    small_disk.fill()
    outbox = Outbox(tmp_path / "outbox.sqlite")
    readings = [
        Reading("mk", "line-1", "zone1_temp", T0_US + i * 1_000_000, 200.0 + i % 50, "degC", i)
        for i in range(N)
    ]
    result: dict[str, object] = {}
    produced = [0]  # readings the device has put into its outbox so far

    def count(n: int) -> None:
        produced[0] += n

    def device() -> None:
        try:
            result["stats"] = publish(
                readings,
                settings=mosquitto_broker.settings(f"dev-{prefix}"),
                prefix=prefix,
                batch_size=10,
                outbox=outbox,
                confirm=True,
                resend_base_s=1.0,
                on_progress=count,
            )
        except Exception as exc:  # surfaced below
            result["error"] = exc

    thread = threading.Thread(target=device)
    thread.start()
    try:
        assert collector.wait_until(lambda s: s.write_retries >= 2, 60), collector.format_stats()
        # In this order: a message produced is then in the outbox, or confirmed and so
        # already in the store when the store is counted.
        made, kept, stats = produced[0], outbox.pending_messages, collector.stats()
        stored = _stored(store_path)
        # Every acknowledged message (10 readings each) is in the store; none was spooled.
        assert stats.acked * 10 <= stored < N, (stats, stored)
        assert stats.spooled == 0
        assert "disk is full" in caplog.text
        assert str(store_path) in caplog.text
        assert str(spool_path) in caplog.text
        # The device forgot nothing that is not stored.
        assert kept * 10 + stored >= made, (kept, stored, made)

        small_disk.free()
        thread.join(120)
        assert not thread.is_alive()
        assert "error" not in result, result
        deadline = time.monotonic() + 30
        while _stored(store_path) < N and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _stored(store_path) == N
        assert outbox.pending_messages == 0
    finally:
        small_disk.free()
        thread.join(5)
        collector.stop()
        outbox.close()
