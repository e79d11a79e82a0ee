"""The collector: batches decoded messages, has them written, then acknowledges them.

Its worker thread drains the session's queue into a batch, decodes every message
(:mod:`~monitoring.collector.decode`), has the valid readings written
(:mod:`~monitoring.collector.writer`), writes rejected input to the quarantine with its
reason, and only then acknowledges the batch's messages
(:mod:`~monitoring.collector.session`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from monitoring.collector.confirm import Confirmer
from monitoring.collector.decode import Decoder, Message
from monitoring.collector.session import Session
from monitoring.collector.stats import CollectorStats, Counters
from monitoring.collector.writer import Stopping, Writer
from monitoring.errors import MonitoringError
from monitoring.quarantine import Entry, Quarantine
from monitoring.spool import Spool
from monitoring.stores.base import Store
from sensors.catalog import Catalog
from sensors.mqtt import BrokerSettings
from sensors.schema import MAX_PAYLOAD_BYTES, Reading

__all__ = ["Collector"]

log = logging.getLogger("upops.collector")


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
    clock
        Wall time [s since the epoch] against which the catalogue judges readings from
        the future.
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
    confirm
        Publish, after each stored batch, which messages are stored on
        ``<prefix>/<site>/<line>/_confirm/<sensor>`` (:mod:`~monitoring.collector.confirm`),
        so that devices forget a message only once the store has it.
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
        confirm: bool = True,
    ) -> None:
        self._stop = threading.Event()
        self._session = Session(
            broker=broker, prefix=prefix, share_group=share_group, stopping=self._stop
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
        self.spool = spool
        self._clock = clock
        self._counters = Counters()
        self._decoder = Decoder(prefix=prefix, catalog=catalog, max_payload_bytes=max_payload_bytes)
        self._writer = Writer(
            store=store,
            quarantine=quarantine,
            counters=self._counters,
            stop=self._stop,
            prefix=prefix,
            batch_max_readings=batch_max_readings,
            retry_max_s=retry_max_s,
            spool=spool,
            on_stored=on_stored,
        )
        self._confirmer = (
            Confirmer(prefix=prefix, publish=self._session.publish) if confirm else None
        )
        self._worker: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self, *, connect_timeout_s: float = 30.0) -> None:
        """Connect, subscribe and start the worker; returns once connected.

        Raises
        ------
        MonitoringError
            If the broker refused or could not be reached within ``connect_timeout_s``.
        """
        self._worker = threading.Thread(target=self._work, name="collector-worker", daemon=True)
        self._worker.start()
        self._session.open()
        try:
            self._session.wait_connected(connect_timeout_s)
        except MonitoringError:
            self.stop()
            raise

    def stop(self, *, timeout_s: float = 30.0) -> None:
        """Finish the batch in hand, acknowledge what was stored, then disconnect.

        Messages still queued and not stored are not acknowledged: the broker redelivers
        them to the next collector with the same client id.
        """
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout_s)
        self._session.close()

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
        """The subscription: ``<prefix>/+/+/+``, or ``$share/<group>/<prefix>/+/+/+``."""
        return self._session.topic_filter

    def stats(self) -> CollectorStats:
        """A copy of the counters."""
        copy = self._counters.snapshot()
        copy.queue_depth = self._session.messages.qsize()
        copy.spool_pending = self.spool.pending_readings if self.spool is not None else 0
        copy.connected = self._session.connected.is_set()
        return copy

    def format_stats(self) -> str:
        """The counters as one log line."""
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

    # -- worker ------------------------------------------------------------------------

    def _work(self) -> None:
        messages = self._session.messages
        while not self._stop.is_set():
            self._writer.replay()
            try:
                first = messages.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                self._process(*self._gather(first))
            except Stopping:
                return
            except Exception:  # the worker must not die silently: log, then re-raise
                log.exception("collector worker failed on a batch starting at %s", first.topic)
                raise

    def _gather(self, first: Message) -> tuple[list[Message], list[Reading], list[Entry]]:
        """Decode ``first`` and the messages queued behind it into one batch."""
        # Messages that arrived while the last batch was being written form the next
        # batch: large batches under load, no added latency when idle.
        messages = self._session.messages
        decode = self._decoder.decode
        batch: list[Message] = []
        readings: list[Reading] = []
        rejected: list[Entry] = []
        deadline = time.monotonic() + self.batch_max_wait_s
        msg = first
        while True:
            good, bad = decode(
                msg.topic, msg.payload, received_us=msg.received_us, now_us=int(self._clock() * 1e6)
            )
            batch.append(msg)
            readings.extend(good)
            rejected.extend(bad)
            if len(readings) >= self.batch_max_readings:
                break
            try:
                msg = messages.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    msg = messages.get(timeout=remaining)
                except queue.Empty:
                    break
        return batch, readings, rejected

    def _process(
        self, batch: list[Message], readings: list[Reading], rejected: list[Entry]
    ) -> None:
        counters = self._counters
        with counters.lock:
            counters.values.received += len(batch)
        in_store = True
        if readings:
            rejected.extend(self._writer.write(readings, batch))
            in_store = self._writer.last_in_store
        if rejected:
            self.quarantine.add_many(rejected)
            counters.quarantined(rejected)
            for entry in rejected[:3]:
                log.warning("quarantined %s: %s: %s", entry.topic, entry.reason, entry.detail)
        self._session.ack(batch)
        with counters.lock:
            counters.values.acked += len(batch)
        if in_store and self._confirmer is not None:
            self._confirmer.confirm(batch)
        if readings:
            self._writer.notify(readings)
            newest = max(batch, key=lambda m: m.received_us)
            with counters.lock:
                counters.values.lag_s = time.time() - newest.received_us / 1e6
                counters.values.device_lag_s = (
                    newest.received_us - max(r.ts_us for r in readings)
                ) / 1e6
