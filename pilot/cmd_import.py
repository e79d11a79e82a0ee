"""``pilot import``: survey and manual-log files into the survey store.

Exit codes: 0 every row stored or already stored; 1 some rows refused; 3 a file could
not be read as a table (wrong encoding, missing columns...), its message on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["cmd_import", "register"]


def cmd_import(args: argparse.Namespace) -> int:
    from models.survey import SurveyFileError
    from pilot.context import load_config_arg
    from pilot.survey_store import SurveyStore, import_file

    config = load_config_arg(args.config)
    path = Path(args.store) if args.store else config.survey.path
    failed_files = refused = 0
    with SurveyStore(path) as store:
        for name in args.files:
            try:
                result = import_file(name, config, store)
            except SurveyFileError as exc:
                print(f"pilot: {exc}", file=sys.stderr)
                failed_files += 1
                continue
            shown = result.errors[: args.max_errors]
            for error in shown:
                print(f"{name}:{error.line}: {error.reason}", file=sys.stderr)
            if len(result.errors) > len(shown):
                print(
                    f"{name}: ... and {len(result.errors) - len(shown)} more refused rows "
                    f"(table survey_rejected of {path})",
                    file=sys.stderr,
                )
            refused += len(result.errors)
            print(
                f"{name}: {result.stored} row(s) stored, {result.unchanged} already stored, "
                f"{len(result.errors)} refused",
                file=sys.stderr,
            )
    if refused:
        print(
            f"pilot: refused rows are kept with their reasons in table survey_rejected of "
            f"{path}; correct them in the file and import it again (stored rows are not "
            "stored twice)",
            file=sys.stderr,
        )
    if failed_files:
        return 3
    return 1 if refused else 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``import`` to the ``pilot`` command."""
    imp = subparsers.add_parser(
        "import",
        help="store survey and manual-log files (CSV UTF-8 or .xlsx); see the README",
        description="Validate survey/manual-log files row by row and store the good rows "
        "in the [survey] path SQLite file. Template: pilot/examples/survey-template.csv.",
    )
    imp.add_argument("files", nargs="+", metavar="FILE", help=".csv (UTF-8) or .xlsx file")
    imp.add_argument("-c", "--config", default=argparse.SUPPRESS, help="configuration file")
    imp.add_argument("--store", help="survey SQLite file (default: [survey] path)")
    imp.add_argument(
        "--max-errors", type=int, default=50, help="refused rows printed per file (default 50)"
    )
    imp.set_defaults(func=cmd_import)
