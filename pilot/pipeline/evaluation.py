"""The evaluator report's data: releases, daily indicators, completeness, provenance.

One pass over the windows: each window is read once and its activity extracted for the
whole window (the releases) and for each local day (the daily indicators and their
before/after comparison, :func:`models.comparison.compare_indicators`); completeness per
line, period and sensor is the days' completeness weighted by their length (readings
received / expected over the window).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from models.comparison import compare_indicators
from models.daily_indicators import daily_indicator_frame
from models.errors import ModelError
from models.vocabulary import ALL
from pilot.config import Config
from pilot.errors import PilotError
from pilot.pipeline.activity import ActivitySet, day_has_data, extract_windows
from pilot.pipeline.assumptions import assumptions_table
from pilot.pipeline.estimate import (
    DEFAULT_MONTE_CARLO,
    MonteCarlo,
    estimate,
    factor_library,
    factor_sensitivity,
    processing_note,
    processing_rows,
    used_factor_ids,
)
from pilot.pipeline.evidence import with_evidence
from pilot.pipeline.source import DataSource
from pilot.pipeline.windows import COMPARED_KINDS, Window, windows_frame
from pilot.versions import software_version
from reports.evaluation import EvaluationData, Footer, period_text

__all__ = ["MIN_COMPLETENESS", "MIN_DAYS", "evaluation_data", "evaluation_steps"]

#: An indicator compared over fewer days per period is flagged ``too_few_days`` [d].
MIN_DAYS = 7
#: A period whose data completeness is lower is flagged ``incomplete`` [-].
MIN_COMPLETENESS = 0.8


def evaluation_steps(windows: Sequence[Window]) -> int:
    """How many steps :func:`evaluation_data` and the report writer announce (progress).

    One per window, releases, factor choices, indicators and provenance, then the
    writer's tables, seven pages and the PDF.
    """
    return len(windows) + 4 + 1 + 7 + 1


def evaluation_data(
    config: Config,
    source: DataSource,
    windows: Sequence[Window],
    *,
    config_bytes: bytes,
    mc: MonteCarlo = DEFAULT_MONTE_CARLO,
    scope: str = "all sites",
    n_resamples: int = 9999,
    on_step: Callable[[str], None] = lambda _: None,
) -> EvaluationData:
    """Everything :func:`reports.evaluation.write_evaluation_report` shows.

    ``config_bytes`` is the configuration file's content, hashed into the footer.

    Raises
    ------
    PilotError
        A compared period kind without windows, or a window without readings (the
        message names the line and period and says what to do).
    """
    for kind in COMPARED_KINDS:
        if not any(w.kind == kind for w in windows):
            raise PilotError(
                f"no {kind} period to evaluate; add a [[periods]] entry of kind {kind!r} "
                "or choose another --site"
            )
    library = factor_library(config)
    activities = extract_windows(config, source, windows, by_day=True)
    for window in activities.windows:
        on_step(f"{window.window.site}/{window.window.line} {window.window.kind}")
    assumptions = config.assumptions.model_assumptions()
    evidence = with_evidence(config, activities)
    basis = config.assumptions.comparison_basis
    result = estimate(evidence, library, mc, assumptions, basis)
    on_step("releases")
    sensitivity = factor_sensitivity(evidence, library, mc, assumptions, basis)
    on_step("factor choices")
    try:
        daily = daily_indicator_frame(_day_table(activities), library, assumptions=assumptions)
        comparison = compare_indicators(
            daily, by=("site", "line"), n_resamples=n_resamples, seed=mc.seed
        )
    except ModelError as exc:
        raise PilotError(f"indicator comparison: {exc}") from exc
    on_step("indicators")
    factors = library.to_frame()
    factors = factors[factors["id"].isin(used_factor_ids(result.totals))].reset_index(drop=True)
    frame = windows_frame(windows)
    footer = Footer(
        config_sha256=hashlib.sha256(config_bytes).hexdigest(),
        data_period=period_text(frame, config.tzinfo),
        factor_set_version=result.factor_set_version,
        software_version=software_version(),
    )
    on_step("provenance")
    return EvaluationData(
        deployment=config.name,
        scope=scope,
        windows=frame,
        completeness=_completeness_table(activities),
        daily=daily,
        comparison=comparison,
        totals=result.totals,
        factors=factors,
        assumptions=assumptions_table(library, mc.gwp_set, config.assumptions),
        draws=result.draws,
        seed=result.seed,
        gwp_set=result.gwp_set,
        sigma_of_confidence={
            level: math.log(k) / 1.96 for level, k in config.assumptions.fallback_spread().items()
        },
        n_resamples=n_resamples,
        min_days=MIN_DAYS,
        min_completeness=MIN_COMPLETENESS,
        footer=footer,
        tz=config.tzinfo,
        sensitivity=sensitivity,
        residue_check=result.residue_check,
        processing=_processing(processing_rows(result, basis)),
        processing_note=processing_note(config.assumptions),
    )


def _processing(rows: pd.DataFrame) -> pd.DataFrame:
    """The all-lines rows of the line's own processing (the report shows all lines)."""
    return rows[(rows["site"] == ALL) & (rows["line"] == ALL)].reset_index(drop=True)


def _day_table(activities: ActivitySet) -> pd.DataFrame:
    """One row per line, period and local day: the daily indicators' input."""
    rows: list[dict[str, object]] = []
    for done in activities.windows:
        w = done.window
        for day in done.days:
            a = day.activity
            rows.append(
                {
                    "site": w.site,
                    "line": w.line,
                    "period": w.kind,
                    "day": pd.Timestamp(day.start.date()),
                    "processed_kg": a.processed_kg if a is not None else np.nan,
                    "energy_kwh": a.energy_kwh if a is not None else np.nan,
                    "in_window_share": a.in_window_share if a is not None else np.nan,
                    "completeness": float(np.mean(list(a.completeness.values())))
                    if a is not None and a.completeness
                    else 0.0,
                }
            )
    return pd.DataFrame(rows)


def _completeness_table(activities: ActivitySet) -> pd.DataFrame:
    """Completeness per line, period and sensor, weighted by the days' length [-]."""
    rows = [
        {
            "site": done.window.site,
            "line": done.window.line,
            "period": done.window.kind,
            "sensor": sensor,
            "hours": day.hours,
            "share": share,
            "has_data": day_has_data(day),
        }
        for done in activities.windows
        for day in done.days
        for sensor, share in day.completeness.items()
    ]
    frame = pd.DataFrame(rows)
    frame["weighted"] = frame["share"] * frame["hours"]
    keys = ["site", "line", "period", "sensor"]
    grouped = frame.groupby(keys, sort=False)
    table = grouped[["weighted", "hours"]].sum()
    table["completeness"] = table["weighted"] / table["hours"]
    table["days"] = grouped.size()
    table["days_with_data"] = grouped["has_data"].sum()
    return table.reset_index()[[*keys, "completeness", "days_with_data", "days"]]
