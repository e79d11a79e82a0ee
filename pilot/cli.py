"""The ``pilot`` command: parse the arguments, run one command, turn errors into exit codes.

Exit codes (:mod:`pilot.errors`): 0 success; 1 the command ran and found problems
(``config check``, ``import``); 2 wrong usage; 3 a runtime error with a message on
stderr; 130 interrupted. Data go to stdout, messages and progress to stderr.

Each command lives in a ``pilot/cmd_*.py`` module: a thin adapter that parses its
options, calls the pipeline (:mod:`pilot.pipeline`) or a layer, and prints or writes.
Importing a command module costs nothing heavy: pandas, the models, the store and the
report stack are imported inside the function that runs the command, so ``pilot --help``
and a mistyped option answer at once (``tests/pilot/test_cli_imports.py``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from emission_factors.errors import FactorError
from models.errors import ModelError
from monitoring.errors import MonitoringError
from pilot import (
    cmd_agent,
    cmd_alarms,
    cmd_broker,
    cmd_collect,
    cmd_config,
    cmd_demo,
    cmd_estimate,
    cmd_import,
    cmd_report,
    cmd_serve,
    cmd_simulate,
    cmd_watch,
)
from pilot.errors import EXIT_ERROR, EXIT_INTERRUPTED, PilotError
from pilot.versions import software_version
from sensors.errors import SensorsError

__all__ = ["CommandParser", "build_parser", "main"]

#: The command modules, in the order ``pilot --help`` lists them.
COMMANDS = (
    cmd_config,
    cmd_simulate,
    cmd_collect,
    cmd_demo,
    cmd_broker,
    cmd_watch,
    cmd_alarms,
    cmd_serve,
    cmd_report,
    cmd_estimate,
    cmd_import,
    cmd_agent,
)


class CommandParser(argparse.ArgumentParser):
    """An argument parser that can add its arguments the first time it is used.

    ``pilot --help`` lists the commands but reads none of their options. A command whose
    options need a heavy module (the Monte Carlo defaults of :mod:`pilot.pipeline`)
    registers with ``subparsers.add_parser(name, help=..., add_arguments=function)``:
    ``function(parser)`` runs only when that command is parsed or its help printed.
    Every parser below the ``pilot`` parser is of this class (argparse gives subparsers
    the class of their parent).
    """

    def __init__(
        self,
        *args: Any,
        add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._add_arguments = add_arguments

    def _complete(self) -> None:
        add, self._add_arguments = self._add_arguments, None
        if add is not None:
            add(self)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._complete()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._complete()
        return super().format_usage()

    def format_help(self) -> str:
        self._complete()
        return super().format_help()


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="pilot",
        description="Monitoring and UPOPs emission model for the Minh Khai and Phan Bôi "
        "pilot lines.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {software_version()}")
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
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Here, not at the top: pilot.config imports pandas (line-state thresholds), which
    # ``pilot --help`` and usage errors do without.
    from pilot.config import ConfigError

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else (logging.WARNING if args.quiet else logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
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
