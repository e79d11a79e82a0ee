"""Release model: known answers from Toolkit factors, and properties of the Monte Carlo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emission_factors.library import load_factors
from models.activity import ACTIVITY_COLUMNS
from models.daily_indicators import daily_indicator_frame
from models.ghg import co2e_kg, ipcc2006_open_burning_co2_t
from models.mass_balance import Assumptions, Uncertain
from models.releases import estimate_releases

LIBRARY = load_factors()
# Everything burned, no uncertainty in shares: the activity is the mass burned.
BURN_ALL = Assumptions(
    residue_share=Uncertain(0.5, 0.5, 0.5),
    open_burn_share=Uncertain(1.0, 1.0, 1.0),
    landfill_share=Uncertain(0.0, 0.0, 0.0),
    energy_carrier="fuel",
    sources={"residue_open_burned": ("6b3-pcddf-air", "6b3-pcddf-land", "6b3-dlpcb-air")},
)


def _activities(kind: str, burned_t: float, spread: float = 0.0, days: float = 1.0) -> pd.DataFrame:
    # intake = 2 x burned with residue share 0.5 and all of it burned
    intake = 2000.0 * burned_t
    rows = [
        (kind, "s", "l", "processed_kg", 0.0, 0.0, 0.0, "kg", "test"),
        (
            kind,
            "s",
            "l",
            "intake_kg",
            intake,
            intake * (1 - spread),
            intake * (1 + spread),
            "kg",
            "test",
        ),
        (kind, "s", "l", "period_days", days, days, days, "d", "test"),
    ]
    return pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)


def _total(estimate, kind: str, pollutant: str, vector: str) -> pd.Series:
    t = estimate.totals
    sel = (
        (t["period"] == kind)
        & (t["site"] == "s")
        & (t["pollutant"] == pollutant)
        & (t["vector"] == vector)
    )
    return t[sel].iloc[0]


def test_known_answer_6b_class3_ten_tonnes() -> None:
    # UNEP Toolkit 2013, Annex 46 Table III.46.1, 6b class 3 "Open burning of domestic
    # waste": 40 µg TEQ/t to air and 1 µg TEQ/t to land (value tagged [U]), dl-PCB 2 µg
    # TEQ/t (WHO-2005, [V]). 10 t burned -> 400 µg TEQ air, 10 µg TEQ land, 20 dl-PCB.
    est = estimate_releases(
        _activities("baseline", 10.0), LIBRARY, assumptions={"baseline": BURN_ALL}, draws=1000
    )
    assert _total(est, "baseline", "PCDD/F", "air")["deterministic"] == pytest.approx(400.0)
    assert _total(est, "baseline", "PCDD/F", "land")["deterministic"] == pytest.approx(10.0)
    assert _total(est, "baseline", "dl-PCB", "air")["deterministic"] == pytest.approx(20.0)
    assert _total(est, "baseline", "PCDD/F", "air")["verification"] == "unverified"
    assert "6b3-pcddf-air" in _total(est, "baseline", "PCDD/F", "air")["factor_ids"]


def test_known_answer_ipcc_open_burning_co2_matches_library_factor() -> None:
    # IPCC 2006 Vol. 5 Eq. 5.1 with Table 2.4 plastics (dm 1, CF 0.75, FCF 1) and OF 0.58
    # (Table 5.2): 1.595 t CO2 per t burned; the library factor holds 1595 kg/t.
    assert LIBRARY["ipcc-ob-plastic-co2"].value == pytest.approx(
        1000 * ipcc2006_open_burning_co2_t(1.0), rel=1e-3
    )
    # AR5 (WG1 Table 8.7): CH4 28, N2O 265 -> 1595 + 6.5*28 + 0.15*265 = 1816.75 kg CO2e
    assert co2e_kg({"CO2-fossil": 1595.0, "CH4": 6.5, "N2O": 0.15}, "AR5") == pytest.approx(1816.75)


def test_zero_activity_gives_zero_release() -> None:
    est = estimate_releases(
        _activities("baseline", 0.0, spread=0.1),
        LIBRARY,
        assumptions={"baseline": BURN_ALL},
        draws=500,
    )
    assert (est.totals[["deterministic", "mean", "p2_5", "p97_5"]] == 0.0).all().all()


@settings(max_examples=15, deadline=None)
@given(burned=st.floats(min_value=0.01, max_value=1000), k=st.floats(min_value=0.1, max_value=10))
def test_release_scales_linearly_with_activity(burned: float, k: float) -> None:
    one = estimate_releases(
        _activities("baseline", burned),
        LIBRARY,
        assumptions={"baseline": BURN_ALL},
        draws=200,
        seed=3,
    )
    scaled = estimate_releases(
        _activities("baseline", burned * k),
        LIBRARY,
        assumptions={"baseline": BURN_ALL},
        draws=200,
        seed=3,
    )
    a = _total(one, "baseline", "PCDD/F", "air")
    b = _total(scaled, "baseline", "PCDD/F", "air")
    for column in ("deterministic", "mean", "median", "p2_5", "p97_5"):
        assert b[column] == pytest.approx(k * a[column], rel=1e-9)


def test_interval_contains_deterministic_and_mean_error_shrinks_with_draws() -> None:
    activities = _activities("baseline", 10.0, spread=0.2)
    errors = []
    for draws in (1_000, 10_000, 100_000):
        est = estimate_releases(
            activities, LIBRARY, assumptions={"baseline": BURN_ALL}, draws=draws, seed=11
        )
        row = _total(est, "baseline", "PCDD/F", "air")
        assert row["p2_5"] < row["deterministic"] < row["p97_5"]
        errors.append(row["mean_se"])
    # standard error of the mean falls about as 1/sqrt(draws)
    assert errors[0] > errors[1] > errors[2]
    assert errors[0] / errors[2] == pytest.approx(10.0, rel=0.3)


def test_same_seed_same_result_other_seed_differs() -> None:
    a = estimate_releases(
        _activities("baseline", 5.0, 0.2),
        LIBRARY,
        assumptions={"baseline": BURN_ALL},
        draws=2000,
        seed=7,
    )
    b = estimate_releases(
        _activities("baseline", 5.0, 0.2),
        LIBRARY,
        assumptions={"baseline": BURN_ALL},
        draws=2000,
        seed=7,
    )
    c = estimate_releases(
        _activities("baseline", 5.0, 0.2),
        LIBRARY,
        assumptions={"baseline": BURN_ALL},
        draws=2000,
        seed=8,
    )
    pd.testing.assert_frame_equal(a.totals, b.totals)
    assert not np.isclose(a.totals["mean"], c.totals["mean"]).all()


def test_shared_factor_draw_keeps_reduction_interval_narrow() -> None:
    # Baseline burns 10 t, post 9 t, no activity uncertainty: the reduction is 1 t x EF,
    # so its interval is the factor's interval for 1 t, not the difference of two
    # independent 10 t and 9 t intervals.
    activities = pd.concat([_activities("baseline", 10.0), _activities("post", 9.0)])
    est = estimate_releases(
        activities, LIBRARY, assumptions={"baseline": BURN_ALL, "post": BURN_ALL}, draws=20_000
    )
    red = _total(est, "reduction", "PCDD/F", "air")
    one_tonne = estimate_releases(
        _activities("baseline", 1.0), LIBRARY, assumptions={"baseline": BURN_ALL}, draws=20_000
    )
    ref = _total(one_tonne, "baseline", "PCDD/F", "air")
    assert red["deterministic"] == pytest.approx(40.0)
    assert red["p2_5"] > 0  # never negative: the same draw scales both periods
    assert red["p2_5"] == pytest.approx(ref["p2_5"], rel=0.05)
    assert red["p97_5"] == pytest.approx(ref["p97_5"], rel=0.05)


def test_reduction_normalises_period_length() -> None:
    activities = pd.concat([_activities("baseline", 10.0, days=2.0), _activities("post", 0.0)])
    est = estimate_releases(
        activities, LIBRARY, assumptions={"baseline": BURN_ALL, "post": BURN_ALL}, draws=100
    )
    # baseline 400 µg over 2 days -> 200 µg over the 1-day post period
    assert _total(est, "reduction", "PCDD/F", "air")["deterministic"] == pytest.approx(200.0)


def test_daily_pcddf_and_the_estimate_are_one_calculation() -> None:
    # One baseline day: 900 kg processed, 450 kWh of furnace fuel, default assumptions.
    days = pd.DataFrame(
        {
            "site": ["s"],
            "line": ["l"],
            "period": ["baseline"],
            "day": [pd.Timestamp("2019-06-03")],
            "processed_kg": [900.0],
            "energy_kwh": [450.0],
            "in_window_share": [0.9],
            "completeness": [1.0],
        }
    )
    daily = daily_indicator_frame(days, LIBRARY).set_index("indicator")["value"]
    table = pd.DataFrame(
        [
            ("baseline", "s", "l", "processed_kg", 900.0, 900.0, 900.0, "kg", "test"),
            ("baseline", "s", "l", "energy_kwh", 450.0, 450.0, 450.0, "kWh", "test"),
        ],
        columns=ACTIVITY_COLUMNS,
    )
    estimate = estimate_releases(table, LIBRARY, draws=2, seed=1)
    totals = estimate.totals
    pcddf = totals[(totals["site"] == "s") & (totals["pollutant"] == "PCDD/F")]
    burned = estimate.mass_balance.set_index("flow").loc["residue_open_burned_t"]
    # b r m / (1 - r) = 0.8 x 0.1 x 900 / 0.9 = 80 kg of residue burned.
    assert daily["residue_burned_kg_per_day"] == pytest.approx(80.0)
    assert burned["deterministic"] * 1000 == pytest.approx(daily["residue_burned_kg_per_day"])
    # 80 kg x 41 µg TEQ/t + 450 kWh x 3.6e-6 TJ/kWh x 15 000 µg TEQ/TJ = 3.28 + 24.3
    assert daily["upops_ug_teq_per_day"] == pytest.approx(27.58)
    assert pcddf["deterministic"].sum() == pytest.approx(daily["upops_ug_teq_per_day"])
