"""Item 1-3 end to end: an imported baseline survey drives the baseline of ``pilot
estimate``, and a post survey that records residue still burned keeps post PCDD/F above 0
and the reduction below 100 %."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from pilot.cli import main
from tests.demo_folder import demo_folder
from tests.servers import pdf_text

BASELINE_SURVEY = (
    "site,household,date,plastic_processed_kg,residue_kg,residue_fate,fuel_type,fuel_kg,"
    "electricity_kwh,hours_worked_h,source\n"
    "minh-khai,mk-h01,2019-06-03,800,90,burned_open,coal,60,20,9,survey-2019\n"
    "minh-khai,mk-h02,2019-06-03,600,70,burned_open,wood,80,15,8,survey-2019\n"
)
POST_SURVEY = (
    "site,household,date,plastic_processed_kg,residue_kg,residue_fate,source\n"
    "minh-khai,mk-h01,2020-10-05,0,10,burned_open,survey-2020\n"
)


def _estimate(config: Path, capsys: pytest.CaptureFixture[str]) -> pd.DataFrame:
    args = ["--config", str(config), "estimate", "--period", "compare", "--site", "minh-khai"]
    assert main([*args, "--format", "csv", "--draws", "400"]) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out))


def _row(totals: pd.DataFrame, period: str) -> pd.Series:
    return totals[
        (totals["period"] == period)
        & (totals["site"] == "minh-khai")
        & (totals["pollutant"] == "PCDD/F")
        & (totals["vector"] == "air")
    ].iloc[0]


@pytest.mark.slow
def test_surveys_drive_baseline_and_post(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = demo_folder(
        tmp_path,
        days=1,
        interval_s=30.0,
        simulate=[("baseline-2019", "minh-khai", "line-1"), ("post-2020", "minh-khai", "line-1")],
        seed=5,
    )
    before = _estimate(made.config_file, capsys)
    # The example line weighs its residue: measured, only the fate shares are assumed.
    tags = _row(before, "baseline")["evidence"].split("; ")
    assert "residue measured" in tags
    assert "assumed fate shares" in tags
    assert "assumed residue share" not in tags
    assert _row(before, "post")["deterministic"] == 0.0

    baseline_file = tmp_path / "baseline.csv"
    baseline_file.write_text(BASELINE_SURVEY, encoding="utf-8")
    post_file = tmp_path / "post.csv"
    post_file.write_text(POST_SURVEY, encoding="utf-8")
    assert main(["--config", str(made.config_file), "import", str(baseline_file)]) == 0
    assert main(["--config", str(made.config_file), "import", str(post_file)]) == 0
    capsys.readouterr()

    after = _estimate(made.config_file, capsys)
    base = _row(after, "baseline")
    # The baseline now rests on the survey: 160 kg burned (the two rows' residue) at 6b
    # class 3 (40 µg TEQ/t), plus the coal and wood furnaces at their own classes, each
    # on the basis its class has for a fuel mass (issue 12 item 4).
    assert base["evidence"] == "surveyed"
    assert base["deterministic"] != _row(before, "baseline")["deterministic"]
    burned_ug = 0.160 * 40
    coal_ug = 0.060 * 3  # 60 kg coal x Toolkit 2013 Part II 3e coal stoves, 3 µg TEQ/t
    wood_ug = 80 * 15.6e-6 * 100  # 80 kg wood x 15.6 MJ/kg -> TJ x 3d virgin wood 100
    assert base["deterministic"] == pytest.approx(burned_ug + coal_ug + wood_ug, rel=1e-6)
    factors = str(base["factor_ids"])
    assert "3e-coal-pcddf-air-t" in factors
    assert "3d2-pcddf-air" in factors
    args = ["--config", str(made.config_file), "estimate", "--period", "baseline"]
    assert main([*args, "--site", "minh-khai", "--by-source", "--format", "csv"]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    furnace = rows[(rows["source"] == "furnace_fuel") & (rows["pollutant"] == "PCDD/F")]
    by_fuel = furnace.set_index("fuel")
    assert by_fuel.loc["coal", "factor_ids"] == "3e-coal-pcddf-air-t"
    assert by_fuel.loc["coal", "basis"] == "coal_t"
    assert by_fuel.loc["wood", "factor_ids"] == "3d2-pcddf-air"
    assert "NCV 15.6 MJ/kg" in by_fuel.loc["wood", "conversion"]
    # The post survey records 10 kg still burned: post above 0, reduction below 100 %.
    post = _row(after, "post")
    assert post["deterministic"] == pytest.approx(0.010 * 40, rel=1e-6)
    assert "surveyed" in post["evidence"]
    reduction = _row(after, "reduction")
    assert reduction["reduction_pct"] < 100.0
    assert reduction["reduction_pct_p97_5"] < 100.0

    # The evaluator report says so, in its PDF and its release table.
    pdf = tmp_path / "ev.pdf"
    args = ["--config", str(made.config_file), "-q", "report", "evaluation", "--out", str(pdf)]
    assert main([*args, "--site", "minh-khai", "--draws", "400"]) == 0
    releases = pd.read_csv(tmp_path / "ev-releases.csv")
    base_rows = releases[(releases["period"] == "baseline") & (releases["site"] == "minh-khai")]
    assert set(base_rows["evidence"]) == {"surveyed"}
    text = pdf_text(pdf)
    assert "baseline: surveyed" in " ".join(text.split())
