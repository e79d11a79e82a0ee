r"""Evaluator report: before/after comparison with intervals, completeness and provenance.

A multi-page A4 (landscape) PDF and CSV tables beside it, from plain DataFrames and values
(:class:`EvaluationData`); the report never reads a store. Pages:

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
``FILE-assumptions.csv`` and ``FILE-daily.csv``, at full precision.

>>> fmt(1234.5), fmt(0.012345), fmt(float("nan")), interval(2.0, 1.0, 3.5)
('1.23e+03', '0.0123', '–', '2 [1, 3.5]')
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

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

#: Suffixes of the CSV tables written beside the PDF.
CSV_TABLES: tuple[str, ...] = (
    "indicators",
    "releases",
    "factors",
    "completeness",
    "assumptions",
    "daily",
)
#: Text in the factor table (and ``flag`` column of the CSV) of a factor whose value was
#: not checked in the primary document.
UNVERIFIED_FLAG = "NOT VERIFIED"
_PAGE = (11.69, 8.27)  # A4 landscape [in]
_RED = "#b2182b"
_PALE_RED = "#fbe3e3"
_PALE = "#f3f3f3"
_COLOURS = {"baseline": "#8c510a", "post": "#01665e"}


def fmt(value: float) -> str:
    """A number as the report prints it: three significant figures, ``–`` for NaN."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    return f"{float(value):.3g}"


def interval(mean: float, low: float, high: float) -> str:
    """``mean [low, high]`` with :func:`fmt`."""
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


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
    for kind in ("baseline", "post"):
        rows = windows[windows["period"] == kind]
        if rows.empty:
            continue
        start = pd.Timestamp(rows["start"].min()).tz_convert(tz)
        end = pd.Timestamp(rows["end"].max()).tz_convert(tz)
        parts.append(f"{kind} {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}")
    return "; ".join(parts) + f" ({tz.key})"


# -- tables for CSV and pages ---------------------------------------------------------------


def _factor_table(factors: pd.DataFrame) -> pd.DataFrame:
    table = factors.copy()
    table["flag"] = np.where(table["verification"] == "verified", "", UNVERIFIED_FLAG)
    return table


def _release_rows(totals: pd.DataFrame) -> pd.DataFrame:
    """All-lines rows (the selected lines summed) per pollutant and vector, one column
    per period kind."""
    shown = totals[(totals["site"] == "all") & (totals["line"] == "all")]
    rows = []
    for (pollutant, vector, unit), part in shown.groupby(
        ["pollutant", "vector", "unit"], sort=False
    ):
        row: dict[str, str] = {"pollutant": pollutant, "vector": vector, "unit": unit}
        for kind in ("baseline", "post", "reduction"):
            hit = part[part["period"] == kind]
            row[kind] = (
                interval(*hit[["mean", "p2_5", "p97_5"]].iloc[0].to_numpy(dtype=float))
                if len(hit)
                else "–"
            )
        row["verification"] = _weakest(part["verification"])
        rows.append(row)
    return pd.DataFrame(rows)


def _weakest(statuses: pd.Series) -> str:
    order = ("verified", "secondary", "unverified")
    present = [s for s in order if s in set(statuses.astype(str))]
    return present[-1] if present else ""


# -- drawing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Col:
    """A table column: heading, width [share of the table], wrap width [characters]."""

    title: str
    width: float
    wrap: int


def _wrapped(text: object, width: int) -> list[str]:
    lines = textwrap.wrap(str(text), width=width, break_long_words=True) or [""]
    return lines


def _draw_rows(
    fig,  # type: ignore[no-untyped-def]
    columns: Sequence[_Col],
    rows: Sequence[Sequence[object]],
    *,
    top: float,
    bottom: float,
    fontsize: float = 6.5,
    shade: Callable[[int], str | None] = lambda i: None,
    red_cells: Callable[[int, int], bool] = lambda i, j: False,
) -> int:
    """Draw a table from ``top`` down (figure fractions); return how many rows fitted."""
    left, right = 0.05, 0.97
    line_h = fontsize * 1.35 / 72 / _PAGE[1]
    xs = [left]
    for col in columns:
        xs.append(xs[-1] + col.width * (right - left))
    header = [_wrapped(c.title, c.wrap) for c in columns]
    h = max(len(x) for x in header) * line_h + line_h * 0.4
    fig.patches.append(
        _rect(fig, left, top - h, right - left, h, "#dde3ea")  # header band
    )
    for x, lines in zip(xs, header, strict=False):
        fig.text(
            x + 0.003,
            top - line_h * 0.2,
            "\n".join(lines),
            fontsize=fontsize,
            weight="bold",
            va="top",
            linespacing=1.1,
        )
    y = top - h
    drawn = 0
    for i, row in enumerate(rows):
        cells = [_wrapped(v, c.wrap) for v, c in zip(row, columns, strict=True)]
        rh = max(len(x) for x in cells) * line_h + line_h * 0.4
        if y - rh < bottom:
            break
        colour = shade(i)
        if colour:
            fig.patches.append(_rect(fig, left, y - rh, right - left, rh, colour))
        for j, (x, lines) in enumerate(zip(xs, cells, strict=False)):
            fig.text(
                x + 0.003,
                y - line_h * 0.2,
                "\n".join(lines),
                fontsize=fontsize,
                va="top",
                linespacing=1.1,
                color=_RED if red_cells(i, j) else "black",
                weight="bold" if red_cells(i, j) else "normal",
            )
        fig.lines.append(_hline(fig, left, right, y - rh))
        y -= rh
        drawn += 1
    return drawn


def _rect(fig, x: float, y: float, w: float, h: float, colour: str):  # type: ignore[no-untyped-def]
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x, y),
        w,
        h,
        transform=fig.transFigure,
        figure=fig,
        facecolor=colour,
        edgecolor="none",
        zorder=-1,
    )


def _hline(fig, x0: float, x1: float, y: float):  # type: ignore[no-untyped-def]
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y, y], transform=fig.transFigure, figure=fig, color="0.8", lw=0.4)


class _Pages:
    """Pages of the report with title and footer; counts pages for ``page i of n``."""

    def __init__(self, data: EvaluationData) -> None:
        self.data = data
        self.figures: list[object] = []

    def new(self, title: str, subtitle: str = ""):  # type: ignore[no-untyped-def]
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=_PAGE)
        fig.text(0.05, 0.955, title, fontsize=14, weight="bold")
        fig.text(
            0.97,
            0.955,
            f"{self.data.deployment}\nscope: {self.data.scope}",
            fontsize=7,
            ha="right",
            va="bottom",
            color="0.3",
        )
        if subtitle:
            fig.text(0.05, 0.925, subtitle, fontsize=8, color="0.25", va="top")
        self.figures.append(fig)
        return fig

    def finish(self, made: datetime) -> None:
        f = self.data.footer
        total = len(self.figures)
        for number, fig in enumerate(self.figures, start=1):
            fig.lines.append(_hline(fig, 0.05, 0.97, 0.052))  # type: ignore[attr-defined]
            fig.text(  # type: ignore[attr-defined]
                0.05,
                0.04,
                f"Configuration sha256 {f.config_sha256}   ·   factor set "
                f"{f.factor_set_version}   ·   upops-pilot {f.software_version}",
                fontsize=6.5,
                va="top",
                color="0.2",
            )
            fig.text(  # type: ignore[attr-defined]
                0.05,
                0.022,
                f"Data period: {f.data_period}   ·   made {made:%Y-%m-%d %H:%M %Z}",
                fontsize=6.5,
                va="top",
                color="0.2",
            )
            fig.text(  # type: ignore[attr-defined]
                0.97, 0.022, f"page {number} of {total}", fontsize=6.5, ha="right", va="top"
            )


def _method_page(pages: _Pages) -> None:
    d = pages.data
    fig = pages.new("Evaluation report: method and data completeness", period_text(d.windows, d.tz))
    sigma = ", ".join(f"{k} ×/÷{math.exp(1.96 * v):.0f}" for k, v in d.sigma_of_confidence.items())
    text = [
        r"Releases per line, period kind, source and factor:  $E = A \times EF$"
        "   (A: activity in the factor's unit, t burned / TJ fuel / MWh; EF: emission factor).",
        r"Reduction over the post period:  $\Delta = E_{baseline}\cdot D_{post}/D_{baseline}"
        r" - E_{post}$   (D: period length [d]).",
        f"Monte Carlo: {d.draws} draws, seed {d.seed}; factors lognormal with the factor as "
        f"median and 95 % range {sigma} by Toolkit confidence (our assumption); activities "
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
    y = 0.895
    for paragraph in text:
        # Mathtext lines are short; wrap only plain text (a break inside $...$ breaks it).
        for line in [paragraph] if "$" in paragraph else _wrapped(paragraph, 175):
            fig.text(0.05, y, line, fontsize=8.5, va="top")
            y -= 0.027
        y -= 0.006
    y -= 0.01
    fig.text(
        0.05,
        y,
        "Data completeness: readings received / readings expected per clocked "
        "sensor over each monitored window [%]; days with data / days",
        fontsize=10,
        weight="bold",
        va="top",
    )
    comp = d.completeness
    sensors = list(dict.fromkeys(comp["sensor"]))
    keys = comp[["site", "line", "period"]].drop_duplicates().to_numpy().tolist()
    rows = []
    low_cells: set[tuple[int, int]] = set()
    for i, (site, line, kind) in enumerate(keys):
        part = comp[(comp["site"] == site) & (comp["line"] == line) & (comp["period"] == kind)]
        by_sensor = dict(zip(part["sensor"], part["completeness"], strict=True))
        row: list[object] = [f"{site}/{line}", kind]
        for j, sensor in enumerate(sensors):
            value = by_sensor.get(sensor, float("nan"))
            row.append(f"{100 * value:.0f}" if math.isfinite(value) else "–")
            if not value >= d.min_completeness:
                low_cells.add((i, j + 2))
        row.append(f"{int(part['days_with_data'].iloc[0])} / {int(part['days'].iloc[0])}")
        rows.append(row)
    share = 0.70 / max(len(sensors), 1)
    columns = [_Col("line", 0.13, 24), _Col("period", 0.07, 10)]
    columns += [_Col(s, share, 10) for s in sensors]
    columns.append(_Col("days with data", 0.08, 14))
    _draw_rows(
        fig,
        columns,
        rows,
        top=y - 0.045,
        bottom=0.08,
        fontsize=7,
        red_cells=lambda i, j: (i, j) in low_cells,
    )


def _indicator_page(pages: _Pages) -> None:
    d = pages.data
    comp = d.comparison
    flagged = comp[~comp["conclusive"].astype(bool)]
    fig = pages.new(
        "Indicators: baseline against post (daily values)",
        "Difference = post − baseline with its 95 % bootstrap interval; p-values of Welch's t "
        "and Mann-Whitney U; g = Hedges' g, δ = Cliff's delta.",
    )
    if len(flagged):
        reasons = sorted({f for flag in flagged["flag"] for f in str(flag).split("; ") if f})
        banner = (
            f"NOT CONCLUSIVE: {len(flagged)} of {len(comp)} rows are flagged "
            f"({', '.join(reasons)}). Read their intervals and tests as illustration only: "
            f"a conclusive row needs ≥ {d.min_days} days with data per period and "
            f"≥ {d.min_completeness:.0%} completeness."
        )
        fig.text(
            0.05,
            0.895,
            "\n".join(_wrapped(banner, 130)),
            fontsize=9,
            color=_RED,
            weight="bold",
            va="top",
        )
    columns = [
        _Col("line", 0.10, 20),
        _Col("indicator", 0.14, 28),
        _Col("unit", 0.06, 10),
        _Col("days base / post", 0.06, 10),
        _Col("baseline mean", 0.07, 12),
        _Col("post mean", 0.07, 12),
        _Col("difference [95 % interval]", 0.15, 30),
        _Col("Welch p", 0.05, 8),
        _Col("M-W p", 0.05, 8),
        _Col("g", 0.04, 7),
        _Col("δ", 0.04, 7),
        _Col("flag", 0.17, 30),
    ]
    rows = []
    for r in comp.itertuples(index=False):
        rows.append(
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
        )
    conclusive = comp["conclusive"].astype(bool).to_numpy()
    _draw_rows(
        fig,
        columns,
        rows,
        top=0.85,
        bottom=0.08,
        fontsize=7,
        shade=lambda i: _PALE_RED if not conclusive[i] else None,
        red_cells=lambda i, j: j == 11 and not conclusive[i],
    )


def _release_page(pages: _Pages) -> None:
    d = pages.data
    table = _release_rows(d.totals)
    fig = pages.new(
        "Releases by pollutant and vector, all selected lines",
        "Mean [95 % interval] of the Monte Carlo draws over each monitored period; the "
        "reduction is the baseline scaled to the post period's length minus the post "
        "release (positive = less released).",
    )
    columns = [
        _Col("pollutant", 0.08, 12),
        _Col("vector", 0.06, 10),
        _Col("unit", 0.07, 12),
        _Col("baseline", 0.22, 40),
        _Col("post", 0.22, 40),
        _Col("reduction", 0.22, 40),
        _Col("factors", 0.13, 20),
    ]
    rows = (
        table[["pollutant", "vector", "unit", "baseline", "post", "reduction", "verification"]]
        .to_numpy()
        .tolist()
    )
    unverified = (table["verification"] != "verified").to_numpy()
    drawn = _draw_rows(
        fig,
        columns,
        rows,
        top=0.86,
        bottom=0.22,
        fontsize=8,
        red_cells=lambda i, j: j == 6 and bool(unverified[i]),
    )
    caption = (
        "factors: the weakest verification status among the factors behind the row. "
        "'unverified' or 'secondary' means at least one factor was not checked in the "
        "primary document (page 4): such results must not be published as final. "
        "A post PCDD/F release of 0 means no source of the post period has a PCDD/F factor: "
        "melt extrusion has no Toolkit class and counts zero, grid electricity carries only "
        "CO2. '–': the pollutant has no release in that period (e.g. grid CO2 before the "
        "line) and no reduction row; compare CO2e instead."
    )
    fig.text(0.05, 0.21, "\n".join(_wrapped(caption, 150)), fontsize=8, color=_RED, va="top")
    fig.text(
        0.05,
        0.09,
        f"{drawn} rows shown. Every line and period, with median, deterministic value and "
        "factor ids: the '-releases.csv' table beside this PDF.",
        fontsize=7,
        color="0.35",
        va="top",
    )


def _factor_page(pages: _Pages) -> None:
    d = pages.data
    table = _factor_table(d.factors)
    n_flag = int((table["flag"] != "").sum())
    fig = pages.new(
        "Emission factors behind the releases, with provenance",
        f"{n_flag} of {len(table)} factors are {UNVERIFIED_FLAG} against the primary document "
        "(verification 'unverified' or 'secondary'): check them in the cited table before "
        "publishing.",
    )
    columns = [
        _Col("id", 0.11, 20),
        _Col("document, edition", 0.12, 22),
        _Col("table / annex", 0.12, 22),
        _Col("class", 0.1, 18),
        _Col("pollutant, vector", 0.08, 14),
        _Col("value, unit", 0.10, 13),
        _Col("TEQ scheme", 0.09, 15),
        _Col("confidence", 0.06, 10),
        _Col("verification", 0.09, 14),
        _Col("flag", 0.08, 14),
    ]
    rows = [
        [
            r.id,
            f"{r.document}, {r.edition}",
            r.table,
            f"{r.source_category} {r.toolkit_class}",
            f"{r.pollutant}, {r.vector}",
            f"{r.value:g} {r.unit}",
            r.teq_scheme or "–",
            r.confidence,
            r.verification,
            r.flag or "verified",
        ]
        for r in table.itertuples(index=False)
    ]
    flagged = (table["flag"] != "").to_numpy()
    _draw_rows(
        fig,
        columns,
        rows,
        top=0.86,
        bottom=0.08,
        fontsize=7,
        shade=lambda i: _PALE_RED if flagged[i] else None,
        red_cells=lambda i, j: j in (8, 9) and bool(flagged[i]),
    )


def _assumption_page(pages: _Pages) -> None:
    d = pages.data
    fig = pages.new(
        "Assumptions",
        "What the measurements cannot tell; each enters the Monte Carlo as given (triangular "
        "low / mode / high) or as a fixed value. Change them in models.mass_balance, "
        "models.releases or the factor file.",
    )
    columns = [
        _Col("assumption", 0.2, 36),
        _Col("period", 0.08, 10),
        _Col("value", 0.08, 12),
        _Col("low – high", 0.1, 16),
        _Col("unit", 0.08, 14),
        _Col("source", 0.46, 90),
    ]
    rows = [
        [
            r.name,
            r.period,
            r.value if isinstance(r.value, str) else fmt(r.value),
            "–" if pd.isna(r.low) else f"{fmt(r.low)} – {fmt(r.high)}",
            r.unit,
            r.source,
        ]
        for r in d.assumptions.itertuples(index=False)
    ]
    _draw_rows(
        fig,
        columns,
        rows,
        top=0.86,
        bottom=0.08,
        fontsize=7.5,
        shade=lambda i: _PALE if i % 2 else None,
    )


def _figure_page(pages: _Pages) -> None:
    d = pages.data
    fig = pages.new(
        "Figures",
        "Daily values per line and period (markers: days; x: day of the monitored period), "
        "their distributions, and the releases before and after with 95 % intervals.",
    )
    daily = d.daily
    grid = fig.add_gridspec(
        2, 2, left=0.07, right=0.97, top=0.86, bottom=0.14, hspace=0.42, wspace=0.22
    )
    lines = list(dict.fromkeys(zip(daily["site"], daily["line"], strict=True)))
    markers = "osD^v<>"
    for (row, col), name, label in (
        ((0, 0), "specific_energy_kwh_per_kg", "energy per kg [kWh/kg]"),
        (
            (0, 1),
            "upops_ug_teq_per_day",
            "PCDD/F, all vectors, at the assumptions' modes [µg TEQ/d]",
        ),
    ):
        ax = fig.add_subplot(grid[row, col])
        part = daily[daily["indicator"] == name]
        for li, (site, line) in enumerate(lines):
            for kind in ("baseline", "post"):
                rows = part[
                    (part["site"] == site) & (part["line"] == line) & (part["period"] == kind)
                ].sort_values("day")
                if rows.empty:
                    continue
                x = np.arange(1, len(rows) + 1)
                first = pd.Timestamp(rows["day"].iloc[0])
                ax.plot(
                    x,
                    rows["value"],
                    marker=markers[li % len(markers)],
                    ms=5,
                    color=_COLOURS[kind],
                    lw=1,
                    label=f"{site}/{line} {kind} (from {first:%Y-%m-%d})",
                )
        ax.set_title(f"Daily {label}", fontsize=9, loc="left")
        ax.set_xlabel("day of the monitored period", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.get_major_locator().set_params(integer=True)
        if name.startswith("upops") and (part["value"] > 0).any():
            ax.set_yscale("symlog", linthresh=1.0)
        ax.legend(fontsize=6, loc="best")
    ax = fig.add_subplot(grid[1, 0])
    part = daily[daily["indicator"] == "specific_energy_kwh_per_kg"]
    groups, labels, colours = [], [], []
    for site, line in lines:
        for kind in ("baseline", "post"):
            v = part[(part["site"] == site) & (part["line"] == line) & (part["period"] == kind)]
            values = v["value"].dropna().to_numpy(dtype=float)
            groups.append(values)
            labels.append(f"{line}\n{site}\n{kind}")
            colours.append(_COLOURS[kind])
    for i, (values, colour) in enumerate(zip(groups, colours, strict=True)):
        if len(values):
            ax.boxplot(
                values, positions=[i], widths=0.5, showfliers=False, medianprops={"color": colour}
            )
            ax.scatter(np.full(len(values), i), values, color=colour, s=14, zorder=3)
    ax.set_xticks(range(len(labels)), labels, fontsize=6)
    ax.set_title("Distribution of daily energy per kg [kWh/kg]", fontsize=9, loc="left")
    ax.tick_params(axis="y", labelsize=7)

    ax = fig.add_subplot(grid[1, 1])
    totals = d.totals[(d.totals["pollutant"] == "PCDD/F") & (d.totals["vector"] == "air")]
    bars = []
    for site, line in [*lines, ("all", "all")]:
        for kind in ("baseline", "post"):
            hit = totals[
                (totals["site"] == site) & (totals["line"] == line) & (totals["period"] == kind)
            ]
            if len(hit):
                r = hit.iloc[0]
                bars.append(
                    (
                        f"{line}\n{site}" if site != "all" else "all lines\n",
                        kind,
                        r["mean"],
                        r["p2_5"],
                        r["p97_5"],
                    )
                )
    for i, (_label, kind, mean, low, high) in enumerate(bars):
        ax.bar(i, mean, color=_COLOURS[kind], alpha=0.75)
        ax.errorbar(i, mean, yerr=[[mean - low], [high - mean]], color="black", capsize=3, lw=1)
        # A zero bar is invisible: say its value.
        ax.annotate(
            fmt(mean),
            (i, max(mean, 0.0)),
            textcoords="offset points",
            xytext=(0, 3),
            ha="center",
            fontsize=6.5,
        )
    ax.set_xticks(range(len(bars)), [f"{b[0]}\n{b[1]}" for b in bars], fontsize=6)
    unit = totals["unit"].iloc[0] if len(totals) else "µg TEQ"
    ax.set_title(
        f"PCDD/F to air over each period [{unit}], mean and 95 % interval", fontsize=9, loc="left"
    )
    if len(bars) and max(b[2] for b in bars) > 0:
        ax.set_yscale("symlog", linthresh=1.0)
    ax.tick_params(axis="y", labelsize=7)


def write_evaluation_report(
    data: EvaluationData,
    out: Path,
    *,
    made: datetime | None = None,
    on_step: Callable[[str], None] = lambda step: None,
) -> list[Path]:
    """Write the PDF ``out`` and its CSV tables; return their paths (PDF first).

    ``on_step`` is called with the name of each step done (for a progress bar).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    out.parent.mkdir(parents=True, exist_ok=True)
    made = made or datetime.now(data.tz)
    footer = {
        "config_sha256": data.footer.config_sha256,
        "factor_set_version": data.footer.factor_set_version,
        "software_version": data.footer.software_version,
    }
    csv_frames = {
        "indicators": data.comparison,
        "releases": data.totals.assign(draws=data.draws, seed=data.seed, gwp_set=data.gwp_set),
        "factors": _factor_table(data.factors),
        "completeness": data.completeness,
        "assumptions": data.assumptions,
        "daily": data.daily,
    }
    paths = [out]
    for name in CSV_TABLES:
        path = csv_path(out, name)
        csv_frames[name].assign(**footer).to_csv(path, index=False)
        paths.append(path)
    on_step("tables")
    pages = _Pages(data)
    for draw in (
        _method_page,
        _indicator_page,
        _release_page,
        _factor_page,
        _assumption_page,
        _figure_page,
    ):
        draw(pages)
        on_step(draw.__name__.strip("_"))
    pages.finish(made)
    with PdfPages(out) as pdf:
        for fig in pages.figures:
            pdf.savefig(fig)  # type: ignore[arg-type]
            plt.close(fig)  # type: ignore[arg-type]
        info = pdf.infodict()
        info["Title"] = f"Evaluation report - {data.deployment}"
        info["Subject"] = f"{data.scope}; {data.footer.data_period}"
        info["Keywords"] = (
            f"config-sha256={data.footer.config_sha256}; "
            f"factor-set={data.footer.factor_set_version}"
        )
    on_step("pdf")
    return paths
