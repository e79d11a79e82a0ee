"""Publish readings to the MQTT broker, batched per sensor and optionally paced.

Readings keep their device timestamps: pacing only decides *when* a reading is sent,
never what time it carries. Consecutive readings of one sensor are grouped into
messages of up to ``batch_size`` readings (schema version 1, see
:mod:`sensors.schema`) on the topic ``<prefix>/<site>/<line>/<sensor>``.

Outstanding QoS > 0 messages are bounded (``max_outstanding``): paho-mqtt gives every
such message a message id that wraps at 65 535 and refuses a publish whose id is still
in flight, so a publisher that queued a whole backlog would fail (pitfall recorded in
mqtt-influxdb-pipeline.md §7). Waiting on the oldest message also keeps memory bounded
when the broker is slower than the simulator.

With an :class:`~sensors.outbox.Outbox` (``publish(..., outbox=...)``) every message is
written to disk before it is handed to paho and removed once the broker acknowledged
it. While the broker is unreachable the readings keep flowing into the outbox instead of
waiting on acknowledgements; on reconnection the outbox is sent in order, payloads (and
so device timestamps) unchanged. Messages an earlier run left in the outbox go first.

>>> PublishStats(messages=2, readings=20, seconds=0.5).readings_per_s
40.0
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt

from sensors.errors import PublishError
from sensors.mqtt import BrokerSettings, make_client
from sensors.outbox import Outbox
from sensors.schema import MAX_BATCH, Reading, encode_payload
from sensors.topics import build_topic, check_prefix

__all__ = ["PublishError", "PublishStats", "publish"]

#: A partially filled batch is sent once its oldest reading has waited this long [s]
#: (wall time): the brief's bound on the latency that batching may add.
MAX_BATCH_AGE_S = 1.0
# Longest single sleep while pacing [s], so a set ``stop`` event is noticed promptly.
_MAX_SLEEP_S = 0.2
# paho message ids run from 1 to 65 535; stay well clear of a wrap onto a live id.
_MAX_OUTSTANDING_LIMIT = 60_000


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
    """

    messages: int
    readings: int
    seconds: float
    outbox_max_pending: int = 0
    outbox_dropped_readings: int = 0

    @property
    def readings_per_s(self) -> float:
        """Mean publishing rate [1/s]; NaN for an instantaneous run."""
        return self.readings / self.seconds if self.seconds > 0 else math.nan


class _Batches:
    """Pending batches per sensor, and the in-flight messages of one connection."""

    def __init__(
        self,
        client: mqtt.Client,
        *,
        prefix: str,
        batch_size: int,
        qos: int,
        max_outstanding: int,
        ack_timeout_s: float,
        on_progress: Callable[[int], None] | None,
        outbox: Outbox | None = None,
        connack: dict[str, Any] | None = None,
    ) -> None:
        self.client = client
        self.outbox = outbox
        # Outbox row id of each outstanding message, in step with ``outstanding``.
        self.outbox_ids: deque[int] = deque()
        self.connack = connack if connack is not None else {}
        self.outbox_max_pending = 0
        self.prefix = prefix
        self.batch_size = batch_size
        self.qos = qos
        self.max_outstanding = max_outstanding
        self.ack_timeout_s = ack_timeout_s
        self.on_progress = on_progress
        self.pending: dict[tuple[str, str, str, str], tuple[list[Reading], float]] = {}
        self.topics: dict[tuple[str, str, str, str], str] = {}
        self.outstanding: deque[mqtt.MQTTMessageInfo] = deque()
        self.next_due = math.inf  # wall time at which the oldest pending batch is stale
        self.messages = 0
        self.readings = 0

    def add(self, reading: Reading, now: float) -> None:
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
        if self.outbox is not None:
            self.pump()
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
        for key, (batch, _) in list(self.pending.items()):
            del self.pending[key]
            self._send(key, batch)
        self.next_due = math.inf

    def _send(self, key: tuple[str, str, str, str], batch: list[Reading]) -> None:
        topic = self.topics.get(key)
        if topic is None:
            topic = self.topics[key] = build_topic(self.prefix, *key[:3])
        if self.outbox is not None:
            self._send_via_outbox(topic, encode_payload(batch), len(batch))
            return
        info = self._publish(topic, encode_payload(batch))
        self.outstanding.append(info)
        self.messages += 1
        self.readings += len(batch)
        if self.on_progress is not None:
            self.on_progress(len(batch))
        while len(self.outstanding) > self.max_outstanding:
            self._wait_oldest()

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

    # -- outbox path -----------------------------------------------------------------

    def _send_via_outbox(self, topic: str, payload: bytes, readings: int) -> None:
        assert self.outbox is not None
        self.outbox.put(topic, payload, readings=readings)
        self.messages += 1
        self.readings += readings
        self.outbox_max_pending = max(self.outbox_max_pending, self.outbox.pending_messages)
        if self.on_progress is not None:
            self.on_progress(readings)
        self.pump()
        # While connected, wait for acknowledgements as the plain path does, so a fast
        # producer is paced by the broker; while disconnected, the outbox absorbs it.
        while len(self.outstanding) >= self.max_outstanding and self.client.is_connected():
            self.outstanding[0].wait_for_publish(timeout=_MAX_SLEEP_S)
            self.pump()

    def _check_refused(self) -> None:
        reason = self.connack.get("last")
        if reason is not None and reason.is_failure:
            raise PublishError(
                f"the broker refused the connection: {reason}; the readings stay in the "
                "outbox and are sent once the credentials are fixed",
                reason="connect_refused",
            )

    def pump(self) -> None:
        """Forget acknowledged messages, then hand waiting ones to paho while connected."""
        assert self.outbox is not None
        self._check_refused()
        self._reap()
        while self.client.is_connected() and len(self.outstanding) < self.max_outstanding:
            taken = self.outbox.take(self.max_outstanding - len(self.outstanding))
            if not taken:
                break
            for message in taken:
                # paho keeps a message published while disconnected and resends it after
                # reconnecting, as it does for unacknowledged ones: either way it is sent.
                self.outstanding.append(self._publish(message.topic, message.payload))
                self.outbox_ids.append(message.id)
        self._reap()

    def _reap(self) -> None:
        done = []
        while self.outstanding and self.outstanding[0].is_published():
            self.outstanding.popleft()
            done.append(self.outbox_ids.popleft())
        if done and self.outbox is not None:
            self.outbox.done(done)

    def drain(self) -> None:
        """Wait until the outbox is empty; fail after ``ack_timeout_s`` without progress."""
        assert self.outbox is not None
        last = self.outbox.pending_messages
        last_progress = time.monotonic()
        while True:
            self.pump()
            pending = self.outbox.pending_messages
            if pending == 0:
                return
            now = time.monotonic()
            if pending != last:
                last, last_progress = pending, now
            elif now - last_progress > self.ack_timeout_s:
                raise PublishError(
                    f"{pending} message(s) were not acknowledged within {self.ack_timeout_s:g} s; "
                    f"they stay in the outbox {self.outbox.path} and are sent first next time. "
                    "Is the broker reachable?",
                    reason="ack_timeout",
                )
            if self.outstanding:
                self.outstanding[0].wait_for_publish(timeout=_MAX_SLEEP_S)
            else:
                time.sleep(0.05)

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
        if self.outbox is not None:
            self.drain()
            return
        while self.outstanding:
            self._wait_oldest()


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
    if not 1 <= max_outstanding <= _MAX_OUTSTANDING_LIMIT:
        raise ValueError(
            f"max_outstanding must lie in 1..{_MAX_OUTSTANDING_LIMIT} "
            f"(paho message ids wrap at 65535), got {max_outstanding}"
        )
    if not connect_timeout_s > 0 or not ack_timeout_s > 0:
        raise ValueError("connect_timeout_s and ack_timeout_s must be positive")

    client = make_client(settings, clean_session=True)
    connack: dict[str, Any] = {}
    connected = threading.Event()

    def on_connect(
        _client: mqtt.Client, _userdata: Any, _flags: Any, reason_code: Any, _props: Any
    ) -> None:
        connack.setdefault("reason", reason_code)
        connected.set()

    client.on_connect = on_connect
    if outbox is not None:
        return _publish_via_outbox(
            client,
            connack,
            readings,
            settings=settings,
            prefix=prefix,
            batch_size=batch_size,
            speed=speed,
            qos=qos,
            max_outstanding=max_outstanding,
            on_progress=on_progress,
            stop=stop,
            ack_timeout_s=ack_timeout_s,
            outbox=outbox,
        )
    try:
        client.connect(settings.host, settings.port, keepalive=settings.keepalive_s)
    except (OSError, ValueError) as exc:
        raise PublishError(
            f"cannot connect to the broker at {settings.url}: {exc}", reason="connect_failed"
        ) from exc
    client.loop_start()
    try:
        if not connected.wait(connect_timeout_s):
            raise PublishError(
                f"no CONNACK from the broker at {settings.url} within {connect_timeout_s:g} s",
                reason="connect_timeout",
            )
        reason = connack["reason"]
        if reason.is_failure:
            raise PublishError(
                f"the broker at {settings.url} refused the connection: {reason}",
                reason="connect_refused",
            )
        batches = _Batches(
            client,
            prefix=prefix,
            batch_size=batch_size,
            qos=qos,
            max_outstanding=max_outstanding,
            ack_timeout_s=ack_timeout_s,
            on_progress=on_progress,
        )
        t_start = time.monotonic()
        _feed(batches, readings, speed=speed, stop=stop)
        batches.flush_all()
        batches.wait_all()
        seconds = time.monotonic() - t_start
    finally:
        client.disconnect()
        client.loop_stop()
    return PublishStats(messages=batches.messages, readings=batches.readings, seconds=seconds)


def _publish_via_outbox(
    client: mqtt.Client,
    connack: dict[str, Any],
    readings: Iterable[Reading | None],
    *,
    settings: BrokerSettings,
    prefix: str,
    batch_size: int,
    speed: float | None,
    qos: int,
    max_outstanding: int,
    on_progress: Callable[[int], None] | None,
    stop: threading.Event | None,
    ack_timeout_s: float,
    outbox: Outbox,
) -> PublishStats:
    """:func:`publish` with an outbox: the broker may be away at any moment, even at first."""
    previous = client.on_connect

    def on_connect(
        _client: mqtt.Client, _userdata: Any, _flags: Any, reason_code: Any, _props: Any
    ) -> None:
        connack["last"] = reason_code
        previous(_client, _userdata, _flags, reason_code, _props)

    client.on_connect = on_connect
    dropped_before = outbox.dropped_readings
    # connect_async + loop_start retries the first connection too, with the client's
    # capped backoff: a device that boots while the network is down still keeps data.
    client.connect_async(settings.host, settings.port, keepalive=settings.keepalive_s)
    client.loop_start()
    try:
        batches = _Batches(
            client,
            prefix=prefix,
            batch_size=batch_size,
            qos=qos,
            max_outstanding=max_outstanding,
            ack_timeout_s=ack_timeout_s,
            on_progress=on_progress,
            outbox=outbox,
            connack=connack,
        )
        t_start = time.monotonic()
        _feed(batches, readings, speed=speed, stop=stop)
        batches.flush_all()
        batches.wait_all()
        seconds = time.monotonic() - t_start
    finally:
        client.disconnect()
        client.loop_stop()
    return PublishStats(
        messages=batches.messages,
        readings=batches.readings,
        seconds=seconds,
        outbox_max_pending=batches.outbox_max_pending,
        outbox_dropped_readings=outbox.dropped_readings - dropped_before,
    )


def _feed(
    batches: _Batches,
    readings: Iterable[Reading | None],
    *,
    speed: float | None,
    stop: threading.Event | None,
) -> None:
    """Hand the readings to ``batches``, paced by device time when ``speed`` is given."""
    wall0 = dev0 = None
    for reading in readings:
        if stop is not None and stop.is_set():
            return
        now = time.monotonic()
        if reading is None:
            # A live source (the Modbus agent) with nothing new: partial batches must
            # still leave on time and the outbox keep moving.
            batches.flush_stale(now)
            continue
        if speed is not None:
            if wall0 is None or dev0 is None:
                wall0, dev0 = now, reading.ts_us
            due = wall0 + (reading.ts_us - dev0) / 1e6 / speed
            while now < due:
                batches.flush_stale(now)
                pause = min(due, batches.next_due) - now
                pause = min(max(pause, 0.0), _MAX_SLEEP_S)
                if stop is not None:
                    if stop.wait(pause):
                        return
                else:
                    time.sleep(pause)
                now = time.monotonic()
        batches.flush_stale(now)
        batches.add(reading, now)
