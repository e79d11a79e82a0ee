"""Item 8: indicators fixed by an assumption are marked and not tested."""

from __future__ import annotations

import numpy as np
import pandas as pd

from emission_factors.library import load_factors
from models.comparison import compare_indicators
from models.daily_indicators import daily_indicator_frame


def _days(period: str, n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": "s",
            "line": "l",
            "period": period,
            "day": pd.date_range("2019-06-03" if period == "baseline" else "2020-10-05", periods=n),
            "processed_kg": rng.uniform(500, 1000, n),
            "energy_kwh": rng.uniform(300, 600, n),
            "in_window_share": rng.uniform(0.7, 1.0, n),
            "completeness": 1.0,
        }
    )


def test_post_burning_zero_by_assumption_is_flagged_and_not_tested() -> None:
    rng = np.random.default_rng(3)
    days = pd.concat([_days("baseline", 10, rng), _days("post", 10, rng)], ignore_index=True)
    daily = daily_indicator_frame(days, load_factors())
    burned = daily[daily["indicator"] == "residue_burned_kg_per_day"]
    assert burned.loc[burned["period"] == "post", "assumed"].all()
    assert not burned.loc[burned["period"] == "baseline", "assumed"].any()
    result = compare_indicators(daily, by=("site", "line"), n_resamples=99).set_index("indicator")
    for name in ("residue_burned_kg_per_day", "upops_ug_teq_per_day", "upops_ug_teq_per_t"):
        row = result.loc[name]
        assert "by_assumption" in row["flag"]
        assert not row["conclusive"]
        assert np.isnan(row["welch_p"])
        assert np.isnan(row["ci_low"])
    # Measured indicators stay tested.
    energy = result.loc["specific_energy_kwh_per_kg"]
    assert "by_assumption" not in energy["flag"]
    assert np.isfinite(energy["welch_p"])
