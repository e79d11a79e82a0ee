r"""Greenhouse gases: IPCC 2006 open-burning CO2 and CO2-equivalents.

Open burning of waste, IPCC 2006 Guidelines Vol. 5 Ch. 5, Eq. 5.1 (per waste type
:math:`i`, here plastics only):

.. math::

    \mathrm{CO_2} = \sum_i SW_i \cdot dm_i \cdot CF_i \cdot FCF_i \cdot OF_i \cdot 44/12

with the mass burned :math:`SW` [t], dry-matter content :math:`dm`, carbon fraction of
dry matter :math:`CF`, fossil carbon fraction :math:`FCF` (Vol. 5 Ch. 2 Table 2.4:
plastics 1.00, 0.75, 1.00) and oxidation factor :math:`OF` (Ch. 5 Table 5.2: 0.58 for
open burning). These defaults were read in the official chapter PDFs (Eq. 5.1 p. 5.7,
Table 2.4 p. 2.14, Table 5.2 p. 5.18,
https://www.ipcc-nggip.iges.or.jp/public/2006gl/vol5.html); the library factor
``ipcc-ob-plastic-co2`` holds their product, tagged ``verified``.

CO2-equivalent: :math:`\mathrm{CO_2e} = \sum_g m_g \cdot GWP_g` with the 100-year GWP
set chosen (``AR4``, ``AR5``, ``AR6``; ``emission_factors/data/gwp-100.csv``).
"""

from __future__ import annotations

from collections.abc import Mapping

from emission_factors.library import load_gwp
from models.errors import ModelError

__all__ = ["GAS_OF_POLLUTANT", "co2e_kg", "ipcc2006_open_burning_co2_t"]

#: Which GWP gas each greenhouse-gas pollutant of the library is.
GAS_OF_POLLUTANT: dict[str, str] = {"CO2-fossil": "CO2", "CO2": "CO2", "CH4": "CH4", "N2O": "N2O"}


def ipcc2006_open_burning_co2_t(
    burned_t: float,
    *,
    dry_matter: float = 1.00,
    carbon_fraction: float = 0.75,
    fossil_carbon_fraction: float = 1.00,
    oxidation_factor: float = 0.58,
) -> float:
    """Fossil CO2 from open burning of plastics, IPCC 2006 Vol. 5 Eq. 5.1 [t CO2].

    Parameters
    ----------
    burned_t
        Plastic burned in the open, wet weight [t].
    dry_matter, carbon_fraction, fossil_carbon_fraction
        IPCC 2006 Vol. 5 Ch. 2 Table 2.4 defaults for plastics [-].
    oxidation_factor
        IPCC 2006 Vol. 5 Ch. 5 Table 5.2, open burning [-].

    >>> round(ipcc2006_open_burning_co2_t(1.0), 4)  # 1.00 * 0.75 * 1.00 * 0.58 * 44/12
    1.595
    """
    for name, share in {
        "dry_matter": dry_matter,
        "carbon_fraction": carbon_fraction,
        "fossil_carbon_fraction": fossil_carbon_fraction,
        "oxidation_factor": oxidation_factor,
    }.items():
        if not 0.0 <= share <= 1.0:
            raise ModelError(f"{name} is a fraction in [0, 1], got {share}")
    # 44/12 converts a mass of carbon into the mass of CO2 it forms.
    carbon_t = burned_t * dry_matter * carbon_fraction * fossil_carbon_fraction
    return carbon_t * oxidation_factor * 44 / 12


def co2e_kg(masses_kg: Mapping[str, float], gwp_set: str = "AR5") -> float:
    """CO2-equivalent of greenhouse-gas masses [kg CO2e].

    Parameters
    ----------
    masses_kg
        Pollutant (``CO2-fossil``, ``CO2``, ``CH4``, ``N2O``) -> mass [kg].
    gwp_set
        ``AR4``, ``AR5`` or ``AR6`` (100-year GWPs).

    >>> co2e_kg({"CO2-fossil": 1595.0, "CH4": 6.5, "N2O": 0.15}, "AR5")
    1816.75
    """
    gwp = load_gwp(gwp_set)
    total = 0.0
    for pollutant, mass in masses_kg.items():
        gas = GAS_OF_POLLUTANT.get(pollutant)
        if gas is None:
            raise ModelError(f"{pollutant!r} is not a greenhouse gas of the library")
        total += mass * gwp[gas]
    return total
