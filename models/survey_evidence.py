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
``fuel_kg:<fuel>``
    Σ fuel mass per fuel type [kg], so each fuel gets its own factors, per tonne where
    its class has one, else per TJ through its net calorific value
    (:mod:`models.furnace_fuels`).
``electricity_kwh``
    Σ electricity, counted at the grid factor, not as furnace fuel.

``use = "burned_only"`` keeps only the burned residue (the sensors measure the rest);
``use = "all"`` gives everything (the survey replaces the sensors). Ranges are
``value × (1 ∓ relative_uncertainty)`` (recall and logbook error, a design assumption).

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
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from models.activity_table import ACTIVITY_COLUMNS
from models.errors import ModelError
from models.survey import survey_activity_input
from models.survey_schema import BURNED_OPEN, FUEL_NCV_MJ_PER_KG
from models.vocabulary import (
    ELECTRICITY_KWH,
    FUEL_KG_PREFIX,
    INTAKE_KG,
    PROCESSED_KG,
    RESIDUE_BURNED_KG,
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
            where: tuple[str, str, str] = (site, line, source),
        ) -> None:
            s, ln, src = where
            out.append(
                (period, s, ln, quantity, value, value * (1 - k), value * (1 + k), unit, src)
            )

        residue = group["residue_kg"].astype(float)
        burned = residue.where(group["residue_fate"] == BURNED_OPEN)
        if burned.notna().any():
            add(RESIDUE_BURNED_KG, float(burned.sum()), "kg")
        if use == "burned_only":
            continue
        electricity = group["electricity_kwh"].astype(float)
        if electricity.notna().any():
            add(ELECTRICITY_KWH, float(electricity.sum()), "kWh")
        fuel_kg = group["fuel_kg"].astype(float)
        for fuel, part in fuel_kg.groupby(group["fuel_type"].fillna(""), sort=True):
            if fuel in FUEL_NCV_MJ_PER_KG and part.notna().any() and part.sum() > 0:
                add(FUEL_KG_PREFIX + str(fuel), float(part.sum()), "kg")
        totals = survey_activity_input(
            group, line_of_site={site: line}, relative_uncertainty=relative_uncertainty
        )
        for quantity in (PROCESSED_KG, INTAKE_KG):
            hit = totals[totals["quantity"] == quantity]
            if len(hit):
                add(quantity, float(hit["value"].iloc[0]), "kg")
    return pd.DataFrame(out, columns=ACTIVITY_COLUMNS)
