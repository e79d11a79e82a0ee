"""The figure page of the evaluator report: daily values over time, their distributions,
and the releases before and after with 95 % intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.releases import PERIOD_KINDS
from reports.evaluation.data import EvaluationData
from reports.i18n import fmt
from reports.layout import Document

__all__ = ["PERIOD_COLOURS", "figure_page"]

#: Colour of each period kind in the figures.
PERIOD_COLOURS = {"baseline": "#8c510a", "post": "#01665e"}
_MARKERS = "osD^v<>"


def figure_page(doc: Document, d: EvaluationData) -> None:
    """Page 6: four figures on a 2 × 2 grid."""
    page = doc.new_page(
        "Figures",
        "Daily values per line and period (markers: days; x: day of the monitored period), "
        "their distributions, and the releases before and after with 95 % intervals.",
    )
    fig = page.figure
    grid = fig.add_gridspec(
        2, 2, left=0.07, right=0.97, top=0.86, bottom=0.14, hspace=0.42, wspace=0.22
    )
    lines = list(dict.fromkeys(zip(d.daily["site"], d.daily["line"], strict=True)))
    for cell, name, label in (
        (grid[0, 0], "specific_energy_kwh_per_kg", "energy per kg [kWh/kg]"),
        (
            grid[0, 1],
            "upops_ug_teq_per_day",
            "PCDD/F, all vectors, at the assumptions' modes [µg TEQ/d]",
        ),
    ):
        _daily_values(fig.add_subplot(cell), d.daily, lines, name, label)
    _distribution(fig.add_subplot(grid[1, 0]), d.daily, lines)
    _releases(fig.add_subplot(grid[1, 1]), d.totals, lines)


def _of(frame: pd.DataFrame, site: str, line: str, kind: str) -> pd.DataFrame:
    return frame[(frame["site"] == site) & (frame["line"] == line) & (frame["period"] == kind)]


def _daily_values(ax, daily: pd.DataFrame, lines, name: str, label: str) -> None:  # type: ignore[no-untyped-def]
    """Daily values of indicator ``name`` against the day of the monitored period."""
    part = daily[daily["indicator"] == name]
    for li, (site, line) in enumerate(lines):
        for kind in PERIOD_KINDS:
            rows = _of(part, site, line, kind).sort_values("day")
            if rows.empty:
                continue
            first = pd.Timestamp(rows["day"].iloc[0])
            ax.plot(
                np.arange(1, len(rows) + 1),
                rows["value"],
                marker=_MARKERS[li % len(_MARKERS)],
                ms=5,
                color=PERIOD_COLOURS[kind],
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


def _distribution(ax, daily: pd.DataFrame, lines) -> None:  # type: ignore[no-untyped-def]
    """Box and points of the daily energy per kg, per line and period kind."""
    part = daily[daily["indicator"] == "specific_energy_kwh_per_kg"]
    labels = []
    for i, (site, line, kind) in enumerate(
        (site, line, kind) for site, line in lines for kind in PERIOD_KINDS
    ):
        values = _of(part, site, line, kind)["value"].dropna().to_numpy(dtype=float)
        labels.append(f"{line}\n{site}\n{kind}")
        colour = PERIOD_COLOURS[kind]
        if len(values):
            ax.boxplot(
                values, positions=[i], widths=0.5, showfliers=False, medianprops={"color": colour}
            )
            ax.scatter(np.full(len(values), i), values, color=colour, s=14, zorder=3)
    ax.set_xticks(range(len(labels)), labels, fontsize=6)
    ax.set_title("Distribution of daily energy per kg [kWh/kg]", fontsize=9, loc="left")
    ax.tick_params(axis="y", labelsize=7)


def _releases(ax, all_totals: pd.DataFrame, lines) -> None:  # type: ignore[no-untyped-def]
    """PCDD/F to air per line and all lines, per period kind: the headline of the release
    table (not the Monte Carlo mean, which a lognormal pulls above it) with its 95 %
    interval."""
    totals = all_totals[(all_totals["pollutant"] == "PCDD/F") & (all_totals["vector"] == "air")]
    bars = []
    for site, line in [*lines, ("all", "all")]:
        for kind in PERIOD_KINDS:
            hit = _of(totals, site, line, kind)
            if len(hit):
                r = hit.iloc[0]
                where = f"{line}\n{site}" if site != "all" else "all lines\n"
                bars.append((where, kind, r["headline"], r["p2_5"], r["p97_5"]))
    for i, (_where, kind, headline, low, high) in enumerate(bars):
        ax.bar(i, headline, color=PERIOD_COLOURS[kind], alpha=0.75)
        ax.errorbar(
            i, headline, yerr=[[headline - low], [high - headline]], color="black", capsize=3, lw=1
        )
        # A zero bar is invisible: say its value.
        ax.annotate(
            fmt(headline),
            (i, max(headline, 0.0)),
            textcoords="offset points",
            xytext=(0, 3),
            ha="center",
            fontsize=6.5,
        )
    ax.set_xticks(range(len(bars)), [f"{b[0]}\n{b[1]}" for b in bars], fontsize=6)
    unit = totals["unit"].iloc[0] if len(totals) else "µg TEQ"
    ax.set_title(
        f"PCDD/F to air over each period [{unit}], headline and 95 % interval",
        fontsize=9,
        loc="left",
    )
    if len(bars) and max(b[2] for b in bars) > 0:
        ax.set_yscale("symlog", linthresh=1.0)
        # Room above the highest interval and its label, which the autoscale cuts.
        ax.set_ylim(top=max(b[4] for b in bars) * 3.0)
    ax.tick_params(axis="y", labelsize=7)
