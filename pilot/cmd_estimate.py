"""``pilot estimate`` and ``pilot factors``: releases with intervals, and the factor library.

``pilot estimate --period baseline|post|compare`` estimates the releases of each line
over the configured periods of that kind (:mod:`pilot.pipeline`); ``compare`` adds the
reduction rows. Results go to stdout (``--format table|csv|json``), messages to stderr.

``pilot factors list`` prints the library with provenance; ``pilot factors show ID``
prints one factor in full. Site-measured factors of ``[[factors]]`` are included.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.vocabulary import COMPARISON_BASES, NOT_QUANTIFIED

if TYPE_CHECKING:
    import pandas as pd

    from pilot.pipeline.estimate import InventoryActivity
    from pilot.pipeline.evidence import EvidenceActivity

__all__ = ["NOT_QUANTIFIED", "cmd_estimate", "cmd_factors", "register"]

#: ``source`` of a totals row: the sum over every source of the line and period.
ALL_SOURCES = "all sources"

#: Columns of ``pilot factors list``.
FACTOR_COLUMNS = [
    "id",
    "source_category",
    "toolkit_class",
    "pollutant",
    "vector",
    "value",
    "unit",
    "confidence",
    "verification",
    "document",
    "edition",
    "table",
]


def _emit(frame: pd.DataFrame, fmt: str, meta: dict[str, Any]) -> None:
    import pandas as pd

    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif fmt == "json":
        payload = meta | {"rows": json.loads(frame.to_json(orient="records"))}
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        with pd.option_context(
            "display.width", 200, "display.max_columns", 30, "display.max_colwidth", 120
        ):
            shown = frame.copy()
            for column in ("headline", "deterministic", "mean", "p2_5", "p97_5", "activity"):
                if column in shown:
                    shown[column] = shown[column].map(lambda v: f"{v:.4g}")
            for column in ("reduction_pct", "reduction_pct_p2_5", "reduction_pct_p97_5"):
                if column in shown:
                    shown[column] = shown[column].map(lambda v: "" if v != v else f"{v:.1f}")
            print(shown.to_string(index=False))


def cmd_estimate(args: argparse.Namespace) -> int:
    import pandas as pd

    from models.residue_balance import check_lines
    from pilot.context import load_config_arg
    from pilot.pipeline.activity import extract_windows
    from pilot.pipeline.estimate import (
        SOURCE_COLUMNS,
        TOTAL_COLUMNS,
        MonteCarlo,
        estimate,
        factor_library,
        factor_sensitivity,
        inventory_activity,
        processing_note,
        processing_rows,
    )
    from pilot.pipeline.evidence import with_evidence
    from pilot.pipeline.source import DataSource
    from pilot.pipeline.windows import COMPARED_KINDS, period_windows

    config = load_config_arg(args.config)
    kinds = COMPARED_KINDS if args.period == "compare" else (args.period,)
    mc = MonteCarlo(draws=args.draws, seed=args.seed, gwp_set=args.gwp)
    library = factor_library(config)
    assumptions = config.assumptions.model_assumptions()
    basis = config.assumptions.comparison_basis
    activities: EvidenceActivity | InventoryActivity
    if args.activity:
        activities = inventory_activity(Path(args.activity), kinds)
        described = f"activity file {args.activity}"
    else:
        windows = period_windows(config, kinds, site=args.site, line=args.line)
        with DataSource(config) as source:
            activities = with_evidence(config, extract_windows(config, source, windows))
        described = f"{len(windows)} line-period(s)"
        for note in activities.notes:
            print(f"pilot: {note}", file=sys.stderr)
    result = estimate(activities, library, mc, assumptions, basis)
    totals = result.totals[TOTAL_COLUMNS]
    choices = None
    if args.period == "compare" and (args.sensitivity or args.format == "table"):
        choices = factor_sensitivity(activities, library, mc, assumptions, basis)
    if args.period != "compare":
        totals = totals[totals["period"] != "reduction"]
    # The line's own processing, when a sensitivity factor is configured: its own rows.
    own = processing_rows(result, basis)
    totals = pd.concat([totals.assign(source=ALL_SOURCES), own], ignore_index=True)
    print(
        f"pilot: {described}, {result.draws} draws, seed {result.seed}, "
        f"factor set {result.factor_set_version}, GWP {result.gwp_set}; rows whose "
        "verification is not 'verified' use factors not checked in the primary document",
        file=sys.stderr,
    )
    note = processing_note(config.assumptions)
    hint = (
        "; set [assumptions] line_processing_factor_ug_teq_per_t to count it as a sensitivity"
        if note == NOT_QUANTIFIED
        else ""
    )
    print(f"pilot: {note}{hint}", file=sys.stderr)
    for line in check_lines(result.residue_check):
        print(f"pilot: residue check {line}", file=sys.stderr)
    meta = {
        "line_processing": note,
        **({"not_quantified": note} if note == NOT_QUANTIFIED else {}),
        "residue_check": json.loads(result.residue_check.to_json(orient="records")),
        "draws": result.draws,
        "seed": result.seed,
        "factor_set_version": result.factor_set_version,
        "gwp_set": result.gwp_set,
        "comparison_basis": basis,
        "comparison_basis_meaning": COMPARISON_BASES[basis],
    }
    if choices is not None and args.sensitivity and args.format != "table":
        _emit(choices, args.format, meta)  # the factor choices only, machine-readable
        return 0
    by_source = result.releases.reindex(columns=SOURCE_COLUMNS)
    if args.by_source:
        _emit(by_source, args.format, meta)
        return 0
    _emit(totals.reset_index(drop=True), args.format, meta)
    # The table names its basis under it; csv and json in a column (stdout stays data).
    print(_basis_line(basis), file=sys.stdout if args.format == "table" else sys.stderr)
    furnace = by_source[by_source["fuel"].fillna("").astype(str) != ""]
    if args.format == "table" and not furnace.empty:
        print("\nFurnace factors per fuel (Toolkit class, basis; --by-source for every source):")
        _emit(furnace.drop(columns=["source", "p2_5", "p97_5", "verification"]), "table", meta)
    if args.format == "table" and not result.residue_check.empty:
        print("\nResidue check (intake − processed against the residue, t):")
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(_check_table(result.residue_check).to_string(index=False))
    if choices is not None:
        print("\nFactor choice (PCDD/F, all lines; median [95 % interval]):")
        _emit_choices(choices)
    return 0


def _check_table(check: pd.DataFrame) -> pd.DataFrame:
    """The intake − processed check rounded for the printed table."""
    shown = check.copy()
    for column in ("intake_t", "processed_t", "intake_minus_processed_t", "residue_t"):
        shown[column] = shown[column].map(lambda v: f"{v:.4g}")
    shown["difference_t"] = shown["difference_t"].map(lambda v: f"{v:.3g}")
    for column in ("difference_share", "tolerance"):
        shown[column] = shown[column].map(lambda v: f"{100 * v:.1f} %")
    return shown


def _basis_line(basis: str) -> str:
    """``Comparison basis: NAME ([assumptions] comparison_basis) - meaning``."""
    return f"Comparison basis: {basis} ([assumptions] comparison_basis) - {COMPARISON_BASES[basis]}"


def _emit_choices(choices: pd.DataFrame) -> None:
    """The factor-choice sensitivity side by side: one row per choice and vector."""
    import pandas as pd

    rows = []
    for (choice, vector, unit), part in choices.groupby(["choice", "vector", "unit"], sort=False):
        row = {"choice": choice, "vector": vector, "unit": unit}
        for kind, hit in part.groupby("period", sort=False):
            first = hit.iloc[0]
            row[kind] = f"{first.headline:.4g} [{first.p2_5:.4g}, {first.p97_5:.4g}]"
            if kind == "reduction" and first.reduction_pct == first.reduction_pct:
                row["reduction %"] = (
                    f"{first.reduction_pct:.1f} [{first.reduction_pct_p2_5:.1f}, "
                    f"{first.reduction_pct_p97_5:.1f}]"
                )
        rows.append(row)
    with pd.option_context("display.width", 250, "display.max_colwidth", 60):
        print(pd.DataFrame(rows).to_string(index=False))


def cmd_factors(args: argparse.Namespace) -> int:
    import pandas as pd

    from pilot.context import load_config_arg
    from pilot.pipeline.estimate import factor_library

    library = factor_library(load_config_arg(args.config))
    if args.factors_command == "show":
        factor = library[args.id]
        for key, value in asdict(factor).items():
            print(f"{key:16} {value}")
        print(f"{'factor_set':16} {library.version}")
        return 0
    frame = library.to_frame()[FACTOR_COLUMNS]
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    else:
        with pd.option_context("display.width", 250, "display.max_colwidth", 40):
            print(frame.to_string(index=False))
    print(f"pilot: factor set {library.version}, {len(library)} factors", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``estimate`` and ``factors`` to the ``pilot`` command.

    The options of ``estimate`` are added when it is used (:class:`pilot.cli.CommandParser`):
    their defaults come from the pipeline, which imports pandas and scipy.
    """
    subparsers.add_parser(
        "estimate",
        help="UPOPs and GHG releases with intervals, baseline vs post",
        add_arguments=_estimate_arguments,
    )

    factors = subparsers.add_parser("factors", help="the emission-factor library")
    factors.add_argument("-c", "--config", default=argparse.SUPPRESS, help="configuration file")
    actions = factors.add_subparsers(dest="factors_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every factor with its provenance")
    listing.add_argument("--format", choices=("table", "csv"), default="table")
    show = actions.add_parser("show", help="one factor in full")
    show.add_argument("id", help="factor id")
    factors.set_defaults(func=cmd_factors)


def _estimate_arguments(est: argparse.ArgumentParser) -> None:
    from pilot.pipeline.estimate import MonteCarlo
    from pilot.pipeline.windows import COMPARED_KINDS

    default = MonteCarlo()
    est.add_argument("--period", required=True, choices=(*COMPARED_KINDS, "compare"))
    est.add_argument("--site", help="only this site")
    est.add_argument("--line", help="only this line")
    est.add_argument("--format", choices=("table", "csv", "json"), default="table")
    est.add_argument(
        "--draws", type=int, default=default.draws, help=f"Monte Carlo draws ({default.draws})"
    )
    est.add_argument(
        "--seed", type=int, default=default.seed, help=f"Monte Carlo seed ({default.seed})"
    )
    est.add_argument(
        "--gwp", choices=("AR4", "AR5", "AR6"), default=default.gwp_set, help="GWP set"
    )
    est.add_argument(
        "--activity",
        metavar="FILE.csv",
        help="estimate from an inventory file instead of the store: columns period, site, "
        "line, activity, fuel, value, unit, low, high, source (docs/method.md)",
    )
    est.add_argument(
        "--sensitivity",
        action="store_true",
        help="with --period compare and --format csv|json: print the PCDD/F totals under "
        "each factor choice instead (the table format always shows them below)",
    )
    est.add_argument(
        "--by-source",
        action="store_true",
        help="print one row per line, source, fuel and factor (its Toolkit class, the basis "
        "it counts on: per TJ or per t, and any NCV conversion) instead of the totals",
    )
    est.add_argument("-c", "--config", default=argparse.SUPPRESS, help="configuration file")
    est.set_defaults(func=cmd_estimate)
