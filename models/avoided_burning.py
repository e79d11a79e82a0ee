"""Open burning and dioxin release avoided by one household's deliveries to a pilot line.

A household that brings plastic to the pilot line no longer handles its residue as it
did before the pilot. The release model (:mod:`models.releases`) is run on the delivered
mass :math:`D` [kg] alone, once as it would have gone in the baseline regime and once as
it goes now (post regime), with the shares of :data:`models.mass_balance.DEFAULT_ASSUMPTIONS`:

.. math::

    B = r\\,b\\,D, \\qquad \\Delta E_f = B \\cdot EF_f

with the residue share :math:`r`, the baseline open-burning share :math:`b` (post:
nothing burned), the kept-out-of-burning mass :math:`B` [kg] and the avoided release
:math:`\\Delta E_f` of each open-burning factor :math:`f` (the model's ``reduction``
rows). The households' furnaces are not in this account: their energy is measured per
line, not per household.

>>> from emission_factors.library import load_factors
>>> result = avoided_open_burning(1000.0, load_factors(), draws=2000, seed=1)
>>> round(result.burned_kg.value, 1), round(result.pcddf_air.value, 3)
(80.0, 3.2)
>>> result.pcddf_air.low < result.pcddf_air.value < result.pcddf_air.high
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from emission_factors.library import FactorLibrary
from emission_factors.units import convert
from models.activity_table import ACTIVITY_COLUMNS
from models.errors import ModelError
from models.mass_balance import BURNED_FLOW, DEFAULT_ASSUMPTIONS, Assumptions, Uncertain
from models.releases import estimate_releases
from models.vocabulary import (
    BASELINE,
    INTAKE_KG,
    PERIOD_DAYS,
    PERIOD_KINDS,
    PROCESSED_KG,
    REDUCTION,
    RESIDUE_OPEN_BURNED,
)

__all__ = ["AvoidedBurning", "Interval", "avoided_activity_table", "avoided_open_burning"]

#: Site and line written into the activity table: the household's deliveries stand
#: alone, so no line's measurements mix in.
_SITE, _LINE = "household", "deliveries"


@dataclass(frozen=True)
class Interval:
    """A model result: headline (deterministic for one factor, median of the draws for a
    sum, as in the evaluator report) and 95 % interval [its unit]."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class AvoidedBurning:
    """What one household's deliveries kept out of open burning.

    Attributes
    ----------
    delivered_kg
        Delivered mass :math:`D` [kg].
    residue_share, open_burn_share
        The baseline assumptions used [-] (:class:`~models.mass_balance.Uncertain`).
    burned_kg
        Residue the deliveries kept out of open burning, :math:`B` [kg].
    pcddf_air, pcddf_land
        Avoided PCDD/F release to air (smoke) and to land (ash) [µg TEQ].
    factor_air, factor_land
        Ids of the factors behind them.
    draws, seed, factor_set_version
        What produced the result.
    """

    delivered_kg: float
    residue_share: Uncertain
    open_burn_share: Uncertain
    burned_kg: Interval
    pcddf_air: Interval
    pcddf_land: Interval
    factor_air: str
    factor_land: str
    draws: int
    seed: int
    factor_set_version: str


def avoided_activity_table(delivered_kg: float, assumptions: Assumptions) -> pd.DataFrame:
    """Activity table (:data:`models.activity.ACTIVITY_COLUMNS`) of ``delivered_kg`` [kg]
    in the baseline and post regimes, one day each so the reduction needs no scaling.

    The processed mass is the delivery less its residue at the modal share, so the
    delivery leaves no stock; it does not enter the releases.
    """
    processed = delivered_kg * (1.0 - assumptions.residue_share.mode)
    rows = []
    for kind in PERIOD_KINDS:
        for quantity, value, unit in (
            (INTAKE_KG, delivered_kg, "kg"),
            (PROCESSED_KG, processed, "kg"),
            (PERIOD_DAYS, 1.0, "d"),
        ):
            rows.append([kind, _SITE, _LINE, quantity, value, value, value, unit, "weighings"])
    return pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)


def avoided_open_burning(
    delivered_kg: float,
    library: FactorLibrary,
    *,
    assumptions: Mapping[str, Assumptions] = DEFAULT_ASSUMPTIONS,
    draws: int = 10_000,
    seed: int = 2019,
) -> AvoidedBurning:
    """Open burning and PCDD/F release avoided by delivering ``delivered_kg`` [kg].

    Raises
    ------
    ModelError
        A negative or non-finite delivery, or assumptions without the open-burning
        PCDD/F factors to air and land.
    """
    if not delivered_kg >= 0.0 or delivered_kg == float("inf"):
        raise ModelError(f"the delivered mass must be finite and >= 0 kg, got {delivered_kg}")
    baseline = assumptions[BASELINE]
    factors = [library[f] for f in baseline.sources.get(RESIDUE_OPEN_BURNED, ())]
    by_vector = {f.vector: f.id for f in factors if f.pollutant == "PCDD/F"}
    if not {"air", "land"} <= set(by_vector):
        raise ModelError(
            "the baseline assumptions name no PCDD/F open-burning factor to air and land; "
            "add them to sources['residue_open_burned']"
        )
    result = estimate_releases(
        avoided_activity_table(delivered_kg, baseline),
        library,
        assumptions=assumptions,
        draws=draws,
        seed=seed,
    )

    def release(vector: str) -> Interval:
        totals = result.totals
        row = totals[
            (totals["period"] == REDUCTION)
            & (totals["site"] == _SITE)
            & (totals["pollutant"] == "PCDD/F")
            & (totals["vector"] == vector)
        ].iloc[0]
        # The headline, as in the evaluator report: deterministic for one factor.
        return Interval(float(row["headline"]), float(row["p2_5"]), float(row["p97_5"]))

    balance = result.mass_balance
    burned = balance[(balance["period"] == BASELINE) & (balance["flow"] == BURNED_FLOW)].iloc[0]
    return AvoidedBurning(
        delivered_kg=float(delivered_kg),
        residue_share=baseline.residue_share,
        open_burn_share=baseline.open_burn_share,
        burned_kg=Interval(
            *(convert(float(burned[c]), "t", "kg") for c in ("deterministic", "p2_5", "p97_5"))
        ),
        pcddf_air=release("air"),
        pcddf_land=release("land"),
        factor_air=by_vector["air"],
        factor_land=by_vector["land"],
        draws=result.draws,
        seed=result.seed,
        factor_set_version=result.factor_set_version,
    )
