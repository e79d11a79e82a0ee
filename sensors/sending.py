"""Hand messages to paho-mqtt with a bounded number in flight, directly or via the outbox.

Outstanding QoS > 0 messages are bounded (``max_outstanding``): MQTT numbers the
messages in flight with a 16-bit packet identifier (OASIS, "MQTT Version 3.1.1", 2014,
§2.3.1 "Packet Identifier",
http://docs.oasis-open.org/mqtt/mqtt/v3.1.1/os/mqtt-v3.1.1-os.html), and paho-mqtt
refuses a publish whose id is still in flight, so a publisher that queued a whole
backlog would fail once the ids wrap at 65 535 (seen with paho-mqtt 2). Waiting on the
oldest message also keeps memory bounded when the broker is slower than the producer.

With an :class:`~sensors.outbox.Outbox` every message is written to disk before it is
handed to paho and removed once the broker acknowledged it; while the broker is
unreachable the messages wait in the file instead of on acknowledgements. With
:class:`~sensors.confirming.Confirmations` as well, a message is removed only once the
collector confirms it stored, and at most ``max_outstanding`` messages await that
confirmation at once.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt

from sensors.confirming import Confirmations
from sensors.errors import PublishError
from sensors.outbox import Outbox, OutboxFull
from sensors.schema import Reading, encode_payload

__all__ = ["MAX_OUTSTANDING_LIMIT", "POLL_S", "Sender"]

#: Longest single wait on an acknowledgement while the caller must stay responsive [s].
POLL_S = 0.2
#: Most messages in flight at once: paho message ids run from 1 to 65 535; stay well
#: clear of a wrap onto a live id [-].
MAX_OUTSTANDING_LIMIT = 60_000
# Wait between two looks at an outbox that has nothing in flight (broker away) [s].
_IDLE_POLL_S = 0.05

log = logging.getLogger("upops.publisher")


class Sender:
    """The in-flight messages of one MQTT connection, and the outbox behind them.

    Parameters
    ----------
    client
        A connected (or connecting) paho client with its network loop running.
    qos
        MQTT QoS 0, 1 or 2.
    max_outstanding
        Messages handed to paho but not yet acknowledged, at most [-].
    ack_timeout_s
        Longest wait for one acknowledgement, or with an outbox for any progress at
        the end [s].
    on_progress
        Called with the number of readings of each message taken on.
    outbox
        On-disk outbox, or None to publish directly.
    connack
        Shared dict in which the connect callback stores the last CONNACK reason
        (``"last"``); a refusal stops publishing through the outbox.
    confirmations
        With an outbox: keep each message until the collector confirms it stored,
        instead of until the broker's PUBACK.
    block_on_window
        With confirmations: when ``max_outstanding`` messages await confirmation, wait
        for one (as long as confirmations keep coming within ``ack_timeout_s``) instead
        of letting the outbox absorb the producer; for producers that run faster than
        real time, which would otherwise fill the outbox.
    """

    def __init__(
        self,
        client: mqtt.Client,
        *,
        qos: int,
        max_outstanding: int,
        ack_timeout_s: float,
        on_progress: Callable[[int], None] | None,
        outbox: Outbox | None = None,
        connack: dict[str, Any] | None = None,
        confirmations: Confirmations | None = None,
        block_on_window: bool = False,
    ) -> None:
        self.client = client
        self.confirmations = confirmations
        self.block_on_window = block_on_window
        self.outbox = outbox
        # Outbox row id of each outstanding message, in step with ``outstanding``.
        self.outbox_ids: deque[int] = deque()
        self.connack = connack if connack is not None else {}
        self.outbox_max_pending = 0
        self.qos = qos
        self.max_outstanding = max_outstanding
        self.ack_timeout_s = ack_timeout_s
        self.on_progress = on_progress
        self.outstanding: deque[mqtt.MQTTMessageInfo] = deque()
        self.messages = 0
        self.readings = 0
        #: Readings not kept because the disk under the outbox was full [-].
        self.unwritten_readings = 0

    def send(self, topic: str, batch: list[Reading]) -> None:
        """Take one message of ``batch`` on; blocks while ``max_outstanding`` are in flight."""
        if self.outbox is not None:
            self._send_via_outbox(self.outbox, topic, encode_payload(batch), len(batch))
            return
        info = self._publish(topic, encode_payload(batch))
        self.outstanding.append(info)
        self.messages += 1
        self.readings += len(batch)
        if self.on_progress is not None:
            self.on_progress(len(batch))
        while len(self.outstanding) > self.max_outstanding:
            self._wait_oldest()

    def tick(self) -> None:
        """Keep the outbox moving (nothing to do without one)."""
        if self.outbox is not None:
            self.pump(self.outbox)

    def _publish(self, topic: str, payload: bytes) -> mqtt.MQTTMessageInfo:
        info = self.client.publish(topic, payload, qos=self.qos)
        if info.rc == mqtt.MQTT_ERR_NO_CONN and self.qos > 0:
            # paho keeps a QoS>0 message published while disconnected in its queue and
            # sends it after reconnecting, but marks it NO_CONN, on which
            # wait_for_publish would raise at once; it is queued, so treat it as such.
            info.rc = mqtt.MQTT_ERR_SUCCESS
        elif info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise PublishError(
                f"publishing to {topic} failed: {mqtt.error_string(info.rc)}",
                reason="disconnected" if info.rc == mqtt.MQTT_ERR_NO_CONN else "publish_failed",
            )
        return info

    def _wait_oldest(self) -> None:
        info = self.outstanding[0]
        info.wait_for_publish(timeout=self.ack_timeout_s)
        if not info.is_published():
            raise PublishError(
                f"message {info.mid} was not acknowledged within {self.ack_timeout_s:g} s; "
                "is the broker reachable?",
                reason="ack_timeout",
            )
        self.outstanding.popleft()

    def wait_all(self) -> None:
        """Wait until every message taken on is acknowledged (the outbox is empty)."""
        if self.outbox is not None:
            self.drain(self.outbox)
            return
        while self.outstanding:
            self._wait_oldest()

    # -- outbox path -----------------------------------------------------------------

    def _send_via_outbox(self, outbox: Outbox, topic: str, payload: bytes, readings: int) -> None:
        try:
            outbox.put(topic, payload, readings=readings)
        except OutboxFull as exc:
            # Nowhere to keep them: count them, say so once per episode, and go on, so
            # that the device keeps measuring and recovers once space is freed.
            if not self.unwritten_readings:
                log.error("%s; counting what is lost until space returns", exc)
            self.unwritten_readings += readings
            self.pump(outbox)
            return
        self.messages += 1
        self.readings += readings
        self.outbox_max_pending = max(self.outbox_max_pending, outbox.pending_messages)
        if self.on_progress is not None:
            self.on_progress(readings)
        self.pump(outbox)
        # While connected, wait for acknowledgements as the plain path does, so a fast
        # producer is paced by the broker; while disconnected, the outbox absorbs it.
        while len(self.outstanding) >= self.max_outstanding and self.client.is_connected():
            self.outstanding[0].wait_for_publish(timeout=POLL_S)
            self.pump(outbox)
        conf = self.confirmations
        if conf is None or not self.block_on_window:
            return
        while (
            len(conf.awaiting) >= self.max_outstanding
            and conf.ready
            and time.monotonic() - conf.last_progress < self.ack_timeout_s
        ):
            conf.wait(POLL_S)
            self.pump(outbox)

    def _check_refused(self) -> None:
        reason = self.connack.get("last")
        if reason is not None and reason.is_failure:
            raise PublishError(
                f"the broker refused the connection: {reason}; the readings stay in the "
                "outbox and are sent once the credentials are fixed",
                reason="connect_refused",
            )

    def pump(self, outbox: Outbox) -> None:
        """Forget acknowledged messages, then hand waiting ones to paho while connected."""
        self._check_refused()
        if self.confirmations is not None:
            self._pump_confirmed(outbox, self.confirmations)
            return
        self._reap(outbox)
        while self.client.is_connected() and len(self.outstanding) < self.max_outstanding:
            taken = outbox.take(self.max_outstanding - len(self.outstanding))
            if not taken:
                break
            for message in taken:
                # paho keeps a message published while disconnected and resends it after
                # reconnecting, as it does for unacknowledged ones: either way it is sent.
                self.outstanding.append(self._publish(message.topic, message.payload))
                self.outbox_ids.append(message.id)
        self._reap(outbox)

    def _pump_confirmed(self, outbox: Outbox, conf: Confirmations) -> None:
        """Forget confirmed messages, resend what is due, then send waiting ones."""
        while self.outstanding and self.outstanding[0].is_published():
            self.outstanding.popleft()  # PUBACK: only paces the producer here
        conf.settle(outbox)
        if not conf.ready:
            return
        conf.pump_resends(self._publish)
        while len(conf.awaiting) < self.max_outstanding:
            taken = outbox.take(self.max_outstanding - len(conf.awaiting))
            if not taken:
                break
            for message in taken:
                conf.sent(message)
                self.outstanding.append(self._publish(message.topic, message.payload))

    def _reap(self, outbox: Outbox) -> None:
        done = []
        while self.outstanding and self.outstanding[0].is_published():
            self.outstanding.popleft()
            done.append(self.outbox_ids.popleft())
        if done:
            outbox.done(done)

    def drain(self, outbox: Outbox) -> None:
        """Wait until the outbox is empty; fail after ``ack_timeout_s`` without progress."""
        last = outbox.pending_messages
        last_progress = time.monotonic()
        while True:
            self.pump(outbox)
            pending = outbox.pending_messages
            if pending == 0:
                return
            now = time.monotonic()
            if pending != last:
                last, last_progress = pending, now
            elif now - last_progress > self.ack_timeout_s:
                what, hint = (
                    ("confirmed stored", "Are the broker and the collector (pilot collect) up?")
                    if self.confirmations is not None
                    else ("acknowledged", "Is the broker reachable?")
                )
                raise PublishError(
                    f"{pending} message(s) were not {what} within {self.ack_timeout_s:g} s; "
                    f"they stay in the outbox {outbox.path} and are sent first next time. " + hint,
                    reason="ack_timeout",
                )
            if self.confirmations is not None:
                self.confirmations.wait(POLL_S)
            elif self.outstanding:
                self.outstanding[0].wait_for_publish(timeout=POLL_S)
            else:
                time.sleep(_IDLE_POLL_S)
