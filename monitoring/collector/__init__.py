"""Collector: MQTT subscriber that stores readings and acknowledges only what is stored.

How a message travels:

1. paho's network thread puts each message on a queue (:mod:`.session`).
2. The worker thread drains the queue into a batch and decodes and validates every
   message: topic, payload schema, catalogue (:mod:`.decode`).
3. The valid readings go to the store in one synchronous call, retried with capped
   exponential backoff and jitter while the store is unavailable, or to the on-disk
   spool if there is one (:mod:`.writer`).
4. Rejected messages and readings are written to the quarantine with their reason.
5. Only then are the batch's messages acknowledged to the broker (paho-mqtt 2
   ``manual_ack``), in the order they arrived (:mod:`.collector`, :mod:`.session`).

The session is persistent and the subscription QoS 1, so the broker keeps messages
while the collector is away and redelivers those it never acknowledged; the store's
idempotent key makes a redelivered reading harmless. With a spool, memory stays flat
during a long store outage; when the spool is full the collector stops acknowledging,
so the broker keeps the rest.
"""

from monitoring.collector.collector import Collector
from monitoring.collector.decode import Decoder, Message
from monitoring.collector.stats import CollectorStats

__all__ = ["Collector", "CollectorStats", "Decoder", "Message"]
