"""The lines as the dashboard shows them, fed from the store.

The dashboard reads live readings from the configured store, not from the broker: it
then needs no broker credentials, shows exactly what was stored (what the reports will
use), and works on any store and on finished data such as the demo's. A poller reads
what arrived since the newest reading it holds every ``[serve] poll_s`` and hands it to
:meth:`LiveLines.add`; the page gets the new readings pushed (server-sent events).

Per line it holds the last ``live_minutes`` of readings, the newest reading of each
sensor, the line state (the one tracker of :mod:`models.states`, with
``[line_states]``), and the processed mass and energy of the local day of its newest
reading.

>>> from pilot.config import default_config_path, load_config
>>> from pilot.wiring import line_state_tracker
>>> config = load_config(default_config_path())
>>> live = LiveLines(config.lines()[:1], line_state_tracker(config), tz=config.tzinfo)
>>> from sensors.schema import Reading
>>> len(live.add([Reading("minh-khai", "line-1", "throughput", 0, 50.0, "kg/h", 0)]))
1
>>> live.overview(now_s=1.0)[0]["state"]
'running'
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from models.states import StateTracker
from monitoring.sensor_status import temperature_status
from sensors.catalog import SensorSpec
from sensors.lines import Line
from sensors.schema import Reading

__all__ = ["LiveLines", "local_day_start"]

_US = 1_000_000


def local_day_start(ts_us: int, tz: ZoneInfo) -> datetime:
    """Local midnight [aware] of the day holding ``ts_us`` [µs since the epoch]."""
    local = datetime.fromtimestamp(ts_us / _US, tz=tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class _Line:
    info: Line
    tracker: StateTracker
    specs: dict[str, SensorSpec]
    recent: dict[str, deque[tuple[int, float]]] = field(default_factory=dict)
    latest: dict[str, tuple[int, float]] = field(default_factory=dict)
    newest_us: int | None = None
    day: str | None = None
    mass_kg: float = 0.0
    energy_first_kwh: float | None = None
    energy_last_kwh: float | None = None


class LiveLines:
    """The recent readings and derived figures of every line; thread-safe.

    Parameters
    ----------
    lines
        The configured lines, in order.
    state_tracker
        Makes a line's state tracker (:func:`pilot.wiring.line_state_tracker`).
    tz
        Zone of "today".
    keep_s
        Readings older than this behind a line's newest are dropped [s].
    stale_after_s
        A clocked sensor is stale after this long, or three of its intervals [s].
    """

    def __init__(
        self,
        lines: Sequence[Line],
        state_tracker: Callable[[Line], StateTracker],
        *,
        tz: ZoneInfo,
        keep_s: float = 600.0,
        stale_after_s: float = 15.0,
    ) -> None:
        self.tz = tz
        self.keep_us = int(keep_s * _US)
        self.stale_after_s = stale_after_s
        self._lines = {
            ln.key: _Line(ln, state_tracker(ln), {s.sensor: s for s in ln.sensors}) for ln in lines
        }
        self._lock = threading.Lock()

    @property
    def lines(self) -> list[Line]:
        return [live.info for live in self._lines.values()]

    def newest_us(self, site: str, line: str) -> int | None:
        """Device time of the line's newest reading held [µs], or None."""
        with self._lock:
            return self._lines[(site, line)].newest_us

    def start_day(
        self,
        site: str,
        line: str,
        *,
        day_start_us: int,
        mass_kg: float,
        energy_first_kwh: float | None,
    ) -> None:
        """Set the day's totals read from the store before the first :meth:`add`."""
        with self._lock:
            live = self._lines[(site, line)]
            live.day = datetime.fromtimestamp(day_start_us / _US, tz=self.tz).date().isoformat()
            live.mass_kg = mass_kg
            live.energy_first_kwh = energy_first_kwh

    def add(self, readings: Iterable[Reading]) -> list[Reading]:
        """Take readings in any order; returns those that were new (newer than held)."""
        taken: list[Reading] = []
        with self._lock:
            for r in sorted(readings, key=lambda r: r.ts_us):
                live = self._lines.get((r.site, r.line))
                spec = live.specs.get(r.sensor) if live is not None else None
                if live is None or spec is None:
                    continue
                old = live.latest.get(r.sensor)
                if old is not None and r.ts_us <= old[0]:
                    continue
                taken.append(r)
                live.latest[r.sensor] = (r.ts_us, r.value)
                live.recent.setdefault(r.sensor, deque()).append((r.ts_us, r.value))
                live.newest_us = max(live.newest_us or r.ts_us, r.ts_us)
                self._today(live, spec, r)
                if spec.kind == "barrel_temp":
                    zones = [
                        live.latest[z.sensor][1]
                        for z in live.info.zones()
                        if z.sensor in live.latest
                    ]
                    live.tracker.update(line_temp_c=max(zones))
                elif spec == live.info.of_kind("throughput"):
                    live.tracker.update(throughput_kg_h=r.value)
            for live in self._lines.values():
                if live.newest_us is None:
                    continue
                horizon = live.newest_us - self.keep_us
                for points in live.recent.values():
                    while points and points[0][0] < horizon:
                        points.popleft()
        return taken

    def _today(self, live: _Line, spec: SensorSpec, r: Reading) -> None:
        day = datetime.fromtimestamp(r.ts_us / _US, tz=self.tz).date().isoformat()
        if live.day is None or day > live.day:
            live.day, live.mass_kg = day, 0.0
            live.energy_first_kwh = live.energy_last_kwh = None
        elif day < live.day:
            return
        if spec.kind == "energy":
            if live.energy_first_kwh is None:
                live.energy_first_kwh = r.value
            live.energy_last_kwh = r.value
        elif spec == live.info.of_kind("throughput"):
            # Each reading stands for one sampling interval of production.
            live.mass_kg += r.value * spec.interval_s / 3600

    def series(self, site: str, line: str, *, since_us: int = 0) -> dict[str, list[list[float]]]:
        """The held readings newer than ``since_us`` per sensor, as ``[[ms, value], ...]``."""
        with self._lock:
            live = self._lines[(site, line)]
            return {
                sensor: [[ts / 1000, v] for ts, v in points if ts > since_us]
                for sensor, points in live.recent.items()
            }

    def overview(self, *, now_s: float) -> list[dict[str, Any]]:
        """Every line's state, sensors (value, setpoint, status, age) and day totals."""
        with self._lock:
            return [self._line_overview(live, now_s) for live in self._lines.values()]

    def _line_overview(self, live: _Line, now_s: float) -> dict[str, Any]:
        info = live.info
        sensors = []
        for spec in info.sensors:
            latest = live.latest.get(spec.sensor)
            age_s = None if latest is None else max(0.0, now_s - latest[0] / _US)
            stale = age_s is None or (
                not spec.event and age_s > max(self.stale_after_s, 3 * spec.interval_s)
            )
            sensors.append(
                {
                    "sensor": spec.sensor,
                    "kind": spec.kind,
                    "unit": spec.unit,
                    "zone": spec.zone,
                    "setpoint": spec.setpoint,
                    "value": None if latest is None else latest[1],
                    "time_ms": None if latest is None else latest[0] / 1000,
                    "age_s": age_s,
                    "stale": stale,
                    "status": None if latest is None else temperature_status(spec, latest[1], info),
                }
            )
        energy = (
            live.energy_last_kwh - live.energy_first_kwh
            if live.energy_first_kwh is not None and live.energy_last_kwh is not None
            else None
        )
        return {
            "site": info.site,
            "line": info.line,
            "name": info.name,
            "name_vi": info.name_vi or info.name,
            "state": live.tracker.state,
            "process_window_c": list(info.process_window_c),
            "degradation_c": info.degradation_c,
            "newest_ms": None if live.newest_us is None else live.newest_us / 1000,
            "day": live.day,
            "mass_kg": live.mass_kg,
            "energy_kwh": energy,
            "kwh_per_kg": energy / live.mass_kg
            if energy is not None and live.mass_kg >= 1
            else None,
            "sensors": sensors,
        }
