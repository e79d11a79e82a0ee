"""``pilot collect --workers N``: N collector processes over one shared subscription,
alarms evaluated once, in the parent.

One collector process is bound by paho-mqtt's pure-Python network thread and the GIL
(docs/performance.md). ``--workers N`` starts N member processes, each a full collector
(its own persistent session ``<client_id>-<i>``, spool and quarantine file) in the MQTT
shared-subscription group ``$share/<group>/<prefix>/+/+/+``, so the broker splits the
stream among them.

Alarms are evaluated once, by the parent, on what the members *stored*: each member
sends every stored batch (as plain tuples) to the parent through a pipe, and the parent
feeds its one :class:`~monitoring.alarms.service.AlarmService`, as a single collector's
``on_stored`` hook does. The members split each sensor's stream message by message, so
their reports interleave out of device-time order; the parent holds them for
``[collector] workers_reorder_ms`` and releases them in order
(:mod:`monitoring.alarms.reorder`). Why not one member subscribing to the whole stream
for alarms: that member would take every message through paho again, the very cost the
workers spread, and would judge readings that may never be stored.

Ctrl-C or SIGTERM stops the parent, which sends SIGTERM to every member: each finishes
its batch in hand, acknowledges what is stored and disconnects. A member that dies stops
the others; the command then exits with 3 (runtime error), otherwise 0. Members ignore
Ctrl-C themselves (the terminal sends it to the whole process group) and stop if the
parent disappears.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from pilot.errors import EXIT_ERROR, EXIT_OK

__all__ = ["member_client_id", "member_path", "run_workers"]

log = logging.getLogger("upops")

#: How long the parent waits for its members to finish after asking them to stop [s].
STOP_TIMEOUT_S = 60.0
#: Stored batches waiting for the parent, at most [reports]; a member then waits.
REPORTS_MAX = 64
#: Log format of the members: as the CLI's, with the member's client id.
_MEMBER_FORMAT = "%(asctime)s %(levelname)s %(name)s [{client_id}]: %(message)s"


def member_client_id(base: str, index: int) -> str:
    """Client id of member ``index`` (1-based) of ``pilot collect --workers``.

    >>> member_client_id("collector", 2)
    'collector-2'
    """
    return f"{base}-{index}"


def member_path(path: Path, client_id: str | None) -> Path:
    """``path`` with the group member's client id before the suffix.

    The spool and quarantine are SQLite files a process owns; two members on one machine
    must not share them (e.g. ``spool.sqlite`` becomes ``spool.collector-1.sqlite``).
    """
    if not client_id:
        return path
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in client_id)
    return path.with_name(f"{path.stem}.{safe}{path.suffix}")


def _member_main(
    config_arg: str | None, client_id: str, group: str, level: int, reports: Any
) -> None:
    """One member process: a collector in ``group`` reporting stored batches."""
    from monitoring.errors import MonitoringError
    from pilot.context import load_config_arg
    from pilot.wiring import make_collector

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    logging.basicConfig(
        level=level, format=_MEMBER_FORMAT.format(client_id=client_id), stream=sys.stderr
    )
    parent = multiprocessing.parent_process()
    if parent is not None:

        def orphaned() -> None:
            multiprocessing.connection.wait([parent.sentinel])
            stop.set()

        threading.Thread(target=orphaned, name="parent-watch", daemon=True).start()

    def on_stored(readings: list) -> None:  # type: ignore[type-arg]
        # Plain tuples: pickled in C, far cheaper than the dataclasses.
        reports.put(
            [
                (r.site, r.line, r.sensor, r.ts_us, r.value, r.unit, r.seq, r.household)
                for r in readings
            ]
        )

    try:
        config = load_config_arg(config_arg)
        collector = make_collector(
            config,
            broker=config.broker.with_client_id(client_id),
            quarantine_path=member_path(config.collector.quarantine_path, client_id),
            spool_path=member_path(config.collector.spool_path, client_id),
            share_group=group,
            on_stored=on_stored,
        )
        collector.run(stop)
    except MonitoringError as exc:
        logging.getLogger("upops").error("%s", exc)
        sys.exit(EXIT_ERROR)


def _stop_members(members: list, receive: Any) -> bool:  # type: ignore[type-arg]
    """SIGTERM every member and wait for it, receiving reports meanwhile (a member exits
    only once its reports are in the pipe); kill those still running after
    :data:`STOP_TIMEOUT_S`. False if one had to be killed."""
    for member in members:
        if member.is_alive() and member.pid is not None:
            os.kill(member.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while any(m.is_alive() for m in members) and time.monotonic() < deadline:
        receive(0.1)
    clean = True
    for member in members:
        if member.is_alive():
            log.error("collector %s did not stop in %g s; killed", member.name, STOP_TIMEOUT_S)
            member.kill()
            clean = False
        member.join(5)
    return clean


def run_workers(
    config: Any,
    *,
    config_arg: str | None,
    workers: int,
    group: str,
    base_client_id: str,
    stop: threading.Event,
) -> int:
    """Run ``workers`` member processes and the alarm evaluation until ``stop`` is set.

    Returns the exit code: 0 when every member stopped cleanly, 3 when one failed.
    """
    from monitoring.alarms.reorder import Reorder
    from pilot.wiring import make_alarm_service
    from sensors.schema import Reading

    ctx = multiprocessing.get_context("spawn")  # no copy of the parent's threads or sockets
    # Bounded: a member whose reports the parent cannot keep up with waits in on_stored,
    # so it stops taking (and acknowledging) messages instead of piling up reports.
    reports = ctx.Queue(maxsize=REPORTS_MAX)
    level = logging.getLogger().getEffectiveLevel()
    members = [
        ctx.Process(
            target=_member_main,
            name=f"collector-{i}",
            args=(config_arg, member_client_id(base_client_id, i), group, level, reports),
        )
        for i in range(1, workers + 1)
    ]
    reorder = Reorder(window_s=config.collector.workers_reorder_ms / 1000)
    alarms = make_alarm_service(config, broker=config.broker.with_client_id(base_client_id))
    evaluated = 0

    def receive(timeout_s: float, most: int = REPORTS_MAX) -> None:
        """Move up to ``most`` waiting reports into the reorder buffer."""
        try:
            batch = reports.get(timeout=timeout_s)
            reorder.add([Reading(*row) for row in batch], wall_s=time.time())
            for _ in range(most - 1):
                batch = reports.get_nowait()
                reorder.add([Reading(*row) for row in batch], wall_s=time.time())
        except queue.Empty:
            pass

    def take(timeout_s: float) -> None:
        nonlocal evaluated
        receive(timeout_s)  # then evaluate, even if more are waiting
        due = reorder.due(wall_s=time.time())
        if due:
            evaluated += len(due)
            alarms.on_stored(due)

    failed = False
    with alarms:
        for member in members:
            member.start()
        log.info(
            "started %d collectors in $share/%s (client ids %s ... %s); alarms evaluated here",
            workers,
            group,
            member_client_id(base_client_id, 1),
            member_client_id(base_client_id, workers),
        )
        try:
            while not stop.is_set():
                take(0.2)
                dead = [m for m in members if m.exitcode is not None]
                if dead:
                    log.error(
                        "collector %s exited with %s; stopping the others",
                        dead[0].name,
                        dead[0].exitcode,
                    )
                    failed = True
                    break
        finally:
            # Also when the evaluation itself failed: members must not outlive the parent.
            failed = not _stop_members(members, receive) or failed
        receive(0.0, most=sys.maxsize)  # what the members reported last, before they exited
        rest = reorder.due(wall_s=time.time(), flush=True)
        if rest:
            evaluated += len(rest)
            alarms.on_stored(rest)
    codes = {m.name: m.exitcode for m in members}
    log.info(
        "collectors stopped %s; alarms evaluated %d readings (%d reported too late)",
        codes,
        evaluated,
        reorder.late,
    )
    if failed or any(code != 0 for code in codes.values()):
        return EXIT_ERROR
    return EXIT_OK
