"""The collector's MQTT session: connection, subscription and acknowledgements.

The session is persistent (``clean_session=False`` with a stable client id) and the
subscription is QoS 1, so the broker keeps messages while the collector is away and
redelivers those it never acknowledged. paho-mqtt 2's ``manual_ack`` leaves the
acknowledgement to :meth:`Session.ack`, which the collector calls only once a batch is
safe. paho's network thread only puts each message on a queue: a slow callback would
delay keepalive pings and get the client disconnected.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from typing import cast

import paho.mqtt.client as mqtt

from monitoring.collector.client import CollectorClient
from monitoring.collector.decode import Message
from monitoring.errors import MonitoringError
from sensors.mqtt import BrokerSettings, make_client
from sensors.topics import subscription

__all__ = ["SHARE_GROUP_PATTERN", "Session"]

log = logging.getLogger("upops.collector")

#: A shared-subscription group name is one topic level; MQTT 5 forbids '/', '+' and '#'.
SHARE_GROUP_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class Session:
    """One persistent MQTT session delivering reading messages to a queue.

    Parameters
    ----------
    broker
        Connection settings; ``client_id`` must be stable across restarts.
    prefix
        Topic prefix.
    share_group
        MQTT shared-subscription group, or ``None`` for a plain subscription.
    stopping
        Set when the collector stops: a disconnect is then expected, not warned about.

    Raises
    ------
    ValueError
        For a share group that is not one plain topic level.
    """

    def __init__(
        self,
        *,
        broker: BrokerSettings,
        prefix: str,
        share_group: str | None,
        stopping: threading.Event,
    ) -> None:
        if share_group is not None and not SHARE_GROUP_PATTERN.match(share_group):
            raise ValueError(
                f"share group {share_group!r} must be 1-64 characters of letters, digits, "
                "'-', '_' or '.' (no '/', '+', '#')"
            )
        self.broker = broker
        self.prefix = prefix
        self.share_group = share_group
        # SimpleQueue is implemented in C: put and get take no Python-level locks, which
        # matters on paho's network thread at thousands of messages per second.
        self.messages: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self.connected = threading.Event()
        self._stopping = stopping
        self._client: CollectorClient | None = None
        self._last_error: str | None = None

    @property
    def topic_filter(self) -> str:
        """The subscription: ``<prefix>/+/+/+``, or ``$share/<group>/<prefix>/+/+/+``.

        paho matches ``message_callback_add`` filters against the topic literally, so a
        ``$share/...`` filter never matches (paho issue #472); the session uses the
        client-wide ``on_message``, which receives every message whatever the filter.
        """
        plain = subscription(self.prefix)
        return plain if self.share_group is None else f"$share/{self.share_group}/{plain}"

    def open(self) -> None:
        """Start connecting in paho's network thread; :attr:`connected` is set on success.

        Raises
        ------
        MonitoringError
            If the connection cannot even be attempted (bad host, no network).
        """
        client = cast(
            CollectorClient,
            make_client(
                self.broker, clean_session=False, manual_ack=True, client_class=CollectorClient
            ),
        )
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client
        try:
            client.connect_async(self.broker.host, self.broker.port, self.broker.keepalive_s)
        except (OSError, ValueError) as exc:
            raise MonitoringError(
                f"cannot connect to the broker at {self.broker.host}:{self.broker.port}: {exc}"
            ) from exc
        client.loop_start()

    def wait_connected(self, timeout_s: float) -> None:
        """Return once connected.

        Raises
        ------
        MonitoringError
            If the broker refused or could not be reached within ``timeout_s`` [s].
        """
        if self.connected.wait(timeout_s):
            return
        detail = f" ({self._last_error})" if self._last_error else ""
        raise MonitoringError(
            f"no connection to the broker at {self.broker.host}:{self.broker.port} within "
            f"{timeout_s:g} s{detail}; check [broker] url, credentials and TLS"
        )

    def ack(self, messages: list[Message]) -> None:
        """Acknowledge ``messages`` to the broker, in the order they arrived: the PUBACKs
        of the whole batch in one write (:meth:`CollectorClient.ack_many`)."""
        client = self._client
        if client is None:
            return
        # The session subscribes with QoS 1, so messages come with QoS 0 or 1.
        client.ack_many([msg.mid for msg in messages if msg.qos == 1])

    def publish(self, topic: str, payload: bytes, qos: int) -> None:
        """Publish on this connection (confirmations); dropped while disconnected."""
        client = self._client
        if client is not None and self.connected.is_set():
            client.publish(topic, payload, qos=qos)

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()

    # -- paho callbacks (network thread: keep them short) ------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        if reason_code.is_failure:
            self._last_error = f"broker refused the connection: {reason_code}"
            log.error("%s; check [broker] username, password_env and TLS files", self._last_error)
            return
        # Subscribing on every connect renews the subscription even if the broker lost
        # the session (e.g. restarted without persistence).
        client.subscribe(self.topic_filter, qos=1)
        self.connected.set()
        log.info(
            "connected to %s:%s as %s (session present: %s), subscribed to %s",
            self.broker.host,
            self.broker.port,
            self.broker.client_id,
            flags.session_present,
            self.topic_filter,
        )

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        self.connected.clear()
        if not self._stopping.is_set():
            log.warning("disconnected from the broker (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:  # type: ignore[no-untyped-def]
        self.messages.put(
            Message(
                message.topic,
                bytes(message.payload),
                message.mid,
                message.qos,
                int(time.time() * 1e6),
            )
        )
