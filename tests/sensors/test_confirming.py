"""Stored-message confirmations against a real Mosquitto and a real collector.

A device publishing through its outbox with ``confirm=True`` forgets a message only once
the collector says its readings are stored: the broker's PUBACK is not enough.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from monitoring.collector import Collector
from monitoring.quarantine import Quarantine
from monitoring.stores.sqlite import SQLiteStore
from sensors.catalog import Catalog, SensorSpec
from sensors.errors import PublishError
from sensors.outbox import Outbox
from sensors.publisher import publish
from sensors.schema import Reading

pytestmark = pytest.mark.mosquitto

T0_US = 1_559_523_600_000_000  # 2019-06-03T01:00:00Z


def _readings(n: int) -> list[Reading]:
    return [
        Reading("mk", "line-1", "zone1_temp", T0_US + i * 1_000_000, 200.0 + i % 7, "degC", i)
        for i in range(n)
    ]


def _collector(broker, folder: Path, prefix: str, client_id: str) -> Collector:  # type: ignore[no-untyped-def]
    spec = SensorSpec("mk", "line-1", "zone1_temp", "barrel_temp", "degC", 0.0, 500.0, 1.0)
    return Collector(
        broker=broker.settings(client_id),
        prefix=prefix,
        catalog=Catalog([spec]),
        store=SQLiteStore(folder / "readings.sqlite"),
        quarantine=Quarantine(folder / "quarantine.sqlite"),
        stats_interval_s=0,
    )


@pytest.mark.slow
def test_puback_alone_keeps_messages_until_the_collector_confirms(mosquitto_broker, tmp_path):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    collector_id = f"col-{uuid.uuid4().hex[:8]}"
    # The collector's persistent session exists, so the broker queues for it while away.
    collector = _collector(mosquitto_broker, tmp_path, prefix, collector_id)
    collector.start()
    collector.stop()
    outbox = Outbox(tmp_path / "outbox.sqlite")
    device = mosquitto_broker.settings(f"dev-{uuid.uuid4().hex[:8]}")
    with pytest.raises(PublishError) as err:
        publish(
            _readings(50), settings=device, prefix=prefix, batch_size=10,
            outbox=outbox, confirm=True, ack_timeout_s=1.0,
        )  # fmt: skip
    assert err.value.reason == "ack_timeout"
    # The broker has acknowledged all five messages; none is confirmed stored.
    assert outbox.pending_messages == 5

    collector = _collector(mosquitto_broker, tmp_path, prefix, collector_id)
    collector.start()
    try:
        publish([], settings=device, prefix=prefix, outbox=outbox, confirm=True, ack_timeout_s=30)
        assert outbox.pending_messages == 0
        assert collector.store.count() == 50
    finally:
        collector.stop()
        outbox.close()


def test_without_confirm_the_puback_is_enough(mosquitto_broker, tmp_path):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    outbox = Outbox(tmp_path / "outbox.sqlite")
    device = mosquitto_broker.settings(f"dev-{uuid.uuid4().hex[:8]}")
    stats = publish(_readings(30), settings=device, prefix=prefix, batch_size=10, outbox=outbox)
    assert (stats.messages, outbox.pending_messages) == (3, 0)
    outbox.close()


def test_confirm_needs_an_outbox(mosquitto_broker):
    with pytest.raises(ValueError, match="outbox"):
        publish([], settings=mosquitto_broker.settings("x"), prefix="t", confirm=True)
