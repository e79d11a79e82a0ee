"""The writer: decoded readings into the store, with retries, the spool and its replay.

:meth:`Writer.write` returns only once a batch is safe (stored, or spooled on disk) or
set aside for the quarantine (the store refuses it for good): the collector
acknowledges the batch's messages after that, never before.

While the store is unavailable (:class:`~monitoring.errors.StoreUnavailable`) a batch
goes to the :class:`~monitoring.spool.Spool` if there is one; while the spool holds
readings, new batches queue behind them in it, and :meth:`Writer.replay` writes them to
the store oldest first once it answers again. Without a spool, or with a full one, the
writer retries until the store takes the batch or the collector stops. Retries and
replays wait with capped exponential backoff and jitter (:class:`sensors.backoff.Backoff`),
which keeps several collectors from retrying in lockstep.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from monitoring.collector.decode import Message
from monitoring.collector.stats import Counters
from monitoring.errors import StoreError, StoreUnavailable
from monitoring.quarantine import Entry, Quarantine
from monitoring.spool import Spool
from monitoring.stores.base import Store
from sensors.backoff import Backoff
from sensors.schema import Reading, encode_payload

__all__ = ["RETRY_BASE_S", "RETRY_JITTER", "Stopping", "Writer"]

log = logging.getLogger("upops.collector")

#: First wait after a failed write or replay [s]; it doubles per failure up to the cap.
RETRY_BASE_S = 0.5
#: Relative spread of each wait [-].
RETRY_JITTER = 0.2


class Stopping(Exception):
    """The collector stops while a batch waits for the store: the batch is not acked."""


class Writer:
    """Gets batches of readings into the store exactly once, in the order they arrived.

    Parameters
    ----------
    store
        Where readings go.
    quarantine
        Where spooled readings the store refuses for good go.
    counters
        The collector's counters (stored, retries, spooled, replayed, quarantined).
    stop
        Set when the collector stops; a wait for the store then ends with :class:`Stopping`.
    prefix
        Topic prefix, for the topics of quarantined spooled readings.
    batch_max_readings
        Most readings replayed in one store write [readings].
    retry_max_s
        Cap of the backoff between store retries [s].
    spool
        Where batches wait while the store is unavailable; ``None`` keeps them at the
        broker (nothing acknowledged until stored).
    on_stored
        Called with each batch once stored (also replayed ones); its exceptions are
        logged, never propagated.
    """

    def __init__(
        self,
        *,
        store: Store,
        quarantine: Quarantine,
        counters: Counters,
        stop: threading.Event,
        prefix: str,
        batch_max_readings: int,
        retry_max_s: float,
        spool: Spool | None = None,
        on_stored: Callable[[list[Reading]], None] | None = None,
    ) -> None:
        self.store = store
        self.quarantine = quarantine
        self.spool = spool
        self.prefix = prefix
        self.batch_max_readings = batch_max_readings
        self._counters = counters
        self._stop = stop
        self._on_stored = on_stored
        self._write_backoff = Backoff(base_s=RETRY_BASE_S, cap_s=retry_max_s, jitter=RETRY_JITTER)
        self._replay_backoff = Backoff(base_s=RETRY_BASE_S, cap_s=retry_max_s, jitter=RETRY_JITTER)
        # Monotonic time of the next replay attempt.
        self._replay_due = 0.0
        #: Whether the last :meth:`write` put its readings in the store itself (not in
        #: the spool): only then may their messages be confirmed to the devices.
        self.last_in_store = False

    def write(self, readings: list[Reading], messages: Sequence[Message]) -> list[Entry]:
        """Store ``readings`` (decoded from ``messages``), spool them, or wait and retry.

        Returns quarantine entries for ``messages`` when the store refuses the batch for
        good (HTTP 400), else an empty list.

        Raises
        ------
        Stopping
            If the collector stops while the batch is neither stored nor spooled.
        """
        self._write_backoff.succeeded()  # each batch starts with the shortest wait
        self.last_in_store = False
        while True:
            spool = self.spool
            if spool is not None and spool.pending_readings:
                # Older readings wait in the spool: these go behind them, so the store
                # receives readings in the order they arrived.
                self.replay()
                if spool.pending_readings:
                    if self._put_in_spool(readings):
                        return []
                    self._wait("store unavailable and spool full (the broker keeps the rest)")
                    continue
            try:
                self.store.write(readings)
            except StoreUnavailable as exc:
                if spool is not None and self._put_in_spool(readings):
                    log.warning("store unavailable, readings spooled to %s: %s", spool.path, exc)
                    self._replay_due = time.monotonic() + self._replay_backoff.base_s
                    return []
                problem = f"store unavailable: {exc}"
            except StoreError as exc:
                if exc.status == 400:
                    # The store rejects this data; retrying cannot help, so keep it aside.
                    self.last_in_store = True  # in the quarantine: confirmed as handled
                    return [
                        Entry(m.topic, m.payload, "store_rejected", str(exc), m.received_us)
                        for m in messages
                    ]
                problem = f"store error (fix and it resumes): {exc}"
            else:
                with self._counters.lock:
                    self._counters.values.readings_stored += len(readings)
                    self._counters.values.batches_written += 1
                self.last_in_store = True
                return []
            self._wait(problem)

    def replay(self) -> None:
        """Write spooled readings to the store, oldest first, when a retry is due.

        Works for at most about a second, then returns so that new messages move too.
        """
        spool = self.spool
        if spool is None or not spool.pending_readings or time.monotonic() < self._replay_due:
            return
        deadline = time.monotonic() + 1.0
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
                with self._counters.lock:
                    self._counters.values.write_retries += 1
                pause = self._replay_backoff.failed()
                self._replay_due = time.monotonic() + pause
                log.warning("replay of the spool failed (%s); next try in %.1f s", exc, pause)
                return
            spool.remove(chunk)
            self._replay_backoff.succeeded()
            with self._counters.lock:
                values = self._counters.values
                values.replayed += len(chunk.readings)
                values.readings_stored += len(chunk.readings)
                values.batches_written += 1
            if not spool.pending_readings:
                log.info("spool replayed; the store is up to date")
            self.notify(chunk.readings)

    def notify(self, readings: list[Reading]) -> None:
        """Hand stored ``readings`` to the ``on_stored`` listener, if any."""
        if self._on_stored is None:
            return
        try:
            self._on_stored(readings)
        except Exception:  # a listener's bug must not stop collection
            log.exception("on_stored listener failed; collection goes on")

    def _wait(self, problem: str) -> None:
        """Count a retry and wait the backoff; raise :class:`Stopping` if stopped meanwhile."""
        with self._counters.lock:
            self._counters.values.write_retries += 1
        wait_s = self._write_backoff.failed()
        log.warning("%s; retrying in %.1f s", problem, wait_s)
        if self._stop.wait(wait_s):
            raise Stopping

    def _put_in_spool(self, readings: list[Reading]) -> bool:
        if self.spool is None or not self.spool.put(readings):
            return False
        with self._counters.lock:
            self._counters.values.spooled += len(readings)
        return True

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
        self._counters.quarantined(entries)
