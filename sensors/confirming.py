"""The device side of stored-message confirmations: keep each message until the store has it.

A :class:`Confirmations` window belongs to one publishing MQTT client. It subscribes, on
every connection, to the confirmation topics of each line the device publishes for
(:func:`sensors.topics.confirm_filter_for`; the SUBSCRIBE leaves before the first
PUBLISH of that line on the same connection, and the broker handles a connection's
packets in order, so no confirmation can precede the subscription). Each message taken
from the outbox and published is *awaited* until a confirmation names its digest
(:func:`sensors.confirm.message_digest`); only then is it removed from the outbox.

What stays unconfirmed is sent again

* after every reconnection: the broker may have died before writing it to disk, and
  confirmations published while the device was away are not kept for it;
* when it has waited longer than the current resend wait: the first is
  ``resend_base_s``, doubling (:class:`sensors.backoff.Backoff`) while nothing is
  confirmed, up to ``resend_cap_s``, so a collector that is away (its broker session
  keeps the messages) is not flooded with copies.

The store's key is the reading's identity, so a resent message is stored once.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt

from sensors.backoff import Backoff
from sensors.confirm import decode_confirmation, message_digest
from sensors.outbox import Outbox, OutboxMessage
from sensors.topics import confirm_filter_for

__all__ = ["RESEND_BASE_S", "RESEND_CAP_S", "Confirmations"]

#: First wait for a confirmation before a message is sent again [s], by default (the
#: configuration's ``confirm_resend_s``): the collector confirms within a batch write
#: (milliseconds to a second), so 10 s without one means it, or its session, is away.
RESEND_BASE_S = 10.0
#: Longest wait between two resends of an unconfirmed message [s].
RESEND_CAP_S = 300.0
#: Relative spread of the resend waits, so devices that lost their confirmations in
#: the same power cut do not resend in step [-].
RESEND_JITTER = 0.2


@dataclass(slots=True)
class _Awaited:
    topic: str
    payload: bytes
    digest: str
    sent_at: float


class Confirmations:
    """Messages published and not yet confirmed stored, and when to send them again.

    Parameters
    ----------
    client
        The publishing paho client; its ``on_message`` and ``on_subscribe`` are taken.
    resend_base_s, resend_cap_s
        First and longest wait for a confirmation before resending [s].
    clock
        Monotonic clock [s].
    """

    def __init__(
        self,
        client: mqtt.Client,
        *,
        resend_base_s: float = RESEND_BASE_S,
        resend_cap_s: float = RESEND_CAP_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.awaiting: dict[int, _Awaited] = {}
        self._by_digest: dict[str, list[int]] = {}
        self._inbox: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._arrived = threading.Event()
        self._filters: set[str] = set()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._reconnected = False
        self._backoff = Backoff(base_s=resend_base_s, cap_s=resend_cap_s, jitter=RESEND_JITTER)
        self._wait_s = resend_base_s
        self._due = float("inf")
        self._clock = clock
        self.last_progress = clock()
        self.confirmed = 0
        self.resent = 0
        client.on_message = self._on_message

    # -- paho callbacks (network thread) -----------------------------------------------

    def on_connect(self) -> None:
        """Subscribe to every known line again; :meth:`pump_resends` resends what waits."""
        with self._lock:
            filters = sorted(self._filters)
            self._reconnected = True
        if filters:
            self.client.subscribe([(f, 1) for f in filters])
        self._ready.set()

    def on_disconnect(self) -> None:
        self._ready.clear()

    def _on_message(self, _client: Any, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        for digest in decode_confirmation(bytes(message.payload)):
            self._inbox.put(digest)
        self._arrived.set()

    # -- caller's thread ---------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Connected and subscribed: messages may be published."""
        return self._ready.is_set() and self.client.is_connected()

    def sent(self, message: OutboxMessage) -> None:
        """Record ``message`` as published (subscribing to its line first if new)."""
        line_filter = confirm_filter_for(message.topic)
        with self._lock:
            new = line_filter not in self._filters
            self._filters.add(line_filter)
        if new:
            self.client.subscribe(line_filter, qos=1)
        digest = message_digest(message.payload)
        now = self._clock()
        if not self.awaiting:
            self._due = now + self._wait_s
        self.awaiting[message.id] = _Awaited(message.topic, message.payload, digest, now)
        self._by_digest.setdefault(digest, []).append(message.id)

    def settle(self, outbox: Outbox) -> int:
        """Remove confirmed messages from ``outbox``; returns how many."""
        self._arrived.clear()
        ids: list[int] = []
        while True:
            try:
                digest = self._inbox.get_nowait()
            except queue.Empty:
                break
            for key in self._by_digest.pop(digest, ()):
                if self.awaiting.pop(key, None) is not None:
                    ids.append(key)
        if ids:
            outbox.done(ids)
            self.confirmed += len(ids)
            self.last_progress = self._clock()
            self._backoff.succeeded()
            self._wait_s = self._backoff.base_s
            # A long wait chosen while nothing came back ends: look again soon.
            self._due = min(self._due, self.last_progress + self._wait_s)
        return len(ids)

    def pump_resends(self, publish: Callable[[str, bytes], object]) -> None:
        """Send again what a reconnection or a timeout left unconfirmed."""
        if not self.awaiting:
            self._reconnected = False
            return
        now = self._clock()
        with self._lock:
            reconnected, self._reconnected = self._reconnected, False
        if reconnected:
            stale = list(self.awaiting.values())
        elif now >= self._due:
            stale = [m for m in self.awaiting.values() if now - m.sent_at >= self._wait_s]
        else:
            return
        for message in stale:
            publish(message.topic, message.payload)
            message.sent_at = now
        self.resent += len(stale)
        if stale and not reconnected:
            self._wait_s = self._backoff.failed()
        self._due = min(m.sent_at for m in self.awaiting.values()) + self._wait_s

    def wait(self, timeout_s: float) -> None:
        """Wait until a confirmation arrives or ``timeout_s`` passes [s]."""
        self._arrived.wait(timeout_s)
