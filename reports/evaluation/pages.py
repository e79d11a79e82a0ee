"""The text and table pages of the evaluator report, on the shared frame
(:mod:`reports.layout`, :mod:`reports.tables`).

1. method (release equation, Monte Carlo and comparison settings) and data completeness
   per line, period and sensor;
2. indicators compared by :func:`models.comparison.compare_indicators`, rows that are
   not conclusive in red;
3. releases by pollutant and vector with 95 % Monte Carlo intervals;
4. the factors behind them with provenance, factors not verified flagged;
5. assumptions (mass-balance shares, factor spread, GWP set, grid factor).

A table longer than its page continues on the next, under the same title.
"""

from __future__ import annotations

import math

import pandas as pd

from models.residue_balance import DISAGREES, check_lines
from reports.evaluation.data import UNVERIFIED_FLAG, EvaluationData, period_text
from reports.evaluation.rows import (
    LOPSIDED_MARK,
    assumption_rows,
    basis_text,
    completeness_rows,
    evidence_text,
    factor_rows,
    factor_table,
    indicator_rows,
    processing_rows,
    release_rows,
    sensitivity_rows,
)
from reports.layout import A4_LANDSCAPE, GREY, PALE, PALE_RED, RED, Document, Margins, Page
from reports.tables import Column, NextPage, Table

#: What the release page says when no sensitivity factor of the line's own processing is
#: configured.
NOT_QUANTIFIED_TEXT = (
    "Melt extrusion (the line's own processing) has no Toolkit class and no published "
    "factor: not quantified, not zero; [assumptions] line_processing_factor_ug_teq_per_t "
    "counts it as a sensitivity"
)

__all__ = [
    "TEXT_PAGES",
    "assumption_page",
    "document",
    "factor_page",
    "indicator_page",
    "method_page",
    "release_page",
    "sensitivity_page",
]

#: Margins of every page: the content starts under the subtitle [page fraction].
MARGINS = Margins(left=0.05, right=0.97, top=0.895, bottom=0.08)
_TABLE_TOP = 0.86  # top of a table under a one-line subtitle [page fraction]


def document(data: EvaluationData) -> Document:
    """The report's pages, each headed with the deployment and scope (footers come when
    the report is written)."""
    return Document(A4_LANDSCAPE, MARGINS, about=f"{data.deployment}\nscope: {data.scope}")


def _continued(doc: Document, title: str) -> NextPage:
    """New pages for a table that runs over, titled ``title (continued)``."""
    return lambda: (doc.new_page(f"{title} (continued)"), _TABLE_TOP)


def _table_page(
    doc: Document, title: str, subtitle: str, table: Table, *, striped: bool = False
) -> tuple[Page, float]:
    """A new page headed ``title`` over ``subtitle`` with ``table`` under it, continued
    on pages of its own; rows alternately shaded when ``striped``. Returns the last page
    and the bottom of the table on it."""
    if striped:
        table.shade = lambda i: PALE if i % 2 else None
    page = doc.new_page(title, subtitle)
    return table.draw(page, _TABLE_TOP, more=_continued(doc, title))


def method_page(doc: Document, d: EvaluationData) -> None:
    """Page 1: the release equation, Monte Carlo and comparison settings, completeness."""
    title = "Evaluation report: method and data completeness"
    page = doc.new_page(title, period_text(d.windows, d.tz))
    sigma = ", ".join(f"{k} ×/÷{math.exp(1.96 * v):.0f}" for k, v in d.sigma_of_confidence.items())
    text = [
        r"Releases per line, period kind, source and factor:  $E = A \times EF$"
        "   (A: activity in the factor's unit, t burned / TJ fuel / MWh; EF: emission factor).",
        r"Reduction over the post period:  $\Delta = E_{baseline}\cdot D_{post}/D_{baseline}"
        r" - E_{post}$   (D: period length [d]).",
        f"Monte Carlo: {d.draws} draws, seed {d.seed}; each factor from its own 95 % range in "
        "the factor data with its reason (physical bounds for CO2, a tight grid range, "
        "order of magnitude for Toolkit factors; see the factor page), else lognormal with "
        f"the factor as median and 95 % range {sigma} by confidence (our assumption); activities "
        "triangular (measured mass m(1−a) .. m/c(1+a), a = 5 % sensor accuracy, c = covered "
        "share; energy ±2 %); mass-balance shares triangular (page 5). One draw per factor "
        "serves both periods. Intervals are the 2.5 and 97.5 percentiles of the draws. CO2e "
        f"with GWP-100 {d.gwp_set}.",
        "Indicators: daily values from the activity of each local day; difference post − "
        f"baseline with a 95 % BCa bootstrap interval ({d.n_resamples} resamples, Efron 1987), "
        "Welch's t and Mann-Whitney U (two-sided), Hedges' g and Cliff's δ. A row is flagged "
        f"(not conclusive) with fewer than {d.min_days} days with data per period "
        f"or completeness below {d.min_completeness:.0%}.",
    ]
    flow = page.flow()
    for paragraph in text:
        # Mathtext lines are short; wrap only plain text (a break inside $...$ breaks it).
        width = 10_000 if "$" in paragraph else 175
        flow.text(paragraph, size=8.5, width=width, hyphens=True, gap=0.5)
    flow.skip(0.01)
    flow.text(
        "Data completeness: readings received / readings expected per clocked "
        "sensor over each monitored window [%]; days with data / days",
        size=10,
        width=10_000,
        weight="bold",
        gap=0.6,
    )
    sensors, rows, low_cells = completeness_rows(d.completeness, d.min_completeness)
    share = 0.70 / max(len(sensors), 1)
    columns = [Column("line", 0.13, 24), Column("period", 0.07, 10)]
    columns += [Column(s, share, 10) for s in sensors]
    columns.append(Column("days with data", 0.08, 14))
    table = Table(columns, rows, fontsize=7, emphasis=lambda i, j: (i, j) in low_cells)
    table.draw(page, flow.y, more=_continued(doc, title))


def indicator_page(doc: Document, d: EvaluationData) -> None:
    """Page 2: each indicator's baseline against post, flagged rows shaded and in red."""
    comp = d.comparison
    flagged = comp[~comp["conclusive"].astype(bool)]
    title = "Indicators: baseline against post (daily values)"
    page = doc.new_page(
        title,
        "Difference = post − baseline with its 95 % bootstrap interval; p-values of Welch's t "
        "and Mann-Whitney U; g = Hedges' g, δ = Cliff's delta. A sensor day's burned residue "
        "and PCDD/F rest on the assumed residue share and fate shares ([assumptions]): "
        "a day's weighings are not that day's residue.",
    )
    flow = page.flow()
    if len(flagged):
        reasons = sorted({f for flag in flagged["flag"] for f in str(flag).split("; ") if f})
        banner = (
            f"NOT CONCLUSIVE: {len(flagged)} of {len(comp)} rows are flagged "
            f"({', '.join(reasons)}). Read their intervals and tests as illustration only: "
            f"a conclusive row needs ≥ {d.min_days} days with data per period and "
            f"≥ {d.min_completeness:.0%} completeness."
        )
        flow.text(banner, size=9, width=130, hyphens=True, color=RED, weight="bold", gap=0.8)
    columns = [
        Column("line", 0.10, 20),
        Column("indicator", 0.14, 28),
        Column("unit", 0.06, 10),
        Column("days base / post", 0.06, 10),
        Column("baseline mean", 0.07, 12),
        Column("post mean", 0.07, 12),
        Column("difference [95 % interval]", 0.15, 30),
        Column("Welch p", 0.05, 8),
        Column("M-W p", 0.05, 8),
        Column("g", 0.04, 7),
        Column("δ", 0.04, 7),
        Column("flag", 0.17, 30),
    ]
    conclusive = comp["conclusive"].astype(bool).to_numpy()
    table = Table(
        columns,
        indicator_rows(comp),
        fontsize=7,
        shade=lambda i: PALE_RED if not conclusive[i] else None,
        emphasis=lambda i, j: j == 11 and not conclusive[i],
    )
    table.draw(page, min(flow.y, _TABLE_TOP), more=_continued(doc, title))


def release_page(doc: Document, d: EvaluationData) -> None:
    """Page 3: releases by pollutant and vector over the selected lines, with a caption
    on what the verification column and the zeros mean."""
    table = release_rows(d.totals)
    if not d.processing.empty:
        table = pd.concat([table, processing_rows(d.processing)], ignore_index=True)
    title = "Releases by pollutant and vector, all selected lines"
    page = doc.new_page(
        title,
        "Headline [95 % interval]: median of the draws for a sum of factors, deterministic "
        "value for one factor (as on the household page). Reduction = baseline on the "
        "comparison basis (below) − post (positive = less released), also as % of the "
        "baseline. Means of the draws (baseline / post / reduction) are secondary.",
    )
    names = ["pollutant", "vector", "unit", "baseline", "post", "reduction", "reduction %"]
    columns = [
        Column("pollutant", 0.07, 12),
        Column("vector", 0.05, 10),
        Column("unit", 0.06, 12),
        Column("baseline", 0.16, 34),
        Column("post", 0.16, 34),
        Column("reduction", 0.16, 34),
        Column("reduction %", 0.10, 18),
        Column("mean (secondary)", 0.14, 30),
        Column("factors", 0.08, 14),
    ]
    rows = table[[*names, "mean", "verification"]].to_numpy().tolist()
    unverified = (table["verification"] != "verified").to_numpy()
    drawn = Table(columns, rows, fontsize=7, emphasis=lambda i, j: j == 8 and bool(unverified[i]))
    page, y = drawn.draw(page, _TABLE_TOP, bottom=0.22, more=_continued(doc, title))
    caption = (
        "factors: the weakest verification status among the factors behind the row. "
        "'unverified' or 'secondary' means at least one factor was not checked in the "
        "primary document (page 4): such results must not be published as final. "
        "A post PCDD/F release of 0 means nothing recorded or assumed as burned in the open "
        "after the project; grid electricity carries only CO2. "
        f"{d.processing_note or NOT_QUANTIFIED_TEXT}. A pollutant of one "
        "period only (grid CO2 after, furnace CO2 before) still gets its reduction row. "
        f"{LOPSIDED_MARK}: the median of the draws; the deterministic value (every input at "
        "its mode) lies outside the 95 % interval because an input's range is lopsided "
        "about its mode (e.g. a share with mode 0 and range 0-0.2)."
    )
    flow = page.flow(y - 0.03)
    flow.text(f"{basis_text(d.totals)}.", size=8.5, width=150, hyphens=True, weight="bold")
    flow.text(
        f"Evidence of the activity — {evidence_text(d.totals)} (measured: sensors; surveyed: "
        "imported survey or logbook rows; residue measured / surveyed: the line's residue "
        "scale / survey rows; assumed residue share, assumed fate shares: from "
        "[assumptions], page 'Assumptions').",
        size=8.5,
        width=150,
        hyphens=True,
        weight="bold",
        gap=0.8,
    )
    flow.text(caption, size=8, width=150, hyphens=True, color=RED, gap=1.0)
    if not d.residue_check.empty:
        flow.text(
            "Residue check, intake − processed against the residue (both measured; flagged "
            "beyond [assumptions] residue_check_tolerance): "
            + "; ".join(check_lines(d.residue_check))
            + ".",
            size=8,
            width=150,
            hyphens=True,
            color=RED if (d.residue_check["agreement"] == DISAGREES).any() else "black",
            gap=1.0,
        )
    flow.text(
        f"{len(rows)} rows shown. Every line and period, with median, deterministic value and "
        "factor ids: the '-releases.csv' table beside this PDF.",
        size=7,
        width=10_000,
        color=GREY,
    )


def factor_page(doc: Document, d: EvaluationData) -> None:
    """Page 4: the factors behind the releases with document, table and verification."""
    table = factor_table(d.factors)
    n_flag = int((table["flag"] != "").sum())
    subtitle = (
        f"{n_flag} of {len(table)} factors are {UNVERIFIED_FLAG} against the primary document "
        "(verification 'unverified' or 'secondary'): check them in the cited table before "
        "publishing."
    )
    columns = [
        Column("id", 0.11, 20),
        Column("document, edition", 0.11, 22),
        Column("table / annex", 0.11, 22),
        Column("class (fuel)", 0.1, 18),
        Column("pollutant, vector", 0.07, 14),
        Column("value, unit", 0.09, 13),
        Column("95 % range", 0.07, 12),
        Column("TEQ scheme", 0.08, 15),
        Column("confidence", 0.05, 10),
        Column("verification", 0.07, 14),
        Column("flag", 0.07, 14),
    ]
    flagged = (table["flag"] != "").to_numpy()
    drawn = Table(
        columns,
        factor_rows(table),
        fontsize=7,
        shade=lambda i: PALE_RED if flagged[i] else None,
        emphasis=lambda i, j: j in (9, 10) and bool(flagged[i]),
    )
    _table_page(doc, "Emission factors behind the releases, with provenance", subtitle, drawn)


def sensitivity_page(doc: Document, d: EvaluationData) -> None:
    """Page 4: the PCDD/F releases under each published factor choice, side by side."""
    if d.sensitivity.empty:
        return
    subtitle = (
        "Median [95 % interval] with the same activity and seed; only the named factors "
        "change. Open burning: Toolkit 6b class 3 against measured open burning of plastics; "
        "furnace of unknown fuel: 3e high-chlorine coal against 3e coal and 3d contaminated "
        "biomass. The choice can move the result more than the interval shows."
    )
    columns = [
        Column("factor choice", 0.24, 44),
        Column("vector", 0.05, 8),
        Column("unit", 0.06, 10),
        Column("baseline", 0.17, 34),
        Column("post", 0.14, 30),
        Column("reduction", 0.17, 34),
        Column("reduction %", 0.11, 18),
    ]
    page, y = _table_page(
        doc,
        "Factor choice: PCDD/F under each published alternative",
        subtitle,
        Table(columns, sensitivity_rows(d.sensitivity), fontsize=7.5),
        striped=True,
    )
    page.flow(y - 0.03).text(f"{basis_text(d.sensitivity)}.", size=8, width=150, hyphens=True)


def assumption_page(doc: Document, d: EvaluationData) -> None:
    """Page 5: what the measurements cannot tell, with value, range, unit and source."""
    subtitle = (
        "What the measurements cannot tell; each enters the Monte Carlo as given (triangular "
        "low / mode / high) or as a fixed value. Change them in the configuration's "
        "[assumptions] (docs/configuration.md), factors in the factor file."
    )
    columns = [
        Column("assumption", 0.2, 36),
        Column("period", 0.07, 10),
        Column("value", 0.10, 18),
        Column("low – high", 0.1, 16),
        Column("unit", 0.08, 14),
        Column("source", 0.45, 80),
    ]
    table = Table(columns, assumption_rows(d.assumptions), fontsize=7.5)
    _table_page(doc, "Assumptions", subtitle, table, striped=True)


#: The text and table pages in report order.
TEXT_PAGES = (
    method_page,
    indicator_page,
    release_page,
    sensitivity_page,
    factor_page,
    assumption_page,
)
