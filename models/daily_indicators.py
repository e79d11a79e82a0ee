r"""Daily indicator values from measured activity per day, for :mod:`models.comparison`.

The sensors give, per line and local day, the activity of :class:`models.activity.
LineActivity` (processed mass, energy-counter increase, share of running time inside the
process window, sensor completeness). :func:`daily_indicator_frame` turns a table of such
days (:data:`DAY_COLUMNS`) into the tidy daily values that
:func:`models.comparison.compare_indicators` compares, with the modes of the release
model's assumptions (:mod:`models.mass_balance`) and the factor values of the library:

- ``specific_energy_kwh_per_kg`` = :math:`E / m` [kWh/kg] (energy counter over processed
  mass; NaN when nothing was processed);
- ``process_window_share`` = share of running time inside the window [-] (NaN when the
  line did not run);
- ``residue_burned_kg_per_day`` = :math:`b\,r\,m/(1-r)` [kg/d], the residue of the intake
  the day's processed mass stands for (:math:`I = m/(1-r)`: the estimate's mass balance,
  :func:`models.mass_balance.residue_fates`, without weighings, since deliveries come
  in batches and a day's weighings are not that day's residue), times the open-burning
  share :math:`b`;
- ``upops_ug_teq_per_day`` = :math:`\sum_f A_{s(f)} EF_f` over the PCDD/F factors of
  every vector of the period's sources [µg TEQ/d], by the estimate's release
  calculation (:mod:`models.source_release`): open burning of the burned residue [t]
  and, in a period whose energy counter measures furnace fuel, the fuel [TJ]; grid
  electricity has no PCDD/F factor;
- ``upops_ug_teq_per_t`` = the day's PCDD/F over the processed mass [µg TEQ/t].

The residue share itself is an assumption (:class:`~models.mass_balance.Assumptions`),
not a measurement, so it is not compared from sensor days; survey days give it
(:func:`models.survey.survey_daily_indicators`).

A day without readings keeps its row with ``value`` NaN and ``completeness`` 0, so the
comparison counts it against completeness.

>>> from emission_factors.library import load_factors
>>> days = pd.DataFrame({"site": ["minh-khai"], "line": ["line-1"], "period": ["post"],
...     "day": [pd.Timestamp("2020-10-05")], "processed_kg": [900.0], "energy_kwh": [450.0],
...     "in_window_share": [0.9], "completeness": [1.0]})
>>> frame = daily_indicator_frame(days, load_factors())
>>> frame[["indicator", "value", "unit"]]
                    indicator  value      unit
0  specific_energy_kwh_per_kg    0.5    kWh/kg
1        process_window_share    0.9         -
2   residue_burned_kg_per_day    0.0      kg/d
3        upops_ug_teq_per_day    0.0  µg TEQ/d
4          upops_ug_teq_per_t    0.0  µg TEQ/t
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from emission_factors.library import FactorLibrary
from emission_factors.units import convert
from models.errors import ModelError
from models.mass_balance import BURNED_FLOW, DEFAULT_ASSUMPTIONS, Assumptions, residue_fates
from models.source_release import (
    SOURCE_OF_CARRIER,
    pcddf_per_activity,
    release,
    source_activities,
)
from models.vocabulary import ENERGY_KWH, INDICATORS, PILOT, PROCESSED_KG, RELEASE_SOURCES

__all__ = ["DAY_COLUMNS", "SENSOR_INDICATORS", "daily_indicator_frame", "pcddf_per_activity"]

#: Columns of the per-day activity table: identity, local ``day`` (midnight, naive),
#: processed mass [kg], energy-counter increase [kWh, NaN without counter], share of
#: running time inside the process window [-], and the day's mean sensor completeness
#: [0-1]; ``processed_kg`` NaN marks a day without readings.
DAY_COLUMNS: tuple[str, ...] = (
    "site",
    "line",
    "period",
    "day",
    PROCESSED_KG,
    ENERGY_KWH,
    "in_window_share",
    "completeness",
)
#: Indicators formed from sensor days, in output order.
SENSOR_INDICATORS: tuple[str, ...] = (
    "specific_energy_kwh_per_kg",
    "process_window_share",
    "residue_burned_kg_per_day",
    "upops_ug_teq_per_day",
    "upops_ug_teq_per_t",
)


def daily_indicator_frame(
    days: pd.DataFrame,
    library: FactorLibrary,
    *,
    assumptions: Mapping[str, Assumptions] = DEFAULT_ASSUMPTIONS,
    group: str = PILOT,
) -> pd.DataFrame:
    """Daily indicator values (module docstring) of every row of ``days``.

    Parameters
    ----------
    days
        Per-day activity (:data:`DAY_COLUMNS`); ``period`` is the period kind.
    library
        Emission factors (for the PCDD/F indicators).
    assumptions
        Per period kind; the modes of the shares are used.
    group
        ``pilot`` or ``control`` (:data:`models.comparison.GROUPS`).

    Returns
    -------
    DataFrame with columns ``site, line, group, period, day, indicator, value, unit,
    completeness, assumed`` (True where the value is fixed by an assumption, e.g. zero
    burning after the project), one row per day and indicator, ready for
    :func:`models.comparison.compare_indicators` (``by=("site", "line")``).

    Raises
    ------
    ModelError
        Missing columns or a period kind without assumptions.
    """
    missing = [c for c in DAY_COLUMNS if c not in days]
    if missing:
        raise ModelError(f"per-day activity lacks column(s) {missing}; see DAY_COLUMNS")
    unknown = sorted(set(days["period"].astype(str)) - set(assumptions))
    if unknown:
        raise ModelError(f"no assumptions for period kind(s) {unknown}; kinds: {list(assumptions)}")
    columns = ["site", "line", "group", "period", "day", "indicator", "value", "unit"]
    if days.empty:
        return pd.DataFrame(columns=[*columns, "completeness", "assumed"])
    parts = []
    for kind, rows in days.groupby("period", sort=True):
        assume = assumptions[str(kind)]
        pcddf = dict(zip(RELEASE_SOURCES, pcddf_per_activity(library, assume), strict=True))
        mass = rows[PROCESSED_KG].to_numpy(dtype=float)
        energy = rows[ENERGY_KWH].to_numpy(dtype=float)
        ran = mass > 0
        # The estimate's mass balance at the assumptions' modes, without weighings.
        fates = residue_fates(
            np.full(len(mass), np.nan),
            mass,
            *(
                np.array(u.mode)
                for u in (assume.residue_share, assume.open_burn_share, assume.landfill_share)
            ),
        )
        burned_t = fates[BURNED_FLOW]
        # No energy counter (NaN): the fuel part is unknown, so is the day's PCDD/F.
        activities = source_activities(burned_t, energy, assume.energy_carrier)
        per_day = sum(
            (release(activity, pcddf[source]) for source, (activity, _) in activities.items()),
            start=np.zeros(len(mass)),
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            values = {
                "specific_energy_kwh_per_kg": np.where(ran, energy / mass, np.nan),
                "process_window_share": np.where(
                    ran, rows["in_window_share"].to_numpy(dtype=float), np.nan
                ),
                "residue_burned_kg_per_day": convert(burned_t, "t", "kg"),
                "upops_ug_teq_per_day": per_day,
                "upops_ug_teq_per_t": np.where(ran, per_day / convert(mass, "kg", "t"), np.nan),
            }
        identity = rows[["site", "line", "period", "day", "completeness"]].reset_index(drop=True)
        # Zero by assumption: nothing burned in the open at a burning share of 0, and no
        # PCDD/F factor on the energy source; the comparison then does not test them.
        burn = assume.open_burn_share
        no_burning = burn.mode == 0.0  # the daily values use the modes
        no_energy_pcddf = pcddf[SOURCE_OF_CARRIER[assume.energy_carrier]] == 0.0
        fixed = {
            "residue_burned_kg_per_day": no_burning,
            "upops_ug_teq_per_day": no_burning and no_energy_pcddf,
            "upops_ug_teq_per_t": no_burning and no_energy_pcddf,
        }
        for name in SENSOR_INDICATORS:
            parts.append(
                identity.assign(
                    group=group,
                    indicator=name,
                    value=values[name],
                    unit=INDICATORS[name],
                    assumed=fixed.get(name, False),
                )
            )
    out = pd.concat(parts, ignore_index=True)
    out["completeness"] = np.where(
        np.isfinite(out["value"].to_numpy(dtype=float)), out["completeness"], 0.0
    )
    order = {name: i for i, name in enumerate(SENSOR_INDICATORS)}
    out = out.sort_values(
        ["site", "line", "period", "day", "indicator"],
        key=lambda c: c.map(order) if c.name == "indicator" else c,
        kind="stable",
    )
    return out.reset_index(drop=True)[[*columns, "completeness", "assumed"]]
