"""The dashboard's running state: the store poller and the live stream's wake-ups.

:class:`Dashboard` owns the store, the in-memory lines, the alarm log and the report
maker of one ``pilot serve``; :meth:`Dashboard.run_poller` reads the store every
``[serve] poll_s`` and wakes every open live stream (:meth:`Dashboard.wait`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio.to_thread

from monitoring.alarms import AlarmLog
from monitoring.stores.base import Store
from pilot.config import Config
from pilot.serve.feed import Feed
from pilot.serve.live import LiveLines
from pilot.serve.reports import ReportMaker
from pilot.wiring import line_state_tracker

__all__ = ["Dashboard"]

log = logging.getLogger(__name__)
_US = 1_000_000
#: Alarm events listed as recent: this far back from the newest reading [d], at most
#: :data:`_RECENT_MAX` of them.
_RECENT_DAYS = 7
_RECENT_MAX = 100


class Dashboard:
    """One running dashboard over ``config``'s store (opened by the caller)."""

    def __init__(self, config: Config, store: Store, *, config_bytes: bytes = b"") -> None:
        self.config = config
        settings = config.serve
        self.live = LiveLines(
            config.lines(),
            line_state_tracker(config),
            tz=config.tzinfo,
            keep_s=settings.live_minutes * 60,
            stale_after_s=settings.stale_after_s,
        )
        self.feed = Feed(store, self.live, max_future_s=config.collector.max_future_s)
        self.reports = ReportMaker(config, config_bytes=config_bytes)
        self.version = 0
        self.store_problem: str | None = None
        self.alarms: dict[str, Any] = {"log": False, "active": [], "recent": []}
        self._alarm_log: AlarmLog | None = None
        self._changed: asyncio.Event | None = None

    # -- reading -----------------------------------------------------------------------

    def prime(self) -> None:
        """Load the lines' recent readings and the alarm log before serving."""
        self.feed.prime(datetime.now(UTC))
        self.refresh_alarms()

    def poll(self) -> None:
        """Read new readings and the alarm log once (in a worker thread)."""
        try:
            self.feed.poll(datetime.now(UTC))
            self.store_problem = None
        except Exception as exc:  # the store may be down for a while: show it, keep trying
            if self.store_problem is None:
                log.warning("cannot read the store: %s", exc)
            self.store_problem = str(exc)
        self.refresh_alarms()

    def anchor(self, key: tuple[str, str] | None = None) -> datetime:
        """The newest reading of the line ``key`` (of any line if None), or now: what "the
        last hours" end at."""
        lines = [ln for ln in self.live.lines if key is None or ln.key == key]
        newest = [self.live.newest_us(ln.site, ln.line) for ln in lines]
        known = [ts for ts in newest if ts is not None]
        if not known:
            return datetime.now(UTC)
        return datetime.fromtimestamp(max(known) / _US, tz=UTC)

    def refresh_alarms(self) -> None:
        """Active and recent alarms from the alarm log, if the collector has written one."""
        path = self.config.alarms.path
        if self._alarm_log is None:
            if not path.is_file():  # opening would create it; the dashboard writes nothing
                return
            self._alarm_log = AlarmLog(path)
        start_us = int((self.anchor() - timedelta(days=_RECENT_DAYS)).timestamp() * _US)
        active = [asdict(e) for e in self._alarm_log.active()]
        recent = [asdict(e) for e in self._alarm_log.events(start_us=start_us)[-_RECENT_MAX:]]
        recent.reverse()
        self.alarms = {"log": True, "active": active, "recent": recent}

    def overview(self) -> dict[str, Any]:
        """What the overview shows, as JSON."""
        lines = self.live.overview(now_s=datetime.now(UTC).timestamp())
        for line in lines:
            line["alarms"] = [
                a
                for a in self.alarms["active"]
                if a["site"] == line["site"] and a["line"] == line["line"]
            ]
        return {
            "version": self.version,
            "lines": lines,
            "alarm_log": self.alarms["log"],
            "store_problem": self.store_problem,
        }

    # -- live stream ---------------------------------------------------------------------

    async def run_poller(self) -> None:
        """Poll the store every ``poll_s`` and wake the live streams; runs until cancelled."""
        self._changed = asyncio.Event()
        while True:
            await anyio.to_thread.run_sync(self.poll)
            self.version += 1
            self._changed.set()
            self._changed = asyncio.Event()
            await asyncio.sleep(self.config.serve.poll_s)

    async def wait(self, seen: int, timeout_s: float = 15.0) -> int:
        """Return the current version once it is newer than ``seen`` (or after a timeout)."""
        if self.version == seen and self._changed is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout_s)
        return self.version

    def close(self) -> None:
        if self._alarm_log is not None:
            self._alarm_log.close()
