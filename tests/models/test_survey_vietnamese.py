"""Item 11: survey files as Vietnamese staff keep them: Vietnamese headers, and decimal
commas in semicolon-separated CSV (Excel under a Vietnamese locale)."""

from __future__ import annotations

from models.survey import SurveyCatalog, parse_survey_csv

CATALOG = SurveyCatalog(
    households={"minh-khai": frozenset({"mk-h01", "mk-h02", "mk-h03"})},
    lines={"minh-khai": frozenset({"line-1"})},
)
HEADER = (
    "Địa điểm;Mã hộ;Ngày;Nhựa xử lý (kg);Phế thải (kg);Xử lý phế thải;"
    "Loại nhiên liệu;Nhiên liệu (kg)"
)


def test_vietnamese_headers_and_decimal_commas_are_read() -> None:
    text = (
        f"\ufeff{HEADER}\n"
        "minh-khai;mk-h01;03/06/2019;850,5;90,25;burned_open;coal;1.200,5\n"
        "minh-khai;mk-h02;03/06/2019;12.5;1;burned_open;coal;3\n"
    )
    result = parse_survey_csv(text.encode("utf-8"), CATALOG, name="khảo-sát.csv")
    assert result.errors == ()
    rows = result.rows.set_index("household")
    assert rows.loc["mk-h01", "plastic_processed_kg"] == 850.5
    assert rows.loc["mk-h01", "residue_kg"] == 90.25
    assert rows.loc["mk-h01", "fuel_kg"] == 1200.5  # dot between thousands
    assert rows.loc["mk-h02", "plastic_processed_kg"] == 12.5  # a dot that groups no thousands


def test_truly_ambiguous_numbers_are_refused_with_the_reason() -> None:
    text = (
        f"{HEADER}\n"
        "minh-khai;mk-h01;03/06/2019;1.234;0;burned_open;coal;1\n"
        "minh-khai;mk-h02;03/06/2019;1,234.5;0;burned_open;coal;1\n"
        "minh-khai;mk-h03;03/06/2019;7,5;0;burned_open;coal;1\n"
    )
    result = parse_survey_csv(text.encode("utf-8"), CATALOG, name="k.csv")
    reasons = {error.line: error.reason for error in result.errors}
    assert "ambiguous" in reasons[2]
    assert "1234 or 1,234" in reasons[2]
    assert "mixes a decimal comma and a decimal dot" in reasons[3]
    assert list(result.rows["plastic_processed_kg"]) == [7.5]


def test_comma_separated_files_keep_the_dot() -> None:
    text = 'site,household,date,plastic_processed_kg\nminh-khai,mk-h01,2019-06-03,"12,5"\n'
    result = parse_survey_csv(text.encode("utf-8"), CATALOG, name="c.csv")
    assert "use a dot as decimal separator" in result.errors[0].reason
