"""Totals of a release estimate: sums over sources and lines, CO2e, and reductions.

The reduction of a line is :math:`\\Delta = E^\\mathrm{baseline} \\cdot
D^\\mathrm{post}/D^\\mathrm{baseline} - E^\\mathrm{post}` per draw; a pollutant released
in one period only counts zero in the other. The relative reduction [%] is
:math:`100\\,\\Delta / (E^\\mathrm{baseline} D^\\mathrm{post}/D^\\mathrm{baseline})`
per draw, so its interval comes from the same draws. The headline of a row
(``headline``) is its deterministic value when one factor makes it and the median of
the draws for a sum of several, or when the deterministic value falls outside the 95 %
interval (``headline_basis`` says which, :func:`models.draws.headline`); the mean is a
secondary column.

Every row names the comparison basis (``basis``, :data:`models.vocabulary.COMPARISON_BASES`).
Under ``per_tonne_processed`` each period's releases are divided by the plastic it
processed, :math:`e = E / P` [unit/t processed], the all-lines row by the lines' total
processed, and the reduction is :math:`e^\\mathrm{baseline} - e^\\mathrm{post}` (no
length ratio: a rate per tonne does not depend on the period's length). :math:`P` is
the stated processed mass; its own uncertainty is not drawn into :math:`e`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from emission_factors.library import FactorLibrary
from models.draws import SUMMARY_COLUMNS, headline, summarise
from models.errors import ModelError
from models.ghg import GAS_OF_POLLUTANT
from models.vocabulary import (
    ALL,
    ALL_HOUSEHOLDS,
    BASELINE,
    PER_TONNE_PROCESSED,
    POST,
    REDUCTION,
    RESULT_PERIODS,
)

__all__ = ["RELATIVE_COLUMNS", "source_totals", "totals", "weakest"]

_STATUS_ORDER = ("verified", "secondary", "unverified")
#: Relative reduction [%] of reduction rows: median and 95 % interval of the draws.
RELATIVE_COLUMNS = ["reduction_pct", "reduction_pct_p2_5", "reduction_pct_p97_5"]


def weakest(statuses: list[str]) -> str:
    return max(statuses, key=_STATUS_ORDER.index) if statuses else "verified"


def totals(
    arrays: Mapping[tuple[str, str, str, str, str, str], list[tuple[np.ndarray, float, str]]],
    days: Mapping[tuple[str, str, str], float],
    library: FactorLibrary,
    gwp: Mapping[str, float],
    draws: int,
    evidence: Mapping[tuple[str, str, str], str] | None = None,
    basis: str = ALL_HOUSEHOLDS,
    processed_t: Mapping[tuple[str, str, str], float] | None = None,
) -> pd.DataFrame:
    """Sum sources, add all-lines, CO2e and reduction rows; ``evidence`` says per period,
    site and line where the activity came from (measured, surveyed, assumed), and the
    rows of several lines or periods list every kind behind them. ``basis`` is the
    comparison basis; ``per_tonne_processed`` needs ``processed_t`` [t] per period, site
    and line (module docstring).

    Raises
    ------
    ModelError
        ``per_tonne_processed`` and a line-period without processed plastic.
    """
    evidence = evidence or {}
    per_tonne = basis == PER_TONNE_PROCESSED
    # (period, site, line, pollutant, vector, unit) -> (draws, deterministic, factor ids)
    sums: dict[tuple[str, ...], tuple[np.ndarray, float, set[str]]] = {}
    # reduction key -> baseline draws at the post period's rate, for the relative reduction
    scaled: dict[tuple[str, ...], np.ndarray] = {}

    def add(key: tuple[str, ...], values: np.ndarray, det: float, ids: set[str]) -> None:
        if key in sums:
            old = sums[key]
            sums[key] = (old[0] + values, old[1] + det, old[2] | ids)
        else:
            sums[key] = (values.copy(), det, set(ids))

    for (kind, site, line, pollutant, vector, unit), parts in arrays.items():
        values = np.sum([p[0] for p in parts], axis=0)
        det = sum(p[1] for p in parts)
        ids = {p[2] for p in parts}
        for s, ln in ((site, line), (ALL, ALL)):
            add((kind, s, ln, pollutant, vector, unit), values, det, ids)
            gas = GAS_OF_POLLUTANT.get(pollutant)
            if gas is not None:
                # Library gas factors are in kg of the gas; GWP makes them kg CO2e.
                add((kind, s, ln, "CO2e", "air", "kg CO2e"), values * gwp[gas], det * gwp[gas], ids)
    if per_tonne:
        sums = _per_tonne(sums, processed_t or {})
    # Reduction over the post period: baseline at the post period's rate, minus post,
    # per line; the all-lines reduction is the sum of the lines' reductions. Per tonne:
    # the difference of the rates, for each line and for all lines.
    none = (np.zeros(draws), 0.0, set[str]())
    both_periods = {BASELINE, POST} <= {k[0] for k in sums}
    for key in sorted({k[1:] for k in sums if k[0] != REDUCTION}):
        site, line = key[0], key[1]
        if site == ALL:
            if not (per_tonne and both_periods):
                continue  # absolute: the sum of the lines' reductions, added below
        elif (BASELINE, site, line) not in days or (POST, site, line) not in days:
            continue  # a line seen in one period only has no before/after
        # A pollutant released in one period only (e.g. grid CO2 after, furnace CO2
        # before) still changed: the missing period released none of it.
        base = sums.get((BASELINE, *key)) or none
        post = sums.get((POST, *key)) or none
        ratio = 1.0 if per_tonne else _duration_ratio(days, site, line)
        values = base[0] * ratio - post[0]
        det = base[1] * ratio - post[1]
        ids = base[2] | post[2]
        targets = [(REDUCTION, *key)]
        if not per_tonne:
            targets.append((REDUCTION, ALL, ALL, *key[2:]))
        for red_key in targets:
            add(red_key, values, det, ids)
            scaled[red_key] = scaled.get(red_key, np.zeros(draws)) + base[0] * ratio
    rows = []
    for (kind, site, line, pollutant, vector, unit), (values, det, ids) in sums.items():
        rows.append(
            {
                "period": kind,
                "site": site,
                "line": line,
                "pollutant": pollutant,
                "vector": vector,
                "unit": unit,
                "factor_ids": ";".join(sorted(ids)),
                "verification": weakest([library[i].verification for i in ids]),
                "evidence": _evidence_of(evidence, kind, site, line),
                "basis": basis,
            }
            | summarise(values, det)
            | _relative(values, scaled.get((kind, site, line, pollutant, vector, unit)))
        )
    order = {kind: i for i, kind in enumerate(RESULT_PERIODS)}
    frame = pd.DataFrame(rows)
    # One factor: its deterministic value (the factor is its distribution's median);
    # a sum of several, or a deterministic value outside the interval: the median.
    single = frame["factor_ids"].str.count(";") == 0
    value, why = headline(*(frame[c] for c in ("deterministic", "median", "p2_5", "p97_5")), single)
    at = frame.columns.get_loc("deterministic")
    frame.insert(at, "headline", value)
    frame.insert(at + 1, "headline_basis", why)
    frame["_order"] = frame["period"].map(order)
    frame["_all"] = frame["site"] == ALL
    frame = frame.sort_values(["_all", "site", "line", "pollutant", "vector", "_order"])
    return frame.drop(columns=["_order", "_all"]).reset_index(drop=True)


def source_totals(
    arrays: Mapping[tuple[str, ...], list[tuple[np.ndarray, float, str]]],
    library: FactorLibrary,
) -> pd.DataFrame:
    """Releases per source: ``arrays`` maps (period, site, line, source, pollutant,
    vector, unit) to the (draws, deterministic value, factor id) of each factor; the rows
    are summed per key and over every line (site and line ``all``), with the headline of
    :func:`models.draws.headline` and the weakest verification."""
    sums: dict[tuple[str, ...], tuple[np.ndarray, float, set[str]]] = {}
    for (kind, site, line, *rest), parts in arrays.items():
        values = np.sum([p[0] for p in parts], axis=0)
        det = sum(p[1] for p in parts)
        ids = {p[2] for p in parts}
        for key in ((kind, site, line, *rest), (kind, ALL, ALL, *rest)):
            old = sums.get(key)
            sums[key] = (old[0] + values, old[1] + det, old[2] | ids) if old else (values, det, ids)
    columns = ["period", "site", "line", "source", "pollutant", "vector", "unit"]
    rows = [
        dict(zip(columns, key, strict=True))
        | {
            "factor_ids": ";".join(sorted(ids)),
            "verification": weakest([library[i].verification for i in ids]),
        }
        | summarise(values, det)
        for key, (values, det, ids) in sums.items()
    ]
    frame = pd.DataFrame(rows, columns=[*columns, "factor_ids", "verification", *SUMMARY_COLUMNS])
    single = frame["factor_ids"].str.count(";") == 0
    value, why = headline(*(frame[c] for c in ("deterministic", "median", "p2_5", "p97_5")), single)
    at = frame.columns.get_loc("deterministic")
    frame.insert(at, "headline", value)
    frame.insert(at + 1, "headline_basis", why)
    return frame


def _per_tonne(
    sums: Mapping[tuple[str, ...], tuple[np.ndarray, float, set[str]]],
    processed_t: Mapping[tuple[str, str, str], float],
) -> dict[tuple[str, ...], tuple[np.ndarray, float, set[str]]]:
    """Each release divided by the plastic processed in its period [t]; all lines by
    the total of the lines; the unit gains ``/t processed``."""
    tonnes = dict(processed_t)
    for (kind, _site, _line), t in processed_t.items():
        tonnes[(kind, ALL, ALL)] = tonnes.get((kind, ALL, ALL), 0.0) + t
    out = {}
    for (kind, site, line, pollutant, vector, unit), (values, det, ids) in sums.items():
        t = tonnes.get((kind, site, line), 0.0)
        if not t > 0:
            raise ModelError(
                f"{site}/{line} {kind}: no plastic processed, so no release per tonne; give "
                "processed_kg (sensors or survey) or choose another [assumptions] "
                "comparison_basis"
            )
        out[(kind, site, line, pollutant, vector, f"{unit}/t processed")] = (
            values / t,
            det / t,
            ids,
        )
    return out


def _evidence_of(
    evidence: Mapping[tuple[str, str, str], str], kind: str, site: str, line: str
) -> str:
    """The evidence tags of a totals row: its own line and period, or the union over the
    lines (``all``) and the periods (the reduction)."""
    kinds = (BASELINE, POST) if kind == REDUCTION else (kind,)
    tags = {
        tag
        for (k, s, ln), text in evidence.items()
        if k in kinds and (site == ALL or (s, ln) == (site, line))
        for tag in text.split("; ")
        if tag
    }
    return "; ".join(sorted(tags))


def _relative(values: np.ndarray, baseline: np.ndarray | None) -> dict[str, float]:
    """Relative reduction [%]: median and 95 % interval of 100 Δ / baseline per draw;
    NaN where there is no baseline (or it is zero in a draw)."""
    if baseline is None:
        return dict.fromkeys(RELATIVE_COLUMNS, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(baseline > 0, 100.0 * values / baseline, np.nan)
    pct = pct[np.isfinite(pct)]
    if pct.size == 0:
        return dict.fromkeys(RELATIVE_COLUMNS, np.nan)
    low, mid, high = np.percentile(pct, [2.5, 50.0, 97.5])
    return dict(zip(RELATIVE_COLUMNS, (float(mid), float(low), float(high)), strict=True))


def _duration_ratio(days: Mapping[tuple[str, str, str], float], site: str, line: str) -> float:
    """Post over baseline period length of one line [-]."""
    base = days.get((BASELINE, site, line), 0.0)
    post = days.get((POST, site, line), 0.0)
    return post / base if base > 0 and post > 0 else 1.0
