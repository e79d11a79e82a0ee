"""The assumptions behind an estimate, as a table with the source of each value.

Every figure that is assumed rather than measured is listed with its value, range and
source, so the evaluator report shows what decides the result: the ``[assumptions]``
keys of the configuration (their meaning names the source), the factor-spread
fallback, the GWP set and the grid factors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emission_factors.library import FactorLibrary, gwp_verification, load_gwp
from pilot.config.assumptions import AssumptionSettings

__all__ = ["assumptions_table"]


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


def assumptions_table(
    library: FactorLibrary, gwp_set: str, settings: AssumptionSettings | None = None
) -> pd.DataFrame:
    """Every ``[assumptions]`` key with its value, range, unit and source (the key's
    meaning in the configuration reference), factor spreads, GWP values and grid factors.

    Columns ``name, period, value, low, high, unit, source``.
    """
    settings = settings or AssumptionSettings()
    rows: list[dict[str, object]] = []
    fields = AssumptionSettings.__pydantic_fields__  # type: ignore[attr-defined]
    for name, info in fields.items():
        if name.endswith("_range") or name == "line_processing_factor_source":
            continue  # the range goes into low/high, the source into the factor's row
        value = getattr(settings, name)
        extra = info.json_schema_extra or {}
        source = str(info.description)
        if name == "line_processing_factor_ug_teq_per_t":
            if value is None:
                value = "unset: not quantified"
            else:
                source = (
                    f"configured sensitivity factor, source: "
                    f"{settings.line_processing_factor_source}. {source}"
                )
        row = _row(
            f"[assumptions] {name}",
            "post"
            if name.startswith(("post_", "line_processing"))
            else "baseline"
            if name.startswith("baseline_")
            else "both",
            value,
            str(extra.get("unit", "")),
            source,
        )
        span = getattr(settings, f"{name}_range", None)
        if span is not None:
            row |= {"low": span[0], "high": span[1]}
        rows.append(row)
    gwp_status = gwp_verification(gwp_set)
    for gas, value in load_gwp(gwp_set).items():
        rows.append(
            _row(
                f"GWP-100 of {gas}",
                "both",
                value,
                "kg CO2e/kg",
                f"IPCC {gwp_set} (emission_factors/data/gwp-100.csv), {gwp_status}",
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
