"""The daily line page, drawn on the shared frame (:mod:`reports.layout`): temperatures,
throughput, line states and alarms on one local time axis, then completeness and the
day's summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from models.states import STATES
from reports.daily.data import (
    LineDay,
    alarm_spans,
    coverage,
    day_bounds,
    day_states,
    minute_series,
    state_runs,
    summary_lines,
)
from reports.layout import A4_LANDSCAPE, Document, Margins, fonts

__all__ = ["RULE_ORDER", "STATE_COLOURS", "write_daily_report"]

#: Colours of the line states on the state strip.
STATE_COLOURS = {"off": "#d9d9d9", "heating": "#f4a259", "running": "#5b9e5b", "idle": "#7fa7d9"}
#: Alarm rules in the order the alarm strip lists them (as monitoring.alarms names them).
RULE_ORDER = ("overheat", "underheat", "throughput_low", "silent", "stuck", "dioxin_window")
#: Header text edges; the axes start further right to leave room for their labels.
MARGINS = Margins(left=0.07, right=0.98, top=0.87, bottom=0.04)
_WINDOW, _DEGRADED, _FLOW = "#5b9e5b", "#c0392b", "#2c7fb8"
_ALARMS_LISTED = 6  # raised alarms written out in the summary; the rest are counted


def write_daily_report(
    pages: Sequence[LineDay], *, day: date, tz: ZoneInfo, out: Path, deployment: str
) -> Path:
    """Write one page per line to ``out`` (a PDF file) and return its path."""
    doc = Document(A4_LANDSCAPE, MARGINS, about=deployment)
    with fonts():
        for page in pages:
            _page(doc, page, day=day, tz=tz)
        return doc.save(
            out,
            title=f"Daily line report {day.isoformat()} - {deployment}",
            subject=", ".join(f"{p.site_id}/{p.line_id}" for p in pages),
        )


@dataclass
class _Day:
    """The page's minutes in local time and UTC, and the series drawn on them."""

    start: datetime
    end: datetime
    index: pd.DatetimeIndex  # local
    temps: dict[str, pd.Series]  # every sensor's minute means, by sensor [unit]
    rate: pd.Series | None  # throughput [kg/h]
    states: pd.Series  # line state per UTC minute


def _day(page: LineDay, day: date, tz: ZoneInfo) -> _Day:
    start, end = day_bounds(day, tz)
    index = pd.date_range(start.astimezone(tz), end.astimezone(tz), freq="1min", inclusive="left")
    index_utc = index.tz_convert("UTC")
    temps = {c.sensor: minute_series(page, c.sensor, index_utc) for c in page.channels}
    throughput = page.first("throughput")
    rate = minute_series(page, throughput.sensor, index_utc) if throughput else None
    states = day_states(page, temps, rate, index_utc)
    return _Day(start, end, index, temps, rate, states)


def _page(doc: Document, page: LineDay, *, day: date, tz: ZoneInfo) -> None:
    import matplotlib.pyplot as plt

    d = _day(page, day, tz)
    sheet = doc.new_page(
        page.line_name,
        f"{page.line_name_vi}\n{page.site_name} · {page.site_id}/{page.line_id} · "
        f"{page.product} · daily line report {day.isoformat()} (local time, {tz.key})",
        aside=day.strftime("%A %d %B %Y"),
    )
    fig = sheet.figure
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
    ax_t = fig.add_subplot(grid[0])
    _temperatures(ax_t, page, d)
    ax_q = fig.add_subplot(grid[1], sharex=ax_t)
    _throughput(ax_q, page, d)
    ax_s = fig.add_subplot(grid[2], sharex=ax_t)
    _states(ax_s, d)
    ax_a = fig.add_subplot(grid[3], sharex=ax_t)
    _alarms(ax_a, page, d, tz)
    for ax in (ax_t, ax_q, ax_s):
        plt.setp(ax.get_xticklabels(), visible=False)
    for ax in (ax_t, ax_q, ax_a):
        ax.grid(axis="x", color="0.85", lw=0.5)
    ax_q.grid(axis="y", color="0.9", lw=0.5)
    _completeness(fig.add_subplot(bottom[0]), page, d)
    _summary(fig.add_subplot(bottom[1]), page, d, tz)


def _temperatures(ax, page: LineDay, d: _Day) -> None:  # type: ignore[no-untyped-def]
    """Zones, melt, mould and furnace against the process window and degradation."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    low, high = page.process_window_c
    ax.axhspan(low, high, color=_WINDOW, alpha=0.15, lw=0)
    ax.axhline(page.degradation_c, color=_DEGRADED, ls="--", lw=1)
    zones = page.zones()
    cmap = plt.get_cmap("plasma")
    for i, ch in enumerate(zones):
        colour = cmap(0.1 + 0.7 * i / max(1, len(zones) - 1))
        label = f"zone {ch.zone}" + (f" (set {ch.setpoint:g})" if ch.setpoint is not None else "")
        ax.plot(d.index, d.temps[ch.sensor].to_numpy(), color=colour, lw=1, label=label)
    for kind, (colour, style) in (
        ("melt_temp", ("k", "-")),
        ("mould_temp", ("0.5", ":")),
        ("furnace_temp", ("#8e44ad", "-")),
    ):
        for ch in (c for c in page.channels if c.kind == kind):
            values = d.temps[ch.sensor].to_numpy()
            label = ch.sensor.replace("_", " ")
            ax.plot(d.index, values, color=colour, ls=style, lw=1, label=label)
    handles, labels = ax.get_legend_handles_labels()
    handles += [Patch(color=_WINDOW, alpha=0.3), plt.Line2D([], [], color=_DEGRADED, ls="--")]
    labels += [f"process window {low:g}-{high:g} °C", f"degradation {page.degradation_c:g} °C"]
    ax.legend(handles, labels, fontsize=7, ncol=4, loc="upper left", framealpha=0.85)
    ax.set_ylabel("temperature [°C]")
    ax.set_title("Temperatures (1-minute means)", fontsize=9, loc="left")
    shown = [d.temps[c.sensor] for c in page.channels if c.temperature]
    top = max([float(s.max()) for s in shown if s.notna().any()] or [0.0])
    ax.set_ylim(0, max(page.degradation_c * 1.15, top * 1.05))


def _throughput(ax, page: LineDay, d: _Day) -> None:  # type: ignore[no-untyped-def]
    """Throughput against the nominal [kg/h]."""
    nominal = page.nominal_throughput_kg_h
    if d.rate is not None:
        ax.plot(d.index, d.rate.to_numpy(), color=_FLOW, lw=0.9)
        ax.fill_between(d.index, 0, d.rate.fillna(0).to_numpy(), color=_FLOW, alpha=0.15)
    ax.axhline(nominal, color="0.3", ls="--", lw=0.8)
    ax.text(d.index[5], nominal, f" nominal {nominal:g}", fontsize=7, va="bottom", color="0.3")
    ax.set_ylabel("throughput\n[kg/h]")
    peak = float(d.rate.max()) if d.rate is not None and d.rate.notna().any() else 0.0
    ax.set_ylim(0, max(nominal * 1.3, peak * 1.05))


def _states(ax, d: _Day) -> None:  # type: ignore[no-untyped-def]
    """The line state strip, coloured runs of equal state."""
    from matplotlib.patches import Patch

    local = d.states.copy()
    local.index = d.index[: len(local)] if len(local) else local.index
    for run_start, run_end, state in state_runs(local.dropna()):
        ax.axvspan(run_start, run_end, color=STATE_COLOURS.get(state, "white"), lw=0)
    if local.dropna().empty:
        _note(ax, "no throughput or zone data: no states")
    ax.set_yticks([])
    ax.set_ylabel("state", rotation=0, ha="right", va="center")
    ax.legend(
        [Patch(color=STATE_COLOURS[s]) for s in STATES],
        list(STATES),
        fontsize=7,
        ncol=4,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        borderaxespad=0.1,
    )


def _alarms(ax, page: LineDay, d: _Day, tz: ZoneInfo) -> None:  # type: ignore[no-untyped-def]
    """One row per alarm rule, so a reader sees at once which kinds of alarm the day had;
    the shared local time axis under it."""
    import matplotlib.dates as mdates

    spans = alarm_spans(page.alarms, d.end)
    rules = sorted({rule for rule, *_ in spans}, key=lambda r: (r not in RULE_ORDER, r))
    bars: dict[str, list[tuple[float, float]]] = {rule: [] for rule in rules}
    for rule, _, a_start, a_end in spans:
        a0, a1 = max(a_start, d.start), min(a_end, d.end)
        # At least 3 minutes wide, so a short alarm stays visible at this scale.
        a1 = max(a1, a0 + timedelta(minutes=3))
        x0 = float(mdates.date2num(a0))
        bars[rule].append((x0, float(mdates.date2num(a1)) - x0))
    for row, rule in enumerate(rules):
        ax.broken_barh(bars[rule], (row - 0.4, 0.8), color=_DEGRADED)
    ax.set_ylim(len(rules) - 0.5 if rules else 0.5, -0.5)
    ax.set_yticks(range(len(rules)), rules, fontsize=6.5)
    if not spans:
        _note(ax, "no alarms", color="0.3")
    if rules:
        ax.set_ylabel("alarms", fontsize=8)
    else:
        ax.set_yticks([])
        ax.set_ylabel("alarms", rotation=0, ha="right", va="center")
    ax.set_xlim(d.index[0], d.index[-1] + pd.Timedelta(minutes=1))
    ax.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, 2), tz=tz))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=tz))
    offset = d.start.utcoffset()
    offset_h = offset.total_seconds() / 3600 if offset is not None else 0.0
    ax.set_xlabel(f"local time ({tz.key}, UTC{offset_h:+g})")


def _note(ax, text: str, **style: object) -> None:  # type: ignore[no-untyped-def]
    """``text`` in the middle of an empty strip."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=8, **style)


def _completeness(ax, page: LineDay, d: _Day) -> None:  # type: ignore[no-untyped-def]
    """Minutes of the day with at least one reading, per clocked sensor [%]."""
    clocked = [c.sensor for c in page.channels if not c.event]
    share = coverage(page.minutes, clocked, minutes=len(d.index))
    y = range(len(clocked))
    values = [share[s] * 100 for s in clocked]
    colours = ["#5b9e5b" if v >= 95 else "#e0a030" if v >= 50 else "#c0392b" for v in values]
    ax.barh(y, values, color=colours, height=0.7)
    for yi, v in zip(y, values, strict=True):
        ax.text(min(v, 100) + 1, yi, f"{v:.0f} %", va="center", fontsize=6.5)
    ax.set_yticks(y, clocked, fontsize=6.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 115)
    ax.set_xticks([0, 50, 100])
    ax.tick_params(axis="x", labelsize=7)
    counts = page.minutes.groupby("sensor")["count"].sum() if len(page.minutes) else {}
    extra = "; ".join(
        f"{c.sensor}: {int(counts.get(c.sensor, 0))} events" for c in page.channels if c.event
    )
    ax.set_title(
        f"Data completeness: minutes with data [%]{'  (' + extra + ')' if extra else ''}",
        fontsize=8,
        loc="left",
    )


def _summary(ax, page: LineDay, d: _Day, tz: ZoneInfo) -> None:  # type: ignore[no-untyped-def]
    """The day summary and the alarms raised, in a fixed-width column."""
    ax.axis("off")
    lines = summary_lines(page, d.states, d.rate, d.temps)
    lines += ["", f"Alarms ({page.alarm_source}):"]
    alarms = page.alarms
    raised = alarms.loc[alarms["event"] == "raised"] if len(alarms) else alarms
    if len(raised) == 0:
        lines.append("  none")
    for row in raised.head(_ALARMS_LISTED).itertuples():
        local = pd.Timestamp(row.time).tz_convert(tz)
        lines.append(
            f"  {local:%H:%M} {row.rule} {row.sensor} {row.value:.1f} (limit {row.threshold:g})"
        )
    if len(raised) > _ALARMS_LISTED:
        lines.append(f"  ... and {len(raised) - _ALARMS_LISTED} more")
    ax.text(
        0,
        1,
        "\n".join(lines),
        va="top",
        fontsize=7.5,
        family="DejaVu Sans Mono",
        transform=ax.transAxes,
    )
