"""The notifier: alarm events in, e-mails and webhook calls out, at most a handful each.

One notification per raise and per clear (the engine's events are already one per
change, not per reading), queued durably (:class:`~monitoring.notify.queue.NotifyQueue`)
for every channel, then sent by a thread of its own with capped exponential backoff
(:class:`sensors.backoff.Backoff`) while a channel fails. Two limits keep an incident to
a handful of messages:

* **per line**: at most ``max_per_line`` raises notified per ``window_s`` on a line;
* **flapping**: at most ``reraise_max`` raises of one alarm (line, sensor, rule) per
  ``window_s``.

A raise over a limit is not sent, and neither is its clear; the next message of the
line says how many were held back. The clear of a raise that was sent is always sent,
so nobody is left with an alarm that ended long ago. Every event is in the alarm log
regardless.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from monitoring.alarms.rules import AlarmEvent
from monitoring.notify.message import compose, webhook_body
from monitoring.notify.queue import NotifyQueue
from monitoring.notify.senders import NotifyError, Sender
from sensors.backoff import Backoff

__all__ = ["Notifier"]

log = logging.getLogger("upops.notify")


class Notifier:
    """Queue notifications of alarm events and deliver them on every channel.

    Parameters
    ----------
    queue
        The durable queue.
    senders
        Channel name (``email``, ``webhook``) to its sender.
    line_names
        (site, line) to the line's name for people, in English and in Vietnamese.
    max_per_line, reraise_max, window_s
        The limits above [-, -, s].
    retry_base_s, retry_cap_s
        First and longest wait between tries of a failing channel [s].
    poll_s
        Longest sleep of the sending thread [s].
    """

    def __init__(
        self,
        queue: NotifyQueue,
        senders: Mapping[str, Sender],
        *,
        line_names: Mapping[tuple[str, str], tuple[str, str]],
        max_per_line: int = 10,
        reraise_max: int = 3,
        window_s: float = 3600.0,
        retry_base_s: float = 5.0,
        retry_cap_s: float = 300.0,
        poll_s: float = 1.0,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.queue = queue
        self.senders = dict(senders)
        self.line_names = dict(line_names)
        self.max_per_line = max_per_line
        self.reraise_max = reraise_max
        self.window_s = window_s
        self.poll_s = poll_s
        self._wall = wall_clock
        self._backoff = {
            name: Backoff(base_s=retry_base_s, cap_s=max(retry_cap_s, retry_base_s))
            for name in self.senders
        }
        self._blocked_until = dict.fromkeys(self.senders, 0.0)
        self._line_raises: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._alarm_raises: dict[tuple[str, str, str, str], deque[float]] = defaultdict(deque)
        self._held_back: dict[tuple[str, str], int] = defaultdict(int)
        self._sent_raise: set[tuple[str, str, str, str]] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Notifications delivered and tries failed, per channel.
        self.delivered: dict[str, int] = dict.fromkeys(self.senders, 0)
        self.failures: dict[str, int] = dict.fromkeys(self.senders, 0)

    # -- queueing ----------------------------------------------------------------------

    def notify(self, events: Iterable[AlarmEvent]) -> int:
        """Queue the notifications of ``events`` within the limits; how many events passed."""
        passed = 0
        with self._lock:
            now = self._wall()
            for event in events:
                if not self._admit(event, now):
                    continue
                passed += 1
                self._enqueue(event, now)
        if passed:
            self._wake.set()
        return passed

    def _admit(self, event: AlarmEvent, now: float) -> bool:
        line = (event.site, event.line)
        if event.event == "cleared":
            if event.key in self._sent_raise:
                self._sent_raise.discard(event.key)
                return True
            return False
        for times in (self._line_raises[line], self._alarm_raises[event.key]):
            while times and times[0] <= now - self.window_s:
                times.popleft()
        if len(self._alarm_raises[event.key]) >= self.reraise_max:
            log.warning("not notified (flapping, %d raises): %s", self.reraise_max, event.message)
            self._held_back[line] += 1
            return False
        if len(self._line_raises[line]) >= self.max_per_line:
            log.warning("not notified (line limit %d): %s", self.max_per_line, event.message)
            self._held_back[line] += 1
            return False
        self._line_raises[line].append(now)
        self._alarm_raises[event.key].append(now)
        self._sent_raise.add(event.key)
        return True

    def _enqueue(self, event: AlarmEvent, now: float) -> None:
        line = (event.site, event.line)
        name, name_vi = self.line_names.get(line, (f"{event.site}/{event.line}", ""))
        message = compose(event, name, name_vi)
        text = message.text
        held = self._held_back.pop(line, 0)
        if held:
            text += (
                f"\n\n({held} cảnh báo khác của dây chuyền này chưa được gửi / "
                f"{held} more alarms of this line were not sent: see `pilot alarms list`)"
            )
        body = webhook_body(event, name, name_vi) | {"held_back": held, "text": text}
        payloads: dict[str, dict[str, Any]] = {
            "email": {"subject": message.subject, "text": text},
            "webhook": {"body": body},
        }
        for channel in self.senders:
            self.queue.put(channel, payloads[channel], now_s=now)

    # -- sending -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the sending thread (it first sends what an earlier run left queued)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="notify", daemon=True)
        self._thread.start()

    def stop(self, *, timeout_s: float = 10.0) -> None:
        """Stop the sending thread; what is not delivered stays queued for the next run."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def send_due(self) -> int:
        """Try every due notification once per channel not backing off; how many went."""
        sent = 0
        for channel, sender in self.senders.items():
            now = self._wall()
            if now < self._blocked_until[channel]:
                continue
            for item in self.queue.due(channel, now_s=now):
                try:
                    sender.send(item.payload)
                except NotifyError as exc:
                    self.failures[channel] += 1
                    wait = self._backoff[channel].failed()
                    self._blocked_until[channel] = now + wait
                    self.queue.retry(item, next_try_s=now + wait, error=str(exc))
                    log.warning("%s; retrying in %.1f s", exc, wait)
                    break
                self._backoff[channel].succeeded()
                self.queue.done(item)
                self.delivered[channel] += 1
                sent += 1
        return sent

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.send_due()
            except Exception:  # the sender must survive a bad moment (e.g. a locked file)
                log.exception("notification sending failed; retrying")
            now = self._wall()
            waits = [t - now for t in self._blocked_until.values() if t > now]
            self._wake.wait(min([self.poll_s, *waits]))
            self._wake.clear()
