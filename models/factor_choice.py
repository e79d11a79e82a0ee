"""Factor-choice sensitivity: the same activity under each published alternative factor.

Where the literature offers more than one factor for one source, the choice can move the
result more than any interval does. :data:`FACTOR_CHOICES` names the alternatives; each
is a set of substitutions (factor id -> the id used in its place) for
:func:`models.releases.estimate_releases`, which keeps the same seed, so the choices
differ only by the factor:

* open burning of the residue: Toolkit 2013 6b class 3 "open burning of domestic
  waste" (the default) against the measured open burning of mixed plastics in loose
  piles (Kim Oanh et al. 2025) and the high-chlorine burn barrel (Gullett et al. 2001);
* a furnace of unknown fuel, or fed with high-chlorine coal, waste plastic or municipal
  waste: Toolkit 3e high-chlorine coal stoves (the default) against 3e ordinary coal
  stoves and 3d contaminated-biomass stoves;
* a furnace fed with coal: 3e coal stoves against 3e high-chlorine coal stoves.

Each furnace alternative substitutes the per-TJ and the per-tonne factor of its class
(:mod:`models.furnace_fuels`), so it holds on whichever basis the data give; 3d has no
per-tonne factor, so a coal mass reaches it through the coal's heating value.

>>> [choice.name for choice in FACTOR_CHOICES][:2]
['as configured', 'open burning: mixed plastics measured (Kim Oanh 2025)']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from emission_factors.library import FactorLibrary
from models.mass_balance import DEFAULT_ASSUMPTIONS, Assumptions
from models.release_totals import RELATIVE_COLUMNS
from models.releases import estimate_releases
from models.vocabulary import ALL, ALL_HOUSEHOLDS

__all__ = ["FACTOR_CHOICES", "SENSITIVITY_COLUMNS", "FactorChoice", "factor_choice_sensitivity"]


@dataclass(frozen=True)
class FactorChoice:
    """One alternative: a name and the factor substitutions that make it."""

    name: str
    substitutions: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """``old -> new; ...`` or ``the configured factors``."""
        pairs = "; ".join(f"{a} -> {b}" for a, b in self.substitutions.items())
        return pairs or "the configured factors"


#: The alternatives of every sensitivity run, the configured choice first.
FACTOR_CHOICES: tuple[FactorChoice, ...] = (
    FactorChoice("as configured"),
    FactorChoice(
        "open burning: mixed plastics measured (Kim Oanh 2025)",
        {
            "6b3-pcddf-air": "lit-kimoanh2025-plastics-pcddf-air",
            "6b3-dlpcb-air": "lit-kimoanh2025-plastics-dlpcb-air",
        },
    ),
    FactorChoice(
        "open burning: high-chlorine burn barrel (Gullett 2001)",
        {"6b3-pcddf-air": "lit-gullett2001-highcl-pcddf-air"},
    ),
    FactorChoice(
        "furnace: 3e ordinary coal stoves",
        {"3e-hicl-pcddf-air": "3e-coal-pcddf-air", "3e-hicl-pcddf-air-t": "3e-coal-pcddf-air-t"},
    ),
    FactorChoice(
        "furnace: 3d contaminated biomass stoves",
        {"3e-hicl-pcddf-air": "3d1-pcddf-air", "3e-hicl-pcddf-air-t": "3d1-pcddf-air"},
    ),
    FactorChoice(
        "furnace coal: 3e high-chlorine coal stoves",
        {"3e-coal-pcddf-air": "3e-hicl-pcddf-air", "3e-coal-pcddf-air-t": "3e-hicl-pcddf-air-t"},
    ),
)

#: Columns of :func:`factor_choice_sensitivity`.
SENSITIVITY_COLUMNS: list[str] = [
    "choice",
    "substitutions",
    "period",
    "pollutant",
    "vector",
    "unit",
    "headline",
    "headline_basis",
    "deterministic",
    "p2_5",
    "p97_5",
    *RELATIVE_COLUMNS,
    "factor_ids",
    "verification",
    "basis",
]


def factor_choice_sensitivity(
    activities: pd.DataFrame,
    library: FactorLibrary,
    *,
    assumptions: Mapping[str, Assumptions] = DEFAULT_ASSUMPTIONS,
    choices: Sequence[FactorChoice] = FACTOR_CHOICES,
    pollutants: Sequence[str] = ("PCDD/F",),
    draws: int = 10_000,
    seed: int = 2019,
    gwp_set: str = "AR5",
    comparison_basis: str = ALL_HOUSEHOLDS,
) -> pd.DataFrame:
    """All-lines totals of ``pollutants`` per period (and reduction) under each choice.

    A choice whose substituted factors the estimate does not use gives the same rows as
    the configured one; it is kept, so the table always has the same shape.

    Returns
    -------
    DataFrame with :data:`SENSITIVITY_COLUMNS`, one row per choice, period, pollutant
    and vector.
    """
    parts = []
    for choice in choices:
        result = estimate_releases(
            activities,
            library,
            assumptions=assumptions,
            draws=draws,
            seed=seed,
            gwp_set=gwp_set,
            substitutions=choice.substitutions,
            comparison_basis=comparison_basis,
        )
        totals = result.totals
        rows = totals[(totals["site"] == ALL) & totals["pollutant"].isin(pollutants)]
        parts.append(rows.assign(choice=choice.name, substitutions=choice.describe()))
    return pd.concat(parts, ignore_index=True)[SENSITIVITY_COLUMNS]
