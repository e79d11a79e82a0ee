r"""Waste mass balance of a line and the fate of its residue, per period kind.

Plastic delivered to a line (intake :math:`I`) splits into a non-recyclable residue
:math:`R = r\,I` and recyclable plastic; the line turns recyclable plastic into products
:math:`P` (the processed mass); what was delivered but not yet processed is recovered
material in stock, :math:`S = I - R - P` (negative when the line drew on earlier stock).
The residue goes to one of three fates:

.. math::

    R_\mathrm{open} = b\,R, \qquad
    R_\mathrm{landfill} = (1 - b)\,\ell\,R, \qquad
    R_\mathrm{pilot} = (1 - b)(1 - \ell)\,R

with the open-burning share :math:`b` and the landfilled share :math:`\ell` of what is not
burned; the rest is delivered to the pilot line (bricks, tiles, fences). Without intake
weighings, :math:`I = P / (1 - r)`. Where the residue is weighed (the line's residue
scale) or surveyed, :math:`R` is that mass and the residue share :math:`r` is not used:
:math:`I = P + R` without intake weighings (:mod:`models.residue_balance`).

Every share is an :class:`Uncertain` (triangular low/mode/high), set per period kind in
:class:`Assumptions`; :data:`DEFAULT_ASSUMPTIONS` gives the defaults and their sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from emission_factors.units import convert
from models.errors import ModelError
from models.furnace_fuels import FURNACE_FACTORS
from models.vocabulary import (
    BASELINE,
    CARRIER_ELECTRICITY,
    CARRIER_FUEL,
    ELECTRICITY,
    ENERGY_CARRIERS,
    FURNACE_FUEL,
    POST,
    RESIDUE_OPEN_BURNED,
)

__all__ = [
    "BURNED_FLOW",
    "DEFAULT_ASSUMPTIONS",
    "DEFAULT_FURNACE_FUEL",
    "DEFAULT_SOURCES",
    "FURNACE_FACTORS",
    "Assumptions",
    "Uncertain",
    "residue_fates",
]


#: The flow of :func:`residue_fates` that is burned in the open [t]: the activity of the
#: ``residue_open_burned`` source.
BURNED_FLOW = f"{RESIDUE_OPEN_BURNED}_t"


@dataclass(frozen=True)
class Uncertain:
    """A quantity with a triangular distribution (``low <= mode <= high``).

    ``low == high`` makes it exact.
    """

    mode: float
    low: float
    high: float

    def __post_init__(self) -> None:
        if not self.low <= self.mode <= self.high:
            raise ModelError(f"need low <= mode <= high, got {self.low}, {self.mode}, {self.high}")

    @classmethod
    def exact(cls, value: float) -> Uncertain:
        """A quantity without uncertainty."""
        return cls(value, value, value)


#: Activity -> factor ids used by default. ``residue_open_burned`` [t burned]: the
#: residue burned in piles, 6b class 3 "open burning of domestic waste" (no Toolkit
#: class is specific to plastics) plus the IPCC 2006 open-burning GHG defaults;
#: ``furnace_fuel`` [TJ]: the baseline's coal/waste-fired melting furnace, 3e
#: high-chlorine coal stoves, the nearest Toolkit class to a stove fed with waste plastic,
#: and the IPCC 2006 residential coal defaults for its greenhouse gases;
#: ``electricity`` [MWh]: the post line's electricity at the 2020 Vietnamese grid factor.
#: Melt extrusion itself has no Toolkit class and no published factor: it counts zero.
DEFAULT_SOURCES: dict[str, tuple[str, ...]] = {
    RESIDUE_OPEN_BURNED: (
        "6b3-pcddf-air",
        "6b3-pcddf-land",
        "6b3-dlpcb-air",
        "ipcc-ob-plastic-co2",
        "ipcc-ob-ch4",
        "ipcc-ob-n2o",
    ),
    FURNACE_FUEL: ("3e-hicl-pcddf-air", "ipcc-sc-coal-co2", "ipcc-sc-coal-ch4", "ipcc-sc-coal-n2o"),
    ELECTRICITY: ("vn-grid-2020-co2",),
}


# Furnace fuel -> factor ids per TJ (an energy counter's factors): defined with the
# per-tonne ones in :data:`models.furnace_fuels.FURNACE_FUEL_FACTORS`.
#: Fuel of a furnace whose energy counter gives no fuel type: high-chlorine coal, the
#: proxy the baseline always used (coal mixed with waste plastic; an assumption, listed
#: in every evaluator report; ``[assumptions]`` in the configuration overrides it).
DEFAULT_FURNACE_FUEL = "hicl_coal"
if DEFAULT_SOURCES[FURNACE_FUEL] != FURNACE_FACTORS[DEFAULT_FURNACE_FUEL]:  # one source per fact
    raise ModelError("DEFAULT_SOURCES must use the factors of DEFAULT_FURNACE_FUEL")


@dataclass(frozen=True)
class Assumptions:
    """What the measurements cannot tell, for one period kind.

    Parameters
    ----------
    residue_share
        Non-recyclable share of the delivered plastic [-]. Default 0.10 (0.05-0.15): our
        arithmetic from published figures for Minh Khai, 60-70 t/day of residual solid
        waste against 600-650 t/day of input (Hung Yen DONRE statistics, as reported by
        Báo Tin Tức, 20 Nov 2024,
        https://baotintuc.vn/anh-360/anh-360-do-o-nhiem-tu-lang-tai-che-nhua-giap-ranh-giua-ha-noi-va-hung-yen-20241120091229566.htm
        and by SOLEN,
        https://solenvn.com/en/initiative-to-renew-plastic-recycling-craft-village-minh-khai-craft-village-hung-yen-vietnam
        ); the range is a design assumption.
    open_burn_share
        Share of the residue burned in the open [-]. Baseline 0.8 (0.6-1.0): "most", a
        design assumption that no source quantifies; press reports from Phan Bôi describe
        households burning material, and the non-recyclable part being collected and, by
        a truncated sentence, probably burned (Báo Mới, "Ô nhiễm làng nghề – 'căn bệnh
        nan y' ở Phan Bôi",
        https://m.baomoi.com/o-nhiem-lang-nghe-can-benh-nan-y-o-phan-boi/c/28490310.epi
        ). Post 0: the residue goes to the pilot line.
    landfill_share
        Share of the residue not burned that is landfilled [-]; the rest goes to the
        pilot line. Baseline 1.0 (no pilot line existed); post 0.
    residue_check_tolerance
        Largest disagreement between intake − processed and the residue, as a share of
        the intake, before the check flags it [-] (:mod:`models.residue_balance`).
        Default 0.10: design assumption, the ±5 % of the intake and throughput scales
        plus a few days' change of stock.
    energy_carrier
        What the line's energy counter measures: ``"fuel"`` (baseline furnace: fuel
        energy, lower heating value; its small electric drive is counted as fuel too)
        or ``"electricity"`` (post line).
    sources
        Activity -> factor ids (:data:`DEFAULT_SOURCES`); ``furnace_fuel`` holds the
        factors of a fuel energy counter of unknown fuel.
    """

    residue_share: Uncertain = Uncertain(0.10, 0.05, 0.15)
    open_burn_share: Uncertain = Uncertain(0.0, 0.0, 0.0)
    landfill_share: Uncertain = Uncertain(0.0, 0.0, 0.0)
    energy_carrier: str = CARRIER_ELECTRICITY
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_SOURCES))
    residue_check_tolerance: float = 0.10

    def __post_init__(self) -> None:
        if self.energy_carrier not in ENERGY_CARRIERS:
            raise ModelError(f"energy_carrier must be one of {', '.join(ENERGY_CARRIERS)}")
        for name in ("residue_share", "open_burn_share", "landfill_share"):
            share: Uncertain = getattr(self, name)
            if not (share.low >= 0.0 and share.high <= 1.0):
                raise ModelError(f"{name} is a share: its range must lie in [0, 1]")
        if self.residue_share.high >= 1.0:
            raise ModelError("residue_share must stay below 1")
        if not self.residue_check_tolerance >= 0.0:
            raise ModelError("residue_check_tolerance is a share of the intake: give 0 or more")


#: Defaults per period kind; see :class:`Assumptions` for the sources.
DEFAULT_ASSUMPTIONS: dict[str, Assumptions] = {
    BASELINE: Assumptions(
        open_burn_share=Uncertain(0.8, 0.6, 1.0),
        landfill_share=Uncertain.exact(1.0),
        energy_carrier=CARRIER_FUEL,
    ),
    POST: Assumptions(),
}


def residue_fates(
    intake_kg: np.ndarray,
    processed_kg: np.ndarray,
    residue_share: np.ndarray,
    open_burn_share: np.ndarray,
    landfill_share: np.ndarray,
    residue_kg: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Mass balance of the module docstring, element-wise over Monte Carlo draws [t].

    Parameters
    ----------
    intake_kg, processed_kg
        Delivered and processed mass [kg]; NaN intake means "not weighed" and is
        replaced by ``processed / (1 - residue_share)``.
    residue_share, open_burn_share, landfill_share
        Shares [-].
    residue_kg
        Weighed or surveyed residue [kg], used instead of ``residue_share`` where given
        (NaN: not weighed); then ``intake = processed + residue`` where not weighed.

    Returns
    -------
    ``intake_t``, ``product_t``, ``residue_t``, ``residue_open_burned_t``,
    ``residue_landfilled_t``, ``residue_to_pilot_line_t``, ``recovered_stock_t`` [t].

    >>> import numpy as np
    >>> fates = residue_fates(np.array([10_000.0]), np.array([8_500.0]), np.array([0.1]),
    ...                       np.array([0.8]), np.array([1.0]))
    >>> {k: round(float(v[0]), 3) for k, v in fates.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'intake_t': 10.0, 'product_t': 8.5, 'residue_t': 1.0, 'residue_open_burned_t': 0.8,
     'residue_landfilled_t': 0.2, 'residue_to_pilot_line_t': 0.0, 'recovered_stock_t': 0.5}
    """
    unweighed = processed_kg / (1.0 - residue_share)
    if residue_kg is not None:
        unweighed = np.where(np.isnan(residue_kg), unweighed, processed_kg + residue_kg)
    intake = np.where(np.isnan(intake_kg), unweighed, intake_kg)
    intake_t = convert(intake, "kg", "t")
    product_t = convert(processed_kg, "kg", "t")
    residue_t = residue_share * intake_t
    if residue_kg is not None:
        residue_t = np.where(np.isnan(residue_kg), residue_t, convert(residue_kg, "kg", "t"))
    burned_t = open_burn_share * residue_t
    landfilled_t = (1.0 - open_burn_share) * landfill_share * residue_t
    return {
        "intake_t": intake_t,
        "product_t": product_t,
        "residue_t": residue_t,
        BURNED_FLOW: burned_t,
        "residue_landfilled_t": landfilled_t,
        "residue_to_pilot_line_t": residue_t - burned_t - landfilled_t,
        "recovered_stock_t": intake_t - residue_t - product_t,
    }
