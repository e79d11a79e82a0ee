"""The assumptions behind an estimate, as a table with the source of each value.

Every figure that is assumed rather than measured is listed with its value, range and
source, so the evaluator report shows what decides the result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emission_factors.library import FactorLibrary, load_gwp
from models.mass_balance import DEFAULT_ASSUMPTIONS
from models.releases import SIGMA_OF_CONFIDENCE

__all__ = ["assumptions_table"]

#: Where each mass-balance share comes from (public sources; see docs/sources.md).
SHARE_SOURCES: dict[str, str] = {
    "residue_share": "≈10 % residual share of the input: 60-70 t/d of residue (SOLEN, "
    "citing Hưng Yên DONRE; Báo Tin Tức 2024) against 600-650 t/d of input in Minh Khai "
    "(same sources), our arithmetic; the range is a design assumption",
    "open_burn_share": "baseline: most residue burned, a design assumption after press "
    "reports of residue dumped and burned in the villages (VnExpress 2019; Việt Nam News "
    "2025); post: the residue goes to the pilot line",
    "landfill_share": "share of unburned residue landfilled; baseline: no pilot line "
    "existed; post: 0",
}


def _row(name: str, period: str, value: object, unit: str, source: str) -> dict[str, object]:
    return {
        "name": name,
        "period": period,
        "value": value,
        "low": np.nan,
        "high": np.nan,
        "unit": unit,
        "source": source,
    }


def assumptions_table(library: FactorLibrary, gwp_set: str) -> pd.DataFrame:
    """Mass-balance shares, factor spreads, GWP values and grid factors, with sources.

    Columns ``name, period, value, low, high, unit, source``.
    """
    rows: list[dict[str, object]] = []
    for kind, assume in DEFAULT_ASSUMPTIONS.items():
        for name in ("residue_share", "open_burn_share", "landfill_share"):
            u = getattr(assume, name)
            row = _row(
                name.replace("_", " "),
                kind,
                u.mode,
                "-",
                f"models.mass_balance.DEFAULT_ASSUMPTIONS: {SHARE_SOURCES[name]}",
            )
            rows.append(row | {"low": u.low, "high": u.high})
        rows.append(
            _row(
                "energy counter measures",
                kind,
                assume.energy_carrier,
                "",
                "fuel: furnace fuel energy [TJ = kWh × 3.6e-6] (baseline); "
                "electricity: grid electricity [MWh] (post line)",
            )
        )
    for level, sigma in SIGMA_OF_CONFIDENCE.items():
        rows.append(
            _row(
                f"factor spread, confidence {level}",
                "both",
                float(np.exp(1.96 * sigma)),
                "×/÷ (95 %)",
                "models.releases.SIGMA_OF_CONFIDENCE: our assumption (the Toolkit gives "
                "only qualitative confidence, order-of-magnitude factors)",
            )
        )
    for gas, value in load_gwp(gwp_set).items():
        rows.append(
            _row(
                f"GWP-100 of {gas}",
                "both",
                value,
                "kg CO2e/kg",
                f"IPCC {gwp_set} (emission_factors/data/gwp-100.csv), unverified",
            )
        )
    for factor in library.values():
        if factor.activity_basis == "electricity_mwh" and factor.pollutant.startswith("CO2"):
            rows.append(
                _row(
                    f"grid factor ({factor.id})",
                    "post",
                    factor.value,
                    factor.unit,
                    f"{factor.citation}; {factor.verification}",
                )
            )
    return pd.DataFrame(rows)
