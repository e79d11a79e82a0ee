"""``pilot collect`` and ``pilot quarantine``: store readings until stopped; show what
was kept aside, and why."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
from datetime import datetime
from pathlib import Path

from pilot.errors import EXIT_OK, PilotError

__all__ = ["register"]

log = logging.getLogger("upops")


def cmd_collect(args: argparse.Namespace) -> int:
    from pilot.collect_workers import member_path
    from pilot.context import load_config_arg
    from pilot.wiring import make_alarm_service, make_collector

    config = load_config_arg(args.config)
    group = getattr(args, "group", None)
    client_id = getattr(args, "client_id", None)
    if getattr(args, "workers", 1) < 1:
        raise PilotError("--workers must be at least 1")
    if group is not None and client_id is None and getattr(args, "workers", 1) == 1:
        # Members of a group sharing one client id would take the session from each
        # other (the broker disconnects the older one); each needs a stable id of its own.
        raise PilotError(
            "--group needs --client-id: give each collector of the group its own stable id "
            "(e.g. --client-id collector-1), so its persistent session survives restarts"
        )
    workers = getattr(args, "workers", 1) or 1
    broker = config.broker.with_client_id(client_id) if client_id else config.broker
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if workers > 1:
        from pilot.collect_workers import run_workers

        # Ctrl-C sets the event too: the parent then stops its members in order.
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        name = group or _group_name(broker.client_id)
        log.info(
            "collecting $share/%s/%s/+/+/+ with %d processes into the %s store",
            name,
            config.topic_prefix,
            workers,
            config.store.kind,
        )
        return run_workers(
            config,
            config_arg=args.config,
            workers=workers,
            group=name,
            base_client_id=broker.client_id,
            stop=stop,
        )
    if group is not None:
        # Alarms need every reading of a line; a group member sees only its share, so it
        # would raise false "silent"/"stuck" alarms. Alarm evaluation stays with a
        # collector outside the group (or is off while scaling out).
        collector = make_collector(
            config,
            broker=broker,
            quarantine_path=member_path(config.collector.quarantine_path, client_id),
            spool_path=member_path(config.collector.spool_path, client_id),
            share_group=group,
        )
        log.info(
            "collecting $share/%s/%s/+/+/+ as %s into the %s store (alarms off in a group)",
            group,
            config.topic_prefix,
            broker.client_id,
            config.store.kind,
        )
        try:
            collector.run(stop)
        except KeyboardInterrupt:
            stop.set()
        return EXIT_OK
    alarms = make_alarm_service(config, broker=broker)
    collector = make_collector(config, broker=broker, on_stored=alarms.on_stored)
    log.info("collecting %s/+/+/+ into the %s store", config.topic_prefix, config.store.kind)
    try:
        with alarms:
            collector.run(stop)
    except KeyboardInterrupt:
        stop.set()
    return EXIT_OK


def _group_name(client_id: str) -> str:
    """The share group of ``--workers`` without ``--group``: the client id, as one level.

    >>> _group_name("upops collector/1")
    'upops_collector_1'
    """
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in client_id)[:64]


def cmd_quarantine(args: argparse.Namespace) -> int:
    from monitoring.quarantine import Quarantine
    from pilot.context import load_config_arg

    config = load_config_arg(args.config)
    path = Path(args.path) if args.path else config.collector.quarantine_path
    if not path.exists():
        raise PilotError(f"no quarantine at {path}; the collector creates it on first start")
    q = Quarantine(path)
    try:
        print(json.dumps({"kept": q.count(), "evicted": q.evicted, "reasons": dict(q.reasons())}))
        for item in q.recent(args.limit):
            print(
                json.dumps(
                    {
                        "received_utc": datetime.fromtimestamp(item.received_us / 1e6)
                        .astimezone()
                        .isoformat(),
                        "topic": item.topic,
                        "reason": item.reason,
                        "detail": item.detail,
                        "payload_bytes": item.payload_bytes,
                    },
                    ensure_ascii=False,
                )
            )
    finally:
        q.close()
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``collect`` and ``quarantine`` to the ``pilot`` command."""
    collect = subparsers.add_parser("collect", help="subscribe and store readings until stopped")
    collect.add_argument(
        "--group",
        metavar="NAME",
        help="join the MQTT shared subscription $share/NAME/<prefix>/+/+/+: collectors of "
        "one group split the stream (needs --client-id; alarms are not evaluated)",
    )
    collect.add_argument(
        "--client-id",
        metavar="ID",
        help="MQTT client id of this collector instead of [broker] client_id; stable "
        "across restarts, different for every member of a group",
    )
    collect.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="run N collector processes in one shared-subscription group (--group, or the "
        "client id) with client ids <client_id>-1 .. -N; this process evaluates the alarms "
        "once on what they store. Keep N the same across restarts",
    )
    collect.set_defaults(func=cmd_collect)

    quarantine = subparsers.add_parser(
        "quarantine", help="show what the collector kept aside, and why"
    )
    quarantine.add_argument("--path", help="quarantine file (default: from the configuration)")
    quarantine.add_argument("--limit", type=int, default=20, help="newest entries to list")
    quarantine.set_defaults(func=cmd_quarantine)
