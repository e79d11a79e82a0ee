"""The words the models use as values in their tables, each defined once.

Period kinds, comparison groups, release sources, energy carriers and activity
quantities travel as plain strings in the tidy DataFrames (and so into the CSV files a
reader opens); every module of :mod:`models` imports them from here instead of spelling
them again, and :mod:`pilot` and :mod:`reports` can do the same.

>>> PERIOD_KINDS
('baseline', 'post')
>>> REDUCTION in PERIOD_KINDS  # a result row, not a period anyone measures
False
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACTIVITY_QUANTITIES",
    "ALL",
    "ALL_HOUSEHOLDS",
    "ASSUMED",
    "BASELINE",
    "CARRIER_ELECTRICITY",
    "CARRIER_FUEL",
    "COMPARISON_BASES",
    "CONTROL",
    "ELECTRICITY",
    "ELECTRICITY_KWH",
    "ENERGY_CARRIERS",
    "ENERGY_KWH",
    "FUEL_KG_PREFIX",
    "FUEL_KWH_PREFIX",
    "FURNACE_FUEL",
    "GROUPS",
    "INDICATORS",
    "INTAKE_KG",
    "LINE_PROCESSING",
    "MEASURED",
    "NOT_QUANTIFIED",
    "PERIOD_DAYS",
    "PERIOD_KINDS",
    "PER_TONNE_PROCESSED",
    "PILOT",
    "POST",
    "PROCESSED_KG",
    "REDUCTION",
    "RELEASE_SOURCES",
    "RESIDUE_BURNED_KG",
    "RESIDUE_KG",
    "RESIDUE_OPEN_BURNED",
    "RESULT_PERIODS",
    "RUNNING_H",
    "SAME_HOUSEHOLDS",
    "SURVEYED",
]

# -- period kinds ----------------------------------------------------------------------
#: Before the intervention (survey, logbooks, the old furnace).
BASELINE: Final = "baseline"
#: After the intervention (the pilot line, measured by the sensors).
POST: Final = "post"
#: Period kinds the models compare, in order.
PERIOD_KINDS: Final[tuple[str, ...]] = (BASELINE, POST)
#: The result row "baseline scaled to the post period's length minus post"
#: (:mod:`models.releases`); a value of ``period`` in result tables, not a period kind.
REDUCTION: Final = "reduction"
#: Every value the ``period`` column of a release result may hold, in output order.
RESULT_PERIODS: Final[tuple[str, ...]] = (BASELINE, POST, REDUCTION)
#: ``site`` and ``line`` of a row summed over every line.
ALL: Final = "all"

# -- comparison groups -----------------------------------------------------------------
#: The households or lines the intervention reached.
PILOT: Final = "pilot"
#: Those it did not reach, compared for the change they saw anyway.
CONTROL: Final = "control"
#: Groups of :func:`models.comparison.compare_indicators`.
GROUPS: Final[tuple[str, ...]] = (PILOT, CONTROL)

# -- release sources (the activity each emission factor is multiplied with) ----------------
#: Residue burned in the open [t burned].
RESIDUE_OPEN_BURNED: Final = "residue_open_burned"
#: Fuel of the baseline's melting furnace [TJ].
FURNACE_FUEL: Final = "furnace_fuel"
#: Grid electricity of the post line [MWh].
ELECTRICITY: Final = "electricity"
#: Release sources, in the order of :data:`models.mass_balance.DEFAULT_SOURCES`.
RELEASE_SOURCES: Final[tuple[str, ...]] = (RESIDUE_OPEN_BURNED, FURNACE_FUEL, ELECTRICITY)
#: The pilot line's own processing (melt extrusion) [t processed]: a source only when a
#: sensitivity factor is configured (``[assumptions] line_processing_factor_ug_teq_per_t``);
#: no published factor exists, so it is otherwise "not quantified", never 0.
LINE_PROCESSING: Final = "line_processing"
#: What every output says of the line's own processing without a configured factor.
NOT_QUANTIFIED: Final = (
    "PCDD/F of the line's own processing (melt extrusion) not quantified: no published "
    "factor (UNEP Toolkit 2013 Part I Table I.2.1 has no class for plastics recycling)"
)

# -- provenance (where a number comes from; the ``source`` of an activity row starts so) ---
#: From the line's sensors.
MEASURED: Final = "measured"
#: From imported survey or logbook rows (``surveyed: <source>``).
SURVEYED: Final = "surveyed"
#: From ``[assumptions]`` of the configuration.
ASSUMED: Final = "assumed"

# -- energy carriers (what a line's energy counter measures) ---------------------------
#: Fuel energy of a furnace (lower heating value).
CARRIER_FUEL: Final = "fuel"
#: Electricity from the grid.
CARRIER_ELECTRICITY: Final = "electricity"
#: Carriers :class:`models.mass_balance.Assumptions` accepts.
ENERGY_CARRIERS: Final[tuple[str, ...]] = (CARRIER_FUEL, CARRIER_ELECTRICITY)

# -- activity quantities (the ``quantity`` column of an activity table) --------------------
#: Mass delivered to the line [kg].
INTAKE_KG: Final = "intake_kg"
#: Mass the line processed [kg].
PROCESSED_KG: Final = "processed_kg"
#: Energy-counter increase [kWh].
ENERGY_KWH: Final = "energy_kwh"
#: Residue burned in the open, weighed or surveyed [kg]: used as given instead of the
#: mass balance's assumed shares.
RESIDUE_BURNED_KG: Final = "residue_burned_kg"
#: Residue sorted out of the deliveries, weighed on the line's residue scale or surveyed
#: [kg]: used as given instead of the assumed residue share.
RESIDUE_KG: Final = "residue_kg"
#: Grid electricity of a household or line whose other energy is fuel [kWh] (surveys).
ELECTRICITY_KWH: Final = "electricity_kwh"
#: Prefix of the fuel energy of one furnace fuel [kWh, lower heating value]:
#: ``fuel_kwh:coal``, ``fuel_kwh:wood`` ... (surveys; the fuel picks the factors).
FUEL_KWH_PREFIX: Final = "fuel_kwh:"
#: Prefix of the fuel mass of one furnace fuel [kg]: ``fuel_kg:coal`` ... (surveys and
#: inventory rows in t or kg; per-tonne factors use it as given,
#: :mod:`models.furnace_fuels`).
FUEL_KG_PREFIX: Final = "fuel_kg:"
#: Hours in the ``running`` state [h].
RUNNING_H: Final = "running_h"
#: Length of the period [d], so periods of different length compare at the same rate.
PERIOD_DAYS: Final = "period_days"
#: Quantities an activity table may carry, with their unit.
ACTIVITY_QUANTITIES: Final[dict[str, str]] = {
    INTAKE_KG: "kg",
    PROCESSED_KG: "kg",
    ENERGY_KWH: "kWh",
    ELECTRICITY_KWH: "kWh",
    RESIDUE_BURNED_KG: "kg",
    RESIDUE_KG: "kg",
    RUNNING_H: "h",
    PERIOD_DAYS: "d",
}

# -- comparison basis (``[assumptions] comparison_basis``) ----------------------------------
#: Every household and line with evidence in each period; the baseline at the post
#: period's length (the release per day of period compares).
ALL_HOUSEHOLDS: Final = "all_households"
#: Only the households surveyed in both periods count (line logbooks and sensors stay).
SAME_HOUSEHOLDS: Final = "same_households"
#: Releases per tonne of plastic processed in each period.
PER_TONNE_PROCESSED: Final = "per_tonne_processed"
#: The bases baseline and post can be compared on, with the sentence every output that
#: shows the comparison prints beside the basis's name.
COMPARISON_BASES: Final[dict[str, str]] = {
    ALL_HOUSEHOLDS: "every household and line with evidence in each period; baseline "
    "scaled to the post period's length",
    SAME_HOUSEHOLDS: "only households surveyed in both the baseline and the post period "
    "(line logbooks and sensors unchanged); baseline scaled to the post period's length",
    PER_TONNE_PROCESSED: "releases per tonne of plastic processed in each period; "
    "reduction = baseline per tonne - post per tonne",
}

#: Indicators compared, with their unit: energy per kg processed, residue share of the
#: intake, residue burned in the open per day, UPOPs (PCDD/F) release per tonne processed
#: and per day, share of running time inside the process temperature window.
INDICATORS: dict[str, str] = {
    "specific_energy_kwh_per_kg": "kWh/kg",
    "residue_share": "-",
    "residue_burned_kg_per_day": "kg/d",
    "upops_ug_teq_per_t": "µg TEQ/t",
    "upops_ug_teq_per_day": "µg TEQ/d",
    "process_window_share": "-",
}
