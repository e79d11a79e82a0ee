"""Survey and logbook rows as activity evidence of one period and line.

Before the lines existed, the survey is the baseline; after, a survey of the households
tells how much residue is still burned. :func:`survey_evidence` turns the good survey
rows of one period (:data:`models.survey.ROW_COLUMNS`) into activity rows
(:data:`models.activity_table.ACTIVITY_COLUMNS`) whose ``source`` starts with
``surveyed``, per site and line:

``residue_burned_kg``
    Σ residue of the rows whose fate is ``burned_open`` (weighed or reported): the
    release model uses it as given instead of the assumed burning share. Rows without a
    fate say nothing about burning and are left out of this sum.
``processed_kg``, ``intake_kg``
    :func:`models.survey.survey_activity_input` (intake over every row).
``residue_kg``
    intake − processed where any row gives a residue (the residue of rows without one
    extrapolated at the rate of those with one): the residue is then ``surveyed``, not
    the assumed share (:mod:`models.residue_balance`).
``fuel_kg:<fuel>``
    Σ fuel mass per fuel type [kg], so each fuel gets its own factors, per tonne where
    its class has one, else per TJ through its net calorific value
    (:mod:`models.furnace_fuels`).
``electricity_kwh``
    Σ electricity, counted at the grid factor, not as furnace fuel.

``use = "burned_only"`` keeps only the burned residue (the sensors measure the rest);
``use = "all"`` gives everything (the survey replaces the sensors). Ranges are
``value × (1 ∓ relative_uncertainty)`` (recall and logbook error, a design assumption),
except where a row carries the respondent's own low-high (``<amount>_low``/``_high``,
questionnaire answers scaled by :func:`models.survey_rates.scale_rates`): the range is
then the sum of the rows' bounds, each row its own or ``value × (1 ∓ k)``; intake takes
the relative range of processed.

>>> rows = pd.DataFrame({"site": ["mk"] * 2, "household": ["h1", "h2"], "line": ["", ""],
...     "plastic_processed_kg": [800.0, 200.0], "residue_kg": [80.0, 20.0],
...     "residue_fate": ["burned_open", "delivered_to_line"], "fuel_type": ["coal", "wood"],
...     "fuel_kg": [10.0, 5.0], "electricity_kwh": [2.0, 1.0], "hours_worked_h": [8.0, 8.0],
...     "source": ["q2019"] * 2})
>>> table = survey_evidence(rows, period="baseline", line_of_site={"mk": "line-1"})
>>> table[["quantity", "value", "source"]].round(1)
            quantity   value           source
0  residue_burned_kg    80.0  surveyed: q2019
1    electricity_kwh     3.0  surveyed: q2019
2       fuel_kg:coal    10.0  surveyed: q2019
3       fuel_kg:wood     5.0  surveyed: q2019
4       processed_kg  1000.0  surveyed: q2019
5          intake_kg  1100.0  surveyed: q2019
6         residue_kg   100.0  surveyed: q2019
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from models.activity_table import ACTIVITY_COLUMNS
from models.errors import ModelError
from models.furnace_fuels import fuel_ncv
from models.survey import survey_activity_input
from models.survey_schema import BURNED_OPEN
from models.vocabulary import (
    ELECTRICITY_KWH,
    FUEL_KG_PREFIX,
    INTAKE_KG,
    PROCESSED_KG,
    RESIDUE_BURNED_KG,
    RESIDUE_KG,
)

__all__ = ["SURVEYED", "survey_evidence"]

#: Prefix of the ``source`` of every activity row that comes from a survey.
SURVEYED = "surveyed"
_USES = ("all", "burned_only")


def survey_evidence(
    rows: pd.DataFrame,
    *,
    period: str,
    line_of_site: Mapping[str, str],
    use: str = "all",
    relative_uncertainty: float = 0.2,
) -> pd.DataFrame:
    """Activity rows of the survey ``rows`` of one period (module docstring).

    Raises
    ------
    ModelError
        ``use`` unknown, or household rows of a site without a line in ``line_of_site``.
    """
    if use not in _USES:
        raise ModelError(f"use must be one of {', '.join(_USES)}, not {use!r}")
    if rows.empty:
        return pd.DataFrame(columns=ACTIVITY_COLUMNS)
    frame = rows.copy()
    lines = frame["line"].fillna("").astype(str)
    frame["line"] = lines.where(lines != "", frame["site"].map(dict(line_of_site)))
    if frame["line"].isna().any():
        missing = sorted(set(frame.loc[frame["line"].isna(), "site"]))
        raise ModelError(f"survey rows of site(s) {', '.join(missing)} name no line")
    out: list[tuple[object, ...]] = []
    k = relative_uncertainty
    for (site, line), group in frame.groupby(["site", "line"], sort=True):
        source = f"{SURVEYED}: " + "; ".join(sorted(set(group["source"].astype(str))))

        def add(
            quantity: str,
            value: float,
            unit: str,
            bounds: tuple[float, float] | None = None,
            where: tuple[str, str, str] = (site, line, source),
        ) -> None:
            s, ln, src = where
            low, high = bounds or (value * (1 - k), value * (1 + k))
            out.append((period, s, ln, quantity, value, low, high, unit, src))

        residue = group["residue_kg"].astype(float)
        is_burned = group["residue_fate"] == BURNED_OPEN
        burned = residue.where(is_burned)
        if burned.notna().any():
            add(
                RESIDUE_BURNED_KG,
                float(burned.sum()),
                "kg",
                _bounds(group[is_burned], k, "residue_kg"),
            )
        if use == "burned_only":
            continue
        electricity = group["electricity_kwh"].astype(float)
        if electricity.notna().any():
            add(
                ELECTRICITY_KWH,
                float(electricity.sum()),
                "kWh",
                _bounds(group, k, "electricity_kwh"),
            )
        fuel_kg = group["fuel_kg"].astype(float)
        for fuel, part in fuel_kg.groupby(group["fuel_type"].fillna(""), sort=True):
            if fuel_ncv(str(fuel)) and part.notna().any() and part.sum() > 0:
                add(
                    FUEL_KG_PREFIX + str(fuel),
                    float(part.sum()),
                    "kg",
                    _bounds(group.loc[part.index], k, "fuel_kg"),
                )
        totals = survey_activity_input(
            group, line_of_site={site: line}, relative_uncertainty=relative_uncertainty
        )
        processed = float(group["plastic_processed_kg"].astype(float).sum())
        low, high = _bounds(group, k, "plastic_processed_kg")
        for quantity in (PROCESSED_KG, INTAKE_KG):
            hit = totals[totals["quantity"] == quantity]
            if len(hit):
                value = float(hit["value"].iloc[0])
                if processed > 0:
                    add(quantity, value, "kg", (value * low / processed, value * high / processed))
                else:
                    add(quantity, value, "kg")
        intake = totals.loc[totals["quantity"] == INTAKE_KG, "value"]
        said = float(residue.sum())
        if residue.notna().any() and len(intake) and said > 0:
            # The residue of the rows that give none is extrapolated at the rate of those
            # that do (models.survey.survey_activity_input), so intake = processed + residue.
            value = float(intake.iloc[0]) - processed
            r_low, r_high = _bounds(group, k, "residue_kg")
            add(RESIDUE_KG, value, "kg", (value * r_low / said, value * r_high / said))
    return pd.DataFrame(out, columns=ACTIVITY_COLUMNS)


def _bounds(rows: pd.DataFrame, k: float, column: str) -> tuple[float, float]:
    """Σ low and Σ high of ``column`` over ``rows`` with a value: a row's own
    ``<column>_low``/``_high`` where it has them, else ``value × (1 ∓ k)``."""
    value = rows[column].astype(float)
    ends = []
    for end, sign in (("low", -1), ("high", 1)):
        own = rows[f"{column}_{end}"].astype(float) if f"{column}_{end}" in rows else None
        default = value * (1 + sign * k)
        ends.append(
            float((default if own is None else own.fillna(default)).where(value.notna()).sum())
        )
    return ends[0], ends[1]
