"""The daily line report's data: one-minute means, line states, alarms of one local day.

The alarms come from the alarm log (``[alarms] path``) when it exists, or from the alarm
rules run again over the day's stored readings in device time (``replay``); the page
says which.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from monitoring.alarms import AlarmEngine, AlarmLog
from monitoring.alarms.engine import AlarmEvent
from pilot.config import Config
from pilot.errors import PilotError
from pilot.pipeline.source import DataSource
from pilot.wiring import alarm_engine
from reports.daily import Channel, LineDay, day_bounds
from sensors.lines import Line
from sensors.schema import Reading

__all__ = ["ALARM_SOURCES", "daily_pages"]

#: Where the daily report's alarms come from: ``auto`` is the log when it exists.
ALARM_SOURCES: tuple[str, ...] = ("auto", "log", "replay")

_MINUTE_US = 60_000_000


def daily_pages(
    config: Config,
    source: DataSource,
    day: date,
    *,
    site: str | None = None,
    line: str | None = None,
    alarms: str = "auto",
) -> list[LineDay]:
    """One page per selected line for the local ``day``.

    Raises
    ------
    PilotError
        ``alarms="log"`` without an alarm log, or no configured line selected.
    """
    start, end = day_bounds(day, config.tzinfo)
    log_path = source.alarm_log_path
    use_log = alarms == "log" or (alarms == "auto" and log_path.exists())
    if use_log and not log_path.exists():
        raise PilotError(f"no alarm log at {log_path}; try --alarms replay")
    pages = []
    for ln in config.lines():
        if site not in (None, ln.site) or line not in (None, ln.line):
            continue
        minutes = source.read(site=ln.site, line=ln.line, start=start, end=end, every_s=60)
        if use_log:
            events = _logged(config, ln, start, end)
            alarm_source = f"alarm log {log_path.name}"
        else:
            events = _replay(alarm_engine(config, [ln]), source, ln, start, end)
            alarm_source = "rules re-run on stored readings, without silence"
        pages.append(
            LineDay(
                site_name=config.site(ln.site).name,
                line_name=ln.name,
                line_name_vi=ln.name_vi,
                site_id=ln.site,
                line_id=ln.line,
                product=ln.product,
                process_window_c=ln.process_window_c,
                degradation_c=ln.degradation_c,
                nominal_throughput_kg_h=ln.nominal_throughput_kg_h,
                channels=tuple(
                    Channel(s.sensor, s.kind, s.zone, s.setpoint, s.event) for s in ln.sensors
                ),
                minutes=minutes,
                alarms=_alarm_frame(events),
                alarm_source=alarm_source,
                state_thresholds=config.line_states,
            )
        )
    if not pages:
        raise PilotError(f"no configured line matches --site {site} --line {line}")
    return pages


def _logged(config: Config, ln: Line, start: datetime, end: datetime) -> list[AlarmEvent]:
    alarm_log = AlarmLog(config.alarms.path)
    try:
        return alarm_log.events(
            site=ln.site,
            line=ln.line,
            start_us=int(start.timestamp() * 1e6),
            end_us=int(end.timestamp() * 1e6),
        )
    finally:
        alarm_log.close()


def _alarm_frame(events: list[AlarmEvent]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": pd.to_datetime([e.ts_us for e in events], unit="us", utc=True),
            "event": [e.event for e in events],
            "rule": [e.rule for e in events],
            "sensor": [e.sensor for e in events],
            "value": [e.value for e in events],
            "threshold": [e.threshold for e in events],
            "message": [e.message for e in events],
        }
    )


def _replay(
    engine: AlarmEngine, source: DataSource, ln: Line, start: datetime, end: datetime
) -> list[AlarmEvent]:
    """Alarm events of the day, from the rules run over the stored readings in device time.

    Readings are fed a minute of device time at a time. Silence is not judged: stored data
    may be sampled slower than configured, and gaps show in the page's data completeness
    instead.
    """
    events: list[AlarmEvent] = []
    hour = timedelta(hours=1)
    t = start
    while t < end:
        frame = source.read(site=ln.site, line=ln.line, start=t, end=min(t + hour, end))
        t += hour
        if frame.empty:
            continue
        ts_us = frame["time"].dt.as_unit("us").astype("int64").to_numpy()
        readings = sorted(
            (
                Reading(
                    ln.site,
                    ln.line,
                    str(sensor),
                    int(ts),
                    float(value),
                    str(unit),
                    int(seq),
                    hh if isinstance(hh, str) and hh else None,
                )
                for sensor, ts, value, unit, seq, hh in zip(
                    frame["sensor"],
                    ts_us,
                    frame["value"],
                    frame["unit"],
                    frame["seq"],
                    frame["household"],
                    strict=True,
                )
            ),
            key=lambda r: r.ts_us,
        )
        chunk: list[Reading] = []
        for reading in readings:
            if chunk and reading.ts_us // _MINUTE_US != chunk[0].ts_us // _MINUTE_US:
                events += engine.feed(chunk)
                chunk = []
            chunk.append(reading)
        if chunk:
            events += engine.feed(chunk)
    # The engine holds readings until every running-state sensor has caught up: judge
    # the rest of the day too.
    return events + engine.flush()
