"""The defects of issue 12, each with the behaviour that was wrong."""

from __future__ import annotations

from urllib.parse import urlparse

import pandas as pd
import pytest

from emission_factors.library import load_factors
from models.errors import ModelError
from models.mass_balance import FURNACE_FACTORS, Assumptions, Uncertain
from models.releases import estimate_releases
from models.survey import survey_activity_input
from models.survey_schema import COAL_KIND, FUEL_NCV_MJ_PER_KG
from models.vocabulary import CARRIER_FUEL, REDUCTION
from tests.fixtures_activity import activity_rows


def test_a_share_range_above_one_is_refused() -> None:
    # `not low >= 0 and high <= 1` parsed as `(not low >= 0) and ...`: 0.6-1.5 passed.
    with pytest.raises(ModelError, match="open_burn_share"):
        Assumptions(open_burn_share=Uncertain(1.0, 0.6, 1.5))
    with pytest.raises(ModelError, match="landfill_share"):
        Assumptions(landfill_share=Uncertain(0.0, -0.1, 0.5))


def _activity(period: str, energy_kwh: float | None) -> list[dict[str, object]]:
    quantities = {"processed_kg": (1000.0, "kg"), "period_days": (10.0, "d")}
    if energy_kwh is not None:
        quantities["energy_kwh"] = (energy_kwh, "kWh")
    return activity_rows(period, quantities)


def test_a_pollutant_of_one_period_only_gets_a_reduction_row() -> None:
    # Grid CO2 exists only after, furnace CO2-fossil only before (no energy counter here):
    # the post CO2 must appear as a negative reduction, not vanish.
    table = pd.DataFrame(_activity("baseline", None) + _activity("post", 2000.0))
    result = estimate_releases(table, load_factors(), draws=200, seed=1)
    totals = result.totals
    co2 = totals[(totals["pollutant"] == "CO2") & (totals["site"] == "s")]
    post = co2[co2["period"] == "post"].iloc[0]
    reduction = co2[co2["period"] == REDUCTION]
    assert len(reduction) == 1
    assert reduction.iloc[0]["deterministic"] == pytest.approx(-post["deterministic"])
    assert post["deterministic"] == pytest.approx(2.0 * 804.1)


def test_a_line_seen_in_one_period_only_has_no_reduction() -> None:
    table = pd.DataFrame(_activity("baseline", 100.0))
    result = estimate_releases(table, load_factors(), draws=50, seed=1)
    assert REDUCTION not in set(result.totals["period"])


def test_a_survey_intake_covers_every_row_not_only_weighed_ones() -> None:
    # 800 kg with 80 kg residue and 200 kg without a weighing: intake was 880 kg, below
    # the 1000 kg processed. Now the unweighed row gets the weighed rows' rate (0.1 kg/kg).
    rows = pd.DataFrame(
        {
            "site": ["mk"] * 2,
            "household": ["h1", "h2"],
            "line": ["", ""],
            "plastic_processed_kg": [800.0, 200.0],
            "residue_kg": [80.0, float("nan")],
            "fuel_type": ["none", "none"],
            "fuel_kg": [float("nan")] * 2,
            "electricity_kwh": [1.0, 1.0],
            "hours_worked_h": [8.0, 8.0],
            "source": ["q"] * 2,
        }
    )
    table = survey_activity_input(rows, line_of_site={"mk": "line-1"}).set_index("quantity")
    assert table.loc["intake_kg", "value"] == pytest.approx(1100.0)
    assert table.loc["intake_kg", "value"] >= table.loc["processed_kg", "value"]


def test_a_survey_without_any_residue_weighing_gives_no_intake() -> None:
    rows = pd.DataFrame(
        {
            "site": ["mk"],
            "household": ["h1"],
            "line": [""],
            "plastic_processed_kg": [800.0],
            "residue_kg": [float("nan")],
            "fuel_type": ["none"],
            "fuel_kg": [float("nan")],
            "electricity_kwh": [1.0],
            "hours_worked_h": [8.0],
            "source": ["q"],
        }
    )
    table = survey_activity_input(rows, line_of_site={"mk": "line-1"})
    assert "intake_kg" not in set(table["quantity"])


#: The Toolkit's official web edition; the IPCC-NGGIP site of the 2006 Guidelines
#: (chapter PDFs, read in byte copies of those files: see the factor notes).
PRIMARY_HOSTS = {"toolkit.pops.int", "www.ipcc-nggip.iges.or.jp"}


def test_a_verified_means_read_in_the_primary_document() -> None:
    # Kim Oanh 2025 was read in a PubMed abstract on a mirror site, Gullett 2001 in a
    # library catalogue record: secondary copies, so "secondary", not "verified".
    library = load_factors()
    for factor in library.values():
        if factor.verification == "verified":
            assert urlparse(factor.url).hostname in PRIMARY_HOSTS, factor.id
    for factor_id in ("lit-kimoanh2025-plastics-pcddf-air", "lit-gullett2001-highcl-pcddf-air"):
        assert library[factor_id].verification == "secondary"


def test_a_coal_heating_value_and_coal_co2_factor_are_the_same_coal() -> None:
    # The survey turns coal mass into energy with the anthracite NCV (26.7 TJ/Gg, IPCC
    # 2006 Vol. 2 Table 1.2); the CO2 factor per TJ must be anthracite's too (98 300 kg/TJ,
    # Table 2.5), not other bituminous coal (94 600 kg/TJ).
    library = load_factors()
    assert FUEL_NCV_MJ_PER_KG["coal"] == 26.7
    co2 = [library[i] for i in FURNACE_FACTORS["coal"] if library[i].pollutant == "CO2-fossil"]
    assert len(co2) == 1
    assert COAL_KIND in co2[0].toolkit_class
    assert co2[0].value == 98_300.0


def test_a_furnace_carrier_fuel_still_works_with_reduction() -> None:
    table = pd.DataFrame(_activity("baseline", 500.0) + _activity("post", 500.0))
    result = estimate_releases(
        table,
        load_factors(),
        draws=100,
        seed=1,
        assumptions={"baseline": Assumptions(energy_carrier=CARRIER_FUEL), "post": Assumptions()},
    )
    assert {"baseline", "post", REDUCTION} <= set(result.totals["period"])
