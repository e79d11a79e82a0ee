"""Survey rows as model input: the activity table of the release model and the daily
values of the before/after comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.activity import activity_from_survey
from models.comparison import compare_indicators
from models.errors import ModelError
from models.survey import (
    FUEL_NCV_MJ_PER_KG,
    parse_survey_csv,
    read_survey_file,
    survey_activity_input,
    survey_daily_indicators,
    validate_table,
)
from models.survey_evidence import survey_evidence
from pilot.config import default_config_path, load_config
from pilot.survey_store import survey_catalog

TEMPLATE = Path(__file__).resolve().parents[2] / "pilot" / "examples" / "survey-template.csv"
CONFIG = load_config(default_config_path())
CATALOG = survey_catalog(CONFIG)
HEADER = "site,household,line,date,plastic_processed_kg,residue_kg,residue_fate,fuel_type,fuel_kg"


def test_survey_rows_become_a_valid_activity_table():
    rows = validate_table(read_survey_file(TEMPLATE), CATALOG).rows
    baseline = rows[rows["date"] < "2020-01-01"]
    lines = {site.id: site.lines[0].id for site in CONFIG.sites}
    survey = survey_activity_input(baseline, line_of_site=lines, relative_uncertainty=0.1)
    table = activity_from_survey(survey, period="baseline-2019")
    mk = table[table["site"] == "minh-khai"].set_index("quantity")
    assert mk.loc["processed_kg", "value"] == pytest.approx(850 + 620 + 0)
    # intake: processed + residue over the rows that give a residue (the idle day has none)
    assert mk.loc["intake_kg", "value"] == pytest.approx(850 + 90 + 620 + 70)
    energy = 35 + 28 + 0 + 120 * FUEL_NCV_MJ_PER_KG["coal"] / 3.6
    energy += 80 * FUEL_NCV_MJ_PER_KG["waste_plastic"] / 3.6
    assert mk.loc["energy_kwh", "value"] == pytest.approx(energy)
    assert mk.loc["energy_kwh", "low"] == pytest.approx(0.9 * energy)
    assert mk.loc["running_h", "high"] == pytest.approx(1.1 * 19)
    assert set(table["period"]) == {"baseline-2019"}
    assert set(table["line"]) == {"line-1"}


def test_activity_adapter_needs_a_line_for_household_rows():
    rows = validate_table(read_survey_file(TEMPLATE), CATALOG).rows
    with pytest.raises(ModelError, match="line_of_site"):
        survey_activity_input(rows)
    only_line = rows[rows["line"] != ""]
    table = survey_activity_input(only_line)
    assert table.set_index("quantity").loc["energy_kwh", "value"] == pytest.approx(210.0)


def test_survey_days_feed_the_before_after_comparison():
    lines = [HEADER + ",electricity_kwh"]
    for day in range(1, 29):  # February: 28 days of baseline logbook, then post
        burned = 80 + (day % 4) * 10  # 80, 90, 100, 110 kg: mean 95
        lines.append(f"minh-khai,mk-h01,,2019-02-{day:02d},800,{burned},burned_open,coal,100,20")
        lines.append(
            f"minh-khai,mk-h01,,2020-02-{day:02d},800,{burned},delivered_to_line,none,0,60"
        )
    lines.append("minh-khai,mk-h01,,2020-02-29,0,,,none,,0")  # a day off: no ratio, no residue
    result = parse_survey_csv(("\n".join(lines) + "\n").encode(), CATALOG, name="log.csv")
    assert result.errors == ()
    daily = survey_daily_indicators(result.rows)
    daily["group"] = "pilot"
    daily["period"] = ["baseline" if d.year == 2019 else "post" for d in daily["day"]]
    table = compare_indicators(daily, n_resamples=999).set_index("indicator")
    burned = table.loc["residue_burned_kg_per_day"]
    assert (burned["baseline_mean"], burned["post_mean"]) == (95.0, 0.0)
    assert burned["ci_low"] <= -95.0 <= burned["ci_high"]
    assert (burned["n_baseline"], burned["n_post"], burned["flag"]) == (28, 28, "")
    energy = table.loc["specific_energy_kwh_per_kg"]
    assert energy["baseline_mean"] == pytest.approx((20 + 100 * 26.7 / 3.6) / 800)
    assert energy["post_mean"] == pytest.approx(60 / 800)
    assert energy["completeness_post"] == pytest.approx(28 / 29)


def test_survey_furnace_fuels_include_high_chlorine_coal_and_waste_wood():
    """A surveyed furnace fed with high-chlorine coal or contaminated wood keeps its fuel,
    so it reaches its own Toolkit class (3e high-chlorine coal per tonne; 3d class 1)."""
    text = "\n".join(
        [
            HEADER,
            "minh-khai,mk-h01,,2019-06-03,500,50,burned_open,hicl_coal,100",
            "minh-khai,mk-h02,,2019-06-03,500,50,burned_open,waste_wood,200",
        ]
    )
    result = parse_survey_csv(text.encode(), CATALOG, name="q.csv")
    assert not result.errors
    lines = {"minh-khai": "line-1"}
    table = survey_evidence(result.rows, period="baseline", line_of_site=lines)
    fuels = table.set_index("quantity")["value"]
    assert fuels["fuel_kg:hicl_coal"] == pytest.approx(100)
    assert fuels["fuel_kg:waste_wood"] == pytest.approx(200)


def test_surveyed_residue_is_intake_minus_processed_with_the_rate_of_rows_that_give_one():
    """Two households weigh 10 % residue, a third gives none: its residue is extrapolated
    at the same rate, so the surveyed residue is 0.1 x 1500 kg, not the assumed share."""
    text = "\n".join(
        [
            HEADER,
            "minh-khai,mk-h01,,2019-06-03,500,50,burned_open,coal,10",
            "minh-khai,mk-h02,,2019-06-03,500,50,stored,coal,10",
            "minh-khai,mk-h03,,2019-06-03,500,,,coal,10",
        ]
    )
    rows = parse_survey_csv(text.encode(), CATALOG, name="q.csv").rows
    table = survey_evidence(rows, period="baseline", line_of_site={"minh-khai": "line-1"})
    residue = table.set_index("quantity").loc["residue_kg"]
    assert residue["value"] == pytest.approx(150.0)
    assert residue["low"] == pytest.approx(0.8 * 150.0)
    assert residue["source"].startswith("surveyed")
