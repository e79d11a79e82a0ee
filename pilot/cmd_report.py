"""``pilot report``: the daily line report, the household pages and the evaluator report.

* ``pilot report daily --date 2020-10-05 --out reports/`` writes
  ``reports/daily-2020-10-05.pdf``, one page per line (:mod:`pilot.pipeline.daily`);
* ``pilot report household --month 2020-10 --out reports/`` writes the monthly page of
  each delivering household, Vietnamese by default (:mod:`pilot.pipeline.household`);
* ``pilot report evaluation --out ev.pdf`` writes the evaluator report and its CSV tables
  beside it (:mod:`pilot.pipeline.evaluation`).

Each reads the configured store; after ``pilot demo`` add ``--config demo-out/pilot.toml``
(the demo simulates 2019-06-03/04 and 2020-10-05/06, local dates). Paths written go to
stdout, progress and messages to stderr.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

__all__ = ["register"]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2020-10-05") from None


def _month(text: str) -> tuple[int, int]:
    """``YYYY-MM`` -> (year, month).

    >>> _month("2020-10")
    (2020, 10)
    """
    try:
        when = datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month like 2020-10") from None
    return when.year, when.month


def _monte_carlo(parser: argparse.ArgumentParser) -> None:
    from pilot.pipeline.estimate import MonteCarlo

    default = MonteCarlo()
    parser.add_argument(
        "--draws", type=int, default=default.draws, help=f"Monte Carlo draws ({default.draws})"
    )
    parser.add_argument(
        "--seed", type=int, default=default.seed, help=f"Monte Carlo seed ({default.seed})"
    )


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``report`` (``daily``, ``household``, ``evaluation``) to the ``pilot`` command.

    Its options are added when it is used (:class:`pilot.cli.CommandParser`): their
    defaults come from the pipeline, which imports pandas and scipy.
    """
    subparsers.add_parser("report", help="write reports (PDF)", add_arguments=_report_arguments)


def _report_arguments(report: argparse.ArgumentParser) -> None:
    from pilot.pipeline.daily import ALARM_SOURCES

    kinds = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")

    daily = kinds.add_parser("daily", help="one page per line for one local day")
    daily.add_argument("--date", required=True, type=_date, help="local date, YYYY-MM-DD")
    daily.add_argument("--out", required=True, help="output folder")
    # SUPPRESS: given here or before the command, never reset by the other.
    daily.add_argument("-c", "--config", default=argparse.SUPPRESS, help="configuration file")
    daily.add_argument("--site", help="only this site")
    daily.add_argument("--line", help="only this line")
    daily.add_argument(
        "--alarms",
        choices=ALARM_SOURCES,
        default="auto",
        help="alarms from the alarm log, or evaluated again from the readings "
        "(default auto: the log when it exists)",
    )
    daily.set_defaults(func=cmd_report_daily)

    household = kinds.add_parser(
        "household", help="one page per household and month, Vietnamese by default"
    )
    household.add_argument("--month", required=True, type=_month, help="local month, YYYY-MM")
    household.add_argument("--household", help="only this household code (e.g. mk-h01)")
    household.add_argument(
        "--lang", choices=("vi", "en"), default="vi", help="language (default vi)"
    )
    household.add_argument("--out", required=True, help="output folder")
    household.add_argument("-c", "--config", default=argparse.SUPPRESS, help="configuration file")
    _monte_carlo(household)
    household.set_defaults(func=cmd_report_household)

    ev = kinds.add_parser(
        "evaluation", help="before/after report for evaluators (PDF and CSV tables)"
    )
    ev.add_argument("--out", required=True, help="PDF file; CSV tables are written beside it")
    ev.add_argument("--site", help="only this site")
    ev.add_argument("-c", "--config", default=argparse.SUPPRESS, help="configuration file")
    _monte_carlo(ev)
    ev.set_defaults(func=cmd_report_evaluation)


def cmd_report_daily(args: argparse.Namespace) -> int:
    from pilot.context import load_config_arg
    from pilot.pipeline.daily import daily_pages
    from pilot.pipeline.source import DataSource
    from reports.daily import write_daily_report

    config = load_config_arg(args.config)
    with DataSource(config) as source:
        pages = daily_pages(
            config, source, args.date, site=args.site, line=args.line, alarms=args.alarms
        )
    for page in pages:
        if page.minutes.empty:
            print(
                f"pilot: no readings of {page.site_id}/{page.line_id} on {args.date}",
                file=sys.stderr,
            )
    out = Path(args.out) / f"daily-{args.date.isoformat()}.pdf"
    write_daily_report(pages, day=args.date, tz=config.tzinfo, out=out, deployment=config.name)
    print(out)
    return 0


def cmd_report_household(args: argparse.Namespace) -> int:
    from pilot.context import load_config_arg
    from pilot.pipeline.estimate import MonteCarlo
    from pilot.pipeline.household import household_pages, page_path
    from pilot.pipeline.source import DataSource
    from pilot.progress import steps
    from reports.household import write_household_pdf

    config = load_config_arg(args.config)
    year, month = args.month
    mc = MonteCarlo(draws=args.draws, seed=args.seed)
    with DataSource(config) as source:
        made = household_pages(
            config, source, year=year, month=month, household=args.household, mc=mc
        )
    if made.skipped and args.household is None:
        print(
            f"pilot: {len(made.skipped)} household(s) without deliveries in "
            f"{year}-{month:02d}, no page: " + ", ".join(made.skipped),
            file=sys.stderr,
        )
    today = datetime.now(config.tzinfo).date()
    enabled = not args.quiet and len(made.pages) > 1
    with steps(len(made.pages), "household pages", enabled=enabled) as step:
        for page in made.pages:
            path = page_path(Path(args.out), year, month, page.household_id, args.lang)
            write_household_pdf(page, lang=args.lang, tz=config.tzinfo, out=path, made=today)
            step(page.household_id)
            print(path)
    return 0


def cmd_report_evaluation(args: argparse.Namespace) -> int:
    from pilot.context import config_path_arg, load_config_arg
    from pilot.pipeline.estimate import MonteCarlo
    from pilot.pipeline.evaluation import evaluation_data, evaluation_steps
    from pilot.pipeline.source import DataSource
    from pilot.pipeline.windows import COMPARED_KINDS, period_windows
    from pilot.progress import steps
    from reports.evaluation import write_evaluation_report

    config = load_config_arg(args.config)
    config_bytes = config_path_arg(args.config).read_bytes()
    windows = period_windows(config, COMPARED_KINDS, site=args.site)
    scope = config.site(args.site).name if args.site else "all sites"
    mc = MonteCarlo(draws=args.draws, seed=args.seed)
    total = evaluation_steps(windows)
    with (
        DataSource(config) as source,
        steps(total, "evaluation report", enabled=not args.quiet) as step,
    ):
        data = evaluation_data(
            config, source, windows, config_bytes=config_bytes, mc=mc, scope=scope, on_step=step
        )
        paths = write_evaluation_report(data, Path(args.out), on_step=step)
    for path in paths:
        print(path)
    return 0
