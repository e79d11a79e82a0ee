"""What the evaluator report shows (:class:`EvaluationData`), its reproducibility footer
and the CSV tables written beside the PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from models.releases import PERIOD_KINDS

__all__ = [
    "CSV_TABLES",
    "UNVERIFIED_FLAG",
    "EvaluationData",
    "Footer",
    "csv_path",
    "footer_lines",
    "period_text",
]

#: Suffixes of the CSV tables written beside the PDF.
CSV_TABLES: tuple[str, ...] = (
    "indicators",
    "releases",
    "sensitivity",
    "factors",
    "completeness",
    "assumptions",
    "daily",
    "residue",
)
#: Text in the factor table (and ``flag`` column of the CSV) of a factor whose value was
#: not checked in the primary document.
UNVERIFIED_FLAG = "NOT VERIFIED"


def csv_path(out: Path, table: str) -> Path:
    """Path of the CSV table ``table`` beside the PDF ``out`` (same stem).

    >>> csv_path(Path("r/eval.pdf"), "factors").as_posix()
    'r/eval-factors.csv'
    """
    return out.with_name(f"{out.stem}-{table}.csv")


@dataclass(frozen=True)
class Footer:
    """What reproduces the report: the SHA-256 of the configuration file's bytes, the data
    period (text), the factor-set version and the software version."""

    config_sha256: str
    data_period: str
    factor_set_version: str
    software_version: str


@dataclass(frozen=True)
class EvaluationData:
    """Everything the report shows; the CLI gathers it (``pilot report evaluation``).

    Parameters
    ----------
    deployment, scope
        Deployment name and what was evaluated (``all sites``, a site name).
    windows
        Monitored windows: ``period`` (kind), ``site``, ``line``, ``start``, ``end``
        (aware datetimes).
    completeness
        ``site, line, period, sensor, completeness`` [0-1] over the window,
        ``days_with_data``, ``days``.
    daily
        Daily indicator values (:func:`models.daily_indicators.daily_indicator_frame`).
    comparison
        :func:`models.comparison.compare_indicators` of ``daily`` with
        ``by=("site", "line")``.
    totals
        :attr:`models.releases.Estimate.totals`.
    factors
        The factors behind the releases: the columns of
        :meth:`emission_factors.library.FactorLibrary.to_frame`.
    assumptions
        ``name, period, value, low, high, unit, source`` (text columns allowed).
    draws, seed, gwp_set
        Monte Carlo settings of the releases.
    sigma_of_confidence
        Log-standard deviation per factor confidence [-].
    n_resamples, min_days, min_completeness
        Bootstrap resamples and the flag thresholds of the comparison.
    footer
        Reproducibility footer.
    tz
        Time zone of every printed time.
    sensitivity
        The all-lines PCDD/F totals under each factor choice
        (:func:`models.factor_choice.factor_choice_sensitivity`); empty: no page.
    residue_check
        The intake − processed check per line and period
        (:data:`models.residue_balance.CHECK_COLUMNS`); empty: nothing to check.
    processing, processing_note
        The line's own processing under a configured sensitivity factor: its all-lines
        rows of :attr:`models.releases.Estimate.sources` (empty when not set), and how it
        counts (not quantified, or the factor with its source).
    """

    deployment: str
    scope: str
    windows: pd.DataFrame
    completeness: pd.DataFrame
    daily: pd.DataFrame
    comparison: pd.DataFrame
    totals: pd.DataFrame
    factors: pd.DataFrame
    assumptions: pd.DataFrame
    draws: int
    seed: int
    gwp_set: str
    sigma_of_confidence: dict[str, float]
    n_resamples: int
    min_days: int
    min_completeness: float
    footer: Footer
    tz: ZoneInfo
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    residue_check: pd.DataFrame = field(default_factory=pd.DataFrame)
    processing: pd.DataFrame = field(default_factory=pd.DataFrame)
    processing_note: str = ""


def period_text(windows: pd.DataFrame, tz: ZoneInfo) -> str:
    """``baseline 2019-06-03 00:00 – 2019-06-05 00:00; post ...`` in local time.

    >>> w = pd.DataFrame({"period": ["post"], "start": [datetime(2020, 10, 4, 17)],
    ...     "end": [datetime(2020, 10, 6, 17)]}).assign(
    ...     start=lambda f: pd.to_datetime(f["start"], utc=True),
    ...     end=lambda f: pd.to_datetime(f["end"], utc=True))
    >>> period_text(w, ZoneInfo("Asia/Ho_Chi_Minh"))
    'post 2020-10-05 00:00 – 2020-10-07 00:00 (Asia/Ho_Chi_Minh)'
    """
    parts = []
    for kind in PERIOD_KINDS:
        rows = windows[windows["period"] == kind]
        if rows.empty:
            continue
        start = pd.Timestamp(rows["start"].min()).tz_convert(tz)
        end = pd.Timestamp(rows["end"].max()).tz_convert(tz)
        parts.append(f"{kind} {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}")
    return "; ".join(parts) + f" ({tz.key})"


def footer_lines(data: EvaluationData, made: datetime) -> list[str]:
    """The two footer lines of every page: configuration, factor set and software, then
    data period and when the report was made."""
    f = data.footer
    return [
        f"Configuration sha256 {f.config_sha256}   ·   factor set "
        f"{f.factor_set_version}   ·   upops-pilot {f.software_version}",
        f"Data period: {f.data_period}   ·   made {made:%Y-%m-%d %H:%M %Z}",
    ]
