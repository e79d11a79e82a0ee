"""Daily line report: one PDF page per line for one local day.

Each page shows the barrel-zone, melt and mould temperatures against the process window
and the degradation threshold, the throughput against the nominal, the line states
(:func:`models.states.line_states`), the alarms raised that day and the data
completeness of each sensor, on a local time axis (the deployment's time zone, Asia/
Ho_Chi_Minh for the pilot lines). The inputs are DataFrames, so the report does not
care which store held the readings.

Inputs per line (:class:`LineDay`):

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
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from models.states import STATES, StateThresholds, line_states

#: Thresholds of a page made without configured ones.
DEFAULT_STATES = StateThresholds()

#: Colours of the line states on the state strip.
STATE_COLOURS = {"off": "#d9d9d9", "heating": "#f4a259", "running": "#5b9e5b", "idle": "#7fa7d9"}
_MINUTES_PER_DAY = 1440
_TEMPERATURE_KINDS = ("barrel_temp", "melt_temp", "mould_temp", "furnace_temp")
#: Alarm rules in the order the alarm strip lists them (as monitoring.alarms names them).
RULE_ORDER = ("overheat", "underheat", "throughput_low", "silent", "stuck", "dioxin_window")


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
    states
        The configured line-state thresholds (``[line_states]``).
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
    states: StateThresholds = DEFAULT_STATES


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


def write_daily_report(
    pages: Sequence[LineDay], *, day: date, tz: ZoneInfo, out: Path, deployment: str
) -> Path:
    """Write one page per line to ``out`` (a PDF file) and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages

    out.parent.mkdir(parents=True, exist_ok=True)
    with PdfPages(out) as pdf:
        for page in pages:
            figure = _page(page, day=day, tz=tz, deployment=deployment)
            pdf.savefig(figure)
            import matplotlib.pyplot as plt

            plt.close(figure)
        info = pdf.infodict()
        info["Title"] = f"Daily line report {day.isoformat()} - {deployment}"
        info["Subject"] = ", ".join(f"{p.site_id}/{p.line_id}" for p in pages)
    return out


# -- one page ----------------------------------------------------------------------------


def _series(page: LineDay, sensor: str, index: pd.DatetimeIndex) -> pd.Series:
    """One sensor's minute means on the full day's minutes (NaN where missing) [unit]."""
    rows = page.minutes.loc[page.minutes["sensor"] == sensor]
    values = pd.Series(rows["value"].to_numpy(dtype=float), index=pd.DatetimeIndex(rows["time"]))
    values = values[~values.index.duplicated()]
    return values.reindex(index)


def _runs(labels: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
    """Contiguous runs of equal labels: (start, end, label), end exclusive (+1 minute)."""
    if labels.empty:
        return []
    change = labels.ne(labels.shift()).cumsum()
    step = pd.Timedelta(minutes=1)
    return [
        (group.index[0], group.index[-1] + step, str(group.iloc[0]))
        for _, group in labels.groupby(change)
    ]


def _page(page: LineDay, *, day: date, tz: ZoneInfo, deployment: str):  # type: ignore[no-untyped-def]
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    start, end = day_bounds(day, tz)
    index = pd.date_range(start.astimezone(tz), end.astimezone(tz), freq="1min", inclusive="left")
    index_utc = index.tz_convert("UTC")
    n_minutes = len(index)
    low, high = page.process_window_c

    zones = sorted((c for c in page.channels if c.kind == "barrel_temp"), key=lambda c: c.zone or 0)
    temps = {c.sensor: _series(page, c.sensor, index_utc) for c in page.channels}
    throughput_ch = next((c for c in page.channels if c.kind == "throughput"), None)
    energy_ch = next((c for c in page.channels if c.kind == "energy"), None)
    rate = _series(page, throughput_ch.sensor, index_utc) if throughput_ch else None

    # Line states per minute, from the zones and the throughput.
    states = pd.Series(dtype=object)
    if rate is not None and zones and rate.notna().any():
        zone_frame = pd.DataFrame({c.sensor: temps[c.sensor] for c in zones})
        flowing = rate.dropna()
        th = page.states
        states = line_states(
            zone_frame,
            flowing,
            process_window_c=page.process_window_c,
            heating_min_c=th.heating_min_c,
            running_min_kg_h=th.running_min_kg_h,
            hysteresis_c=th.hysteresis_c,
            hysteresis_kg_h=th.hysteresis_kg_h,
        )
        states = states.reindex(index_utc)
    states_local = states.copy()
    states_local.index = index[: len(states_local)] if len(states_local) else states_local.index

    fig = plt.figure(figsize=(11.69, 8.27))  # A4 landscape [in]
    grid = fig.add_gridspec(
        4,
        1,
        height_ratios=[3.2, 1.4, 0.5, 0.6],
        left=0.1,
        right=0.98,
        top=0.87,
        bottom=0.33,
        hspace=0.3,
    )
    bottom = fig.add_gridspec(
        1, 2, width_ratios=[1.2, 1], left=0.1, right=0.98, top=0.24, bottom=0.04, wspace=0.12
    )
    fig.text(0.07, 0.955, page.line_name, fontsize=13, weight="bold")
    fig.text(0.07, 0.93, f"{page.line_name_vi}", fontsize=9, style="italic")
    fig.text(
        0.07,
        0.905,
        f"{page.site_name} · {page.site_id}/{page.line_id} · {page.product} · "
        f"daily line report {day.isoformat()} (local time, {tz.key})",
        fontsize=9,
    )
    fig.text(0.98, 0.955, day.strftime("%A %d %B %Y"), fontsize=11, ha="right")
    fig.text(0.98, 0.93, deployment, fontsize=7, ha="right", color="0.35")

    ax_t = fig.add_subplot(grid[0])
    ax_t.axhspan(low, high, color="#5b9e5b", alpha=0.15, lw=0)
    ax_t.axhline(page.degradation_c, color="#c0392b", ls="--", lw=1)
    cmap = plt.get_cmap("plasma")
    for i, ch in enumerate(zones):
        colour = cmap(0.1 + 0.7 * i / max(1, len(zones) - 1))
        label = f"zone {ch.zone}" + (f" (set {ch.setpoint:g})" if ch.setpoint is not None else "")
        ax_t.plot(index, temps[ch.sensor].to_numpy(), color=colour, lw=1, label=label)
    for kind, style in (
        ("melt_temp", ("k", "-")),
        ("mould_temp", ("0.5", ":")),
        ("furnace_temp", ("#8e44ad", "-")),
    ):
        for ch in (c for c in page.channels if c.kind == kind):
            ax_t.plot(
                index,
                temps[ch.sensor].to_numpy(),
                color=style[0],
                ls=style[1],
                lw=1,
                label=ch.sensor.replace("_", " "),
            )
    handles, labels = ax_t.get_legend_handles_labels()
    handles += [Patch(color="#5b9e5b", alpha=0.3), plt.Line2D([], [], color="#c0392b", ls="--")]
    labels += [f"process window {low:g}-{high:g} °C", f"degradation {page.degradation_c:g} °C"]
    ax_t.legend(handles, labels, fontsize=7, ncol=4, loc="upper left", framealpha=0.85)
    ax_t.set_ylabel("temperature [°C]")
    ax_t.set_title("Temperatures (1-minute means)", fontsize=9, loc="left")
    shown = [temps[c.sensor] for c in page.channels if c.kind in _TEMPERATURE_KINDS]
    top = max([float(s.max()) for s in shown if s.notna().any()] or [0.0])
    ax_t.set_ylim(0, max(page.degradation_c * 1.15, top * 1.05))

    ax_q = fig.add_subplot(grid[1], sharex=ax_t)
    if rate is not None:
        ax_q.plot(index, rate.to_numpy(), color="#2c7fb8", lw=0.9)
        ax_q.fill_between(index, 0, rate.fillna(0).to_numpy(), color="#2c7fb8", alpha=0.15)
    ax_q.axhline(page.nominal_throughput_kg_h, color="0.3", ls="--", lw=0.8)
    ax_q.text(
        index[5],
        page.nominal_throughput_kg_h,
        f" nominal {page.nominal_throughput_kg_h:g}",
        fontsize=7,
        va="bottom",
        color="0.3",
    )
    ax_q.set_ylabel("throughput\n[kg/h]")
    peak = float(rate.max()) if rate is not None and rate.notna().any() else 0.0
    ax_q.set_ylim(0, max(page.nominal_throughput_kg_h * 1.3, peak * 1.05))

    ax_s = fig.add_subplot(grid[2], sharex=ax_t)
    for run_start, run_end, state in _runs(states_local.dropna()):
        ax_s.axvspan(run_start, run_end, color=STATE_COLOURS.get(state, "white"), lw=0)
    if states_local.dropna().empty:
        ax_s.text(
            0.5,
            0.5,
            "no throughput or zone data: no states",
            transform=ax_s.transAxes,
            ha="center",
            va="center",
            fontsize=8,
        )
    ax_s.set_yticks([])
    ax_s.set_ylabel("state", rotation=0, ha="right", va="center")
    ax_s.legend(
        [Patch(color=STATE_COLOURS[s]) for s in STATES],
        list(STATES),
        fontsize=7,
        ncol=4,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        borderaxespad=0.1,
    )

    ax_a = fig.add_subplot(grid[3], sharex=ax_t)
    spans = _alarm_spans(page.alarms, end)
    # One row per rule, so a reader sees at once which kinds of alarm the day had.
    rules = sorted({rule for rule, *_ in spans}, key=lambda r: (r not in RULE_ORDER, r))
    bars: dict[str, list[tuple[float, float]]] = {rule: [] for rule in rules}
    for rule, _, a_start, a_end in spans:
        a0, a1 = max(a_start, start), min(a_end, end)
        # At least 3 minutes wide, so a short alarm stays visible at this scale.
        a1 = max(a1, a0 + timedelta(minutes=3))
        x0 = float(mdates.date2num(a0))
        bars[rule].append((x0, float(mdates.date2num(a1)) - x0))
    for row, rule in enumerate(rules):
        ax_a.broken_barh(bars[rule], (row - 0.4, 0.8), color="#c0392b")
    ax_a.set_ylim(len(rules) - 0.5 if rules else 0.5, -0.5)
    ax_a.set_yticks(range(len(rules)), rules, fontsize=6.5)
    if not spans:
        ax_a.text(
            0.5,
            0.5,
            "no alarms",
            transform=ax_a.transAxes,
            ha="center",
            va="center",
            fontsize=8,
            color="0.3",
        )
    if not rules:
        ax_a.set_yticks([])
    if rules:
        ax_a.set_ylabel("alarms", fontsize=8)
    else:
        ax_a.set_ylabel("alarms", rotation=0, ha="right", va="center")
    ax_a.set_xlim(index[0], index[-1] + pd.Timedelta(minutes=1))
    ax_a.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, 2), tz=tz))
    ax_a.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=tz))
    ax_a.set_xlabel(f"local time ({tz.key}, UTC{_offset_h(start):+g})")
    for ax in (ax_t, ax_q, ax_s):
        plt.setp(ax.get_xticklabels(), visible=False)
    for ax in (ax_t, ax_q, ax_a):
        ax.grid(axis="x", color="0.85", lw=0.5)
    ax_q.grid(axis="y", color="0.9", lw=0.5)

    # Completeness: minutes of the day with at least one reading, per clocked sensor.
    ax_c = fig.add_subplot(bottom[0])
    clocked = [c.sensor for c in page.channels if not c.event]
    share = coverage(page.minutes, clocked, minutes=n_minutes)
    y = np.arange(len(clocked))
    values = [share[s] * 100 for s in clocked]
    ax_c.barh(
        y,
        values,
        color=["#5b9e5b" if v >= 95 else "#e0a030" if v >= 50 else "#c0392b" for v in values],
        height=0.7,
    )
    for yi, v in zip(y, values, strict=True):
        ax_c.text(min(v, 100) + 1, yi, f"{v:.0f} %", va="center", fontsize=6.5)
    ax_c.set_yticks(y, clocked, fontsize=6.5)
    ax_c.invert_yaxis()
    ax_c.set_xlim(0, 115)
    ax_c.set_xticks([0, 50, 100])
    ax_c.tick_params(axis="x", labelsize=7)
    events = [c for c in page.channels if c.event]
    extra = "; ".join(
        f"{c.sensor}: {int(page.minutes.loc[page.minutes['sensor'] == c.sensor, 'count'].sum())} "
        "events"
        for c in events
    )
    ax_c.set_title(
        f"Data completeness: minutes with data [%]{'  (' + extra + ')' if extra else ''}",
        fontsize=8,
        loc="left",
    )

    ax_x = fig.add_subplot(bottom[1])
    ax_x.axis("off")
    lines = _summary(page, states, rate, temps, energy_ch, zones, n_minutes)
    lines += ["", f"Alarms ({page.alarm_source}):"]
    raised = page.alarms.loc[page.alarms["event"] == "raised"] if len(page.alarms) else page.alarms
    if len(raised) == 0:
        lines.append("  none")
    for row in raised.head(6).itertuples():
        local = pd.Timestamp(row.time).tz_convert(tz)
        lines.append(
            f"  {local:%H:%M} {row.rule} {row.sensor} {row.value:.1f} (limit {row.threshold:g})"
        )
    if len(raised) > 6:
        lines.append(f"  ... and {len(raised) - 6} more")
    ax_x.text(
        0,
        1,
        "\n".join(lines),
        va="top",
        fontsize=7.5,
        family="DejaVu Sans Mono",
        transform=ax_x.transAxes,
    )
    return fig


def _summary(page, states, rate, temps, energy_ch, zones, n_minutes) -> list[str]:  # type: ignore[no-untyped-def]
    counts = states.value_counts() if len(states) else pd.Series(dtype=int)
    hours = {s: counts.get(s, 0) / 60 for s in STATES}
    mass = float(rate.fillna(0).sum() / 60) if rate is not None else float("nan")
    energy = float("nan")
    if energy_ch is not None and temps[energy_ch.sensor].notna().any():
        e = temps[energy_ch.sensor].dropna()
        energy = float(e.iloc[-1] - e.iloc[0])
    low, high = page.process_window_c
    running = states == "running"
    in_window = float("nan")
    if running.any() and zones:
        hottest = pd.DataFrame({c.sensor: temps[c.sensor] for c in zones}).max(axis=1)
        ok = hottest[running.to_numpy()].between(low, high)
        in_window = float(ok.mean() * 100)
    lines = [
        "Day summary",
        "  hours  " + "  ".join(f"{s} {hours[s]:.1f}" for s in STATES),
        f"  processed {mass:.0f} kg   energy {energy:.1f} kWh",
        f"  specific energy {energy / mass:.2f} kWh/kg" if mass >= 1 else "  specific energy -",
        f"  hottest zone in window while running: {in_window:.0f} %"
        if not np.isnan(in_window)
        else "  hottest zone in window while running: -",
    ]
    return lines


def _alarm_spans(
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


def _offset_h(when: datetime) -> float:
    offset = when.utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else 0.0
