"""The ``pilot`` command.

Exit codes: 0 success; 1 the command ran and found problems (``config check``, ``import``);
2 wrong usage; 3 a runtime error with a message on stderr; 130 interrupted.
Data go to stdout, messages and progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pilot import cmd_estimate, cmd_import, cmd_report, cmd_watch
from pilot.errors import PilotError

log = logging.getLogger("upops")

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("upops-pilot")
    except PackageNotFoundError:
        return "unknown"


def _config_path(args: argparse.Namespace) -> Path:
    from pilot.config import default_config_path

    if getattr(args, "config", None):
        return Path(args.config)
    if os.environ.get("PILOT_CONFIG"):
        return Path(os.environ["PILOT_CONFIG"])
    return default_config_path()


def _load(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from pilot.config import (
        ConfigError,
        ConfigProblem,
        default_config_path,
        load_config,
        parse_config,
    )

    path = _config_path(args)
    if path == default_config_path():
        # The shipped example's relative data paths land in the working folder, not
        # inside the installed package.
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError([ConfigProblem(str(path), "", f"cannot read: {exc}")]) from exc
        return parse_config(text, base_dir=Path.cwd(), source=str(path))
    return load_config(path)


def _parse_time(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time like 2019-06-03T07:00:00+07:00"
        ) from None
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no zone: add Z or +07:00")
    return when


# -- commands --------------------------------------------------------------------------


def cmd_config_check(args: argparse.Namespace) -> int:
    from pilot.config import check_config

    path = Path(args.file) if args.file else _config_path(args)
    problems = check_config(path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{path}: {len(problems)} problem(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{path}: OK", file=sys.stderr)
    return EXIT_OK


def cmd_config_example(args: argparse.Namespace) -> int:
    from pilot.config import default_config_path

    sys.stdout.write(default_config_path().read_text(encoding="utf-8"))
    return EXIT_OK


def cmd_config_reference(args: argparse.Namespace) -> int:
    from pilot.config.reference import reference

    sys.stdout.write(reference())
    return EXIT_OK


def _device_settings(config, args: argparse.Namespace, site: str, line: str, index: int):  # type: ignore[no-untyped-def]
    """Broker settings of a simulated device: the configuration's broker, with the
    device's own credentials when ``--device-username`` is given (the broker ACL lets
    the collector only read, so devices publish as users of their own)."""
    from dataclasses import replace

    settings = config.broker.with_client_id(f"{config.broker.client_id}-sim-{index}")
    if not args.device_username:
        return settings
    names = {"site": site, "line": line}
    username = args.device_username.format(**names)
    password = None
    if args.device_password_env:
        variable = args.device_password_env.format(**names).upper().replace("-", "_")
        password = os.environ.get(variable)
        if password is None:
            raise PilotError(
                f"environment variable {variable} (from --device-password-env) is not set; "
                f"export the password of device user {username} there"
            )
    return replace(settings, username=username, password=password)


def cmd_simulate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from pilot.wiring import make_outbox
    from sensors.publisher import publish
    from sensors.simulator import simulate_line

    config = _load(args)
    if args.period:
        period = config.period(args.period)
        start, end, regime = period.start, period.end, period.kind
    else:
        if not (args.start and args.end):
            raise PilotError("give --period ID, or --start and --end with --regime")
        start, end, regime = args.start, args.end, args.regime
    if args.days is not None:
        from datetime import timedelta

        end = min(end, start + timedelta(days=args.days))
    targets = [
        (site.id, line.id)
        for site in config.sites
        for line in site.lines
        if (args.site in (None, site.id)) and (args.line in (None, line.id))
    ]
    if not targets:
        raise PilotError(f"no configured line matches --site {args.site} --line {args.line}")
    speed = 1.0 if args.realtime else args.speed
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threads: list[threading.Thread] = []
    results: dict[str, object] = {}
    seed = config.simulation.seed if args.seed is None else args.seed
    bar = tqdm(desc="readings", unit="rd", disable=args.quiet)
    lock = threading.Lock()

    def progress(n: int) -> None:
        with lock:
            bar.update(n)

    def run(index: int, site_id: str, line_id: str) -> None:
        try:
            outbox = make_outbox(config, site_id, line_id)
        except Exception as exc:  # reported below, like a publishing failure
            results[f"{site_id}/{line_id}"] = {"error": str(exc)}
            return
        try:
            stats = publish(
                simulate_line(
                    config.line(site_id, line_id),
                    regime=regime,
                    start=start,
                    end=end,
                    seed=seed + index,
                    interval_s=args.interval_s,
                ),
                settings=_device_settings(config, args, site_id, line_id, index),
                prefix=config.topic_prefix,
                batch_size=args.batch_size or config.simulation.batch_size,
                speed=speed,
                on_progress=progress,
                stop=stop,
                outbox=outbox,
            )
            results[f"{site_id}/{line_id}"] = {
                "messages": stats.messages,
                "readings": stats.readings,
                "outbox_dropped_readings": stats.outbox_dropped_readings,
            }
        except Exception as exc:  # reported below; one line failing must not hide the other
            results[f"{site_id}/{line_id}"] = {"error": str(exc)}
        finally:
            outbox.close()

    for index, (site_id, line_id) in enumerate(targets):
        thread = threading.Thread(target=run, args=(index, site_id, line_id), daemon=True)
        thread.start()
        threads.append(thread)
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)
    except KeyboardInterrupt:
        stop.set()
        for thread in threads:
            thread.join(10)
        raise
    finally:
        bar.close()
    print(json.dumps(results, indent=2))
    errors = [
        f"{k}: {v['error']}" for k, v in results.items() if isinstance(v, dict) and "error" in v
    ]
    if errors:
        raise PilotError("simulation failed for " + "; ".join(errors))
    return EXIT_OK


def cmd_collect(args: argparse.Namespace) -> int:
    from pilot.wiring import make_alarm_service, make_collector

    config = _load(args)
    group = getattr(args, "group", None)
    client_id = getattr(args, "client_id", None)
    if group is not None and client_id is None:
        # Members of a group sharing one client id would take the session from each
        # other (the broker disconnects the older one); each needs a stable id of its own.
        raise PilotError(
            "--group needs --client-id: give each collector of the group its own stable id "
            "(e.g. --client-id collector-1), so its persistent session survives restarts"
        )
    broker = config.broker.with_client_id(client_id) if client_id else config.broker
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if group is not None:
        # Alarms need every reading of a line; a group member sees only its share, so it
        # would raise false "silent"/"stuck" alarms. Alarm evaluation stays with a
        # collector outside the group (or is off while scaling out).
        collector = make_collector(
            config,
            broker=broker,
            quarantine_path=_member_path(config.collector.quarantine_path, client_id),
            spool_path=_member_path(config.collector.spool_path, client_id),
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


def _member_path(path: Path, client_id: str | None) -> Path:
    """``path`` with the group member's client id before the suffix.

    The spool and quarantine are SQLite files a process owns; two members on one machine
    must not share them (e.g. ``spool.sqlite`` becomes ``spool.collector-1.sqlite``).
    """
    if not client_id:
        return path
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in client_id)
    return path.with_name(f"{path.stem}.{safe}{path.suffix}")


def cmd_demo(args: argparse.Namespace) -> int:
    from pilot.demo import DemoOptions, run_demo

    config = _load(args)
    summary = run_demo(
        Path(args.out),
        config,
        options=DemoOptions(days=args.days, interval_s=args.interval_s, batch_size=args.batch_size),
        progress=not args.quiet,
    )
    for row in summary["segments"]:
        print(
            f"{row['period']:<16} {row['site']}/{row['line']:<8}"
            f" published {row['readings_published']:>8}"
            f"  stored {row['readings_stored']:>8}  quarantined {row['quarantined']:>3}"
            f"  {'complete' if row['complete'] else 'INCOMPLETE'}"
        )
    for row in summary.get("estimates", {}).get("all_lines", []):
        print(
            f"{row['period']:<10} {row['pollutant']:<7} {row['vector']:<5} mean "
            f"{row['mean']:.4g} {row['unit']} (95 % {row['p2_5']:.4g} .. {row['p97_5']:.4g},"
            f" factors {row['verification']})"
        )
    from pilot.demo_reports import write_demo_reports

    for path in write_demo_reports(
        Path(args.out),
        config,
        config_path=_config_path(args),
        config_arg=getattr(args, "config", None),
        draws=DemoOptions().estimate_draws,
        progress=not args.quiet,
    ):
        print(f"report: {path}")
    print(f"summary: {Path(args.out) / 'summary.json'}  ({summary['wall_time_s']} s)")
    incomplete = [r for r in summary["segments"] if not r["complete"]]
    if incomplete:
        raise PilotError(f"{len(incomplete)} line-period(s) lost readings; see summary.json")
    return EXIT_OK


def cmd_quarantine(args: argparse.Namespace) -> int:
    from monitoring.quarantine import Quarantine

    config = _load(args)
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


# -- parser ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pilot",
        description="Monitoring and UPOPs emission model for the Minh Khai and Phan Bôi "
        "pilot lines.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "-c",
        "--config",
        help="configuration file (default: $PILOT_CONFIG, else the shipped example)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars, warnings only"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = sub.add_parser("config", help="check or print a configuration")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_sub.add_parser("check", help="report every problem of a configuration file")
    check.add_argument("file", nargs="?", help="file to check (default: --config)")
    check.set_defaults(func=cmd_config_check)
    example = config_sub.add_parser("example", help="print the example configuration")
    example.set_defaults(func=cmd_config_example)
    reference = config_sub.add_parser(
        "reference", help="print the reference of every key (docs/configuration.md)"
    )
    reference.set_defaults(func=cmd_config_reference)

    sim = sub.add_parser("simulate", help="simulate the pilot lines and publish to the broker")
    sim.add_argument("--period", help="a configured period id (sets start, end and regime)")
    sim.add_argument("--start", type=_parse_time, help="start of simulated device time")
    sim.add_argument("--end", type=_parse_time, help="end of simulated device time")
    sim.add_argument("--regime", choices=["baseline", "post"], default="post")
    sim.add_argument("--days", type=float, help="simulate at most this many days [d]")
    sim.add_argument("--site", help="only this site")
    sim.add_argument("--line", help="only this line")
    pace = sim.add_mutually_exclusive_group()
    pace.add_argument(
        "--speed",
        type=float,
        default=1440.0,
        help="simulated seconds per wall second (default 1440: one day per minute)",
    )
    pace.add_argument("--realtime", action="store_true", help="publish in real time (speed 1)")
    pace.add_argument(
        "--fast", dest="speed", action="store_const", const=None, help="publish as fast as possible"
    )
    sim.add_argument("--interval-s", type=float, help="override the 1 Hz sampling interval [s]")
    sim.add_argument("--batch-size", type=int, help="readings per message")
    sim.add_argument("--seed", type=int, help="random seed (default: [simulation] seed)")
    sim.add_argument(
        "--device-username",
        metavar="TEMPLATE",
        help="publish as this broker user, e.g. '{site}.{line}' as in the ACL of "
        "`pilot broker-config` (default: the [broker] user)",
    )
    sim.add_argument(
        "--device-password-env",
        metavar="TEMPLATE",
        help="environment variable holding the device password, e.g. "
        "'PILOT_DEVICE_PASSWORD_{site}_{line}' (upper-cased, '-' becomes '_')",
    )
    sim.set_defaults(func=cmd_simulate)

    collect = sub.add_parser("collect", help="subscribe and store readings until stopped")
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
    collect.set_defaults(func=cmd_collect)

    demo = sub.add_parser("demo", help="run the whole chain in-process on embedded defaults")
    demo.add_argument("--out", default="demo-out", help="output folder (default: demo-out)")
    demo.add_argument("--days", type=float, default=2.0, help="simulated days per period [d]")
    demo.add_argument(
        "--interval-s", type=float, default=10.0, help="sampling interval of 1 Hz sensors [s]"
    )
    demo.add_argument("--batch-size", type=int, default=60, help="readings per message")
    demo.set_defaults(func=cmd_demo)

    quarantine = sub.add_parser("quarantine", help="show what the collector kept aside, and why")
    quarantine.add_argument("--path", help="quarantine file (default: from the configuration)")
    quarantine.add_argument("--limit", type=int, default=20, help="newest entries to list")
    quarantine.set_defaults(func=cmd_quarantine)
    __import__("pilot.cmd_broker", fromlist=["register"]).register(sub)
    cmd_watch.register(sub)
    cmd_report.register(sub)
    cmd_estimate.register(sub)
    cmd_import.register(sub)
    __import__("pilot.cmd_agent", fromlist=["register"]).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else (logging.WARNING if args.quiet else logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from emission_factors.errors import FactorError
    from models.errors import ModelError
    from monitoring.errors import MonitoringError
    from pilot.config import ConfigError
    from sensors.errors import SensorsError

    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ConfigError as exc:
        print(f"pilot: configuration error:\n{exc}", file=sys.stderr)
        return EXIT_ERROR
    except (PilotError, MonitoringError, SensorsError, FactorError, ModelError, OSError) as exc:
        print(f"pilot: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
