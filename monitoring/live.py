"""Live view of the lines: latest readings, line state, today's energy, active alarms.

:class:`LiveView` is fed with readings as they arrive from the broker and with the
retained alarm states; :meth:`LiveView.render` draws the screen as text lines that fit
a given width (plain text plus optional ANSI colours, no curses, so it works over SSH).

Ages are wall-clock times since a reading *arrived*, so replayed or accelerated data
look as fresh as they are on the wire; device times are shown alongside.

The line state comes from a :class:`~monitoring.line_state.LineStateTracker` per line,
made by the factory the composition root passes (the one line-state definition, with
the configured thresholds); the view feeds it the hottest barrel zone and the
throughput as they arrive. The stand-in below only looks at the throughput.

>>> from sensors.catalog import SensorSpec
>>> from sensors.lines import Line
>>> from sensors.schema import Reading
>>> class Flowing:
...     state, running = "off", False
...     def update(self, *, line_temp_c=None, throughput_kg_h=None):
...         if throughput_kg_h is not None:
...             self.running = throughput_kg_h >= 1.0
...             self.state = "running" if self.running else "idle"
>>> z = SensorSpec("mk", "line-1", "zone1_temp", "barrel_temp", "degC", 0.0, 500.0, 1.0,
...                zone=1, setpoint=200.0)
>>> q = SensorSpec("mk", "line-1", "throughput", "throughput", "kg/h", 0.0, 500.0, 1.0)
>>> line = Line("mk", "line-1", "Line 1", (180.0, 230.0), 300.0, 60.0, 40.0, (z, q))
>>> view = LiveView([line], state_tracker=lambda line: Flowing())
>>> view.add([Reading("mk", "line-1", "zone1_temp", 0, 201.0, "degC", 0),
...           Reading("mk", "line-1", "throughput", 0, 58.0, "kg/h", 0)], received_s=100.0)
>>> view.state("mk", "line-1")
'running'
>>> any("STALE" in line for line in view.render(now_s=101.0, width=80))
False
>>> any("STALE" in line for line in view.render(now_s=200.0, width=80))
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from monitoring.line_state import LineStateTracker, StateTrackerFactory
from monitoring.sensor_status import temperature_status
from sensors.catalog import SensorSpec
from sensors.lines import Line
from sensors.schema import Reading

_US = 1_000_000
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

#: ANSI colours by role.
COLOURS = {"ok": "32", "warn": "33", "bad": "1;31", "dim": "2", "head": "1", "state": "1;36"}


@dataclass
class _Latest:
    value: float
    ts_us: int
    received_s: float
    household: str | None = None


@dataclass
class _LineLive:
    info: Line
    tracker: LineStateTracker
    specs: dict[str, SensorSpec]
    latest: dict[str, _Latest] = field(default_factory=dict)
    day: str | None = None
    day_start_us: int | None = None
    energy_first_kwh: float | None = None
    energy_last_kwh: float | None = None
    mass_kg: float = 0.0
    last_rate: tuple[int, float] | None = None
    alarms: list[dict[str, Any]] = field(default_factory=list)
    alarms_received_s: float | None = None


def visible_len(text: str) -> int:
    """Length of ``text`` on screen, without ANSI escape sequences."""
    return len(_ANSI.sub("", text))


class LiveView:
    """State of the watched lines.

    Parameters
    ----------
    lines
        The lines to show, in this order.
    state_tracker
        Makes the state tracker of each line (see :mod:`monitoring.line_state`).
    timezone
        IANA zone of times on screen and of "today".
    stale_after_s
        A clocked sensor is stale when nothing arrived for this long, or for three of
        its intervals if that is longer [s] (wall time).
    """

    def __init__(
        self,
        lines: Sequence[Line],
        *,
        state_tracker: StateTrackerFactory,
        timezone: str = "Asia/Ho_Chi_Minh",
        stale_after_s: float = 15.0,
    ) -> None:
        self.tz = ZoneInfo(timezone)
        self.stale_after_s = stale_after_s
        self._lines = {
            info.key: _LineLive(info, state_tracker(info), {s.sensor: s for s in info.sensors})
            for info in lines
        }
        self.ignored = 0

    # -- input -------------------------------------------------------------------------

    def add(self, readings: Iterable[Reading], *, received_s: float) -> None:
        """Take readings that arrived at wall time ``received_s`` [s since the epoch]."""
        for r in sorted(readings, key=lambda r: r.ts_us):
            live = self._lines.get((r.site, r.line))
            spec = live.specs.get(r.sensor) if live is not None else None
            if live is None or spec is None:
                self.ignored += 1
                continue
            old = live.latest.get(r.sensor)
            if old is not None and r.ts_us < old.ts_us:
                continue  # an older reading (redelivery) must not replace a newer one
            live.latest[r.sensor] = _Latest(r.value, r.ts_us, received_s, r.household)
            self._today(live, spec, r)
            if spec.kind == "barrel_temp":
                # The line's temperature is its hottest zone (see models' line states).
                zones = live.info.zones()
                hottest = max(live.latest[z.sensor].value for z in zones if z.sensor in live.latest)
                live.tracker.update(line_temp_c=hottest)
            elif spec.kind == "throughput" and spec == live.info.of_kind("throughput"):
                live.tracker.update(throughput_kg_h=r.value)

    def set_alarms(self, site: str, line: str, state: dict[str, Any], *, received_s: float) -> None:
        """Take a line's alarm state (the retained ``.../alarms`` payload)."""
        live = self._lines.get((site, line))
        if live is None:
            return
        active = state.get("active")
        live.alarms = [a for a in active if isinstance(a, dict)] if isinstance(active, list) else []
        live.alarms_received_s = received_s

    def state(self, site: str, line: str) -> str:
        """``off``, ``heating``, ``running`` or ``idle``, as the line's tracker decides."""
        return self._lines[(site, line)].tracker.state

    # -- derived quantities ------------------------------------------------------------

    def _today(self, live: _LineLive, spec: SensorSpec, r: Reading) -> None:
        day = datetime.fromtimestamp(r.ts_us / _US, tz=self.tz).date().isoformat()
        if live.day is None or day > live.day:
            live.day, live.day_start_us = day, r.ts_us
            live.energy_first_kwh = live.energy_last_kwh = None
            live.mass_kg, live.last_rate = 0.0, None
        elif day < live.day:
            return
        if spec.kind == "energy":
            if live.energy_first_kwh is None:
                live.energy_first_kwh = r.value
            live.energy_last_kwh = r.value
        elif spec.kind == "throughput":
            if live.last_rate is not None:
                gap_s = (r.ts_us - live.last_rate[0]) / _US
                # A gap longer than three intervals is missing data, not production.
                if 0 < gap_s <= 3 * spec.interval_s:
                    live.mass_kg += (live.last_rate[1] + r.value) / 2 * gap_s / 3600
            live.last_rate = (r.ts_us, r.value)

    # -- output ------------------------------------------------------------------------

    def render(self, *, now_s: float, width: int = 80, colour: bool = False) -> list[str]:
        """The screen as text lines, each at most ``width`` characters on screen."""
        width = max(20, width)
        paint = _painter(colour)
        now = datetime.fromtimestamp(now_s, tz=self.tz)
        out = [
            paint("head", f"upops watch  {now:%Y-%m-%d %H:%M:%S} {_zone(now)}")
            + paint("dim", "  Ctrl-C quits")
        ]
        for live in self._lines.values():
            out.append(paint("dim", "─" * min(width, 78)))
            out.extend(self._render_line(live, now_s, width, paint))
        return [_clip(line, width) for line in out]

    def _render_line(self, live: _LineLive, now_s: float, width: int, paint) -> list[str]:  # type: ignore[no-untyped-def]
        info = live.info
        narrow = width < 64
        ages = [now_s - x.received_s for x in live.latest.values()]
        newest_age = min(ages) if ages else None
        if newest_age is None:
            status = paint("bad", "NO DATA yet")
        elif newest_age > self.stale_after_s:
            status = paint("bad", f"STALE: no data for {_age(newest_age)}")
        else:
            status = paint("state", self.state(info.site, info.line).upper())
        out = [paint("head", f"{info.site} / {info.line}") + f"  {status}", f" {info.name}"]
        if live.latest:
            ts = max(x.ts_us for x in live.latest.values())
            when = datetime.fromtimestamp(ts / _US, tz=self.tz)
            out.append(f" device time {when:%Y-%m-%d %H:%M:%S} {_zone(when)}")
        low, high = info.process_window_c
        if narrow:
            out.append(paint("dim", f" {'sensor':<11}{'value':>9}  {'status':<8}{'age':>7}"))
        else:
            out.append(
                paint(
                    "dim",
                    f" {'sensor':<12}{'value':>10} {'set':>5} {'Δset':>6}  "
                    f"{'window ' + f'{low:g}-{high:g}':<16}{'age':>8}",
                )
            )
        for spec in info.sensors:
            out.append(self._render_sensor(live, spec, now_s, narrow, paint))
        out.append(self._render_today(live, info, paint))
        if live.alarms:
            for alarm in live.alarms:
                # Time first: on a narrow terminal the clipped end is the wording.
                since = _local_hms(alarm.get("time"), self.tz)
                text = alarm.get("message") or f"{alarm.get('sensor')}: {alarm.get('rule')}"
                out.append(paint("bad", f" ALARM {since} {text}"))
        elif live.alarms_received_s is None:
            out.append(paint("dim", " alarms: no alarm state received (is the collector running?)"))
        else:
            out.append(paint("ok", " alarms: none active"))
        return out

    def _render_sensor(
        self, live: _LineLive, spec: SensorSpec, now_s: float, narrow: bool, paint
    ) -> str:  # type: ignore[no-untyped-def]
        info = live.info
        unit = {"degC": "°C"}.get(spec.unit, spec.unit)
        latest = live.latest.get(spec.sensor)
        name = spec.sensor if not narrow else spec.sensor[:11]
        if latest is None:
            value_text, status, role = "-", "no data", "dim"
        else:
            value_text = f"{latest.value:.1f} {unit}"
            status, role = _status(spec, latest.value, info)
        set_text = f"{spec.setpoint:g}" if spec.setpoint is not None else ""
        delta = (
            f"{latest.value - spec.setpoint:+.1f}"
            if latest is not None and spec.setpoint is not None
            else ""
        )
        if latest is None:
            age_text, age_role = "", "dim"
        elif spec.event:
            age_text, age_role = _age(now_s - latest.received_s), "dim"
            if latest.household:
                status = latest.household
        else:
            age = now_s - latest.received_s
            stale = age > max(self.stale_after_s, 3 * spec.interval_s)
            age_text = ("STALE " if stale else "") + _age(age)
            age_role = "bad" if stale else "ok"
        if narrow:
            return (
                f" {name:<11}{value_text:>9}  "
                + paint(role, f"{status:<8.8}")
                + paint(age_role, f"{age_text:>7}")
            )
        return (
            f" {name:<12}{value_text:>10} {set_text:>5} {delta:>6}  "
            + paint(role, f"{status:<16.16}")
            + paint(age_role, f"{age_text:>8}")
        )

    def _render_today(self, live: _LineLive, info: Line, paint) -> str:  # type: ignore[no-untyped-def]
        if live.day_start_us is None:
            return paint("dim", " today: no data")
        since = datetime.fromtimestamp(live.day_start_us / _US, tz=self.tz)
        energy = (
            live.energy_last_kwh - live.energy_first_kwh
            if live.energy_first_kwh is not None and live.energy_last_kwh is not None
            else None
        )
        parts = [f" today since {since:%H:%M}: {live.mass_kg:.1f} kg"]
        if energy is not None:
            parts.append(f"{energy:.1f} kWh")
            parts.append(f"{energy / live.mass_kg:.2f} kWh/kg" if live.mass_kg >= 1 else "- kWh/kg")
        return ", ".join(parts)


#: Terminal text and colour role of each temperature status (:mod:`monitoring.sensor_status`).
_STATUS_TEXT: dict[str, tuple[str, str]] = {
    "in_window": ("in window", "ok"),
    "above": ("above window", "warn"),
    "below": ("below window", "warn"),
    "at_setpoint": ("at setpoint", "ok"),
    "off_setpoint": ("off set", "warn"),
}


def _status(spec: SensorSpec, value: float, info: Line) -> tuple[str, str]:
    """Short status of a value and its colour role."""
    if spec.kind == "throughput":
        share = value / info.nominal_throughput_kg_h
        return f"{share:.0%} of nom.", "ok" if share >= 0.5 or value < 1 else "warn"
    status = temperature_status(spec, value, info)
    if status is None:
        return "", "dim"
    if status == "degrading":
        return f"DEGRADING>{info.degradation_c:g}", "bad"
    return _STATUS_TEXT[status]


def _age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _zone(when: datetime) -> str:
    offset = when.utcoffset()
    hours = offset.total_seconds() / 3600 if offset is not None else 0.0
    return f"(UTC{hours:+g})"


def _local_hms(text: object, tz: ZoneInfo) -> str:
    if not isinstance(text, str):
        return ""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return f"{when.astimezone(tz):%H:%M:%S}" if when.tzinfo else ""


def _painter(colour: bool):  # type: ignore[no-untyped-def]
    def paint(role: str, text: str) -> str:
        return f"\x1b[{COLOURS[role]}m{text}\x1b[0m" if colour and text else text

    return paint


def _clip(line: str, width: int) -> str:
    """``line`` cut to ``width`` visible characters, keeping escape sequences intact."""
    if visible_len(line) <= width:
        return line
    out, shown, pos = [], 0, 0
    while pos < len(line) and shown < width:
        match = _ANSI.match(line, pos)
        if match:
            out.append(match.group())
            pos = match.end()
            continue
        out.append(line[pos])
        shown += 1
        pos += 1
    return "".join(out) + ("\x1b[0m" if "\x1b[" in line else "")
