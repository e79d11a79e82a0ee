"""Activity per line and window, extracted once and reused by every result.

Each window is read in chunks of a few local days, each chunk once, as arrays per
sensor (:meth:`monitoring.stores.base.Store.read_series`). From the chunks come the
window's activity (the release model's input, summed by
:class:`models.activity_stream.ActivityStream`, so memory does not grow with the
window) and, when a report needs them, the activity of each local day (the daily
indicators) and the data completeness per sensor and day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from models.activity import LineActivity, LineParameters, SensorArrays, extract_activity_arrays
from models.activity_stream import ActivityStream
from models.errors import ModelError
from models.states import StateThresholds
from monitoring.stores.base import SensorSeries
from pilot.config import Config
from pilot.errors import PilotError
from pilot.pipeline.source import DataSource
from pilot.pipeline.windows import Window, local_days
from sensors.lines import Line
from sensors.schema import us_from_datetime

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

    residue = line.of_kind("residue")

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
        residue_sensor=first("residue"),
        residue_counter=bool(residue is not None and residue.counter),
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


#: Local days read and extracted together: 2 days of a line of 8 sensors at 1 Hz are
#: 1.4 million readings, about 22 MB as arrays and 150 MB while extracted, whatever the
#: period's length. A window no longer than a chunk is extracted exactly as a whole.
CHUNK_DAYS = 2


def extract_windows(
    config: Config,
    source: DataSource,
    windows: Sequence[Window],
    *,
    by_day: bool = False,
    chunk_days: int = CHUNK_DAYS,
) -> ActivitySet:
    """Read each window chunk by chunk (``chunk_days`` local days each, each chunk read
    once) and extract its activity, and each local day's with ``by_day``.

    Memory is bounded by the chunk, not the window: a window's activity is summed over
    its chunks (:class:`models.activity_stream.ActivityStream`), and a day is sliced
    from the chunk that holds it.

    Raises
    ------
    PilotError
        A window without readings, or whose readings yield no activity (the message
        names the line and period and says what to do).
    """
    if chunk_days < 1:
        raise PilotError(f"chunk_days must be at least 1, got {chunk_days}")
    done = []
    for window in windows:
        line = config.line(window.site, window.line)
        params = line_parameters(line, config.line_states)
        # The model's sensors are read; the others (e.g. a mould temperature) only count
        # for completeness, so the store counts them in place.
        sensors = [s.sensor for s in line.sensors if s.sensor in params.valued_sensors]
        counted = [s.sensor for s in line.sensors if s.sensor not in params.valued_sensors]
        stream = ActivityStream(
            params, site=window.site, line=window.line, start=window.start, end=window.end
        )
        days: list[DayActivity] = []
        local = local_days(window.start, window.end, config.tzinfo)
        read_any = False
        for i in range(0, len(local), chunk_days):
            chunk_days_ = local[i : i + chunk_days]
            series = source.read_series(
                site=window.site,
                line=window.line,
                start=chunk_days_[0][0],
                end=chunk_days_[-1][1],
                sensors=sensors,
            )
            spans = chunk_days_ if by_day else [(chunk_days_[0][0], chunk_days_[-1][1])]
            counts = [
                source.count_series(
                    site=window.site, line=window.line, start=a, end=b, sensors=counted
                )
                if counted
                else {}
                for a, b in spans
            ]
            chunk_counts = sum((Counter(c) for c in counts), Counter())
            read_any = read_any or bool(series) or bool(chunk_counts)
            arrays, intake = _split(series, params.intake_sensor)
            try:
                stream.add(arrays, intake, chunk_counts)
            except ModelError as exc:
                raise PilotError(f"{window.site}/{window.line} {window.kind}: {exc}") from exc
            if by_day:
                days.extend(
                    _day(params, window, arrays, intake, day, n)
                    for day, n in zip(chunk_days_, counts, strict=True)
                )
        if not read_any:
            raise PilotError(
                f"no readings of {window.describe()}; collect data first, or choose "
                "another --config, --period, --site or --line"
            )
        try:
            activity = stream.result()
        except ModelError as exc:
            raise PilotError(f"{window.site}/{window.line} {window.kind}: {exc}") from exc
        done.append(WindowActivity(window, activity, tuple(days)))
    return ActivitySet(tuple(done))


def _split(
    series: dict[str, SensorSeries], intake_sensor: str | None
) -> tuple[dict[str, SensorArrays], pd.DataFrame]:
    """The store's series as the model's arrays, and the intake weighings apart."""
    arrays = {s: (x.times_us, x.values) for s, x in series.items() if s != intake_sensor}
    weighings = series.get(intake_sensor) if intake_sensor is not None else None
    if weighings is None:
        return arrays, pd.DataFrame(
            {
                "household": pd.Series([], dtype=object),
                "value": pd.Series([], dtype=float),
                "time_us": pd.Series([], dtype=np.int64),
            }
        )
    households = (
        weighings.households
        if weighings.households is not None
        else np.full(len(weighings.values), None, dtype=object)
    )
    # The intake's times stay with the arrays: a day's weighings are cut by time.
    arrays[intake_sensor] = (weighings.times_us, weighings.values)  # type: ignore[index]
    return arrays, pd.DataFrame(
        {"household": households, "value": weighings.values, "time_us": weighings.times_us}
    )


def _day(
    params: LineParameters,
    window: Window,
    arrays: dict[str, SensorArrays],
    intake: pd.DataFrame,
    day: tuple[datetime, datetime],
    counted: dict[str, int],
) -> DayActivity:
    """One local day's activity, sliced from its chunk's arrays (no second read);
    ``counted`` are the day's readings of the sensors only counted."""
    day_start, day_end = day
    lo, hi = us_from_datetime(day_start), us_from_datetime(day_end)
    part = {}
    for sensor, (times_us, values) in arrays.items():
        a, b = np.searchsorted(times_us, [lo, hi])
        if b > a:
            part[sensor] = (times_us[a:b], values[a:b])
    in_day = intake[(intake["time_us"] >= lo) & (intake["time_us"] < hi)]
    counts = {sensor: len(times_us) for sensor, (times_us, _) in part.items()} | counted
    activity = None
    if part:
        try:
            activity = extract_activity_arrays(
                part,
                params,
                site=window.site,
                line=window.line,
                start=day_start,
                end=day_end,
                intake=in_day if params.intake_sensor is not None else None,
                counted=counted,
            )
        except ModelError:
            # No throughput readings that day: a day without data; completeness
            # below still says which sensors reported.
            activity = None
    if activity is not None:
        completeness = dict.fromkeys(params.expected_interval_s, 0.0) | activity.completeness
    else:
        hours = (day_end - day_start).total_seconds() / 3600.0
        completeness = {
            sensor: min(1.0, counts.get(sensor, 0) / (hours * 3600.0 / interval))
            for sensor, interval in params.expected_interval_s.items()
        }
    return DayActivity(pd.Timestamp(day_start), pd.Timestamp(day_end), activity, completeness)


def day_has_data(day: DayActivity) -> bool:
    """Whether the day yielded an activity (it had throughput readings)."""
    return day.activity is not None and not np.isnan(day.activity.processed_kg)
