r"""Evaluator report: before/after comparison with intervals, completeness and provenance.

A multi-page A4 (landscape) PDF and CSV tables beside it, from plain DataFrames and values
(:class:`EvaluationData`); the report never reads a store. Pages
(:mod:`reports.evaluation.pages`, :mod:`reports.evaluation.figures`):

1. method (release equation, Monte Carlo and comparison settings) and data completeness
   per line, period and sensor;
2. indicators: daily values compared by :func:`models.comparison.compare_indicators`
   (means, difference with its 95 % bootstrap interval, Welch and Mann-Whitney tests,
   effect sizes, flags, shown in red when a row is not conclusive);
3. releases by pollutant and vector: baseline, post and reduction with 95 % Monte Carlo
   intervals (:mod:`models.releases`);
4. the factors behind them with provenance, factors not verified against the primary
   document flagged;
5. assumptions (mass-balance shares, factor spread, GWP set, grid factor);
6. figures: daily values over time, their distributions, before/after with intervals.

Every page carries a reproducibility footer (:class:`Footer`). Numbers are printed with
:func:`fmt` (three significant figures), so a test or an evaluator can recompute them.
Times are local (the deployment's zone, Asia/Ho_Chi_Minh for the pilot lines).

CSV tables written beside ``FILE.pdf`` (:data:`CSV_TABLES`): ``FILE-indicators.csv``,
``FILE-releases.csv``, ``FILE-factors.csv``, ``FILE-completeness.csv``,
``FILE-assumptions.csv``, ``FILE-daily.csv`` and ``FILE-residue.csv`` (the intake −
processed check), at full precision. The releases table carries the line's own
processing under a configured sensitivity factor as rows of its own (``source``).

>>> fmt(1234.5), interval(2.0, 1.0, 3.5)
('1.23e+03', '2 [1, 3.5]')
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd

from reports.evaluation.data import (
    CSV_TABLES,
    UNVERIFIED_FLAG,
    EvaluationData,
    Footer,
    csv_path,
    footer_lines,
    period_text,
)
from reports.evaluation.figures import figure_page
from reports.evaluation.pages import TEXT_PAGES, document
from reports.evaluation.rows import factor_table
from reports.i18n import fmt, interval
from reports.layout import fonts

__all__ = [
    "CSV_TABLES",
    "UNVERIFIED_FLAG",
    "EvaluationData",
    "Footer",
    "csv_path",
    "fmt",
    "interval",
    "period_text",
    "write_evaluation_report",
]


def write_evaluation_report(
    data: EvaluationData,
    out: Path,
    *,
    made: datetime | None = None,
    on_step: Callable[[str], None] = lambda step: None,
) -> list[Path]:
    """Write the PDF ``out`` and its CSV tables; return their paths (PDF first).

    ``on_step`` is called with the name of each step done (for a progress bar):
    ``tables``, one per page (``method_page`` .. ``figure_page``), ``pdf``.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    made = made or datetime.now(data.tz)
    footer = {
        "config_sha256": data.footer.config_sha256,
        "factor_set_version": data.footer.factor_set_version,
        "software_version": data.footer.software_version,
    }
    csv_frames = {
        "indicators": data.comparison,
        "releases": pd.concat(
            [data.totals.assign(source="all sources"), data.processing], ignore_index=True
        ).assign(draws=data.draws, seed=data.seed, gwp_set=data.gwp_set),
        "sensitivity": data.sensitivity,
        "factors": factor_table(data.factors),
        "completeness": data.completeness,
        "assumptions": data.assumptions,
        "daily": data.daily,
        "residue": data.residue_check,
    }
    paths = [out]
    for name in CSV_TABLES:
        path = csv_path(out, name)
        csv_frames[name].assign(**footer).to_csv(path, index=False)
        paths.append(path)
    on_step("tables")
    doc = document(data)
    doc.footer = lambda number, total: footer_lines(data, made)
    with fonts():
        for draw in (*TEXT_PAGES, figure_page):
            draw(doc, data)
            on_step(draw.__name__)
        doc.save(
            out,
            title=f"Evaluation report - {data.deployment}",
            subject=f"{data.scope}; {data.footer.data_period}",
            keywords=f"config-sha256={data.footer.config_sha256}; "
            f"factor-set={data.footer.factor_set_version}",
        )
    on_step("pdf")
    return paths
