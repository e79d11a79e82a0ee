"""``pilot simulate``: simulate the pilot lines and publish their readings to the broker.

Each configured line (or ``--site``/``--line``) is simulated over a configured period or
``--start``..``--end`` in its regime, paced (``--speed``, ``--realtime``, ``--fast``),
and published through the device's on-disk outbox, as a real device would. Per-line
counts go to stdout as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from datetime import datetime

from pilot.errors import EXIT_OK, PilotError

__all__ = ["device_settings", "parse_time", "register"]


def parse_time(text: str) -> datetime:
    """An aware time from ISO 8601 text (``Z`` or an offset required); for argparse."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time like 2019-06-03T07:00:00+07:00"
        ) from None
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no zone: add Z or +07:00")
    return when


def device_settings(config, args: argparse.Namespace, site: str, line: str, index: int):  # type: ignore[no-untyped-def]
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

    from pilot.context import load_config_arg
    from pilot.wiring import make_outbox
    from sensors.publisher import publish
    from sensors.simulator import simulate_line

    config = load_config_arg(args.config)
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
                settings=device_settings(config, args, site_id, line_id, index),
                prefix=config.topic_prefix,
                batch_size=args.batch_size or config.simulation.batch_size,
                speed=speed,
                on_progress=progress,
                stop=stop,
                outbox=outbox,
                confirm=config.simulation.confirm,
                resend_base_s=config.simulation.confirm_resend_s,
            )
            results[f"{site_id}/{line_id}"] = {
                "messages": stats.messages,
                "readings": stats.readings,
                "outbox_dropped_readings": stats.outbox_dropped_readings,
                "outbox_unwritten_readings": stats.outbox_unwritten_readings,
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


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``simulate`` to the ``pilot`` command."""
    sim = subparsers.add_parser(
        "simulate", help="simulate the pilot lines and publish to the broker"
    )
    sim.add_argument("--period", help="a configured period id (sets start, end and regime)")
    sim.add_argument("--start", type=parse_time, help="start of simulated device time")
    sim.add_argument("--end", type=parse_time, help="end of simulated device time")
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
