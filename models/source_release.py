r"""The release calculation: the activity of each source, times its emission factors.

Every release the models report is computed here, once: the estimate with its Monte
Carlo (:func:`models.releases.estimate_releases`, which avoided burning
(:mod:`models.avoided_burning`) runs on a household's deliveries) and the daily
indicators (:mod:`models.daily_indicators`). For a source :math:`s` and a factor
:math:`f` of that source,

.. math::

    E_{s,f} = A_s \cdot EF_f

with the activity :math:`A_s` in the factor's activity unit:

* ``residue_open_burned`` [t burned]: the residue burned in the open, from the mass
  balance (:func:`models.mass_balance.residue_fates`);
* ``furnace_fuel`` [TJ] or ``electricity`` [MWh]: the line's energy counter [kWh],
  read as fuel or as grid electricity by the period's
  :attr:`~models.mass_balance.Assumptions.energy_carrier`, converted with
  :func:`emission_factors.units.convert`;
* ``line_processing`` [t processed]: the line's processed mass, only where the period's
  assumptions list a factor for it (a configured sensitivity factor, no published one).

>>> import numpy as np
>>> activity = source_activities(np.array([0.08]), np.array([1000.0]), "fuel")
>>> {source: (float(a[0]), unit) for source, (a, unit) in activity.items()}
{'residue_open_burned': (0.08, 't'), 'furnace_fuel': (0.0036, 'TJ')}
>>> float(release(activity["residue_open_burned"][0], 40.0)[0])  # µg TEQ/t x t
3.2
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from emission_factors.library import FactorLibrary
from emission_factors.units import convert
from models.errors import ModelError
from models.mass_balance import Assumptions
from models.vocabulary import (
    CARRIER_ELECTRICITY,
    CARRIER_FUEL,
    ELECTRICITY,
    FURNACE_FUEL,
    LINE_PROCESSING,
    RELEASE_SOURCES,
    RESIDUE_OPEN_BURNED,
)

__all__ = [
    "ACTIVITY_BASIS",
    "ACTIVITY_UNIT",
    "SOURCE_OF_CARRIER",
    "Quantity",
    "pcddf_per_activity",
    "release",
    "source_activities",
]

#: Activity basis each source's factors must have (the library's ``activity_basis``).
ACTIVITY_BASIS: dict[str, str] = {
    RESIDUE_OPEN_BURNED: "burned_t",
    FURNACE_FUEL: "fuel_tj",
    ELECTRICITY: "electricity_mwh",
    LINE_PROCESSING: "processed_t",
}
#: Unit of each source's activity, the denominator of its factors' unit.
ACTIVITY_UNIT: dict[str, str] = {
    RESIDUE_OPEN_BURNED: "t",
    FURNACE_FUEL: "TJ",
    ELECTRICITY: "MWh",
    LINE_PROCESSING: "t",
}
#: The source an energy counter feeds, per energy carrier.
SOURCE_OF_CARRIER: dict[str, str] = {CARRIER_FUEL: FURNACE_FUEL, CARRIER_ELECTRICITY: ELECTRICITY}


#: A quantity: one number, or an array of Monte Carlo draws or days.
Quantity = TypeVar("Quantity", float, np.ndarray)


def source_activities(
    burned_t: Quantity, energy_kwh: Quantity | None, energy_carrier: str
) -> dict[str, tuple[Quantity, str]]:
    """The activity of each source, in its factors' unit: source -> (activity, unit).

    Parameters
    ----------
    burned_t
        Residue burned in the open [t] (a number or an array of Monte Carlo draws).
    energy_kwh
        The energy counter's increase [kWh], same shape; ``None`` without a counter
        (then no energy source is returned).
    energy_carrier
        What the counter measures (:data:`models.vocabulary.ENERGY_CARRIERS`).
    """
    activities: dict[str, tuple[Quantity, str]] = {
        RESIDUE_OPEN_BURNED: (burned_t, ACTIVITY_UNIT[RESIDUE_OPEN_BURNED])
    }
    if energy_kwh is not None:
        source = SOURCE_OF_CARRIER[energy_carrier]
        unit = ACTIVITY_UNIT[source]
        activities[source] = (energy_kwh * convert(1.0, "kWh", unit), unit)
    return activities


def release(activity: Quantity, factor_value: float) -> Quantity:
    """Release of one source and factor, :math:`A_s \\cdot EF_f` [the factor's release unit].

    ``activity`` is in the factor's activity unit (:func:`source_activities`).
    """
    return activity * factor_value


def pcddf_per_activity(
    library: FactorLibrary, assumptions: Assumptions
) -> tuple[float, float, float]:
    """Sum of the PCDD/F factors (every vector) of each source of ``assumptions``:
    open burning [µg TEQ/t], furnace fuel [µg TEQ/TJ], electricity [µg TEQ/MWh].

    >>> from emission_factors.library import load_factors
    >>> from models.mass_balance import DEFAULT_ASSUMPTIONS
    >>> pcddf_per_activity(load_factors(), DEFAULT_ASSUMPTIONS["baseline"])
    (41.0, 15000.0, 0.0)

    Raises
    ------
    ModelError
        A PCDD/F factor whose release is not in µg TEQ.
    """
    sums = []
    for source in RELEASE_SOURCES:
        total = 0.0
        for factor_id in assumptions.sources.get(source, ()):
            factor = library[factor_id]
            if factor.pollutant != "PCDD/F":
                continue
            if factor.release_unit != "µg TEQ":
                raise ModelError(
                    f"factor {factor_id}: PCDD/F in {factor.unit}; daily indicators need "
                    "µg TEQ per activity unit"
                )
            total += factor.value
        sums.append(total)
    return sums[0], sums[1], sums[2]
