"""Collector: MQTT subscriber that stores readings and acknowledges only what is stored.

How a message travels:

1. paho's network thread calls ``on_message``, which only puts the message on a queue
   (a slow callback would delay keepalive pings and get the client disconnected).
2. The worker thread drains the queue into a batch, decodes and validates every message
   (topic, payload schema, catalogue), and writes the valid readings to the store in
   one synchronous call, retrying with capped exponential backoff and jitter while the
   store is unavailable.
3. Rejected messages and readings are written to the quarantine with their reason.
4. Only then are the batch's messages acknowledged to the broker (paho-mqtt 2
   ``manual_ack``), in the order they arrived.

The session is persistent (``clean_session=False`` with a stable client id) and the
subscription is QoS 1, so the broker keeps messages while the collector is away and
redelivers those it never acknowledged; the store's idempotent key makes a redelivered
reading harmless.

With a :class:`~monitoring.spool.Spool`, a batch the store cannot take now
(:class:`~monitoring.errors.StoreUnavailable`) is written to the spool on disk and then
acknowledged; while the spool holds readings, new batches queue behind them in it, and
the worker replays the spool oldest first (backoff with jitter between attempts) once
the store answers again. Memory stays flat during a long outage. When the spool is full
the worker falls back to waiting without acknowledging, so the broker keeps the rest.
"""

from __future__ import annotations

import logging
import queue
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import paho.mqtt.client as mqtt

from monitoring.errors import MonitoringError, StoreError, StoreUnavailable
from monitoring.quarantine import Entry, Quarantine
from monitoring.spool import Spool
from monitoring.stores.base import Store
from sensors.catalog import Catalog
from sensors.errors import SensorsError
from sensors.mqtt import BrokerSettings, make_client
from sensors.schema import MAX_PAYLOAD_BYTES, Reading, decode_payload, encode_payload
from sensors.topics import RESERVED_SENSOR_IDS, TopicParts, parse_topic, subscription

log = logging.getLogger("upops.collector")
# A shared-subscription group name is one topic level; MQTT 5 forbids '/', '+' and '#'.
_SHARE_GROUP = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# Distinct topics remembered as parsed: far more than the sensors of many villages.
_TOPIC_CACHE_MAX = 100_000


@dataclass
class CollectorStats:
    """Counters since the collector started.

    ``lag_s`` is the time from receiving the newest stored message to its
    acknowledgement [s]; ``device_lag_s`` the receive time minus the device time of the
    newest stored reading [s] (large for replayed or accelerated data).
    """

    received: int = 0
    readings_stored: int = 0
    batches_written: int = 0
    quarantined: int = 0
    write_retries: int = 0
    acked: int = 0
    spooled: int = 0
    replayed: int = 0
    spool_pending: int = 0
    queue_depth: int = 0
    lag_s: float = 0.0
    device_lag_s: float = 0.0
    connected: bool = False
    quarantine_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class _Message(NamedTuple):
    """One received message; a tuple, because it is made for every message on paho's
    network thread and a frozen dataclass took several times longer to build."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    received_us: int


class Collector:
    """Subscribe to ``<prefix>/+/+/+`` and store every valid reading exactly once.

    Parameters
    ----------
    broker
        Connection settings; ``client_id`` must be stable across restarts so the broker
        keeps the persistent session.
    prefix
        Topic prefix.
    catalog
        Configured sensors; readings of other sensors are quarantined.
    store
        Where readings go.
    quarantine
        Where rejected input goes.
    batch_max_readings
        A batch is written once it holds this many valid readings [readings].
    batch_max_wait_s
        How long a partial batch waits for more messages once the queue is empty [s].
        0 writes at once. Keep it small: the broker sends only a few unacknowledged
        messages at a time (Mosquitto's ``max_inflight_messages``, 20 by default), and
        the collector acknowledges only after writing, so a long wait just adds latency.
    max_payload_bytes
        Larger payloads are quarantined unread [bytes].
    stats_interval_s
        Period of the counters log line [s]; 0 disables it.
    retry_max_s
        Cap of the backoff between store retries [s].
    on_stored
        Called in the worker thread with each batch of readings once it is stored
        (e.g. to evaluate alarms). An exception it raises is logged, never propagated:
        a listener must not stop collection.
    spool
        Where batches wait while the store is unavailable; ``None`` keeps them at the
        broker instead (nothing acknowledged until stored). Spooled readings reach
        ``on_stored`` when they are replayed.
    share_group
        Name of an MQTT shared-subscription group: the collector subscribes to
        ``$share/<share_group>/<prefix>/+/+/+`` and the broker hands each message to
        one member of the group, so several collectors split one stream. Each member
        needs its own stable ``client_id`` (its persistent session holds the messages
        sent to it but not yet acknowledged). ``None``: a plain subscription.
    """

    def __init__(
        self,
        *,
        broker: BrokerSettings,
        prefix: str,
        catalog: Catalog,
        store: Store,
        quarantine: Quarantine,
        batch_max_readings: int = 5000,
        batch_max_wait_s: float = 0.0,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        stats_interval_s: float = 30.0,
        retry_max_s: float = 30.0,
        clock: Callable[[], float] = time.time,
        on_stored: Callable[[list[Reading]], None] | None = None,
        spool: Spool | None = None,
        share_group: str | None = None,
    ) -> None:
        if share_group is not None and not _SHARE_GROUP.match(share_group):
            raise ValueError(
                f"share group {share_group!r} must be 1-64 characters of letters, digits, "
                "'-', '_' or '.' (no '/', '+', '#')"
            )
        self.share_group = share_group
        self.broker = broker
        self.prefix = prefix
        self.catalog = catalog
        self.store = store
        self.quarantine = quarantine
        self.batch_max_readings = batch_max_readings
        self.batch_max_wait_s = batch_max_wait_s
        self.max_payload_bytes = max_payload_bytes
        self.stats_interval_s = stats_interval_s
        self.retry_max_s = retry_max_s
        self._clock = clock
        self._on_stored = on_stored
        self.spool = spool
        # Replay backoff: next attempt time (monotonic) and the delay after a failure.
        self._replay_due = 0.0
        self._replay_delay = 0.5
        # SimpleQueue is implemented in C: put and get take no Python-level locks, which
        # matters on paho's network thread at thousands of messages per second.
        self._queue: queue.SimpleQueue[_Message] = queue.SimpleQueue()
        # Parsed reading topics; only valid ones are kept, bounded by _TOPIC_CACHE_MAX.
        self._topics: dict[str, TopicParts] = {}
        self._stop = threading.Event()
        self._stats = CollectorStats()
        self._stats_lock = threading.Lock()
        self._connected = threading.Event()
        self._worker: threading.Thread | None = None
        self._client: mqtt.Client | None = None
        self._last_error: str | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self, *, connect_timeout_s: float = 30.0) -> None:
        """Connect, subscribe and start the worker; returns once connected.

        Raises
        ------
        MonitoringError
            If the broker refused or could not be reached within ``connect_timeout_s``.
        """
        client = make_client(self.broker, clean_session=False, manual_ack=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client
        self._worker = threading.Thread(target=self._work, name="collector-worker", daemon=True)
        self._worker.start()
        try:
            client.connect_async(self.broker.host, self.broker.port, self.broker.keepalive_s)
        except (OSError, ValueError) as exc:
            raise MonitoringError(
                f"cannot connect to the broker at {self.broker.host}:{self.broker.port}: {exc}"
            ) from exc
        client.loop_start()
        if not self._connected.wait(connect_timeout_s):
            self.stop()
            detail = f" ({self._last_error})" if self._last_error else ""
            raise MonitoringError(
                f"no connection to the broker at {self.broker.host}:{self.broker.port} within "
                f"{connect_timeout_s:g} s{detail}; check [broker] url, credentials and TLS"
            )

    def stop(self, *, timeout_s: float = 30.0) -> None:
        """Finish the batch in hand, acknowledge what was stored, then disconnect.

        Messages still queued and not stored are not acknowledged: the broker redelivers
        them to the next collector with the same client id.
        """
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout_s)
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()

    def run(self, stop: threading.Event) -> None:
        """Run until ``stop`` is set, logging counters every ``stats_interval_s``."""
        self.start()
        next_log = time.monotonic() + self.stats_interval_s
        try:
            while not stop.wait(0.2):
                if self._worker is not None and not self._worker.is_alive():
                    raise MonitoringError("the collector worker stopped unexpectedly; see the log")
                if self.stats_interval_s > 0 and time.monotonic() >= next_log:
                    log.info("collector %s", self.format_stats())
                    next_log = time.monotonic() + self.stats_interval_s
        finally:
            self.stop()
            log.info("collector stopped %s", self.format_stats())

    # -- observation -------------------------------------------------------------------

    @property
    def topic_filter(self) -> str:
        """The subscription: ``<prefix>/+/+/+``, or ``$share/<group>/<prefix>/+/+/+``.

        paho matches ``message_callback_add`` filters against the topic literally, so a
        ``$share/...`` filter never matches (paho issue #472); this collector uses the
        client-wide ``on_message``, which receives every message whatever the filter.
        """
        plain = subscription(self.prefix)
        return plain if self.share_group is None else f"$share/{self.share_group}/{plain}"

    def stats(self) -> CollectorStats:
        """A copy of the counters."""
        with self._stats_lock:
            copy = CollectorStats(**self._stats.as_dict())
        copy.queue_depth = self._queue.qsize()
        copy.spool_pending = self.spool.pending_readings if self.spool is not None else 0
        copy.connected = self._connected.is_set()
        copy.quarantine_reasons = dict(self._stats.quarantine_reasons)
        return copy

    def format_stats(self) -> str:
        s = self.stats()
        return (
            f"received={s.received} stored={s.readings_stored} quarantined={s.quarantined} "
            f"write_retries={s.write_retries} spooled={s.spooled} replayed={s.replayed} "
            f"spool={s.spool_pending} queue={s.queue_depth} lag_s={s.lag_s:.3f} "
            f"connected={s.connected}"
        )

    def wait_until(self, predicate: Callable[[CollectorStats], bool], timeout_s: float) -> bool:
        """Poll the counters until ``predicate`` holds or ``timeout_s`` passes [s]."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate(self.stats()):
                return True
            time.sleep(0.05)
        return predicate(self.stats())

    # -- paho callbacks (network thread: keep them short) ------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        if reason_code.is_failure:
            self._last_error = f"broker refused the connection: {reason_code}"
            log.error("%s; check [broker] username, password_env and TLS files", self._last_error)
            return
        # Subscribing on every connect renews the subscription even if the broker lost
        # the session (e.g. restarted without persistence).
        client.subscribe(self.topic_filter, qos=1)
        self._connected.set()
        log.info(
            "connected to %s:%s as %s (session present: %s), subscribed to %s",
            self.broker.host,
            self.broker.port,
            self.broker.client_id,
            flags.session_present,
            self.topic_filter,
        )

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        self._connected.clear()
        if not self._stop.is_set():
            log.warning("disconnected from the broker (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:  # type: ignore[no-untyped-def]
        self._queue.put(
            _Message(
                message.topic,
                bytes(message.payload),
                message.mid,
                message.qos,
                int(time.time() * 1e6),
            )
        )

    # -- worker ------------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stop.is_set():
            self._replay()
            try:
                first = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                self._process(self._gather(first))
            except _StoppingError:
                return
            except Exception:  # the worker must not die silently: log, then re-raise
                log.exception("collector worker failed on a batch starting at %s", first.topic)
                raise

    def _gather(self, first: _Message) -> tuple[list[_Message], list[Reading], list[Entry]]:
        """Decode ``first`` and the messages queued behind it into one batch."""
        # Messages that arrived while the last batch was being written form the next
        # batch: large batches under load, no added latency when idle.
        batch: list[_Message] = []
        readings: list[Reading] = []
        rejected: list[Entry] = []
        deadline = time.monotonic() + self.batch_max_wait_s
        msg = first
        while True:
            good, bad = self._decode(msg, int(self._clock() * 1e6))
            batch.append(msg)
            readings.extend(good)
            rejected.extend(bad)
            if len(readings) >= self.batch_max_readings:
                break
            try:
                msg = self._queue.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    msg = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
        return batch, readings, rejected

    def _process(self, gathered: tuple[list[_Message], list[Reading], list[Entry]]) -> None:
        batch, readings, rejected = gathered
        with self._stats_lock:
            self._stats.received += len(batch)
        if readings:
            rejected.extend(self._write(readings, batch))
        if rejected:
            self.quarantine.add_many(rejected)
            with self._stats_lock:
                self._stats.quarantined += len(rejected)
                for entry in rejected:
                    reasons = self._stats.quarantine_reasons
                    reasons[entry.reason] = reasons.get(entry.reason, 0) + 1
            for entry in rejected[:3]:
                log.warning("quarantined %s: %s: %s", entry.topic, entry.reason, entry.detail)
        self._ack(batch)
        if readings and self._on_stored is not None:
            try:
                self._on_stored(readings)
            except Exception:  # a listener's bug must not stop collection
                log.exception("on_stored listener failed; collection goes on")
        if readings:
            newest = max(batch, key=lambda m: m.received_us)
            with self._stats_lock:
                self._stats.lag_s = time.time() - newest.received_us / 1e6
                self._stats.device_lag_s = (
                    newest.received_us - max(r.ts_us for r in readings)
                ) / 1e6

    def _decode(self, msg: _Message, now_us: int) -> tuple[list[Reading], list[Entry]]:
        def reject(reason: str, detail: str, payload: bytes = msg.payload) -> Entry:
            return Entry(msg.topic, payload, reason, detail, msg.received_us)

        try:
            parts = self._topics.get(msg.topic)
            if parts is None:
                parts = parse_topic(msg.topic, prefix=self.prefix)
                if len(self._topics) >= _TOPIC_CACHE_MAX:
                    self._topics.clear()  # a flood of distinct topics must not grow it
                self._topics[msg.topic] = parts
            if parts.sensor in RESERVED_SENSOR_IDS:
                # The subscription also matches the retained alarm state (<line>/alarms):
                # not a reading, and not bad input either.
                return [], []
            readings = decode_payload(
                msg.payload,
                site=parts.site,
                line=parts.line,
                sensor=parts.sensor,
                max_bytes=self.max_payload_bytes,
            )
        except SensorsError as exc:
            return [], [reject(exc.reason, str(exc))]
        good: list[Reading] = []
        bad: list[Entry] = []
        for reading in readings:
            try:
                self.catalog.check(reading, now_us=now_us)
            except SensorsError as exc:
                # Keep the rejected reading alone, so the rest of its batch is stored.
                one = encode_payload([reading]) if len(readings) > 1 else msg.payload
                bad.append(reject(exc.reason, str(exc), one))
            else:
                good.append(reading)
        return good, bad

    def _write(self, readings: list[Reading], batch: list[_Message]) -> list[Entry]:
        delay = 0.5
        while True:
            spool = self.spool
            if spool is not None and spool.pending_readings:
                # Older readings wait in the spool: these go behind them, so the store
                # receives readings in the order they arrived.
                self._replay()
                if spool.pending_readings:
                    if self._spool(readings):
                        return []
                    problem = "store unavailable and spool full (the broker keeps the rest)"
                    with self._stats_lock:
                        self._stats.write_retries += 1
                    log.warning("%s; retrying in %.1f s", problem, delay)
                    if self._stop.wait(delay * random.uniform(0.8, 1.2)):
                        raise _StoppingError
                    delay = min(delay * 2, self.retry_max_s)
                    continue
            try:
                self.store.write(readings)
            except StoreUnavailable as exc:
                if spool is not None and self._spool(readings):
                    log.warning("store unavailable, readings spooled to %s: %s", spool.path, exc)
                    self._replay_due = time.monotonic() + self._replay_delay
                    return []
                problem = f"store unavailable: {exc}"
            except StoreError as exc:
                if exc.status == 400:
                    # The store rejects this data; retrying cannot help, so keep it aside.
                    return [
                        Entry(m.topic, m.payload, "store_rejected", str(exc), m.received_us)
                        for m in batch
                    ]
                problem = f"store error (fix and it resumes): {exc}"
            else:
                with self._stats_lock:
                    self._stats.readings_stored += len(readings)
                    self._stats.batches_written += 1
                return []
            with self._stats_lock:
                self._stats.write_retries += 1
            log.warning("%s; retrying in %.1f s", problem, delay)
            # Jitter keeps several collectors from retrying in lockstep.
            if self._stop.wait(delay * random.uniform(0.8, 1.2)):
                raise _StoppingError
            delay = min(delay * 2, self.retry_max_s)

    def _spool(self, readings: list[Reading]) -> bool:
        assert self.spool is not None
        if not self.spool.put(readings):
            return False
        with self._stats_lock:
            self._stats.spooled += len(readings)
        return True

    def _replay(self) -> None:
        """Write spooled readings to the store, oldest first, when a retry is due."""
        spool = self.spool
        if spool is None or not spool.pending_readings or time.monotonic() < self._replay_due:
            return
        deadline = time.monotonic() + 1.0  # then let the queue move too
        while spool.pending_readings and time.monotonic() < deadline:
            chunk = spool.oldest(self.batch_max_readings)
            try:
                self.store.write(chunk.readings)
            except StoreError as exc:
                if exc.status == 400 and not isinstance(exc, StoreUnavailable):
                    # Retrying cannot help: keep the readings aside, one entry per sensor.
                    self._reject_spooled(chunk.readings, str(exc))
                    spool.remove(chunk)
                    continue
                with self._stats_lock:
                    self._stats.write_retries += 1
                # Jitter keeps several collectors from retrying in lockstep.
                pause = self._replay_delay * random.uniform(0.8, 1.2)
                self._replay_due = time.monotonic() + pause
                self._replay_delay = min(self._replay_delay * 2, self.retry_max_s)
                log.warning("replay of the spool failed (%s); next try in %.1f s", exc, pause)
                return
            spool.remove(chunk)
            self._replay_delay = 0.5
            with self._stats_lock:
                self._stats.replayed += len(chunk.readings)
                self._stats.readings_stored += len(chunk.readings)
                self._stats.batches_written += 1
            if not spool.pending_readings:
                log.info("spool replayed; the store is up to date")
            if self._on_stored is not None:
                try:
                    self._on_stored(chunk.readings)
                except Exception:  # a listener's bug must not stop collection
                    log.exception("on_stored listener failed; collection goes on")

    def _reject_spooled(self, readings: list[Reading], detail: str) -> None:
        by_sensor: dict[tuple[str, str, str, str], list[Reading]] = {}
        for r in readings:
            by_sensor.setdefault((r.site, r.line, r.sensor, r.unit), []).append(r)
        now_us = int(time.time() * 1e6)
        entries = [
            Entry(
                f"{self.prefix}/{site}/{line}/{sensor}",
                encode_payload(group),
                "store_rejected",
                detail,
                now_us,
            )
            for (site, line, sensor, _), group in by_sensor.items()
        ]
        self.quarantine.add_many(entries)
        with self._stats_lock:
            self._stats.quarantined += len(entries)
            reasons = self._stats.quarantine_reasons
            reasons["store_rejected"] = reasons.get("store_rejected", 0) + len(entries)

    def _ack(self, batch: list[_Message]) -> None:
        client = self._client
        if client is None:
            return
        for msg in batch:
            if msg.qos > 0:
                client.ack(msg.mid, msg.qos)
        with self._stats_lock:
            self._stats.acked += len(batch)


class _StoppingError(Exception):
    """Raised inside the worker to abandon an unstored batch on stop (it is not acked)."""
