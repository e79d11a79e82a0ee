"""The device agent: every bus poller feeding one publisher through the on-disk outbox.

Pollers (one thread per bus, :mod:`sensors.modbus.poller`) put decoded readings on a
queue; the agent's publishing thread hands them to :func:`sensors.publisher.publish`
with an :class:`~sensors.outbox.Outbox`, which groups consecutive readings of a sensor
into messages of up to ``batch_size`` readings (a partial batch leaves after at most
:data:`sensors.batching.MAX_BATCH_AGE_S`), writes each message to disk before sending
it and forgets it only on the broker's PUBACK. A broker outage therefore loses nothing:
the readings wait in the outbox and leave in order, timestamps unchanged, when it
returns. While waiting for readings the publishing thread also watches the wall clock
(:class:`~sensors.modbus.clock.ClockWatch`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from sensors.confirming import RESEND_BASE_S
from sensors.errors import PublishError
from sensors.modbus.clock import ClockWatch
from sensors.modbus.devices import Device
from sensors.modbus.poller import BusPoller
from sensors.mqtt import BrokerSettings
from sensors.outbox import Outbox
from sensors.publisher import PublishStats, publish
from sensors.schema import Reading

__all__ = ["Agent"]

log = logging.getLogger("upops.agent")

# How long the publishing thread waits for a reading before it flushes stale batches,
# pumps the outbox and looks at the clock [s].
_TICK_S = 0.1
# Interval between two looks at the wall clock [s].
_CLOCK_CHECK_S = 1.0
# How often :meth:`Agent.run` checks that the publisher is alive [s].
_WATCH_S = 1.0


class Agent:
    """Polls ``devices`` and publishes their readings until stopped.

    Parameters
    ----------
    devices
        Configured devices; those on one serial port share a poller thread, every TCP
        device has its own.
    settings
        Broker and client id of the gateway.
    prefix
        Topic prefix.
    outbox
        The gateway's on-disk outbox; the agent does not close it.
    batch_size
        Readings per message, at most [-].
    backoff_base_s, backoff_cap_s, backoff_jitter
        Retry backoff of a failing device [s], [s], [-].
    clock_tolerance_s
        Wall-clock jump that is logged as a warning [s].
    on_reading
        Called with each reading as it is polled (before publishing), e.g. by tests.
    confirm
        Keep each message in the outbox until the collector confirms it stored (see
        :mod:`sensors.confirming`), not merely until the broker's PUBACK.
    confirm_resend_s
        First wait for a confirmation before a message is sent again [s].
    """

    def __init__(
        self,
        devices: Sequence[Device],
        *,
        settings: BrokerSettings,
        prefix: str,
        outbox: Outbox,
        batch_size: int = 10,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 30.0,
        backoff_jitter: float = 0.2,
        clock_tolerance_s: float = 2.0,
        on_reading: Callable[[Reading], None] | None = None,
        confirm: bool = False,
        confirm_resend_s: float = RESEND_BASE_S,
    ) -> None:
        if not devices:
            raise ValueError("the agent needs at least one device; add [[agent.devices]]")
        self.settings = settings
        self.prefix = prefix
        self.outbox = outbox
        self.batch_size = batch_size
        self.confirm = confirm
        self.confirm_resend_s = confirm_resend_s
        self.on_reading = on_reading
        self.clock = ClockWatch(tolerance_s=clock_tolerance_s)
        self._queue: queue.Queue[Reading] = queue.Queue()
        buses: dict[str, list[Device]] = {}
        for device in devices:
            buses.setdefault(device.bus, []).append(device)
        self.pollers = [
            BusPoller(
                group,
                self._put,
                backoff_base_s=backoff_base_s,
                backoff_cap_s=backoff_cap_s,
                backoff_jitter=backoff_jitter,
            )
            for group in buses.values()
        ]
        self._stop = threading.Event()
        self._publisher: threading.Thread | None = None
        self.stats: PublishStats | None = None
        self.error: BaseException | None = None

    def _put(self, reading: Reading) -> None:
        if self.on_reading is not None:
            self.on_reading(reading)
        self._queue.put(reading)

    def faults(self) -> dict[str, dict[str, object]]:
        """Fault counters of every device, by device name."""
        return {
            name: counters.as_dict()
            for poller in self.pollers
            for name, counters in poller.faults.items()
        }

    def _stream(self) -> Iterator[Reading | None]:
        """Readings as they arrive; ``None`` while there are none (the publisher's tick).

        Ends once stopped and every polled reading has been handed on.
        """
        next_clock_check = time.monotonic() + _CLOCK_CHECK_S
        while True:
            now = time.monotonic()
            # On a clock, not only when idle: a busy gateway is never idle for long.
            if now >= next_clock_check:
                self.clock.check()
                next_clock_check = now + _CLOCK_CHECK_S
            try:
                reading = self._queue.get(timeout=_TICK_S)
            except queue.Empty:
                if self._stop.is_set():
                    return
                yield None
                continue
            yield reading

    def _publish(self) -> None:
        try:
            self.stats = publish(
                self._stream(),
                settings=self.settings,
                prefix=self.prefix,
                batch_size=self.batch_size,
                outbox=self.outbox,
                confirm=self.confirm,
                resend_base_s=self.confirm_resend_s,
                # Polled readings are safe only on disk: never hold them in memory
                # waiting for the collector.
                wait_for_confirmations=False,
            )
        except PublishError as exc:
            # Whatever was not acknowledged stays in the outbox for the next start.
            self.error = exc
            log.error("publishing stopped: %s", exc)
        except BaseException as exc:  # the thread must report, not vanish
            self.error = exc
            log.exception("publishing failed")

    def start(self) -> None:
        """Start the publisher and every poller."""
        self._publisher = threading.Thread(target=self._publish, name="agent publisher")
        self._publisher.start()
        for poller in self.pollers:
            poller.start()
        log.info(
            "agent polling %d device(s) on %d bus(es), publishing under %s/",
            sum(len(p.faults) for p in self.pollers),
            len(self.pollers),
            self.prefix,
        )

    def stop(self, timeout_s: float = 70.0) -> None:
        """Stop polling, then publish what was polled (it stays in the outbox if the
        broker does not acknowledge it)."""
        for poller in self.pollers:
            poller.stop()
        self._stop.set()
        if self._publisher is not None:
            self._publisher.join(timeout_s)

    def run(self, stop: threading.Event, *, stats_interval_s: float = 60.0) -> None:
        """Run until ``stop`` is set, logging the fault counters every ``stats_interval_s``."""
        self.start()
        next_stats = time.monotonic() + stats_interval_s
        try:
            while not stop.wait(_WATCH_S):
                if self._publisher is not None and not self._publisher.is_alive():
                    break  # publishing failed (e.g. credentials refused): stop polling too
                if time.monotonic() >= next_stats:
                    next_stats += stats_interval_s
                    log.info("device faults: %s", self.faults())
        finally:
            self.stop()
        if self.error is not None:
            raise self.error
