"""The evaluator report's tables as rows: from the model's frames to what a page or a CSV
table prints.

>>> weakest(pd.Series(["verified", "secondary", "verified"]))
'secondary'
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from emission_factors.library import VERIFICATION_STATUSES
from models.draws import HEADLINE_BASES
from models.release_totals import RELATIVE_COLUMNS
from models.releases import PERIOD_KINDS
from models.vocabulary import COMPARISON_BASES
from reports.evaluation.data import UNVERIFIED_FLAG
from reports.i18n import fmt, interval

__all__ = [
    "LOPSIDED_MARK",
    "assumption_rows",
    "basis_text",
    "completeness_rows",
    "evidence_text",
    "factor_rows",
    "factor_table",
    "indicator_rows",
    "processing_rows",
    "release_rows",
    "sensitivity_rows",
    "weakest",
]


#: Marks a headline that is the median of the draws because the deterministic value lies
#: outside the 95 % interval (:data:`models.draws.HEADLINE_BASES`).
LOPSIDED_MARK = "‡"


def factor_table(factors: pd.DataFrame) -> pd.DataFrame:
    """``factors`` with a ``flag`` column: :data:`UNVERIFIED_FLAG` where the value was not
    checked in the primary document, else ""."""
    table = factors.copy()
    table["flag"] = np.where(table["verification"] == "verified", "", UNVERIFIED_FLAG)
    return table


def weakest(statuses: pd.Series) -> str:
    """The weakest verification status among ``statuses`` ("" when none is known), in the
    order of :data:`emission_factors.library.VERIFICATION_STATUSES` (strongest first)."""
    present = [s for s in VERIFICATION_STATUSES if s in set(statuses.astype(str))]
    return present[-1] if present else ""


def processing_rows(processing: pd.DataFrame) -> pd.DataFrame:
    """The line's own processing (a configured sensitivity factor) as rows of
    :func:`release_rows`: post only, no reduction (the baseline does not count it)."""
    rows = []
    for r in processing.itertuples(index=False):
        rows.append(
            {
                "pollutant": f"{r.pollutant}, line's own processing (sensitivity factor)",
                "vector": r.vector,
                "unit": r.unit,
                "baseline": "–",
                "post": interval(r.headline, r.p2_5, r.p97_5),
                "reduction": "–",
                "reduction %": "–",
                "mean": f"– / {fmt(r.mean)} / –",
                "verification": r.verification,
            }
        )
    return pd.DataFrame(rows)


def release_rows(totals: pd.DataFrame) -> pd.DataFrame:
    """All-lines rows (the selected lines summed) per pollutant and vector: ``headline
    [95 % interval]`` per period kind and the reduction (the headline is the median of the
    draws of a sum, the deterministic value of one factor: the household page shows the
    same number; :data:`LOPSIDED_MARK` marks a median shown because the deterministic
    value lies outside the interval), the relative reduction ``% [95 % interval]``, the
    mean of the draws as a secondary column (``mean``, per period kind and reduction,
    ``;``-separated), and the weakest verification."""
    shown = totals[(totals["site"] == "all") & (totals["line"] == "all")]
    rows = []
    for (pollutant, vector, unit), part in shown.groupby(
        ["pollutant", "vector", "unit"], sort=False
    ):
        row: dict[str, str] = {"pollutant": pollutant, "vector": vector, "unit": unit}
        means = []
        for kind in (*PERIOD_KINDS, "reduction"):
            hit = part[part["period"] == kind]
            row[kind] = (
                interval(*hit[["headline", "p2_5", "p97_5"]].iloc[0].to_numpy(dtype=float))
                if len(hit)
                else "–"
            )
            basis = hit["headline_basis"].iloc[0] if len(hit) and "headline_basis" in hit else ""
            if basis == HEADLINE_BASES[2]:
                row[kind] += f" {LOPSIDED_MARK}"
            means.append(fmt(float(hit["mean"].iloc[0])) if len(hit) else "–")
        red = part[part["period"] == "reduction"]
        pct = red[RELATIVE_COLUMNS].to_numpy(dtype=float)[0] if len(red) else [math.nan] * 3
        row["reduction %"] = (
            f"{pct[0]:.0f} % [{pct[1]:.0f}, {pct[2]:.0f}]" if math.isfinite(pct[0]) else "–"
        )
        row["mean"] = " / ".join(means)
        row["verification"] = weakest(part["verification"])
        rows.append(row)
    return pd.DataFrame(rows)


def evidence_text(totals: pd.DataFrame) -> str:
    """``baseline: surveyed; post: assumed fate shares, measured, residue measured``:
    where the activity of each period came from, over the selected lines (the all-lines
    rows)."""
    shown = totals[(totals["site"] == "all") & (totals["line"] == "all")]
    if "evidence" not in shown:
        return ""
    parts = []
    for kind in PERIOD_KINDS:
        tags = {
            tag
            for cell in shown.loc[shown["period"] == kind, "evidence"].dropna().astype(str)
            for tag in cell.split("; ")
            if tag
        }
        parts.append(f"{kind}: {', '.join(sorted(tags)) or '–'}")
    return "; ".join(parts)


def basis_text(totals: pd.DataFrame) -> str:
    """``Comparison basis: NAME ([assumptions] comparison_basis) — meaning``: the common
    basis the baseline and post rows of ``totals`` compare on.

    >>> basis_text(pd.DataFrame({"basis": ["same_households"]})).split(" — ")[0]
    'Comparison basis: same_households ([assumptions] comparison_basis)'
    """
    names = sorted(set(totals["basis"].dropna().astype(str))) if "basis" in totals else []
    if not names:
        return "Comparison basis: not stated"
    meanings = "; ".join(COMPARISON_BASES.get(n, n) for n in names)
    return f"Comparison basis: {', '.join(names)} ([assumptions] comparison_basis) — {meanings}"


def completeness_rows(
    completeness: pd.DataFrame, min_completeness: float
) -> tuple[list[str], list[list[object]], set[tuple[int, int]]]:
    """Completeness per line and period kind, one column per sensor [%].

    Returns the sensors, the rows (``site/line``, period, one value per sensor, ``days
    with data / days``) and the (row, column) cells below ``min_completeness`` [0-1].
    """
    sensors = list(dict.fromkeys(completeness["sensor"]))
    keys = completeness[["site", "line", "period"]].drop_duplicates().to_numpy().tolist()
    rows: list[list[object]] = []
    low_cells: set[tuple[int, int]] = set()
    for i, (site, line, kind) in enumerate(keys):
        part = completeness[
            (completeness["site"] == site)
            & (completeness["line"] == line)
            & (completeness["period"] == kind)
        ]
        by_sensor = dict(zip(part["sensor"], part["completeness"], strict=True))
        row: list[object] = [f"{site}/{line}", kind]
        for j, sensor in enumerate(sensors):
            value = by_sensor.get(sensor, float("nan"))
            row.append(f"{100 * value:.0f}" if math.isfinite(value) else "–")
            if not value >= min_completeness:
                low_cells.add((i, j + 2))
        row.append(f"{int(part['days_with_data'].iloc[0])} / {int(part['days'].iloc[0])}")
        rows.append(row)
    return sensors, rows, low_cells


def indicator_rows(comparison: pd.DataFrame) -> list[list[object]]:
    """One row per compared indicator: line, indicator, unit, days, means, difference
    with its interval, p-values, effect sizes and flag (``conclusive`` when none)."""
    return [
        [
            f"{r.site}/{r.line}",
            r.indicator,
            r.unit,
            f"{r.n_baseline} / {r.n_post}",
            fmt(r.baseline_mean),
            fmt(r.post_mean),
            interval(r.difference, r.ci_low, r.ci_high),
            fmt(r.welch_p),
            fmt(r.mannwhitney_p),
            fmt(r.hedges_g),
            fmt(r.cliffs_delta),
            r.flag if r.flag else "conclusive",
        ]
        for r in comparison.itertuples(index=False)
    ]


def factor_rows(table: pd.DataFrame) -> list[list[object]]:
    """One row per factor of :func:`factor_table`: id, document, table, class (and fuel),
    pollutant and vector, value with unit, its 95 % range (``low – high`` or the
    confidence fallback), TEQ scheme, confidence, verification and flag."""
    return [
        [
            r.id,
            f"{r.document}, {r.edition}",
            r.table,
            f"{r.source_category} {r.toolkit_class}" + (f" ({r.fuel})" if r.fuel else ""),
            f"{r.pollutant}, {r.vector}",
            f"{r.value:g} {r.unit}",
            _range(r.low, r.high),
            r.teq_scheme or "–",
            r.confidence,
            r.verification,
            r.flag or "verified",
        ]
        for r in table.itertuples(index=False)
    ]


def _range(low: object, high: object) -> str:
    """``low – high`` of a factor's own spread, or ``by confidence`` (the fallback)."""
    try:
        lo, hi = float(low), float(high)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "by confidence"
    return f"{lo:g} – {hi:g}" if math.isfinite(lo) and math.isfinite(hi) else "by confidence"


def sensitivity_rows(sensitivity: pd.DataFrame) -> list[list[object]]:
    """One row per factor choice and vector: baseline, post and reduction as ``headline
    [95 % interval]``, and the relative reduction [%]."""
    rows = []
    for (choice, vector, unit), part in sensitivity.groupby(
        ["choice", "vector", "unit"], sort=False
    ):
        cells: list[object] = [choice, vector, unit]
        for kind in (*PERIOD_KINDS, "reduction"):
            hit = part[part["period"] == kind]
            cells.append(
                interval(*hit[["headline", "p2_5", "p97_5"]].iloc[0].to_numpy(dtype=float))
                if len(hit)
                else "–"
            )
        red = part[part["period"] == "reduction"]
        pct = red[RELATIVE_COLUMNS].to_numpy(dtype=float)[0] if len(red) else [math.nan] * 3
        cells.append(
            f"{pct[0]:.0f} % [{pct[1]:.0f}, {pct[2]:.0f}]" if math.isfinite(pct[0]) else "–"
        )
        rows.append(cells)
    return rows


def assumption_rows(assumptions: pd.DataFrame) -> list[list[object]]:
    """One row per assumption: name, period, value, ``low – high``, unit, source."""
    return [
        [
            r.name,
            r.period,
            r.value if isinstance(r.value, str) else fmt(r.value),
            "–" if pd.isna(r.low) else f"{fmt(r.low)} – {fmt(r.high)}",
            r.unit,
            str(r.source).replace("``", ""),  # the configuration reference's markup
        ]
        for r in assumptions.itertuples(index=False)
    ]
