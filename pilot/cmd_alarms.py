"""``pilot alarms list`` and ``pilot alarms ack ID --by NAME``: the alarm log for engineers.

``list`` shows the active alarms (not yet acknowledged, then acknowledged, with who and
when) and the most recent events, times in the deployment's time zone; ``--format
json`` gives the same as JSON with UTC times. ``ack`` records in the alarm log that an
engineer has seen an active alarm; it does not clear it (only the readings do).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sensors.schema import format_ts

if TYPE_CHECKING:
    from monitoring.alarms import AlarmRecord

__all__ = ["cmd_alarms_ack", "cmd_alarms_list", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``alarms list`` and ``alarms ack`` to the ``pilot`` command."""
    alarms = subparsers.add_parser("alarms", help="list and acknowledge alarms")
    sub = alarms.add_subparsers(dest="alarms_command", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="active, acknowledged and recent alarms")
    listing.add_argument("--recent", type=int, default=20, help="recent events shown (default 20)")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(func=cmd_alarms_list)
    ack = sub.add_parser("ack", help="acknowledge an active alarm by its id")
    ack.add_argument("id", type=int, help="the alarm's id (pilot alarms list)")
    ack.add_argument("--by", required=True, help="who acknowledges it")
    ack.set_defaults(func=cmd_alarms_ack)


def _local(ts_us: int | None, tz: ZoneInfo) -> str:
    if ts_us is None:
        return ""
    return (
        dt.datetime.fromtimestamp(ts_us / 1e6, dt.UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    )


def _row(record: AlarmRecord, tz: ZoneInfo) -> str:
    e = record.event
    ack = f"  ack {record.acked_by} {_local(record.acked_at_us, tz)}" if record.acked_by else ""
    return (
        f"{record.id:>6}  {_local(e.ts_us, tz)}  {e.event:<7}  {e.site}/{e.line}  "
        f"{e.sensor:<12} {e.rule:<14} {e.value:10.1f} / {e.threshold:<8g}{ack}"
    )


def _json(record: AlarmRecord) -> dict[str, Any]:
    acked = record.acked_at_us
    return {
        "id": record.id,
        **record.event.as_dict(),
        "acked_by": record.acked_by,
        "acked_at": format_ts(acked) if acked is not None else None,
    }


def cmd_alarms_list(args: argparse.Namespace) -> int:
    from monitoring.alarms import AlarmLog
    from pilot.context import load_config_arg

    config = load_config_arg(args.config)
    log = AlarmLog(config.alarms.path)
    try:
        active = log.active_records()
        recent = log.records(limit=args.recent)
    finally:
        log.close()
    if args.format == "json":
        doc = {
            "active": [_json(r) for r in active],
            "recent": [_json(r) for r in recent],
        }
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    tz = config.tzinfo
    sections = (
        ("Active, not acknowledged", [r for r in active if r.acked_by is None]),
        ("Active, acknowledged", [r for r in active if r.acked_by is not None]),
        (f"Recent events (last {args.recent})", recent),
    )
    print(f"times in {config.timezone}; value / limit")
    for title, records in sections:
        print(f"\n{title}: {len(records)}")
        for record in records:
            print(_row(record, tz))
    return 0


def cmd_alarms_ack(args: argparse.Namespace) -> int:
    from monitoring.alarms import AlarmLog
    from pilot.context import load_config_arg

    config = load_config_arg(args.config)
    log = AlarmLog(config.alarms.path)
    try:
        record = log.acknowledge(args.id, by=args.by, at_us=int(time.time() * 1_000_000))
    finally:
        log.close()
    print(f"acknowledged: {_row(record, config.tzinfo)}")
    return 0
