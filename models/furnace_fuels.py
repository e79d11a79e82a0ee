"""Furnace factors per fuel, on the basis the data give: per TJ or per tonne of fuel.

A furnace's fuel picks its Toolkit class and the IPCC 2006 greenhouse-gas defaults.
One factor of a class may be published on more than one activity basis: per TJ of fuel
(lower heating value, ``fuel_tj``) or per tonne of fuel (``coal_t``; UNEP Toolkit 2013
Part II 3e gives coal stoves both). :data:`FURNACE_FUEL_FACTORS` is the mapping, defined
once: fuel -> one *slot* per pollutant and vector -> activity basis -> factor id.
:func:`choose_factor` applies the basis rule to one slot:

1. the data give a fuel **mass** (a survey's ``fuel_kg``, an inventory row in t or kg)
   and the slot has a per-tonne factor: that factor, no conversion;
2. the data give an **energy** (an energy counter, an inventory row in TJ, GJ, kWh)
   and the slot has a per-TJ factor: that factor, no conversion;
3. otherwise the slot's only basis, the activity converted with the fuel's net
   calorific value (:func:`fuel_ncv`): mass [kg] × NCV [MJ/kg] -> TJ, or energy [MJ] /
   NCV -> t. The output row says so, with the NCV and its source.

Per-tonne factors of coal are per tonne *of coal*: waste plastic and municipal waste,
which borrow the 3e high-chlorine class as the nearest one, keep only its per-TJ factor
(the heat released, not the mass, is what the proxy shares with a coal stove), so their
mass is converted with their own NCV.

>>> slot = FURNACE_FUEL_FACTORS["coal"][0]
>>> choose_factor(slot, "mass")
('3e-coal-pcddf-air-t', 'coal_t')
>>> choose_factor(slot, "energy")
('3e-coal-pcddf-air', 'fuel_tj')
>>> choose_factor(FURNACE_FUEL_FACTORS["wood"][0], "mass")
('3d2-pcddf-air', 'fuel_tj')
>>> fuel_ncv("hicl_coal")[0]
26.7
>>> to_basis("coal", 2000.0, "kg", "coal_t")
(2.0, '')
>>> tj, how = to_basis("coal", 1000.0, "kg", "fuel_tj")
>>> round(tj, 4), how.split(" (")[0]
(0.0267, 'mass × NCV 26.7 MJ/kg')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

import numpy as np

from emission_factors.factor import ACTIVITY_BASES
from emission_factors.library import FactorLibrary
from emission_factors.units import convert, dimension
from models.errors import ModelError
from models.survey_schema import FUEL_NCV_MJ_PER_KG
from models.vocabulary import FUEL_KG_PREFIX, FUEL_KWH_PREFIX

__all__ = [
    "FUEL_BASES",
    "FURNACE_FACTORS",
    "FURNACE_FUEL_FACTORS",
    "NCV_OF_FUEL",
    "NCV_SOURCE",
    "basis_dimension",
    "choose_factor",
    "fuel_factors",
    "fuel_ncv",
    "fuel_of_quantity",
    "fuel_terms",
    "fuels_of",
    "to_basis",
]

_TJ = "fuel_tj"
_COAL_T = "coal_t"
#: Activity bases a furnace fuel's factors may have; between them the fuel's NCV converts.
FUEL_BASES: tuple[str, ...] = (_TJ, _COAL_T)


def _per_tj(*ids: str) -> tuple[dict[str, str], ...]:
    return tuple({_TJ: factor_id} for factor_id in ids)


_COAL_GHG = _per_tj("ipcc-sc-coal-co2", "ipcc-sc-coal-ch4", "ipcc-sc-coal-n2o")
_WASTE_GHG = _per_tj("ipcc-sc-msw-co2", "ipcc-sc-msw-ch4", "ipcc-sc-msw-n2o")
#: Furnace fuel -> slots (one per pollutant and vector) -> activity basis -> factor id:
#: the Toolkit class that fits each fuel plus the IPCC 2006 Vol. 2 Table 2.5 residential
#: defaults of its greenhouse gases (per TJ only). ``coal`` 3e coal stoves (per TJ and
#: per t of coal); ``hicl_coal`` 3e high-chlorine coal stoves (per TJ and per t);
#: ``wood`` 3d virgin wood/biomass stoves; ``waste_wood`` 3d contaminated wood/biomass
#: stoves; ``waste_plastic`` and ``municipal_waste``: no Toolkit class covers a stove fed
#: with waste plastic, the nearest is 3e high-chlorine coal, per TJ (module docstring),
#: with the IPCC municipal-waste (non-biomass) GHG defaults; ``lpg`` 3e gas stoves (no
#: LPG class); ``electricity``: no combustion at the furnace, no factor.
FURNACE_FUEL_FACTORS: dict[str, tuple[Mapping[str, str], ...]] = {
    "coal": ({_TJ: "3e-coal-pcddf-air", _COAL_T: "3e-coal-pcddf-air-t"}, *_COAL_GHG),
    "hicl_coal": ({_TJ: "3e-hicl-pcddf-air", _COAL_T: "3e-hicl-pcddf-air-t"}, *_COAL_GHG),
    "wood": _per_tj("3d2-pcddf-air", "ipcc-sc-wood-ch4", "ipcc-sc-wood-n2o"),
    "waste_wood": _per_tj("3d1-pcddf-air", "ipcc-sc-wood-ch4", "ipcc-sc-wood-n2o"),
    "waste_plastic": (*_per_tj("3e-hicl-pcddf-air"), *_WASTE_GHG),
    "municipal_waste": (*_per_tj("3e-hicl-pcddf-air"), *_WASTE_GHG),
    "lpg": _per_tj("3e-gas-pcddf-air", "ipcc-sc-lpg-co2", "ipcc-sc-lpg-ch4", "ipcc-sc-lpg-n2o"),
    "electricity": (),
}
#: Furnace fuel -> its factor ids per TJ of fuel (an energy counter's factors).
FURNACE_FACTORS: dict[str, tuple[str, ...]] = {
    fuel: tuple(slot[_TJ] for slot in slots if _TJ in slot)
    for fuel, slots in FURNACE_FUEL_FACTORS.items()
}
#: Fuel whose NCV (:data:`models.survey_schema.FUEL_NCV_MJ_PER_KG`) a fuel without its
#: own uses: ``hicl_coal`` the coal (anthracite) value, our assumption (the chlorine
#: content does not set the heating value); ``waste_wood`` the IPCC "wood/wood waste"
#: value, which covers both.
NCV_OF_FUEL: dict[str, str] = {"hicl_coal": "coal", "waste_wood": "wood"}
#: Where each NCV comes from, as the output rows cite it.
NCV_SOURCE: dict[str, str] = {
    "coal": "IPCC 2006 Vol. 2 Ch. 1 Table 1.2 (pp. 1.18-1.19), anthracite",
    "wood": "IPCC 2006 Vol. 2 Ch. 1 Table 1.2 (pp. 1.18-1.19), wood/wood waste",
    "lpg": "IPCC 2006 Vol. 2 Ch. 1 Table 1.2 (pp. 1.18-1.19), LPG",
    "municipal_waste": "IPCC 2006 Vol. 2 Ch. 1 Table 1.2 (pp. 1.18-1.19), municipal wastes "
    "non-biomass fraction",
    "waste_plastic": "design assumption (wet, dirty residue; clean PE/PP 43-46 MJ/kg)",
}


def fuel_ncv(fuel: str) -> tuple[float, str] | None:
    """The net calorific value of ``fuel`` [MJ/kg] and its source, or None without one."""
    own = NCV_OF_FUEL.get(fuel, fuel)
    if own not in FUEL_NCV_MJ_PER_KG:
        return None
    source = NCV_SOURCE.get(own, "models.survey_schema.FUEL_NCV_MJ_PER_KG")
    if own != fuel:
        source = f"value of {own}: {source}"
    return FUEL_NCV_MJ_PER_KG[own], source


def basis_dimension(basis: str) -> str:
    """``mass`` or ``energy``: what an activity basis counts (:data:`FUEL_BASES`)."""
    return dimension(ACTIVITY_BASES[basis])


def choose_factor(slot: Mapping[str, str], given: str) -> tuple[str, str]:
    """(factor id, its basis) of one slot for data given as ``mass`` or ``energy``: the
    basis of the same dimension when the slot has one, else its first (module
    docstring, rule 3: the caller converts with the fuel's NCV).

    Raises
    ------
    ModelError
        An empty slot.
    """
    if not slot:
        raise ModelError("a furnace-fuel slot needs at least one factor")
    for basis, factor_id in slot.items():
        if basis_dimension(basis) == given:
            return factor_id, basis
    basis, factor_id = next(iter(slot.items()))
    return factor_id, basis


#: A quantity: one number or an array of Monte Carlo draws.
Quantity = TypeVar("Quantity", float, np.ndarray)


def to_basis(fuel: str, amount: Quantity, unit: str, basis: str) -> tuple[Quantity, str]:
    """``amount`` of ``fuel`` given in ``unit`` (a mass or an energy) in the unit of
    ``basis``, and how: ``""`` for a plain unit change, else the NCV conversion with its
    value and source (module docstring, rule 3).

    Raises
    ------
    ModelError
        A conversion between mass and energy for a fuel without a heating value.
    """
    target = ACTIVITY_BASES[basis]
    if dimension(unit) == dimension(target):
        return amount * convert(1.0, unit, target), ""
    found = fuel_ncv(fuel)
    if found is None:
        raise ModelError(
            f"no heating value for furnace fuel {fuel!r}, and its factor {basis} needs a "
            f"{dimension(target)}: give the fuel as a {dimension(target)}"
        )
    ncv, source = found
    if dimension(unit) == "mass":
        scale = convert(1.0, unit, "kg") * ncv * convert(1.0, "MJ", target)
        how = f"mass × NCV {ncv:g} MJ/kg ({source}) -> {target}"
    else:
        scale = convert(1.0, unit, "MJ") / ncv * convert(1.0, "kg", target)
        how = f"energy / NCV {ncv:g} MJ/kg ({source}) -> {target}"
    return amount * scale, how


def fuel_of_quantity(quantity: str) -> tuple[str, str] | None:
    """(fuel, unit) of a ``fuel_kwh:<fuel>`` [kWh] or ``fuel_kg:<fuel>`` [kg] activity
    quantity, None for any other quantity.

    >>> fuel_of_quantity("fuel_kg:wood"), fuel_of_quantity("energy_kwh")
    (('wood', 'kg'), None)
    """
    for prefix, unit in ((FUEL_KWH_PREFIX, "kWh"), (FUEL_KG_PREFIX, "kg")):
        if quantity.startswith(prefix):
            return quantity[len(prefix) :], unit
    return None


def fuel_factors(
    fuel: str, unit: str, library: FactorLibrary, swap: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(factor id, its basis) of every slot of ``fuel`` for data in ``unit``, after the
    substitutions ``swap`` of a factor choice (:mod:`models.factor_choice`): a substitute
    takes the place of its factor on the substitute's own basis, so a per-tonne factor
    replaced by a per-TJ one is reached through the NCV.
    """
    chosen = []
    for slot in FURNACE_FUEL_FACTORS[fuel]:
        swapped: dict[str, str] = {}
        for factor_id in slot.values():
            new = swap.get(factor_id, factor_id)
            swapped.setdefault(library[new].activity_basis, new)
        chosen.append(choose_factor(swapped, dimension(unit)))
    return chosen


def fuels_of(quantities: Iterable[str]) -> list[tuple[str, str]]:
    """(fuel, unit) of every fuel quantity among ``quantities``, sorted.

    Raises
    ------
    ModelError
        A fuel without factors, naming the fuels that have some.
    """
    found = {fuel_of_quantity(str(q)) for q in quantities}
    fuels = sorted(f for f in found if f is not None)
    unknown = sorted({f for f, _ in fuels if f not in FURNACE_FUEL_FACTORS})
    if unknown:
        raise ModelError(
            f"unknown furnace fuel(s) {unknown}; fuels with factors: "
            f"{', '.join(FURNACE_FUEL_FACTORS)}"
        )
    return fuels


def fuel_terms(
    fuel: str,
    unit: str,
    amount: np.ndarray,
    amount_det: float,
    library: FactorLibrary,
    swap: Mapping[str, str],
) -> list[tuple[np.ndarray, float, str, str, str]]:
    """(activity draws, deterministic activity, activity unit, factor id, conversion) of
    every slot of ``fuel`` given as ``amount`` in ``unit`` (kg or kWh), each activity on
    the basis of its factor (:func:`fuel_factors`, :func:`to_basis`)."""
    terms = []
    for factor_id, basis in fuel_factors(fuel, unit, library, swap):
        activity, how = to_basis(fuel, amount, unit, basis)
        activity_det, _ = to_basis(fuel, amount_det, unit, basis)
        terms.append((activity, activity_det, ACTIVITY_BASES[basis], factor_id, how))
    return terms
