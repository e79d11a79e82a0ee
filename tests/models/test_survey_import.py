"""Survey and manual-log import: validation per row, file-level errors, idempotent store,
``pilot import`` exit codes, Excel files, and fuzzing of the CSV reader (random bytes
and random rows end in good rows, row errors or a file error)."""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from models.survey import (
    COLUMNS,
    SurveyCatalog,
    SurveyFileError,
    parse_survey_csv,
    read_survey_file,
    validate_table,
)
from pilot.cli import main
from pilot.config import default_config_path, load_config
from pilot.survey_store import SurveyStore, import_file, survey_catalog

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "pilot" / "examples" / "survey-template.csv"
CONFIG = load_config(default_config_path())
CATALOG = survey_catalog(CONFIG)
HEADER = "site,household,line,date,plastic_processed_kg,residue_kg,residue_fate,fuel_type,fuel_kg"
FUZZ = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


BROKEN = _csv(
    "minh-khai,mk-h01,,2019-06-03,850,90,burned_open,coal,120",  # 2 good
    "minh-khai,mk-h02,,2019-02-30,620,70,burned_open,coal,80",  # 3 no such day
    "minh-khai,mk-h03,,2019-06-03,-5,10,burned_open,coal,80",  # 4 negative mass
    "minh-khai,mk-h99,,2019-06-03,100,10,burned_open,coal,80",  # 5 unknown household
    "vinh-phuc,mk-h01,,2019-06-03,100,10,burned_open,coal,80",  # 6 unknown site
    "minh-khai,mk-h04,,2019-06-03,100,10,thrown_in_river,coal,80",  # 7 unknown fate
    "minh-khai,mk-h05,,2019-06-03,100,10,burned_open,peat,80",  # 8 unknown fuel
    "minh-khai,mk-h06,,2019-06-03,100,10,,coal,80",  # 9 residue without fate
    "minh-khai,,line-9,2019-06-03,100,0,,none,0",  # 10 unknown line
    "minh-khai,mk-h07,,2019-06-03,12,5,burned_open,coal,80",  # 11 decimal comma below
    "phan-boi,pb-h01,,04/06/2019,1100,130,landfilled,coal,150",  # 12 good, D/M/Y
    "minh-khai,mk-h01,,2019-06-03,851,90,burned_open,coal,120",  # 13 same key as line 2
    "phan-boi,pb-h02,,2019-06-04,nan,1,sold,none,",  # 14 NaN mass
    "phan-boi,,line-1,2019-06-05,100,0,,none,",  # 15 good, a line
    "phan-boi,pb-h03,,12/06/0219,100,0,,none,",  # 16 year typo
)
BROKEN = BROKEN.replace(b"mk-h07,,2019-06-03,12,", b'mk-h07,,2019-06-03,"12,5",')


def test_broken_rows_are_refused_each_with_its_line_and_reason_and_good_rows_kept():
    result = parse_survey_csv(BROKEN, CATALOG, name="broken.csv")
    assert list(result.rows["file_line"]) == [2, 12, 15]
    assert list(result.rows["date"]) == ["2019-06-03", "2019-06-04", "2019-06-05"]
    reasons = {error.line: error.reason for error in result.errors}
    expected = {
        3: "bad date '2019-02-30': no such day",
        4: "plastic_processed_kg must not be negative",
        5: "unknown household 'mk-h99' at site 'minh-khai'",
        6: "unknown site 'vinh-phuc'",
        7: "unknown residue_fate 'thrown_in_river'",
        8: "unknown fuel_type 'peat'",
        9: "residue_kg is above 0 but residue_fate is empty",
        10: "unknown line 'line-9' at site 'minh-khai'",
        11: "use a dot as decimal separator",
        13: "same source, site, household/line and date as line 2",
        14: "plastic_processed_kg must be a finite number",
        16: "date 0219-06-12 is outside 1990-2100; check the year",
    }
    assert sorted(reasons) == sorted(expected)
    for line, text in expected.items():
        assert text in reasons[line], (line, reasons[line])
    assert "mk-h02" in next(e.raw for e in result.errors if e.line == 3)


def test_several_problems_of_one_row_are_all_named():
    result = parse_survey_csv(_csv("nowhere,,,yesterday,-1,x,,,"), CATALOG, name="s.csv")
    (error,) = result.errors
    for part in (
        "unknown site 'nowhere'",
        "give a household or a line",
        "bad date 'yesterday'",
        "plastic_processed_kg must not be negative",
        "residue_kg must be a number",
    ):
        assert part in error.reason


def test_wrong_encoding_is_a_file_error_naming_the_line_of_the_first_bad_byte():
    text = (
        HEADER + "\nminh-khai,mk-h01,,2019-06-03,1,0,,none,\nminh-khai,mk-h02,,2019-06-03,1,0,,,\n"
    )
    text += "phan-boi,pb-h01,,2019-06-03,2,0,,none,\n"
    data = text.encode("utf-8").replace(b"\nphan-boi", "\nPhan Bôi".encode("cp1258"))
    with pytest.raises(SurveyFileError, match=r"s\.csv: not UTF-8: byte 0xF4 at line 4, column 7"):
        parse_survey_csv(data, CATALOG, name="s.csv")
    mixed = _csv("minh-khai,mk-h01,,2019-06-03,1,0,,none,").replace(b"minh", "Hộ".encode())
    with pytest.raises(SurveyFileError, match="line 2, column 3 "):  # characters, not bytes (5)
        parse_survey_csv(mixed.replace(b"-khai", b"\xe9khai", 1), CATALOG, name="s.csv")
    cp1252 = _csv("minh-khai,mk-h01,,2019-06-03,1,0,,none,Caf\u00e9").decode().encode("cp1252")
    with pytest.raises(SurveyFileError, match=r"line 2.*CSV UTF-8"):
        parse_survey_csv(cp1252, CATALOG, name="s.csv")


def test_bom_semicolons_and_header_spelling_are_accepted():
    text = "\ufeffSite;Household;Date;Plastic Processed kg\nminh-khai;mk-h01;2019-06-03;12.5\n"
    result = parse_survey_csv(text.encode("utf-8"), CATALOG, name="bom.csv")
    assert result.errors == ()
    assert result.rows["plastic_processed_kg"].tolist() == [12.5]
    assert result.rows["line"].tolist() == [""]
    assert math.isnan(result.rows["residue_kg"].iloc[0])


def test_missing_and_unknown_columns_are_one_file_error_listing_them():
    with pytest.raises(SurveyFileError) as info:
        parse_survey_csv(b"site,dat,residue_kg\nminh-khai,2019-06-03,1\n", CATALOG, name="m.csv")
    message = str(info.value)
    assert "missing column(s): date, plastic_processed_kg, household or line" in message
    assert "unknown column 'dat' (did you mean 'date'?)" in message


def test_too_many_cells_and_empty_file():
    result = parse_survey_csv(
        _csv("minh-khai,mk-h01,,2019-06-03,1,0,,none,,extra"), CATALOG, name="x.csv"
    )
    assert result.errors[0].line == 2
    assert "header has 9 columns" in result.errors[0].reason
    with pytest.raises(SurveyFileError, match="empty"):
        parse_survey_csv(b"\n\n", CATALOG, name="e.csv")


def test_template_imports_cleanly_and_documents_every_column():
    table = read_survey_file(TEMPLATE)
    assert table.header == COLUMNS
    result = validate_table(table, CATALOG)
    assert result.errors == ()
    assert len(result.rows) == len(table.records) >= 4
    readme = (ROOT / "docs" / "survey.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column}`" in readme, column


def test_store_keeps_refused_rows_and_stores_nothing_twice(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(BROKEN)
    with SurveyStore(tmp_path / "survey.sqlite") as store:
        first = import_file(path, CONFIG, store)
        second = import_file(path, CONFIG, store)
        rows, rejected = store.rows(), store.rejected()
    assert (first.stored, first.unchanged, len(first.errors)) == (3, 0, 12)
    assert (second.stored, second.unchanged, len(second.errors)) == (0, 3, 12)
    assert len(rows) == 3
    assert rows["source"].unique().tolist() == ["broken.csv"]
    assert sorted(rejected["line"]) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 16]
    assert rejected.loc[rejected["line"] == 5, "reason"].str.contains("mk-h99").all()


def test_changed_values_under_a_stored_key_are_a_conflict(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(_csv("minh-khai,mk-h01,,2019-06-03,850,90,burned_open,coal,120"))
    with SurveyStore(tmp_path / "survey.sqlite") as store:
        assert import_file(path, CONFIG, store).stored == 1
        path.write_bytes(_csv("minh-khai,mk-h01,,2019-06-03,900,90,burned_open,coal,120"))
        again = import_file(path, CONFIG, store)
        rows = store.rows()
    assert again.stored == 0
    assert "conflicts with the row stored from" in again.errors[0].reason
    assert rows["plastic_processed_kg"].tolist() == [850.0]


def test_cli_stores_where_the_survey_section_says(tmp_path, capsys):
    text = default_config_path().read_text(encoding="utf-8")
    config = tmp_path / "pilot.toml"
    config.write_text(text + '\n[survey]\npath = "db/khao-sat.sqlite"\n', encoding="utf-8")
    assert load_config(config).survey.path == tmp_path / "db" / "khao-sat.sqlite"
    assert main(["import", "--config", str(config), str(TEMPLATE)]) == 0
    with SurveyStore(tmp_path / "db" / "khao-sat.sqlite") as store:
        assert len(store.rows()) == 5
    config.write_text(text + '\n[survey]\nfile = "x.sqlite"\n', encoding="utf-8")
    assert main(["import", "--config", str(config), str(TEMPLATE)]) == 3
    assert "survey.file: unknown key" in capsys.readouterr().err


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_excel_file_with_date_cells_and_numbers(tmp_path):
    path = _xlsx(
        tmp_path / "khao-sat.xlsx",
        [
            ["site", "household", "date", "plastic_processed_kg", "residue_kg", "residue_fate"],
            ["minh-khai", "mk-h01", datetime(2019, 6, 3), 850, 90.5, "burned_open"],
            [None, None, None, None, None, None],
            ["minh-khai", "mk-h02", "2019-06-31", 620, 70, "burned_open"],
            ["minh-khai", "mk-h03", datetime(2019, 6, 3), -1, 0, None],
        ],
    )
    with SurveyStore(tmp_path / "s.sqlite") as store:
        result = import_file(path, CONFIG, store)
        rows = store.rows()
    assert result.stored == 1
    assert [(e.line, e.reason.split(":")[0]) for e in result.errors] == [
        (4, "bad date '2019-06-31'"),
        (5, "plastic_processed_kg must not be negative, got -1"),
    ]
    assert rows[["date", "residue_kg", "file_line"]].values.tolist() == [["2019-06-03", 90.5, 2]]


def test_excel_missing_columns_and_not_a_workbook(tmp_path):
    path = _xlsx(tmp_path / "a.xlsx", [["site", "date"], ["minh-khai", "2019-06-03"]])
    with pytest.raises(SurveyFileError, match="missing column"):
        read_survey_file(path)
    fake = tmp_path / "b.xlsx"
    fake.write_bytes(b"not a zip")
    with pytest.raises(SurveyFileError, match=r"not a readable \.xlsx"):
        read_survey_file(fake)
    with pytest.raises(SurveyFileError, match=r"unsupported file type \.xls"):
        read_survey_file(tmp_path / "c.xls")


def test_cli_exit_codes_and_messages(tmp_path, capsys):
    store = tmp_path / "survey.sqlite"
    good = tmp_path / "good.csv"
    good.write_bytes(TEMPLATE.read_bytes())
    assert main(["import", str(good), "--store", str(store)]) == 0
    assert "5 row(s) stored, 0 already stored, 0 refused" in capsys.readouterr().err
    assert main(["import", str(good), "--store", str(store)]) == 0
    assert "0 row(s) stored, 5 already stored" in capsys.readouterr().err

    broken = tmp_path / "broken.csv"
    broken.write_bytes(BROKEN)
    assert main(["import", str(broken), "--store", str(store)]) == 1
    err = capsys.readouterr().err
    assert f"{broken}:5: unknown household 'mk-h99'" in err
    assert "3 row(s) stored, 0 already stored, 12 refused" in err

    latin = tmp_path / "latin.csv"
    latin.write_bytes(TEMPLATE.read_text(encoding="utf-8").encode("cp1258", errors="replace"))
    assert main(["import", str(latin), str(good), "--store", str(store)]) == 3
    err = capsys.readouterr().err
    assert f"pilot: {latin}: not UTF-8: byte" in err
    assert "at line 2" in err
    assert f"{good}: 0 row(s) stored, 5 already stored" in err


# -- fuzzing ---------------------------------------------------------------------------

cells = st.one_of(
    st.sampled_from(
        [
            "minh-khai",
            "phan-boi",
            "mk-h01",
            "pb-h02",
            "line-1",
            "",
            "none",
            "coal",
            "burned_open",
            "2019-06-03",
            "31/12/2019",
            "01/01/0001",
            "9999-12-31",
            "2019-13-01",
            "-1",
            "1e400",
            "nan",
            "12,5",
            '"',
            "\r",
            "\x00",
        ]
    ),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
row_lists = st.lists(st.lists(cells, min_size=0, max_size=len(COLUMNS) + 2), max_size=12)
# Rows that are mostly valid, so that stored rows are exercised as well as refused ones.
_PLAUSIBLE = {
    "site": ["minh-khai"] * 4 + ["vinh-phuc"],
    "household": ["mk-h01", "mk-h02", "mk-h03", "pb-h01", ""],
    "line": ["", "", "", "line-1", "line-2"],
    "date": ["2019-06-03", "2019-06-04", "04/06/2019", "2019-02-29", ""],
    "plastic_processed_kg": ["850", "0", "12.5", "-1"],
    "residue_kg": ["", "0", "90", "90", "1e400"],
    "residue_fate": ["burned_open", "burned_open", "landfilled", "", "river"],
    "fuel_type": ["coal", "coal", "none", "", "peat"],
    "fuel_kg": ["", "0", "120"],
    "electricity_kwh": ["", "35"],
    "hours_worked_h": ["", "10", "10", "25"],
    "source": ["", "khảo sát", "sổ ghi chép"],
    "note": ["", "Hộ ông An", 'dấu "ngoặc", phẩy'],
}
plausible_rows = st.lists(
    st.fixed_dictionaries({c: st.sampled_from(v) for c, v in _PLAUSIBLE.items()}), max_size=15
)


def _check_outcome(data: bytes) -> None:
    try:
        result = parse_survey_csv(data, CATALOG, name="fuzz.csv")
    except SurveyFileError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert message.startswith("fuzz.csv: ")
        return
    lines = [e.line for e in result.errors] + result.rows["file_line"].tolist()
    assert len(lines) == len(set(lines)), "a row is both stored and refused"
    for error in result.errors:
        assert error.line >= 2
        assert error.reason.strip()
    assert (result.rows["plastic_processed_kg"] >= 0).all()
    numbers = result.rows[["residue_kg", "fuel_kg", "electricity_kwh", "hours_worked_h"]]
    assert not (numbers < 0).any().any()
    assert pd.to_datetime(result.rows["date"], format="%Y-%m-%d").notna().all()


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_end_in_rows_row_errors_or_a_file_error(data):
    _check_outcome(data)
    _check_outcome(b"site,household,date,plastic_processed_kg\n" + data)


@pytest.mark.slow
@FUZZ
@given(row_lists, st.permutations(COLUMNS))
def test_random_rows_are_each_stored_or_refused_with_a_reason(rows, columns):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    result = parse_survey_csv(data, CATALOG, name="fuzz.csv")
    nonblank = [r for r in rows if any(c.strip() for c in r)]
    assert len(result.rows) + len(result.errors) == len(nonblank)
    _check_outcome(data)
    with SurveyStore(":memory:") as store:
        first = store.add(result, file_sha256="f")
        again = store.add(result, file_sha256="f")
        assert (first.stored, again.stored, again.unchanged) == (len(result.rows), 0, first.stored)
        stored = store.rows()
        assert len(stored) == len(result.rows)
        assert len(store.rejected()) == len(result.errors)


@pytest.mark.slow
@FUZZ
@given(plausible_rows, st.permutations(COLUMNS))
def test_plausible_rows_are_stored_or_refused_and_never_stored_twice(rows, columns):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns))
    writer.writeheader()
    writer.writerows(rows)
    result = parse_survey_csv(buffer.getvalue().encode("utf-8"), CATALOG, name="fuzz.csv")
    assert len(result.rows) + len(result.errors) == len(rows)
    keys = result.rows[["source", "site", "household", "line", "date"]]
    assert not keys.duplicated().any()
    with SurveyStore(":memory:") as store:
        assert store.add(result, file_sha256="f").stored == len(result.rows)
        assert store.add(result, file_sha256="f").unchanged == len(result.rows)
        assert len(store.rows()) == len(result.rows)


def test_catalog_sites_are_the_configured_ones():
    assert SurveyCatalog({"a": frozenset()}, {"b": frozenset()}).sites == ["a", "b"]
