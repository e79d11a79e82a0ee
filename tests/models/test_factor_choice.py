"""Furnace factors per fuel (item 4), spreads per factor (item 6), factor-choice
sensitivity (item 5)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from emission_factors.library import load_factors
from models.errors import ModelError
from models.factor_choice import FACTOR_CHOICES, factor_choice_sensitivity
from models.furnace_fuels import FURNACE_FUEL_FACTORS, basis_dimension, fuel_ncv
from models.mass_balance import FURNACE_FACTORS
from models.releases import estimate_releases, factor_spread
from tests.fixtures_activity import activity_rows

TJ_PER_KWH = 3.6e-6


def test_wood_and_coal_furnaces_get_different_factors_each_named() -> None:
    kwh = 10_000.0
    table = pd.DataFrame(
        activity_rows(
            "baseline",
            {
                "processed_kg": (1000.0, "kg"),
                "fuel_kwh:wood": (kwh, "kWh"),
                "fuel_kwh:coal": (kwh, "kWh"),
            },
        )
    )
    result = estimate_releases(table, load_factors(), draws=100, seed=1)
    furnace = result.releases[
        (result.releases["source"] == "furnace_fuel") & (result.releases["pollutant"] == "PCDD/F")
    ].set_index("fuel")
    # Toolkit 2013 Part II 3d (virgin wood stoves, 100 µg TEQ/TJ) and 3e (coal stoves,
    # 100 µg TEQ/TJ): equal values, different classes; high-chlorine coal would be 15 000.
    assert furnace.loc["wood", "factor_ids"] == "3d2-pcddf-air"
    assert furnace.loc["coal", "factor_ids"] == "3e-coal-pcddf-air"
    assert furnace.loc["wood", "class_code"].startswith("3d")
    assert furnace.loc["coal", "class_code"].startswith("3e")
    assert furnace.loc["coal", "deterministic"] == pytest.approx(kwh * TJ_PER_KWH * 100.0)
    # Wood CO2 is biogenic: no fossil CO2 row for wood, one for coal (anthracite).
    releases = result.releases
    co2 = releases[(releases["pollutant"] == "CO2-fossil") & (releases["source"] == "furnace_fuel")]
    assert set(co2["fuel"]) == {"coal"}


def test_unknown_fuel_is_refused_naming_the_fuels() -> None:
    table = pd.DataFrame(
        activity_rows("baseline", {"processed_kg": (1.0, "kg"), "fuel_kwh:peat": (1.0, "kWh")})
    )
    with pytest.raises(ModelError, match=r"peat.*coal"):
        estimate_releases(table, load_factors(), draws=10)


def test_every_furnace_fuel_has_factors_in_the_library_per_tj() -> None:
    library = load_factors()
    for fuel, ids in FURNACE_FACTORS.items():
        for factor_id in ids:
            assert library[factor_id].activity_basis == "fuel_tj", (fuel, factor_id)
    assert FURNACE_FACTORS["electricity"] == ()


def test_every_slot_factor_counts_on_its_basis_and_every_fuel_converts() -> None:
    library = load_factors()
    for fuel, slots in FURNACE_FUEL_FACTORS.items():
        for slot in slots:
            # One slot = one pollutant and vector of one class, on each basis it has.
            assert len({(library[f].pollutant, library[f].vector) for f in slot.values()}) == 1
            for basis, factor_id in slot.items():
                assert library[factor_id].activity_basis == basis, (fuel, factor_id)
                assert basis_dimension(basis) in ("mass", "energy")
        # A fuel with factors can always cross between mass and energy.
        assert (fuel_ncv(fuel) is None) == (slots == ()), fuel
    # Toolkit 2013 Part II 3e per tonne: the coal classes only, not their proxies.
    per_tonne = {f: s for f, slots in FURNACE_FUEL_FACTORS.items() for s in slots if "coal_t" in s}
    assert set(per_tonne) == {"coal", "hicl_coal"}


def test_a_configured_source_factor_cannot_change_basis() -> None:
    q = {"processed_kg": (1000.0, "kg"), "energy_kwh": (2000.0, "kWh")}
    table = pd.DataFrame(activity_rows("baseline", q))
    # The energy counter's 3e-hicl-pcddf-air counts per TJ: a per-tonne substitute has no
    # fuel to convert with, so it is refused; a fuel slot's per-tonne factor may go per TJ.
    with pytest.raises(ModelError, match="same activity"):
        estimate_releases(
            table,
            load_factors(),
            draws=10,
            substitutions={"3e-hicl-pcddf-air": "3e-hicl-pcddf-air-t"},
        )
    estimate_releases(
        table, load_factors(), draws=10, substitutions={"3e-hicl-pcddf-air-t": "3d1-pcddf-air"}
    )


def test_spreads_come_from_the_factor_data_with_a_reason() -> None:
    library = load_factors()
    # IPCC 2006 open burning of plastics: physical upper bound (complete oxidation of
    # carbon fraction 0.85) instead of x5 of 1.595 t/t (8 t/t, beyond any plastic).
    shape, low, high, reason = factor_spread(library["ipcc-ob-plastic-co2"])
    assert (shape, low, high) == ("triangular", 1425.0, 3117.0)
    assert "oxidation" in reason
    assert high == pytest.approx(0.85 * 44 / 12 * 1000, rel=1e-3)
    shape, low, high, _ = factor_spread(library["vn-grid-2020-co2"])
    assert high / library["vn-grid-2020-co2"].value < 1.06
    # Toolkit factors: order of magnitude either way.
    shape, low, high, reason = factor_spread(library["6b3-pcddf-air"])
    assert (shape, low, high) == ("lognormal", 4.0, 400.0)
    assert "order-of-magnitude" in reason
    for factor in library.values():
        assert factor_spread(factor)[3], factor.id


def test_factor_choices_side_by_side_reproduce_the_tables() -> None:
    # Baseline: 1000 kg processed, residue share 0.1, burning share 0.8 (modes):
    # 1000/0.9 x 0.1 x 0.8 = 88.9 kg burned; furnace 2000 kWh = 0.0072 TJ.
    q = {"processed_kg": (1000.0, "kg"), "energy_kwh": (2000.0, "kWh"), "period_days": (10.0, "d")}
    table = pd.DataFrame(activity_rows("baseline", q) + activity_rows("post", q))
    frame = factor_choice_sensitivity(table, load_factors(), draws=200, seed=1)
    base = frame[(frame["period"] == "baseline") & (frame["vector"] == "air")].set_index("choice")
    burned_t = 1000 / 0.9 * 0.1 * 0.8 / 1000
    fuel_tj = 2000 * TJ_PER_KWH
    expected = {
        # Toolkit 2013 Annex 46 Table III.46.1 6b class 3: 40; Part II 3e high-Cl: 15 000
        "as configured": burned_t * 40 + fuel_tj * 15_000,
        # Kim Oanh et al. 2025: 9.6 µg TEQ/t (mixed plastics, loose piles)
        "open burning: mixed plastics measured (Kim Oanh 2025)": burned_t * 9.6 + fuel_tj * 15_000,
        # Gullett et al. 2001: upper end 6 000 µg TEQ/t
        "open burning: high-chlorine burn barrel (Gullett 2001)": burned_t * 6000
        + fuel_tj * 15_000,
        # Toolkit Part II 3e coal stoves: 100 µg TEQ/TJ
        "furnace: 3e ordinary coal stoves": burned_t * 40 + fuel_tj * 100,
        # Toolkit Part II 3d class 1 contaminated biomass: 1 500 µg TEQ/TJ
        "furnace: 3d contaminated biomass stoves": burned_t * 40 + fuel_tj * 1500,
    }
    assert list(base.index) == [c.name for c in FACTOR_CHOICES]
    for name, value in expected.items():
        assert base.loc[name, "deterministic"] == pytest.approx(value, rel=1e-9), name
    reduction = frame[(frame["period"] == "reduction") & (frame["vector"] == "air")]
    assert reduction["reduction_pct"].map(math.isfinite).all()
