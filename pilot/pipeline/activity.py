"""Activity per line and window, extracted once and reused by every result.

Each window's readings are read from the store once. From that one frame come the
window's activity (the release model's input, :func:`models.activity.extract_activity`)
and, when a report needs them, the activity of each local day (the daily indicators)
and the data completeness per sensor and day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.activity import LineActivity, LineParameters, extract_activity
from models.errors import ModelError
from models.states import StateThresholds
from pilot.config import Config
from pilot.errors import PilotError
from pilot.pipeline.source import DataSource
from pilot.pipeline.windows import Window, local_days
from sensors.lines import Line

__all__ = ["ActivitySet", "DayActivity", "WindowActivity", "extract_windows", "line_parameters"]


def line_parameters(line: Line, states: StateThresholds) -> LineParameters:
    """The emission model's view of a configured line: sensor roles, intervals and the
    configured line-state thresholds (``[line_states]``).

    The one place where a line of the configuration becomes the models layer's type.
    """
    intervals = {spec.sensor: spec.interval_s for spec in line.sensors if not spec.event}

    def first(kind: str) -> str | None:
        spec = line.of_kind(kind)
        return spec.sensor if spec is not None else None

    return LineParameters(
        process_window_c=line.process_window_c,
        degradation_c=line.degradation_c,
        temperature_sensors=tuple(s.sensor for s in line.sensors if s.kind == "barrel_temp"),
        expected_interval_s=intervals,
        process_temp_sensor=first("melt_temp"),
        throughput_sensor=first("throughput"),
        energy_sensor=first("energy"),
        intake_sensor=first("intake"),
        states=states,
    )


@dataclass(frozen=True)
class DayActivity:
    """One local day of a window.

    ``activity`` is None when the day has no throughput readings (a day without data);
    ``completeness`` gives readings received / expected per clocked sensor [-] either way.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    activity: LineActivity | None
    completeness: dict[str, float]

    @property
    def hours(self) -> float:
        """Length of the day [h] (first and last days of a window may be partial)."""
        return (self.end - self.start).total_seconds() / 3600.0


@dataclass(frozen=True)
class WindowActivity:
    """What one line did over one window, and per local day when asked for."""

    window: Window
    activity: LineActivity
    days: tuple[DayActivity, ...] = field(default_factory=tuple)

    def table(self) -> pd.DataFrame:
        """The activity table of the window, with its length as ``period_days`` [d]."""
        table = self.activity.activity_table(self.window.kind)
        days = self.window.days
        w = self.window
        # The window's length, a clock quantity the release model scales per-day terms by.
        table.loc[len(table)] = [
            w.kind,
            w.site,
            w.line,
            "period_days",
            days,
            days,
            days,
            "d",
            "clock",
        ]
        return table


@dataclass(frozen=True)
class ActivitySet:
    """The activity of every window of a question (an estimate, an evaluation)."""

    windows: tuple[WindowActivity, ...]

    def table(self) -> pd.DataFrame:
        """All windows' activity tables, in window order."""
        return pd.concat([w.table() for w in self.windows], ignore_index=True)


def extract_windows(
    config: Config,
    source: DataSource,
    windows: Sequence[Window],
    *,
    by_day: bool = False,
) -> ActivitySet:
    """Read each window once and extract its activity (and each local day's with
    ``by_day``).

    Raises
    ------
    PilotError
        A window without readings, or whose readings yield no activity (the message
        names the line and period and says what to do).
    """
    done = []
    for window in windows:
        params = line_parameters(config.line(window.site, window.line), config.line_states)
        readings = source.read(
            site=window.site, line=window.line, start=window.start, end=window.end
        )
        if readings.empty:
            raise PilotError(
                f"no readings of {window.describe()}; collect data first, or choose "
                "another --config, --period, --site or --line"
            )
        try:
            activity = extract_activity(readings, params, start=window.start, end=window.end)
        except ModelError as exc:
            raise PilotError(f"{window.site}/{window.line} {window.kind}: {exc}") from exc
        days = _days(config, readings, params, window) if by_day else ()
        done.append(WindowActivity(window, activity, days))
    return ActivitySet(tuple(done))


def _days(
    config: Config, readings: pd.DataFrame, params: LineParameters, window: Window
) -> tuple[DayActivity, ...]:
    """Each local day's activity from the window's readings (no second read)."""
    times = readings["time"]
    days = []
    for day_start, day_end in local_days(window.start, window.end, config.tzinfo):
        part = readings[(times >= day_start) & (times < day_end)]
        activity = None
        if not part.empty:
            try:
                activity = extract_activity(part, params, start=day_start, end=day_end)
            except ModelError:
                # No throughput readings that day: a day without data; completeness
                # below still says which sensors reported.
                activity = None
        if activity is not None:
            completeness = dict.fromkeys(params.expected_interval_s, 0.0) | activity.completeness
        else:
            hours = (day_end - day_start).total_seconds() / 3600.0
            counts = part["sensor"].value_counts()
            completeness = {
                sensor: min(1.0, counts.get(sensor, 0) / (hours * 3600.0 / interval))
                for sensor, interval in params.expected_interval_s.items()
            }
        days.append(
            DayActivity(pd.Timestamp(day_start), pd.Timestamp(day_end), activity, completeness)
        )
    return tuple(days)


def day_has_data(day: DayActivity) -> bool:
    """Whether the day yielded an activity (it had throughput readings)."""
    return day.activity is not None and not np.isnan(day.activity.processed_kg)
