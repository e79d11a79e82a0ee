"""Issue 12 item 11 end to end: a questionnaire of five households (per-day and per-month
rates, low-high, working days) imported through ``pilot import`` becomes the baseline of
``pilot estimate --period compare``, scaled to the window's length, on a comparison basis
that every output names."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from models.survey_rates import MEAN_DAYS_PER_MONTH
from pilot.cli import main
from tests.demo_folder import DemoFolder, demo_folder
from tests.servers import pdf_text

HEADER = (
    "site,household,date,period,rate_basis,working_days_per_month,plastic_processed_kg,"
    "plastic_processed_kg_low,plastic_processed_kg_high,residue_kg,residue_kg_low,"
    "residue_kg_high,residue_fate,fuel_type,fuel_kg,electricity_kwh,hours_worked_h,source\n"
)
# Interviews of May-Aug 2019, outside the (2-day) baseline window: an answer describes
# typical activity and serves the baseline window whatever its dates.
BASELINE = HEADER + (
    "minh-khai,mk-h01,2019-05-21,baseline,day,26,500,400,600,60,40,80,burned_open,none,0,20,10,q19\n"
    "minh-khai,mk-h02,2019-05-22,baseline,month,,12000,10000,15000,1500,,,burned_open,none,0,500,220,q19\n"
    "minh-khai,mk-h03,2019-06-20,baseline,day,24,300,,,30,,,delivered_to_line,none,0,10,8,q19\n"
    "minh-khai,mk-h04,2019-07-02,baseline,month,,9000,,,900,600,1200,burned_open,none,0,300,200,q19\n"
    "minh-khai,mk-h05,2019-08-09,baseline,day,20,200,,,25,,,burned_open,none,0,8,8,q19\n"
)
# mk-h05 was not surveyed again after the project.
POST = HEADER + "".join(
    f"minh-khai,mk-h0{i},2020-11-20,post,day,26,0,,,2,1,4,burned_open,none,0,0,0,q20\n"
    for i in range(1, 5)
)
WINDOW_DAYS = 2.0
OPEN_BURNING_UG_PER_T = 40.0  # UNEP Toolkit 2013 6b class 3, PCDD/F air [µg TEQ/t]


def _folder(tmp_path: Path, basis: str) -> DemoFolder:
    made = demo_folder(
        tmp_path,
        days=WINDOW_DAYS,
        interval_s=120.0,
        simulate=[("baseline-2019", "minh-khai", "line-1"), ("post-2020", "minh-khai", "line-1")],
        seed=7,
    )
    with made.config_file.open("a", encoding="utf-8") as out:
        out.write(f'\n[assumptions]\ncomparison_basis = "{basis}"\n')
    for name, text in (("baseline.csv", BASELINE), ("post.csv", POST)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert main(["--config", str(made.config_file), "import", str(path)]) == 0
    return made


def _compare(
    made: DemoFolder, fmt: str, capsys: pytest.CaptureFixture[str], period: str = "compare"
) -> tuple[str, str]:
    """stdout and stderr of ``pilot estimate --period compare`` (or ``period``)."""
    capsys.readouterr()
    args = ["--config", str(made.config_file), "estimate", "--period", period]
    assert main([*args, "--site", "minh-khai", "--format", fmt, "--draws", "300"]) == 0
    out, err = capsys.readouterr()
    return out, err


def _row(totals: pd.DataFrame, period: str) -> pd.Series:
    hit = totals[
        (totals["period"] == period)
        & (totals["site"] == "minh-khai")
        & (totals["pollutant"] == "PCDD/F")
        & (totals["vector"] == "air")
    ]
    return hit.iloc[0]


def _over_window(day_rates: dict[float, float], month_rates: list[float]) -> float:
    """An amount over the window [kg]: per-day rates x working days a month, and
    per-month rates, times the window in months."""
    months = WINDOW_DAYS / MEAN_DAYS_PER_MONTH
    return months * (sum(r * w for r, w in day_rates.items()) + sum(month_rates))


@pytest.mark.slow
def test_questionnaire_baseline_is_scaled_to_the_window_and_names_its_basis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = _folder(tmp_path, "all_households")
    out, err = _compare(made, "csv", capsys)
    assert "Comparison basis: all_households" in err  # csv stays data; the basis in a column
    totals = pd.read_csv(io.StringIO(out))
    base = _row(totals, "baseline")
    assert base["evidence"] == "surveyed"
    assert set(totals["basis"]) == {"all_households"}
    # mk-h01 60 kg/d x 26 d/month, mk-h05 25 x 20, mk-h02 1500 kg/month, mk-h04 900:
    # 4460 kg a month x 2 d / 30.437 d = 293.1 kg burned, at 40 µg TEQ/t.
    burned_kg = _over_window({60.0: 26, 25.0: 20}, [1500.0, 900.0])
    assert burned_kg == pytest.approx(293.07, abs=0.01)
    assert base["deterministic"] == pytest.approx(burned_kg / 1000 * OPEN_BURNING_UG_PER_T)

    table, _ = _compare(made, "table", capsys)
    assert "Comparison basis: all_households ([assumptions] comparison_basis)" in table
    payload = json.loads(_compare(made, "json", capsys)[0])
    assert payload["comparison_basis"] == "all_households"
    assert {row["basis"] for row in payload["rows"]} == {"all_households"}


@pytest.mark.slow
def test_same_households_leaves_out_a_household_of_one_survey(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = _folder(tmp_path, "same_households")
    out, err = _compare(made, "csv", capsys)
    assert "mk-h05 surveyed in the baseline period only, left out" in err
    totals = pd.read_csv(io.StringIO(out))
    assert set(totals["basis"]) == {"same_households"}
    burned_kg = _over_window({60.0: 26}, [1500.0, 900.0])  # without mk-h05
    expected = burned_kg / 1000 * OPEN_BURNING_UG_PER_T
    assert _row(totals, "baseline")["deterministic"] == pytest.approx(expected)
    # post: 4 households x 2 kg/d x 26 d/month over the window
    post_kg = _over_window({2.0: 4 * 26}, [])
    assert _row(totals, "post")["deterministic"] == pytest.approx(
        post_kg / 1000 * OPEN_BURNING_UG_PER_T
    )
    # Who was surveyed in both periods does not depend on the periods a command selects.
    alone = pd.read_csv(io.StringIO(_compare(made, "csv", capsys, "baseline")[0]))
    assert _row(alone, "baseline")["deterministic"] == pytest.approx(expected)


@pytest.mark.slow
def test_per_tonne_basis_gives_releases_per_tonne_processed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = _folder(tmp_path, "per_tonne_processed")
    totals = pd.read_csv(io.StringIO(_compare(made, "csv", capsys)[0]))
    base, post, reduction = (_row(totals, k) for k in ("baseline", "post", "reduction"))
    assert base["unit"] == "µg TEQ/t processed"
    burned_kg = _over_window({60.0: 26, 25.0: 20}, [1500.0, 900.0])
    processed_kg = _over_window({500.0: 26, 300.0: 24, 200.0: 20}, [12000.0, 9000.0])
    # 293.1 kg burned of 2970 kg processed: 3.95 µg TEQ per tonne processed
    expected = burned_kg * OPEN_BURNING_UG_PER_T / processed_kg
    assert expected == pytest.approx(3.947, abs=0.001)
    assert base["deterministic"] == pytest.approx(expected)
    # The reduction is the difference of the rates, whatever the periods' lengths.
    assert reduction["deterministic"] == pytest.approx(
        base["deterministic"] - post["deterministic"]
    )
    assert post["deterministic"] > 0  # the post survey's burned residue per tonne of the line

    # The evaluator report names the basis in its PDF and its release table.
    pdf = tmp_path / "ev.pdf"
    args = ["--config", str(made.config_file), "-q", "report", "evaluation", "--out", str(pdf)]
    assert main([*args, "--site", "minh-khai", "--draws", "300"]) == 0
    releases = pd.read_csv(tmp_path / "ev-releases.csv")
    assert set(releases["basis"]) == {"per_tonne_processed"}
    text = pdf_text(pdf)
    assert "Comparison basis: per_tonne_processed" in " ".join(text.split())
