"""``pilot config check``, ``pilot config example`` and ``pilot config reference``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pilot.errors import EXIT_OK, EXIT_PROBLEMS

__all__ = ["register"]


def cmd_config_check(args: argparse.Namespace) -> int:
    from pilot.config import check_config
    from pilot.context import config_path_arg

    path = Path(args.file) if args.file else config_path_arg(args.config)
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


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``config`` (``check``, ``example``, ``reference``) to the ``pilot`` command."""
    config = subparsers.add_parser("config", help="check or print a configuration")
    actions = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="report every problem of a configuration file")
    check.add_argument("file", nargs="?", help="file to check (default: --config)")
    check.set_defaults(func=cmd_config_check)
    example = actions.add_parser("example", help="print the example configuration")
    example.set_defaults(func=cmd_config_example)
    ref = actions.add_parser(
        "reference", help="print the reference of every key (docs/configuration.md)"
    )
    ref.set_defaults(func=cmd_config_reference)
