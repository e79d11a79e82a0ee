"""Publish readings to the MQTT broker, batched per sensor and optionally paced.

Readings keep their device timestamps: pacing (:mod:`sensors.pacing`) only decides
*when* a reading is sent, never what time it carries. Consecutive readings of one sensor
are grouped into messages of up to ``batch_size`` readings (:mod:`sensors.batching`) on
the topic ``<prefix>/<site>/<line>/<sensor>``; the messages in flight are bounded
(:mod:`sensors.sending`).

With an :class:`~sensors.outbox.Outbox` (``publish(..., outbox=...)``) every message is
written to disk before it is handed to paho and removed once the broker acknowledged
it. While the broker is unreachable the readings keep flowing into the outbox instead of
waiting on acknowledgements; on reconnection the outbox is sent in order, payloads (and
so device timestamps) unchanged. Messages an earlier run left in the outbox go first.
With ``confirm=True`` as well, a message leaves the outbox only once the collector
confirms that its readings are stored (:mod:`sensors.confirming`), so a broker that
dies without writing its queue to disk loses nothing.

>>> PublishStats(messages=2, readings=20, seconds=0.5).readings_per_s
40.0
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt

from sensors.batching import MAX_BATCH_AGE_S, Batches
from sensors.confirming import RESEND_BASE_S, Confirmations
from sensors.errors import PublishError
from sensors.mqtt import BrokerSettings, make_client
from sensors.outbox import Outbox
from sensors.pacing import feed
from sensors.schema import MAX_BATCH, Reading
from sensors.sending import MAX_OUTSTANDING_LIMIT, Sender
from sensors.topics import check_prefix

__all__ = ["MAX_BATCH_AGE_S", "PublishError", "PublishStats", "publish"]


@dataclass(frozen=True)
class PublishStats:
    """Outcome of :func:`publish`.

    Parameters
    ----------
    messages
        MQTT messages handed to the broker (and acknowledged, for QoS > 0) [-].
    readings
        Readings in those messages [-].
    seconds
        Wall time from the broker's CONNACK until every message was acknowledged [s].
    outbox_max_pending
        Most messages waiting in the outbox at once, e.g. during a broker outage [-];
        0 without an outbox.
    outbox_dropped_readings
        Readings the full outbox dropped during this call (oldest first) [-].
    outbox_unwritten_readings
        Readings not kept because the disk under the outbox was full [-].
    """

    messages: int
    readings: int
    seconds: float
    outbox_max_pending: int = 0
    outbox_dropped_readings: int = 0
    outbox_unwritten_readings: int = 0

    @property
    def readings_per_s(self) -> float:
        """Mean publishing rate [1/s]; NaN for an instantaneous run."""
        return self.readings / self.seconds if self.seconds > 0 else math.nan


def publish(
    readings: Iterable[Reading | None],
    *,
    settings: BrokerSettings,
    prefix: str,
    batch_size: int = 10,
    speed: float | None = None,
    qos: int = 1,
    max_outstanding: int = 500,
    on_progress: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
    connect_timeout_s: float = 10.0,
    ack_timeout_s: float = 60.0,
    outbox: Outbox | None = None,
    confirm: bool = False,
    resend_base_s: float = RESEND_BASE_S,
    wait_for_confirmations: bool | None = None,
) -> PublishStats:
    """Publish ``readings`` (in device-time order) and wait until the broker has them.

    Parameters
    ----------
    readings
        Readings, e.g. from :func:`sensors.simulator.simulate_line`; consumed lazily.
        A live source yields ``None`` when it has nothing new (at least every second
        or so): stale partial batches are then sent and the outbox is pumped.
    settings
        Broker and client id; the connection uses a clean session.
    prefix
        Topic prefix, e.g. ``upops``.
    batch_size
        Readings per message, 1 to :data:`sensors.schema.MAX_BATCH` [-]. A partial batch
        is sent when its oldest reading is more than 1 s (wall time) old, or at the end.
    speed
        Simulated seconds per wall second [-]: 1.0 is real time, 1440 one simulated day
        per minute; ``None`` publishes as fast as the broker acknowledges.
    qos
        MQTT QoS 0, 1 or 2.
    max_outstanding
        Messages handed to paho but not yet acknowledged (QoS > 0) or written
        (QoS 0), at most; when reached, the oldest is awaited. 1 to 60 000 [-].
    on_progress
        Called after each message with the number of readings it carries, e.g. a
        tqdm bar's ``update``.
    stop
        When set, no further readings are taken (a reading waiting for its paced time
        is dropped); pending batches are still sent and acknowledged, then the
        function returns.
    connect_timeout_s
        Longest wait for the broker's CONNACK [s].
    ack_timeout_s
        Longest wait for the acknowledgement of one message [s]; covers a broker
        restart, since paho reconnects and resends. With an outbox: longest wait at
        the end without any message acknowledged; the rest stays in the outbox.
    outbox
        On-disk outbox (see :mod:`sensors.outbox`). With it an unreachable broker does
        not fail the call: the first connection is retried in the background and the
        readings wait on disk; only a refused connection or an outbox still not empty
        ``ack_timeout_s`` after the last reading raise.
    confirm
        With an outbox: keep each message until the collector confirms it stored
        (subscribing to ``<prefix>/<site>/<line>/_confirm/+``), not merely until the
        broker's PUBACK; send again what stays unconfirmed after a reconnection or a
        timeout.
    wait_for_confirmations
        With ``confirm``: once ``max_outstanding`` messages await confirmation, hold the
        producer until one comes (while they keep coming) rather than let the outbox
        absorb it. Default: only when unpaced (``speed=None``), for simulators; a live
        source such as the Modbus agent passes ``False``, since its readings are safe
        only once on disk.
    resend_base_s
        First wait for a confirmation before a message is sent again [s]; it doubles
        while nothing is confirmed, up to :data:`sensors.confirming.RESEND_CAP_S`.

    Returns
    -------
    PublishStats

    Raises
    ------
    PublishError
        No TCP connection (``connect_failed``), no CONNACK in time
        (``connect_timeout``), CONNACK refused (``connect_refused``), a publish
        rejected (``publish_failed``, ``disconnected``) or not acknowledged in time
        (``ack_timeout``).
    ValueError
        For an invalid argument.
    """
    check_prefix(prefix)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise ValueError(f"batch_size must be an integer, got {batch_size!r}")
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"batch_size must lie in 1..{MAX_BATCH}, got {batch_size}")
    if speed is not None and not (math.isfinite(speed) and speed > 0):
        raise ValueError(f"speed must be a positive number of simulated s per wall s, got {speed}")
    if qos not in (0, 1, 2):
        raise ValueError(f"qos must be 0, 1 or 2, got {qos!r}")
    if not 1 <= max_outstanding <= MAX_OUTSTANDING_LIMIT:
        raise ValueError(
            f"max_outstanding must lie in 1..{MAX_OUTSTANDING_LIMIT} "
            f"(paho message ids wrap at 65535), got {max_outstanding}"
        )
    if not connect_timeout_s > 0 or not ack_timeout_s > 0:
        raise ValueError("connect_timeout_s and ack_timeout_s must be positive")
    if confirm and outbox is None:
        raise ValueError("confirm=True needs an outbox: confirmed messages are kept there")

    client = make_client(settings, clean_session=True)
    # "reason": the first CONNACK, awaited without an outbox; "last": the latest one,
    # whose refusal stops publishing through the outbox.
    connack: dict[str, Any] = {}
    connected = threading.Event()
    confirmations = Confirmations(client, resend_base_s=resend_base_s) if confirm else None

    def on_connect(
        _client: mqtt.Client, _userdata: Any, _flags: Any, reason_code: Any, _props: Any
    ) -> None:
        connack["last"] = reason_code
        connack.setdefault("reason", reason_code)
        if confirmations is not None and not reason_code.is_failure:
            confirmations.on_connect()
        connected.set()

    def on_disconnect(*_args: Any) -> None:
        if confirmations is not None:
            confirmations.on_disconnect()

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    dropped_before = outbox.dropped_readings if outbox is not None else 0
    if outbox is not None:
        outbox.rewind()  # a new connection: what an earlier call left in flight goes again
    if outbox is None:
        try:
            client.connect(settings.host, settings.port, keepalive=settings.keepalive_s)
        except (OSError, ValueError) as exc:
            raise PublishError(
                f"cannot connect to the broker at {settings.url}: {exc}", reason="connect_failed"
            ) from exc
    else:
        # connect_async + loop_start retries the first connection too, with the client's
        # capped backoff: a device that boots while the network is down still keeps data.
        client.connect_async(settings.host, settings.port, keepalive=settings.keepalive_s)
    client.loop_start()
    try:
        if outbox is None:
            _await_connack(connected, connack, settings, connect_timeout_s)
        sender = Sender(
            client,
            qos=qos,
            max_outstanding=max_outstanding,
            ack_timeout_s=ack_timeout_s,
            on_progress=on_progress,
            outbox=outbox,
            connack=connack,
            confirmations=confirmations,
            block_on_window=(
                speed is None if wait_for_confirmations is None else wait_for_confirmations
            ),
        )
        batches = Batches(sender, prefix=prefix, batch_size=batch_size)
        t_start = time.monotonic()
        feed(batches, readings, speed=speed, stop=stop)
        batches.flush_all()
        sender.wait_all()
        seconds = time.monotonic() - t_start
    finally:
        client.disconnect()
        client.loop_stop()
    return PublishStats(
        messages=sender.messages,
        readings=sender.readings,
        seconds=seconds,
        outbox_max_pending=sender.outbox_max_pending,
        outbox_dropped_readings=(
            outbox.dropped_readings - dropped_before if outbox is not None else 0
        ),
        outbox_unwritten_readings=sender.unwritten_readings,
    )


def _await_connack(
    connected: threading.Event,
    connack: dict[str, Any],
    settings: BrokerSettings,
    timeout_s: float,
) -> None:
    """Wait for the broker's first CONNACK; raise unless it accepted the connection."""
    if not connected.wait(timeout_s):
        raise PublishError(
            f"no CONNACK from the broker at {settings.url} within {timeout_s:g} s",
            reason="connect_timeout",
        )
    reason = connack["reason"]
    if reason.is_failure:
        raise PublishError(
            f"the broker at {settings.url} refused the connection: {reason}",
            reason="connect_refused",
        )
