"""What a daily line page shows (:class:`LineDay`) and the numbers derived from it:
minute series, line states, alarm spans, completeness and the day's summary.

``minutes``
    One-minute means of every sensor of the line: columns ``time`` (window start, UTC),
    ``sensor``, ``value`` (mean [sensor unit]) and ``count`` (readings in the window),
    as :meth:`monitoring.stores.base.Store.read` returns them with ``every_s=60``.
``alarms``
    Alarm events: columns ``time`` (UTC), ``event`` (``raised``/``cleared``), ``rule``,
    ``sensor``, ``value``, ``threshold``, ``message``.

>>> import pandas as pd
>>> coverage(pd.DataFrame({"sensor": ["a", "a"], "count": [3, 0]}), ["a", "b"], minutes=4)
{'a': 0.25, 'b': 0.0}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from models.states import STATES, StateThresholds, line_states

__all__ = [
    "Channel",
    "LineDay",
    "alarm_spans",
    "coverage",
    "day_bounds",
    "day_states",
    "minute_series",
    "state_runs",
    "summary_lines",
]

_MINUTES_PER_HOUR = 60.0  # minute means of a rate [x/h] sum to x over the day this way


@dataclass(frozen=True)
class Channel:
    """One sensor of the line, as the report needs it.

    ``kind`` is the sensor kind (``barrel_temp``, ``melt_temp``, ``throughput``, ...);
    ``zone`` the barrel zone; ``setpoint`` [sensor unit]; ``event`` marks sensors
    that report per event (intake weighings) rather than on a clock.
    """

    sensor: str
    kind: str
    zone: int | None = None
    setpoint: float | None = None
    event: bool = False

    @property
    def temperature(self) -> bool:
        """Whether the sensor measures a temperature (its kind ends in ``_temp``)."""
        return self.kind.endswith("_temp")


@dataclass(frozen=True)
class LineDay:
    """Everything one page shows.

    Parameters
    ----------
    site_name, line_name, line_name_vi, site_id, line_id, product
        Identity and display names.
    process_window_c
        Process window (low, high) [°C].
    degradation_c
        Polymer degradation threshold [°C].
    nominal_throughput_kg_h
        Design throughput [kg/h].
    channels
        The line's sensors.
    minutes
        One-minute means (see the module docstring).
    alarms
        Alarm events of the day (see the module docstring).
    alarm_source
        Where the alarms come from, printed on the page.
    state_thresholds
        The configured thresholds of the line states (``[line_states]``).
    """

    site_name: str
    line_name: str
    line_name_vi: str
    site_id: str
    line_id: str
    product: str
    process_window_c: tuple[float, float]
    degradation_c: float
    nominal_throughput_kg_h: float
    channels: tuple[Channel, ...]
    minutes: pd.DataFrame
    alarms: pd.DataFrame
    alarm_source: str
    state_thresholds: StateThresholds = field(default_factory=StateThresholds)

    def zones(self) -> list[Channel]:
        """The barrel zones, feed to die."""
        zones = (c for c in self.channels if c.kind == "barrel_temp")
        return sorted(zones, key=lambda c: c.zone or 0)

    def first(self, kind: str) -> Channel | None:
        """The line's first sensor of ``kind``, if any."""
        return next((c for c in self.channels if c.kind == kind), None)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight, as aware datetimes in ``tz``.

    >>> start, end = day_bounds(date(2020, 10, 5), ZoneInfo("Asia/Ho_Chi_Minh"))
    >>> start.isoformat(), (end - start).total_seconds() / 3600
    ('2020-10-05T00:00:00+07:00', 24.0)
    """
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tz)
    return start, end


def coverage(frame: pd.DataFrame, sensors: Sequence[str], *, minutes: int) -> dict[str, float]:
    """Share of the ``minutes`` of the day in which each sensor sent at least one reading [-]."""
    seen = frame.loc[frame["count"] > 0].groupby("sensor").size() if len(frame) else pd.Series()
    return {s: float(seen.get(s, 0)) / minutes for s in sensors}


def minute_series(page: LineDay, sensor: str, index: pd.DatetimeIndex) -> pd.Series:
    """One sensor's minute means on the full day's minutes (NaN where missing) [unit]."""
    rows = page.minutes.loc[page.minutes["sensor"] == sensor]
    values = pd.Series(rows["value"].to_numpy(dtype=float), index=pd.DatetimeIndex(rows["time"]))
    values = values[~values.index.duplicated()]
    return values.reindex(index)


def day_states(
    page: LineDay, temps: dict[str, pd.Series], rate: pd.Series | None, index: pd.DatetimeIndex
) -> pd.Series:
    """Line state per minute of ``index`` (:func:`models.states.line_states` of the zones
    and the throughput with the configured thresholds); empty without both."""
    zones = page.zones()
    if rate is None or not zones or not rate.notna().any():
        return pd.Series(dtype=object)
    zone_frame = pd.DataFrame({c.sensor: temps[c.sensor] for c in zones})
    states = line_states(
        zone_frame,
        rate.dropna(),
        process_window_c=page.process_window_c,
        thresholds=page.state_thresholds,
    )
    return states.reindex(index)


def state_runs(labels: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
    """Contiguous runs of equal labels: (start, end, label), end exclusive (+1 minute)."""
    if labels.empty:
        return []
    change = labels.ne(labels.shift()).cumsum()
    step = pd.Timedelta(minutes=1)
    return [
        (group.index[0], group.index[-1] + step, str(group.iloc[0]))
        for _, group in labels.groupby(change)
    ]


def alarm_spans(
    alarms: pd.DataFrame, day_end: datetime
) -> list[tuple[str, str, datetime, datetime]]:
    """(rule, sensor, raised, cleared) of each alarm; still active ones end at ``day_end``."""
    spans: list[tuple[str, str, datetime, datetime]] = []
    open_: dict[tuple[str, str], datetime] = {}
    for row in alarms.sort_values("time").itertuples() if len(alarms) else []:
        key = (row.rule, row.sensor)
        when = pd.Timestamp(row.time).to_pydatetime()
        if row.event == "raised":
            open_[key] = when
        elif key in open_:
            spans.append((*key, open_.pop(key), when))
    spans += [(*key, since, day_end) for key, since in open_.items()]
    return spans


def summary_lines(
    page: LineDay, states: pd.Series, rate: pd.Series | None, temps: dict[str, pd.Series]
) -> list[str]:
    """The day summary: hours per state, mass processed [kg], energy [kWh], energy per kg
    [kWh/kg] and the share of running minutes with the hottest zone in the window [%]."""
    counts = states.value_counts() if len(states) else pd.Series(dtype=int)
    hours = {s: counts.get(s, 0) / _MINUTES_PER_HOUR for s in STATES}
    mass = float(rate.fillna(0).sum() / _MINUTES_PER_HOUR) if rate is not None else float("nan")
    energy = float("nan")
    energy_ch = page.first("energy")
    if energy_ch is not None and temps[energy_ch.sensor].notna().any():
        e = temps[energy_ch.sensor].dropna()
        energy = float(e.iloc[-1] - e.iloc[0])
    low, high = page.process_window_c
    running = states == "running"
    in_window = float("nan")
    zones = page.zones()
    if running.any() and zones:
        hottest = pd.DataFrame({c.sensor: temps[c.sensor] for c in zones}).max(axis=1)
        ok = hottest[running.to_numpy()].between(low, high)
        in_window = float(ok.mean() * 100)
    return [
        "Day summary",
        "  hours  " + "  ".join(f"{s} {hours[s]:.1f}" for s in STATES),
        f"  processed {mass:.0f} kg   energy {energy:.1f} kWh",
        f"  specific energy {energy / mass:.2f} kWh/kg" if mass >= 1 else "  specific energy -",
        f"  hottest zone in window while running: {in_window:.0f} %"
        if not np.isnan(in_window)
        else "  hottest zone in window while running: -",
    ]
