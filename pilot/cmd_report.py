"""``pilot report``: reports as PDF files.

``pilot report daily --date 2020-10-05 --out reports/`` writes
``reports/daily-2020-10-05.pdf``, one page per line, from the configured store. The
alarms come from the alarm log (``[alarms] path``) when it exists, else the alarm rules
are evaluated again over the day's stored readings (``--alarms replay`` forces that).

After ``pilot demo --out demo-out`` (or ``./run demo``), point it at the demo's store::

    pilot report daily --from-demo demo-out --date 2020-10-05 --out demo-out

The demo simulates the first two days of each period: 2019-06-03 and 2019-06-04
(baseline), 2020-10-05 and 2020-10-06 (post), local dates.

``pilot report household --month 2020-10 --out reports/`` writes the monthly page of each
delivering household (:mod:`pilot.cmd_household`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

from pilot import cmd_evaluation, cmd_household
from pilot.errors import PilotError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2020-10-05") from None


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``report`` (with ``daily`` and ``household``) to the ``pilot`` command."""
    report = subparsers.add_parser("report", help="write reports (PDF)")
    kinds = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    daily = kinds.add_parser("daily", help="one page per line for one local day")
    daily.add_argument("--date", required=True, type=_date, help="local date, YYYY-MM-DD")
    daily.add_argument("--out", required=True, help="output folder")
    # SUPPRESS: given here or before the command, never reset by the other.
    daily.add_argument("-c", "--config", default=argparse.SUPPRESS, help="configuration file")
    daily.add_argument(
        "--from-demo",
        metavar="DIR",
        help="read DIR/readings.sqlite written by `pilot demo` instead of the configured store",
    )
    daily.add_argument("--site", help="only this site")
    daily.add_argument("--line", help="only this line")
    daily.add_argument(
        "--alarms",
        choices=("auto", "log", "replay"),
        default="auto",
        help="alarms from the alarm log, or evaluated again from the readings "
        "(default auto: the log when it exists and --from-demo is not given)",
    )
    daily.set_defaults(func=cmd_report_daily)
    # The monthly household page lives in its own module.
    cmd_household.register(kinds)
    # The evaluator report too (:mod:`pilot.cmd_evaluation`).
    cmd_evaluation.register(kinds)


def cmd_report_daily(args: argparse.Namespace) -> int:
    import pandas as pd

    from monitoring.alarms import AlarmEngine, AlarmLog
    from monitoring.stores.sqlite import SQLiteStore
    from pilot.cli import _load
    from pilot.wiring import alarm_rules, line_infos, line_state_tracker, make_store
    from reports.daily import Channel, LineDay, day_bounds, write_daily_report

    config = _load(args)
    tz = config.tzinfo
    start, end = day_bounds(args.date, tz)
    if args.from_demo:
        path = Path(args.from_demo) / "readings.sqlite"
        if not path.exists():
            raise PilotError(f"no {path}; run `pilot demo --out {args.from_demo}` first")
        store = SQLiteStore(path)
    else:
        store = make_store(config.store)
    use_log = args.alarms == "log" or (
        args.alarms == "auto" and not args.from_demo and config.alarms.path.exists()
    )
    if use_log and not config.alarms.path.exists():
        raise PilotError(f"no alarm log at {config.alarms.path}; try --alarms replay")
    pages = []
    try:
        for info in line_infos(config):
            if args.site not in (None, info.site) or args.line not in (None, info.line):
                continue
            site = config.site(info.site)
            line = config.line(info.site, info.line)
            minutes = store.read(site=info.site, line=info.line, start=start, end=end, every_s=60)
            if use_log:
                alarm_log = AlarmLog(config.alarms.path)
                try:
                    events = alarm_log.events(
                        site=info.site,
                        line=info.line,
                        start_us=int(start.timestamp() * 1e6),
                        end_us=int(end.timestamp() * 1e6),
                    )
                finally:
                    alarm_log.close()
                source = f"alarm log {config.alarms.path.name}"
            else:
                engine = AlarmEngine(
                    [info], alarm_rules(config), state_tracker=line_state_tracker(config)
                )
                events = _replay(engine, store, info.site, info.line, start, end)
                source = "rules re-run on stored readings, without silence"
            alarms = pd.DataFrame(
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
            if minutes.empty:
                print(
                    f"pilot: no readings of {info.site}/{info.line} on {args.date}", file=sys.stderr
                )
            pages.append(
                LineDay(
                    site_name=site.name,
                    line_name=line.name,
                    line_name_vi=line.name_vi,
                    site_id=info.site,
                    line_id=info.line,
                    product=line.product,
                    process_window_c=line.process_window_c,
                    degradation_c=line.degradation_c,
                    nominal_throughput_kg_h=line.nominal_throughput_kg_h,
                    channels=tuple(
                        Channel(s.sensor, s.kind, s.zone, s.setpoint, s.event) for s in line.sensors
                    ),
                    minutes=minutes,
                    alarms=alarms,
                    alarm_source=source,
                )
            )
    finally:
        store.close()
    if not pages:
        raise PilotError(f"no configured line matches --site {args.site} --line {args.line}")
    out = Path(args.out) / f"daily-{args.date.isoformat()}.pdf"
    write_daily_report(pages, day=args.date, tz=tz, out=out, deployment=config.name)
    print(out)
    return 0


def _replay(engine, store, site: str, line: str, start, end) -> list:  # type: ignore[no-untyped-def]
    """Alarm events of the day, from the rules run over the stored readings in device time.

    Readings are fed a minute of device time at a time. Silence is not judged: stored data
    may be sampled slower than configured (the demo samples every 10 s), and gaps show in
    the page's data completeness instead.
    """
    from sensors.schema import Reading

    events = []
    hour = timedelta(hours=1)
    t = start
    while t < end:
        frame = store.read(site=site, line=line, start=t, end=min(t + hour, end))
        t += hour
        if frame.empty:
            continue
        ts_us = frame["time"].dt.as_unit("us").astype("int64").to_numpy()
        readings = [
            Reading(
                site,
                line,
                str(sensor),
                int(ts),
                float(value),
                str(unit),
                int(seq),
                None if not isinstance(hh, str) or not hh else hh,
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
        ]
        readings.sort(key=lambda r: r.ts_us)
        minute = 60_000_000
        chunk: list[Reading] = []
        for reading in readings:
            if chunk and reading.ts_us // minute != chunk[0].ts_us // minute:
                events += engine.feed(chunk)
                chunk = []
            chunk.append(reading)
        if chunk:
            events += engine.feed(chunk)
    return events
