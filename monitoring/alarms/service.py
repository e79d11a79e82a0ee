"""The alarm service: the engine, the log and the publisher working together.

The collector calls :meth:`AlarmService.on_stored` with each stored batch; a timer
thread checks silence once a second against each line's device clock
(:meth:`~monitoring.alarms.engine.AlarmEngine.line_clock_us`). Every event is written to
the log first, then the new state of its line is published (retained).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from monitoring.alarms.engine import AlarmEngine
from monitoring.alarms.log import AlarmLog
from monitoring.alarms.publish import AlarmPublisher
from monitoring.alarms.rules import AlarmEvent
from sensors.schema import Reading

log = logging.getLogger("upops.alarms")


class EventListener(Protocol):
    """Takes recorded events (the notifier, :class:`monitoring.notify.Notifier`)."""

    def notify(self, events: Sequence[AlarmEvent]) -> int: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class AlarmService:
    """Evaluate, record and publish alarms.

    Parameters
    ----------
    engine
        The rules; build it with the log's :meth:`~AlarmLog.active` alarms so a restart
        continues where the last run stopped.
    alarm_log
        Where events are recorded, or None.
    publisher
        Where line states are published, or None.
    tick_s
        Interval of the silence check [s] (wall time).
    notifier
        Gets every event once it is in the log (e-mail, webhook), or None.
    """

    def __init__(
        self,
        engine: AlarmEngine,
        *,
        alarm_log: AlarmLog | None,
        publisher: AlarmPublisher | None,
        tick_s: float = 1.0,
        notifier: EventListener | None = None,
    ) -> None:
        self.engine = engine
        self.notifier = notifier
        self.alarm_log = alarm_log
        self.publisher = publisher
        self.tick_s = tick_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._emit_lock = threading.Lock()

    def start(self) -> None:
        """Connect the publisher, publish every line's current state, start the timer."""
        if self.notifier is not None:
            self.notifier.start()
        if self.publisher is not None:
            self.publisher.start()
            for info in self.engine.lines():
                newest = self.engine.newest_us(info.site, info.line)
                active = self.engine.active(info.site, info.line)
                ts_us = max([newest or 0, *(e.ts_us for e in active)])
                self.publisher.publish(info.site, info.line, active, None, ts_us)
        self._stop.clear()
        self._thread = threading.Thread(target=self._tick, name="alarm-silence", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        # Readings still held for device-time order are stored: judge them now.
        self.emit(self.engine.flush())
        if self.publisher is not None:
            self.publisher.stop()
        if self.notifier is not None:
            self.notifier.stop()
        if self.alarm_log is not None:
            self.alarm_log.close()

    def __enter__(self) -> AlarmService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def on_stored(self, readings: list[Reading]) -> None:
        """The collector's ``on_stored`` hook: evaluate a stored batch."""
        events = self.engine.feed(readings)
        # Silence needs the sensor's stream stopped at the broker too (wall time), so a
        # draining backlog, whose line clock runs ahead of queued sensors, raises none.
        for site, line in {(r.site, r.line) for r in readings}:
            newest = self.engine.newest_us(site, line)
            if newest is not None:
                events += self.engine.check_silence(newest, site=site, line=line)
        self.emit(events)

    def check_now(self) -> None:
        """Check silence on every line against its device clock (the timer does this)."""
        events: list[AlarmEvent] = []
        for info in self.engine.lines():
            now_us = self.engine.line_clock_us(info.site, info.line)
            if now_us is not None:
                events += self.engine.check_silence(now_us, site=info.site, line=info.line)
        self.emit(events)

    def emit(self, events: Sequence[AlarmEvent]) -> None:
        """Record ``events`` and publish the new state of each line they concern."""
        if not events:
            return
        with self._emit_lock:
            for event in events:
                log.warning(
                    "alarm %s: %s/%s %s", event.event, event.site, event.line, event.message
                )
            if self.alarm_log is not None:
                self.alarm_log.add_many(events)
            if self.notifier is not None:
                # Queued durably before anything else: sent once the channel answers.
                self.notifier.notify(events)
            if self.publisher is not None:
                last: dict[tuple[str, str], AlarmEvent] = {}
                for event in events:
                    last[(event.site, event.line)] = event
                for (site, line), event in last.items():
                    active = self.engine.active(site, line)
                    self.publisher.publish(site, line, active, event, event.ts_us)

    def _tick(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                self.check_now()
            except Exception:  # the timer must survive a bad moment (e.g. a locked log)
                log.exception("alarm silence check failed; retrying in %s s", self.tick_s)
