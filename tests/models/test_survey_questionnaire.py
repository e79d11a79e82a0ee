"""Issue 12 item 11: the survey as it was taken. Questionnaire answers (typical rates per
working day or per month, with the respondent's low-high) next to logbook days; refused
rows name the reason; the rates scale over a period and keep their ranges."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from models.survey import (
    SurveyCatalog,
    answer_specific_energy,
    parse_survey_csv,
    survey_daily_indicators,
)
from models.survey_evidence import survey_evidence
from models.survey_rates import MEAN_DAYS_PER_MONTH, scale_rates

CATALOG = SurveyCatalog(
    households={"minh-khai": frozenset({f"mk-h0{i}" for i in range(1, 6)})},
    lines={"minh-khai": frozenset({"line-1"})},
)
HEADER = (
    "site,household,date,period,rate_basis,working_days_per_month,plastic_processed_kg,"
    "plastic_processed_kg_low,plastic_processed_kg_high,residue_kg,residue_kg_low,"
    "residue_kg_high,residue_fate,fuel_type,fuel_kg,hours_worked_h"
)


def _parse(*lines: str):  # type: ignore[no-untyped-def]
    text = "\n".join([HEADER, *lines]) + "\n"
    return parse_survey_csv(text.encode("utf-8"), CATALOG, name="q.csv")


def test_questionnaire_rows_and_logbook_days_import_side_by_side() -> None:
    result = _parse(
        "minh-khai,mk-h01,2019-05-21,baseline,day,26,500,400,600,60,40,80,burned_open,coal,20,10",
        "minh-khai,mk-h02,2019-05-22,baseline,Month,,12000,,,1500,,,burned_open,none,0,220",
        "minh-khai,mk-h03,2019-06-03,,,,300,,,30,,,landfilled,none,0,8",
    )
    assert result.errors == ()
    rows = result.rows.set_index("household")
    assert list(rows["rate_basis"]) == ["day", "month", ""]
    assert rows.loc["mk-h01", "working_days_per_month"] == 26.0
    assert rows.loc["mk-h01", "plastic_processed_kg_high"] == 600.0
    assert rows.loc["mk-h02", "hours_worked_h"] == 220.0  # a month's hours, above 24
    assert math.isnan(rows.loc["mk-h03", "working_days_per_month"])
    # A typical rate is not a day: the daily indicators take the logbook day only, the
    # household summary the answers' energy per kg (the same per day or per month).
    assert set(survey_daily_indicators(result.rows)["household"]) == {"mk-h03"}
    energy = answer_specific_energy(result.rows, "baseline").set_index("household")["value"]
    assert energy["mk-h01"] == pytest.approx(20 * 26.7 / 3.6 / 500)  # 20 kg coal a day
    assert list(energy.index) == ["mk-h01", "mk-h02"]


def test_bad_questionnaire_rows_are_refused_with_the_reason() -> None:
    result = _parse(
        # a rate without basis: working days and a low-high, but rate_basis empty
        "minh-khai,mk-h01,2019-05-21,baseline,,26,500,400,600,,,,,,,",
        "minh-khai,mk-h02,2019-05-21,baseline,day,32,500,,,,,,,,,",
        "minh-khai,mk-h03,2019-05-21,baseline,day,26,500,600,400,,,,,,,",
        "minh-khai,mk-h04,2019-05-21,baseline,week,26,500,,,,,,,,,",
        "minh-khai,mk-h05,2019-05-21,,day,,500,,,,,,,,,",
        "minh-khai,mk-h05,2019-06-21,baseline,month,,500,,,10,20,30,burned_open,,,",
        "minh-khai,mk-h04,2019-06-21,baseline,day,20,500,,,,,,,,,30",
    )
    reasons = {error.line: error.reason for error in result.errors}
    assert "rate_basis is empty" in reasons[2]
    assert "working_days_per_month, plastic_processed_kg_low" in reasons[2]
    assert "working_days_per_month must be above 0 and at most 31, got 32" in reasons[3]
    assert "plastic_processed_kg_low 600 is above plastic_processed_kg_high 400" in reasons[4]
    assert "unknown rate_basis 'week'" in reasons[5]
    assert "period is empty" in reasons[6]
    assert "working_days_per_month is empty" in reasons[6]
    assert "residue_kg 10 lies outside its low-high [20, 30]" in reasons[7]
    assert "hours_worked_h must be at most 24 h a day" in reasons[8]
    assert result.rows.empty


def test_vietnamese_headers_name_the_questionnaire_columns() -> None:
    header = (
        "Địa điểm;Mã hộ;Ngày;Giai đoạn;Tính theo;Số ngày làm việc/tháng;Nhựa xử lý (kg);"
        "Nhựa xử lý thấp nhất (kg);Nhựa xử lý cao nhất (kg);Phế thải (kg);"
        "Phế thải thấp nhất (kg);Phế thải cao nhất (kg);Xử lý phế thải"
    )
    row = "minh-khai;mk-h01;21/05/2019;baseline;day;25,5;500;450;550,5;60;50;70;burned_open"
    text = f"{header}\n{row}\n"
    result = parse_survey_csv(text.encode("utf-8"), CATALOG, name="phiếu.csv")
    assert result.errors == ()
    row = result.rows.iloc[0]
    assert (row["period"], row["rate_basis"]) == ("baseline", "day")
    assert row["working_days_per_month"] == 25.5
    assert (row["plastic_processed_kg_low"], row["plastic_processed_kg_high"]) == (450.0, 550.5)
    assert (row["residue_kg_low"], row["residue_kg_high"]) == (50.0, 70.0)


def test_rates_scale_over_the_period_with_their_ranges() -> None:
    result = _parse(
        "minh-khai,mk-h01,2019-05-21,baseline,day,26,500,400,600,60,40,80,burned_open,coal,20,10",
        "minh-khai,mk-h02,2019-05-22,baseline,month,,12000,,,1500,,,burned_open,none,0,220",
    )
    days = 14.0
    scaled = scale_rates(result.rows, period_days=days)
    months = days / MEAN_DAYS_PER_MONTH
    assert round(MEAN_DAYS_PER_MONTH, 6) == 30.436875
    h01, h02 = scaled.iloc[0], scaled.iloc[1]
    assert h01["plastic_processed_kg"] == pytest.approx(500 * 26 * months)
    assert h01["residue_kg_low"] == pytest.approx(40 * 26 * months)
    assert h02["plastic_processed_kg"] == pytest.approx(12000 * months)
    assert h02["hours_worked_h"] == pytest.approx(220 * months)

    k = 0.2
    table = survey_evidence(
        scaled, period="baseline", line_of_site={"minh-khai": "line-1"}, relative_uncertainty=k
    ).set_index("quantity")
    burned = table.loc["residue_burned_kg"]
    assert burned["value"] == pytest.approx((60 * 26 + 1500) * months)
    # mk-h01's own low-high, mk-h02's value +- k (it gave none)
    assert burned["low"] == pytest.approx((40 * 26 + 1500 * (1 - k)) * months)
    assert burned["high"] == pytest.approx((80 * 26 + 1500 * (1 + k)) * months)
    processed = table.loc["processed_kg"]
    assert processed["low"] == pytest.approx((400 * 26 + 12000 * (1 - k)) * months)
    # 20 kg of coal a working day (no low-high: +- k)
    coal = table.loc["fuel_kg:coal"]
    assert coal["value"] == pytest.approx(20 * 26 * months)
    assert coal["high"] == pytest.approx(20 * 26 * months * (1 + k))


def test_logbook_days_keep_their_old_range() -> None:
    rows = pd.DataFrame(
        {
            "site": ["minh-khai"],
            "household": ["mk-h01"],
            "line": [""],
            "plastic_processed_kg": [800.0],
            "residue_kg": [80.0],
            "residue_fate": ["burned_open"],
            "fuel_type": ["none"],
            "fuel_kg": [0.0],
            "electricity_kwh": [10.0],
            "hours_worked_h": [8.0],
            "source": ["log"],
        }
    )
    table = survey_evidence(
        rows, period="baseline", line_of_site={"minh-khai": "line-1"}, relative_uncertainty=0.2
    ).set_index("quantity")
    assert tuple(table.loc["residue_burned_kg", ["low", "high"]]) == pytest.approx((64.0, 96.0))
    assert tuple(table.loc["intake_kg", ["low", "high"]]) == pytest.approx((704.0, 1056.0))
