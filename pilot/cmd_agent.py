"""``pilot agent``: poll the line's Modbus devices and publish their readings.

Runs on the gateway at the line until stopped (Ctrl-C or SIGTERM). The devices, their
register points and the sensors they feed come from the ``[agent]`` section of the
configuration (:mod:`pilot.config.agent`); readings go through the gateway's on-disk
outbox (``[agent] outbox_path``), so a broker outage loses nothing. On exit the fault
counters of every device are printed as JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading

from pilot.errors import EXIT_OK, PilotError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``agent`` to the ``pilot`` command."""
    agent = subparsers.add_parser(
        "agent", help="poll Modbus devices (TCP or RTU) and publish their readings"
    )
    agent.add_argument(
        "-c",
        "--config",
        # SUPPRESS: without it here, the global --config (or $PILOT_CONFIG) still applies.
        default=argparse.SUPPRESS,
        help="configuration file with an [agent] section (same as the global --config)",
    )
    agent.set_defaults(func=cmd_agent)


def cmd_agent(args: argparse.Namespace) -> int:
    from pilot.context import load_config_arg
    from pilot.wiring import make_agent

    config = load_config_arg(args.config)
    if config.agent is None:
        raise PilotError(
            "the configuration has no [agent] section; add [agent] and [[agent.devices]] "
            "with their points (README, 'Modbus device agent')"
        )
    agent = make_agent(config)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        agent.run(stop, stats_interval_s=config.agent.stats_interval_s)
    except KeyboardInterrupt:
        agent.stop()
    finally:
        agent.outbox.close()
        print(json.dumps({"faults": agent.faults(), "clock_jumps": agent.clock.jumps}, indent=2))
    return EXIT_OK
