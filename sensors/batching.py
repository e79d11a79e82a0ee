"""Group readings into messages: consecutive readings of one sensor, up to a batch size.

Each sensor (``site``, ``line``, ``sensor``, ``unit``) has at most one pending batch. A
batch leaves when it is full, or once its oldest reading has waited
:data:`MAX_BATCH_AGE_S` of wall time, so batching adds at most about a second of
latency; the message goes to ``<prefix>/<site>/<line>/<sensor>`` (schema version 1, see
:mod:`sensors.schema`).

>>> sent = []
>>> class Printer:
...     def send(self, topic, batch): sent.append((topic, len(batch)))
...     def tick(self): pass
>>> from sensors.schema import Reading
>>> batches = Batches(Printer(), prefix="upops", batch_size=2)
>>> for ts in range(3):
...     batches.add(Reading("mk", "line-1", "zone1_temp", ts, 200.0, "degC", ts), now=0.0)
>>> batches.flush_stale(now=MAX_BATCH_AGE_S)
>>> sent
[('upops/mk/line-1/zone1_temp', 2), ('upops/mk/line-1/zone1_temp', 1)]
"""

from __future__ import annotations

import math
from typing import Protocol

from sensors.schema import Reading
from sensors.topics import build_topic

__all__ = ["MAX_BATCH_AGE_S", "Batches", "MessageSink"]

#: A partially filled batch is sent once its oldest reading has waited this long [s]
#: (wall time): the bound on the latency that batching may add.
MAX_BATCH_AGE_S = 1.0

#: Identity of a pending batch: site, line, sensor, unit.
BatchKey = tuple[str, str, str, str]


class MessageSink(Protocol):
    """Where full or stale batches go (:class:`sensors.sending.Sender`)."""

    def send(self, topic: str, batch: list[Reading]) -> None:
        """Take one message on."""

    def tick(self) -> None:
        """Do any background work due (pump an outbox)."""


class Batches:
    """Pending batches per sensor, sent to ``sink`` when full or stale.

    Parameters
    ----------
    sink
        Receives each message's topic and readings.
    prefix
        Topic prefix.
    batch_size
        Readings per message, at most [-].
    """

    def __init__(self, sink: MessageSink, *, prefix: str, batch_size: int) -> None:
        self.sink = sink
        self.prefix = prefix
        self.batch_size = batch_size
        self.pending: dict[BatchKey, tuple[list[Reading], float]] = {}
        self.topics: dict[BatchKey, str] = {}
        self.next_due = math.inf  # wall time at which the oldest pending batch is stale

    def add(self, reading: Reading, now: float) -> None:
        """Add ``reading`` at wall time ``now`` [s]; sends its batch once full."""
        key = (reading.site, reading.line, reading.sensor, reading.unit)
        entry = self.pending.get(key)
        if entry is None:
            entry = ([], now)
            self.pending[key] = entry
            self.next_due = min(self.next_due, now + MAX_BATCH_AGE_S)
        batch = entry[0]
        batch.append(reading)
        if len(batch) >= self.batch_size:
            del self.pending[key]
            self._send(key, batch)

    def flush_stale(self, now: float) -> None:
        """Let the sink do its background work, then send batches older than the limit."""
        self.sink.tick()
        if now < self.next_due:
            return
        for key, (batch, born) in list(self.pending.items()):
            if now - born >= MAX_BATCH_AGE_S:
                del self.pending[key]
                self._send(key, batch)
        self.next_due = min(
            (born + MAX_BATCH_AGE_S for _, born in self.pending.values()), default=math.inf
        )

    def flush_all(self) -> None:
        """Send every pending batch, full or not."""
        for key, (batch, _) in list(self.pending.items()):
            del self.pending[key]
            self._send(key, batch)
        self.next_due = math.inf

    def _send(self, key: BatchKey, batch: list[Reading]) -> None:
        topic = self.topics.get(key)
        if topic is None:
            topic = self.topics[key] = build_topic(self.prefix, *key[:3])
        self.sink.send(topic, batch)
