"""``pilot demo``: the whole chain in-process on embedded defaults, then its results.

Simulates both lines over the first days of the baseline and post periods, publishes
through an embedded broker into an embedded SQLite store, writes the demo's own
configuration (``<out>/pilot.toml``), the release estimates and the reports, and ends
with the commands that read the demo's data.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pilot.errors import EXIT_OK, PilotError

__all__ = ["register"]


def cmd_demo(args: argparse.Namespace) -> int:
    from pilot.config import load_config
    from pilot.context import config_path_arg, load_config_arg
    from pilot.demo import DemoOptions, run_demo
    from pilot.demo_results import write_demo_reports
    from pilot.pipeline.evaluation import evaluation_steps
    from pilot.pipeline.windows import COMPARED_KINDS, period_windows
    from pilot.progress import steps

    config = load_config_arg(args.config)
    out = Path(args.out)
    options = DemoOptions(days=args.days, interval_s=args.interval_s, batch_size=args.batch_size)
    summary = run_demo(
        out,
        config,
        config_file=config_path_arg(args.config),
        options=options,
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
        pct = row.get("reduction_pct")
        relative = f", {pct:.0f} % of the baseline" if pct is not None and pct == pct else ""
        print(
            f"{row['period']:<10} {row['pollutant']:<7} {row['vector']:<5} "
            f"{row['headline']:.4g} {row['unit']} (95 % {row['p2_5']:.4g} .. {row['p97_5']:.4g}"
            f"{relative}; mean {row['mean']:.4g}; factors {row['verification']})"
        )
    demo_config_file = Path(summary["demo_config"])
    demo_config = load_config(demo_config_file)
    total = evaluation_steps(period_windows(demo_config, COMPARED_KINDS))
    with steps(total, "evaluation report", enabled=not args.quiet) as step:
        paths = write_demo_reports(
            out,
            demo_config,
            config_file=demo_config_file,
            draws=options.estimate_draws,
            on_step=step,
        )
    for path in paths:
        print(f"report: {path}")
    print(f"summary: {out / 'summary.json'}  ({summary['wall_time_s']} s)")
    print(f"config:  {demo_config_file}  (every command reads the demo's data with it:")
    print(f"         pilot --config {demo_config_file} estimate --period compare)")
    print(f"dashboard: http://127.0.0.1:{demo_config.serve.port}/ in a browser, after")
    print(f"  pilot --config {demo_config_file} serve")
    incomplete = [r for r in summary["segments"] if not r["complete"]]
    if incomplete:
        raise PilotError(f"{len(incomplete)} line-period(s) lost readings; see summary.json")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``demo`` to the ``pilot`` command.

    Its options are added when it is used (:class:`pilot.cli.CommandParser`): their
    defaults come from :mod:`pilot.demo`, which imports the collector and the store.
    """
    subparsers.add_parser(
        "demo",
        help="run the whole chain in-process on embedded defaults",
        add_arguments=_demo_arguments,
    )


def _demo_arguments(demo: argparse.ArgumentParser) -> None:
    from pilot.demo import DemoOptions

    default = DemoOptions()
    demo.add_argument("--out", default="demo-out", help="output folder (default: demo-out)")
    demo.add_argument(
        "--days", type=float, default=default.days, help="simulated days per period [d]"
    )
    demo.add_argument(
        "--interval-s",
        type=float,
        default=default.interval_s,
        help="sampling interval of 1 Hz sensors [s]",
    )
    demo.add_argument(
        "--batch-size", type=int, default=default.batch_size, help="readings per message"
    )
    demo.set_defaults(func=cmd_demo)
