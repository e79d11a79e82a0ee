"""The alarm engine: readings in, alarm events out, driven by device time.

Device time drives every rule, and each line's readings are judged in device-time
order whatever the interleaving they arrive in (:mod:`monitoring.alarms.intake`), so the
engine gives the same events on live, replayed, redelivered or backlogged data. Silence
is the one rule that needs a clock besides the readings: a sensor is silent only when
the broker has stopped delivering its stream (wall time) *and* the line's device clock
(:meth:`AlarmEngine.line_clock_us`, passed by the caller) is past its silence limit.

Whether a line runs (``underheat`` and ``throughput_low`` apply only then) is decided
by the line's :class:`~monitoring.line_state.LineStateTracker`, made by the factory the
composition root passes, so the alarms and the daily report agree on it; the engine
feeds it the hottest barrel zone and the throughput. The stand-in below never runs.

>>> from types import SimpleNamespace
>>> from sensors.catalog import SensorSpec
>>> from sensors.lines import Line
>>> from sensors.schema import Reading
>>> melt = SensorSpec("mk", "line-1", "melt_temp", "melt_temp", "degC", 0.0, 500.0, 1.0)
>>> info = Line("mk", "line-1", "Line 1", (180.0, 230.0), 300.0, 60.0, 40.0, (melt,))
>>> stopped = SimpleNamespace(update=lambda **values: None, state="off", running=False)
>>> engine = AlarmEngine([info], AlarmRules(min_duration_s=2), state_tracker=lambda line: stopped)
>>> hot = [Reading("mk", "line-1", "melt_temp", s * 1_000_000, 310.0, "degC", s)
...        for s in range(4)]
>>> [(e.event, e.rule, e.value) for e in engine.feed(hot)]
[('raised', 'overheat', 310.0)]
>>> [a.rule for a in engine.active()]
['overheat']
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from monitoring.alarms.intake import LineIntake
from monitoring.alarms.rules import AlarmEvent, AlarmRules, Latch
from monitoring.line_state import LineStateTracker, StateTrackerFactory
from sensors.catalog import SensorSpec
from sensors.lines import TEMPERATURE_KINDS, Line
from sensors.schema import Reading

_US = 1_000_000


@dataclass
class _SensorTrack:
    spec: SensorSpec
    last_ts_us: int | None = None
    last_value: float | None = None
    # Device time since which the value has been exactly last_value (stuck rule).
    same_since_us: int | None = None
    latches: dict[str, Latch] = field(default_factory=dict)
    silent: AlarmEvent | None = None
    stuck: AlarmEvent | None = None


@dataclass
class _LineTrack:
    info: Line
    sensors: dict[str, _SensorTrack]
    tracker: LineStateTracker
    intake: LineIntake
    # Latest value of each barrel zone [°C]: the hottest is the line's temperature.
    zones_c: dict[str, float] = field(default_factory=dict)
    newest_ts_us: int | None = None
    newest_wall_s: float = 0.0


class AlarmEngine:
    """Evaluate the alarm rules of every configured line.

    Parameters
    ----------
    lines
        The lines and their sensors; readings of other sensors are ignored.
    rules
        Thresholds shared by every line; :class:`AlarmRules` defaults when None.
    state_tracker
        Makes the state tracker of each line (see :mod:`monitoring.line_state`).
    active
        Alarms active before (raised events from the alarm log), so that a restart
        neither raises them again nor forgets to clear them.
    wall_clock
        Wall time [s since the epoch], used only by :meth:`line_clock_us`.

    Thread-safe: the collector feeds it from its worker, a timer checks silence.
    """

    def __init__(
        self,
        lines: Sequence[Line],
        rules: AlarmRules | None = None,
        *,
        state_tracker: StateTrackerFactory,
        active: Iterable[AlarmEvent] = (),
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.rules = rules or AlarmRules()
        self._wall = wall_clock
        self._lock = threading.Lock()
        started = wall_clock()
        self._lines: dict[tuple[str, str], _LineTrack] = {
            info.key: _LineTrack(
                info,
                {s.sensor: _SensorTrack(s) for s in info.sensors},
                state_tracker(info),
                LineIntake(
                    info.sensors,
                    silent_intervals=self.rules.silent_intervals,
                    started_wall_s=started,
                ),
            )
            for info in lines
        }
        self._active: dict[tuple[str, str, str, str], AlarmEvent] = {}
        for event in active:
            self._restore(event)

    # -- public ------------------------------------------------------------------------

    def lines(self) -> list[Line]:
        """The lines evaluated, in configuration order."""
        return [track.info for track in self._lines.values()]

    def feed(self, readings: Iterable[Reading]) -> list[AlarmEvent]:
        """Take ``readings`` (any interleaving of sensors, each sensor's own order kept)
        and return the alarms raised or cleared by those that can be judged now.

        Readings are judged in device-time order per line once every feeder still
        delivering has caught up (:mod:`monitoring.alarms.intake`); :meth:`flush`
        judges the rest.
        """
        events: list[AlarmEvent] = []
        with self._lock:
            wall = self._wall()
            touched: set[tuple[str, str]] = set()
            for reading in sorted(readings, key=lambda r: r.ts_us):
                line = self._lines.get((reading.site, reading.line))
                track = line.sensors.get(reading.sensor) if line is not None else None
                if line is None or track is None:
                    continue
                if not line.intake.add(reading, wall_s=wall):
                    continue  # a redelivered or late reading: its moment has been judged
                touched.add(line.info.key)
                if line.newest_ts_us is None or reading.ts_us > line.newest_ts_us:
                    line.newest_ts_us = reading.ts_us
                    line.newest_wall_s = wall
                if track.silent is not None:
                    # Delivered again: the silence ends with this reading.
                    events.append(
                        self._clear(track.silent, reading.value, reading.ts_us, "reporting again")
                    )
                    track.silent = None
            for key in touched:
                events += self._judge(self._lines[key], wall)
        return events

    def flush(self) -> list[AlarmEvent]:
        """Judge every held reading now (at shutdown, or at the end of a replay)."""
        events: list[AlarmEvent] = []
        with self._lock:
            wall = self._wall()
            for line in self._lines.values():
                events += self._judge(line, wall, flush=True)
        return events

    def _judge(self, line: _LineTrack, wall: float, *, flush: bool = False) -> list[AlarmEvent]:
        events: list[AlarmEvent] = []
        for reading in line.intake.release(wall_s=wall, flush=flush):
            events += self._evaluate(line, line.sensors[reading.sensor], reading)
        return events

    def check_silence(
        self, now_us: int, *, site: str | None = None, line: str | None = None
    ) -> list[AlarmEvent]:
        """Raise ``silent`` for sensors quiet too long at device time ``now_us``, and
        judge the readings no longer held back by a stopped feeder.

        A sensor is silent only when its stream is also stopped at the broker (nothing
        delivered for its silence limit of wall time), so a backlog never raises it
        (:mod:`monitoring.alarms.intake`). Only lines matching ``site``/``line`` (all
        when None) are checked.
        """
        events: list[AlarmEvent] = []
        with self._lock:
            wall = self._wall()
            for (site_id, line_id), track in self._lines.items():
                if site not in (None, site_id) or line not in (None, line_id):
                    continue
                events += self._judge(track, wall)
                for sensor in track.sensors.values():
                    if not track.intake.stopped(sensor.spec.sensor, wall):
                        continue
                    event = self._check_silent(track.intake, sensor, now_us)
                    if event is not None:
                        events.append(event)
        return events

    def line_clock_us(self, site: str, line: str) -> int | None:
        """Device time now on ``site``/``line``: its newest reading plus the wall time since.

        None before the line's first reading. For accelerated replays this advances at
        wall speed once the data stop, so silence is still noticed.
        """
        with self._lock:
            track = self._lines.get((site, line))
            if track is None or track.newest_ts_us is None:
                return None
            elapsed_s = max(0.0, self._wall() - track.newest_wall_s)
            return track.newest_ts_us + int(elapsed_s * _US)

    def newest_us(self, site: str, line: str) -> int | None:
        """Device time of the newest reading of ``site``/``line``, or None."""
        with self._lock:
            track = self._lines.get((site, line))
            return None if track is None else track.newest_ts_us

    def active(self, site: str | None = None, line: str | None = None) -> list[AlarmEvent]:
        """The raising events of the active alarms, oldest first."""
        with self._lock:
            found = [
                e
                for e in self._active.values()
                if site in (None, e.site) and line in (None, e.line)
            ]
        return sorted(found, key=lambda e: (e.ts_us, e.sensor, e.rule))

    # -- rules -------------------------------------------------------------------------

    def _evaluate(self, line: _LineTrack, track: _SensorTrack, r: Reading) -> list[AlarmEvent]:
        spec, rules, info = track.spec, self.rules, line.info
        events: list[AlarmEvent] = []
        if spec.kind == "barrel_temp":
            line.zones_c[r.sensor] = r.value
            line.tracker.update(line_temp_c=max(line.zones_c.values()))
        elif spec.kind == "throughput":
            line.tracker.update(throughput_kg_h=r.value)
        running = line.tracker.running
        low, high = info.process_window_c
        hyst = rules.hysteresis_for
        if spec.kind in ("barrel_temp", "melt_temp"):
            limit = info.degradation_c
            events += self._latch(
                track,
                "overheat",
                r,
                limit,
                enter=r.value > limit,
                leave=r.value <= limit - hyst("overheat"),
                text=f"{r.value:.1f} °C above the degradation threshold {limit:g} °C",
            )
            if spec.kind == "melt_temp" or spec.setpoint is None or spec.setpoint >= low:
                events += self._latch(
                    track,
                    "underheat",
                    r,
                    low,
                    enter=running and r.value < low,
                    leave=(not running) or r.value >= low + hyst("underheat"),
                    text=f"{r.value:.1f} °C below the process window ({low:g}-{high:g} °C) "
                    "while running",
                )
        if spec.kind == "throughput":
            limit = rules.throughput_low_fraction * info.nominal_throughput_kg_h
            events += self._latch(
                track,
                "throughput_low",
                r,
                limit,
                enter=running and r.value < limit,
                leave=(not running) or r.value >= limit + hyst("throughput_low", limit * 0.1),
                text=f"{r.value:.1f} kg/h, below {limit:g} kg/h "
                f"({rules.throughput_low_fraction:.0%} of nominal) while running",
            )
        if spec.kind == "furnace_temp":
            w_low, w_high = rules.dioxin_window_c
            inside = w_low <= r.value <= w_high
            latch = track.latches.get("dioxin_window")
            if latch is None:
                latch = track.latches["dioxin_window"] = Latch(min_duration_s=rules.dioxin_dwell_s)
            # Entering takes the dwell time; leaving takes the usual minimum duration.
            latch.min_duration_us = int(
                (rules.min_duration_for("dioxin_window") if latch.active else rules.dioxin_dwell_s)
                * _US
            )
            events += self._latch(
                track,
                "dioxin_window",
                r,
                w_low if r.value < (w_low + w_high) / 2 else w_high,
                enter=inside,
                leave=r.value < w_low - hyst("dioxin_window")
                or r.value > w_high + hyst("dioxin_window"),
                text=f"{r.value:.0f} °C inside the PCDD/F formation window "
                f"{w_low:g}-{w_high:g} °C for {rules.dioxin_dwell_s:g} s or more",
            )
        if spec.kind in TEMPERATURE_KINDS:
            events += self._check_stuck(track, r)
        track.last_ts_us = r.ts_us
        track.last_value = r.value
        return events

    def _latch(
        self,
        track: _SensorTrack,
        rule: str,
        r: Reading,
        threshold: float,
        *,
        enter: bool,
        leave: bool,
        text: str,
    ) -> list[AlarmEvent]:
        latch = track.latches.get(rule)
        if latch is None:
            latch = track.latches[rule] = Latch(min_duration_s=self.rules.min_duration_for(rule))
        change = latch.update(r.ts_us, enter=enter, leave=leave)
        key = (r.site, r.line, r.sensor, rule)
        if change == "raised":
            event = AlarmEvent(
                "raised",
                rule,
                r.site,
                r.line,
                r.sensor,
                r.value,
                threshold,
                r.ts_us,
                f"{r.sensor}: {text}",
            )
            self._active[key] = event
            return [event]
        if change == "cleared" and key in self._active:
            return [self._clear(self._active[key], r.value, r.ts_us, "back to normal")]
        return []

    def _check_stuck(self, track: _SensorTrack, r: Reading) -> list[AlarmEvent]:
        if track.last_value is None or r.value != track.last_value:
            track.same_since_us = r.ts_us
            if track.stuck is not None:
                event = self._clear(track.stuck, r.value, r.ts_us, "changing again")
                track.stuck = None
                return [event]
            return []
        if track.same_since_us is None:
            track.same_since_us = r.ts_us
        limit_s = self.rules.stuck_intervals * track.spec.interval_s
        same_s = (r.ts_us - track.same_since_us) / _US
        if track.stuck is None and same_s >= limit_s:
            event = AlarmEvent(
                "raised",
                "stuck",
                r.site,
                r.line,
                r.sensor,
                same_s,
                limit_s,
                r.ts_us,
                f"{r.sensor}: value {r.value:g} unchanged for "
                f"{same_s:.0f} s; check the thermocouple and its transmitter",
            )
            track.stuck = event
            self._active[event.key] = event
            return [event]
        return []

    def _check_silent(
        self, intake: LineIntake, track: _SensorTrack, now_us: int
    ) -> AlarmEvent | None:
        if track.silent is not None:
            return None
        event = intake.silent_event(track.spec, now_us)
        if event is not None:
            track.silent = event
            self._active[event.key] = event
        return event

    def _clear(self, raised: AlarmEvent, value: float, ts_us: int, why: str) -> AlarmEvent:
        self._active.pop(raised.key, None)
        return AlarmEvent(
            "cleared",
            raised.rule,
            raised.site,
            raised.line,
            raised.sensor,
            value,
            raised.threshold,
            ts_us,
            f"{raised.sensor}: {raised.rule} cleared, {why}",
        )

    def _restore(self, event: AlarmEvent) -> None:
        line = self._lines.get((event.site, event.line))
        track = line.sensors.get(event.sensor) if line is not None else None
        if track is None or event.event != "raised":
            return
        self._active[event.key] = event
        if event.rule == "silent":
            # Silent since before the restart: its next reading clears the alarm.
            track.silent = event
        elif event.rule == "stuck":
            track.stuck = event
            track.last_value = None
        else:
            track.latches[event.rule] = Latch(
                min_duration_s=self.rules.min_duration_for(event.rule), active=True
            )
