"""The outbox on a full disk: a message it cannot keep is named, counted, never claimed.

A real filesystem fills up (a 2 MiB tmpfs, :mod:`tests.fixtures_small_disk`); skipped
where mounting one is not allowed.
"""

from __future__ import annotations

import logging
import uuid

from sensors.outbox import Outbox, OutboxFull
from sensors.publisher import publish
from sensors.schema import Reading

T0_US = 1_559_523_600_000_000  # 2019-06-03T01:00:00Z
PAYLOAD = b"x" * 2048


def _fill_outbox(outbox: Outbox) -> OutboxFull:
    """Put messages until the disk refuses one (SQLite may first use room it has)."""
    for _ in range(2000):
        try:
            outbox.put("t/s/l/x", PAYLOAD, readings=10)
        except OutboxFull as exc:
            return exc
    raise AssertionError("the full disk never refused a message")


def test_full_disk_refuses_a_message_by_name_and_recovers(small_disk):
    path = small_disk.root / "outbox.sqlite"
    outbox = Outbox(path)
    outbox.put("t/s/l/x", b"kept before", readings=1)
    small_disk.fill()
    error = _fill_outbox(outbox)
    assert str(path) in str(error)
    assert "disk is full" in str(error)
    kept = outbox.pending_messages
    # What the outbox says it keeps is what the file holds: nothing half-written.
    outbox.close()
    outbox = Outbox(path)
    assert outbox.pending_messages == kept
    assert outbox.take(1)[0].payload == b"kept before"
    small_disk.free()
    outbox.put("t/s/l/x", b"after", readings=1)
    assert outbox.pending_messages == kept + 1
    outbox.close()


def test_publisher_counts_what_a_full_disk_lost_and_goes_on(small_disk, mosquitto_broker, caplog):
    caplog.set_level(logging.ERROR, logger="upops.publisher")
    path = small_disk.root / "outbox.sqlite"
    outbox = Outbox(path)
    small_disk.fill()
    prefix = f"t{uuid.uuid4().hex[:8]}"
    device = mosquitto_broker.settings(f"dev-{uuid.uuid4().hex[:8]}")
    readings = [
        Reading("mk", "line-1", "zone1_temp", T0_US + i * 1_000_000, 200.0, "degC", i)
        for i in range(2000)
    ]
    stats = publish(readings, settings=device, prefix=prefix, batch_size=10, outbox=outbox)
    assert stats.outbox_unwritten_readings > 0
    assert str(path) in caplog.text
    assert caplog.text.count("disk is full") == 1  # once per episode, not per message
    small_disk.free()
    stats = publish(readings[:100], settings=device, prefix=prefix, batch_size=10, outbox=outbox)
    assert (stats.outbox_unwritten_readings, outbox.pending_messages) == (0, 0)
    outbox.close()
