"""What ``pilot demo`` makes from its data: ``estimates.csv`` and the reports.

Both are made by the pipeline on the demo's own configuration (``<out>/pilot.toml``),
exactly as ``pilot estimate`` and ``pilot report`` make them on a deployment:

* ``estimates.csv``: releases of every simulated window with a seeded Monte Carlo
  (``[simulation] seed``);
* ``reports/evaluation.pdf`` and its CSV tables, with the same draws and seed, so the
  report's releases equal ``estimates.csv``;
* the Vietnamese household pages of the post period's first local month.

The demo simulates two days per period, so every indicator of the evaluation report is
flagged ``too_few_days``: that is the correct verdict on two days, and the report says so.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from pilot.config import Config
from pilot.errors import PilotError
from pilot.pipeline.activity import extract_windows
from pilot.pipeline.estimate import MonteCarlo, estimate, factor_library
from pilot.pipeline.evaluation import evaluation_data
from pilot.pipeline.evidence import with_evidence
from pilot.pipeline.household import household_pages, page_path
from pilot.pipeline.source import DataSource
from pilot.pipeline.windows import COMPARED_KINDS, period_windows
from reports.evaluation import write_evaluation_report
from reports.household import write_household_pdf

__all__ = ["SUMMARY_POLLUTANTS", "write_demo_reports", "write_estimates"]

#: Pollutants whose all-lines totals the demo's summary shows.
SUMMARY_POLLUTANTS: tuple[str, ...] = ("PCDD/F", "dl-PCB", "CO2e")
_SUMMARY_KEYS = (
    "period",
    "pollutant",
    "vector",
    "unit",
    "headline",
    "p2_5",
    "p97_5",
    "reduction_pct",
    "mean",
    "verification",
)


def write_estimates(out: Path, config: Config, *, draws: int) -> dict[str, Any]:
    """Release estimates of the demo's windows into ``out/estimates.csv``; the summary.

    The summary keeps the all-lines totals and reductions (headline = median, 95 %
    interval, relative reduction; mean secondary) of :data:`SUMMARY_POLLUTANTS` per vector.
    """
    mc = MonteCarlo(draws=draws, seed=config.simulation.seed)
    with DataSource(config) as source:
        windows = period_windows(config, COMPARED_KINDS)
        activities = with_evidence(config, extract_windows(config, source, windows))
    result = estimate(
        activities,
        factor_library(config),
        mc,
        config.assumptions.model_assumptions(),
        config.assumptions.comparison_basis,
    )
    totals = result.totals.assign(
        factor_set_version=result.factor_set_version,
        draws=result.draws,
        seed=result.seed,
        gwp_set=result.gwp_set,
    )
    totals.to_csv(out / "estimates.csv", index=False)
    shown = totals[(totals["site"] == "all") & totals["pollutant"].isin(SUMMARY_POLLUTANTS)]
    return {
        "file": str(out / "estimates.csv"),
        "factor_set_version": result.factor_set_version,
        "draws": result.draws,
        "seed": result.seed,
        "gwp_set": result.gwp_set,
        "comparison_basis": config.assumptions.comparison_basis,
        "all_lines": [
            {
                key: (round(value, 4) if isinstance(value, float) else value)
                for key, value in row.items()
                if key in _SUMMARY_KEYS
            }
            for row in shown.to_dict(orient="records")
        ],
    }


def write_demo_reports(
    out: Path,
    config: Config,
    *,
    config_file: Path,
    draws: int = 10_000,
    on_step: Any = None,
) -> list[Path]:
    """Write the evaluation report and the household pages of the demo in ``out/reports``.

    ``config`` is the demo's configuration, read from ``config_file`` (hashed into the
    report footer). Returns the paths written (PDFs and CSV tables).
    """
    folder = out / "reports"
    mc = MonteCarlo(draws=draws, seed=config.simulation.seed)
    step = on_step or (lambda _: None)
    with DataSource(config) as source:
        windows = period_windows(config, COMPARED_KINDS)
        data = evaluation_data(
            config,
            source,
            windows,
            config_bytes=config_file.read_bytes(),
            mc=mc,
            on_step=step,
        )
        paths = write_evaluation_report(data, folder / "evaluation.pdf", on_step=step)
        first = min(w.start for w in windows if w.kind == "post").astimezone(config.tzinfo)
        try:
            made = household_pages(config, source, year=first.year, month=first.month, mc=mc)
        except PilotError as exc:
            # A short demo (--days below the intake interval) has no weighings: the
            # evaluation report stands, the household pages cannot be made.
            print(f"pilot: no household pages: {exc}", file=sys.stderr)
            return paths
    if made.skipped:
        print(
            f"pilot: {len(made.skipped)} household(s) without deliveries in "
            f"{first:%Y-%m}, no page: " + ", ".join(made.skipped),
            file=sys.stderr,
        )
    today = datetime.now(config.tzinfo).date()
    for page in made.pages:
        path = page_path(folder, first.year, first.month, page.household_id, "vi")
        write_household_pdf(page, lang="vi", tz=config.tzinfo, out=path, made=today)
        paths.append(path)
    return paths
