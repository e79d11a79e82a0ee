"""Tell each device which of its messages are stored: the collector side of confirmations.

After a batch is written to the store, :class:`Confirmer` publishes one confirmation per
reading topic of the batch on ``<prefix>/<site>/<line>/_confirm/<sensor>``, naming the
digests of the batch's messages (:mod:`sensors.confirm`). Messages set aside for the
quarantine are confirmed too: the quarantine keeps them, and sending them again could
not help. Messages of a batch that went to the spool (the store was down) are *not*
confirmed: the device keeps them and sends them again later, so it forgets a reading
only when the store has it. Topics that are not reading topics (bad levels) cannot be
answered and are skipped.

Confirmations go out at QoS 0 and are never retained: a lost one costs a resend.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from monitoring.collector.decode import Message
from sensors.confirm import CONFIRM_QOS, encode_confirmation, message_digest
from sensors.errors import TopicError
from sensors.topics import confirm_topic

__all__ = ["Confirmer"]

log = logging.getLogger("upops.collector")

#: Digests per confirmation message: keeps each well under 8 KiB [-].
MAX_DIGESTS_PER_MESSAGE = 400


class Confirmer:
    """Publishes confirmations of stored messages.

    Parameters
    ----------
    prefix
        Topic prefix.
    publish
        ``publish(topic, payload, qos)`` on the collector's MQTT connection.
    """

    def __init__(self, *, prefix: str, publish: Callable[[str, bytes, int], None]) -> None:
        self.prefix = prefix
        self._publish = publish
        self._topics: dict[str, str | None] = {}
        self.confirmed = 0

    def _topic(self, reading_topic: str) -> str | None:
        topic = self._topics.get(reading_topic, "")
        if topic == "":
            try:
                topic = confirm_topic(reading_topic, prefix=self.prefix)
            except TopicError:
                topic = None
            if len(self._topics) < 100_000:  # bounded: topics come from the network
                self._topics[reading_topic] = topic
        return topic

    def confirm(self, messages: Sequence[Message]) -> None:
        """Confirm ``messages`` (their readings are stored, or quarantined)."""
        by_topic: dict[str, list[str]] = {}
        for msg in messages:
            topic = self._topic(msg.topic)
            if topic is not None:
                by_topic.setdefault(topic, []).append(message_digest(msg.payload))
        for topic, digests in by_topic.items():
            for i in range(0, len(digests), MAX_DIGESTS_PER_MESSAGE):
                chunk = digests[i : i + MAX_DIGESTS_PER_MESSAGE]
                try:
                    self._publish(topic, encode_confirmation(chunk), CONFIRM_QOS)
                except Exception:  # a lost confirmation costs a resend, never a reading
                    log.debug("confirmation on %s not sent", topic, exc_info=True)
                    continue
                self.confirmed += len(chunk)
