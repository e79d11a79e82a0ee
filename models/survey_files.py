"""Reading a survey file (CSV in UTF-8, or Excel ``.xlsx``) as a table of cells.

A file that cannot be read as a table at all (wrong encoding, missing columns) raises
:class:`models.survey_schema.SurveyFileError`; the rows are checked afterwards, one by
one, by :mod:`models.survey_validation`.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from models.survey_schema import (
    COLUMN_ALIASES,
    FILE_COLUMNS,
    REQUIRED_COLUMNS,
    RawTable,
    SurveyFileError,
)

__all__ = ["decode_csv", "read_csv_table", "read_survey_file", "read_xlsx_table"]


def decode_csv(data: bytes, *, name: str = "<bytes>") -> str:
    """UTF-8 text of a CSV file, without its byte-order mark.

    Raises
    ------
    SurveyFileError
        The bytes are not UTF-8 (a file saved as Windows-1258 or cp1252, for instance);
        the message names the line and column of the first bad byte.

    >>> decode_csv("\\ufeffsite\\nPhan Bôi\\n".encode())
    'site\\nPhan Bôi\\n'
    >>> decode_csv("site\\nPhan Bôi\\n".encode("cp1258"), name="s.csv")
    Traceback (most recent call last):
    ...
    models.survey_schema.SurveyFileError: s.csv: not UTF-8: byte 0xF4 at line 2, column 7 ...
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        # Everything before the first bad byte is UTF-8: count characters, not bytes.
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8")) + 1
        raise SurveyFileError(
            f"{name}: not UTF-8: byte 0x{data[exc.start]:02X} at line {line}, column "
            f"{column} (the file was probably saved as Windows-1258 or cp1252); save it "
            "as 'CSV UTF-8' in Excel or LibreOffice, or convert it with "
            f"`iconv -f cp1258 -t utf-8 {name} > fixed.csv`, and import again"
        ) from None
    return text.removeprefix("\ufeff")


def _normalise_name(name: object) -> str:
    """The column a header cell names: English as written (any case, spaces or hyphens
    for ``_``, units in brackets), or a Vietnamese alias (:data:`COLUMN_ALIASES`).

    >>> _normalise_name("Nhựa xử lý (kg)"), _normalise_name("Plastic Processed kg")
    ('plastic_processed_kg', 'plastic_processed_kg')
    """
    text = unicodedata.normalize("NFC", "" if name is None else str(name))
    text = re.sub(r"[()\[\]]", " ", text.strip().lower())
    key = re.sub(r"[\s\-]+", "_", text.strip())
    return COLUMN_ALIASES.get(key, key)


def _check_header(name: str, header: Sequence[object]) -> tuple[str, ...]:
    names = tuple(_normalise_name(h) for h in header)
    problems = []
    seen: set[str] = set()
    for column in names:
        if column in seen and column:
            problems.append(f"column {column!r} appears twice")
        seen.add(column)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if "household" not in seen and "line" not in seen:
        missing.append("household or line")
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    unknown = [c for c in names if c and c not in FILE_COLUMNS]
    for column in unknown:
        close = difflib.get_close_matches(column, FILE_COLUMNS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"unknown column {column!r}{hint}")
    if problems:
        raise SurveyFileError(
            f"{name}: header (line 1): {'; '.join(problems)}; the columns are "
            f"{', '.join(FILE_COLUMNS)} (see pilot/examples/survey-template.csv and "
            "pilot/examples/questionnaire-template.csv)"
        )
    return names


def read_csv_table(data: bytes, *, name: str = "<bytes>") -> RawTable:
    """A CSV file as a :class:`RawTable` (comma- or semicolon-separated, UTF-8).

    Raises
    ------
    SurveyFileError
        Not UTF-8, not CSV, empty, or a header with missing or unknown columns.
    """
    text = decode_csv(data, name=name)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: tuple[str, ...] | None = None
    records: list[tuple[int, tuple[object, ...]]] = []
    previous = 0
    try:
        for cells in reader:
            start, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                if start != 1:
                    raise SurveyFileError(
                        f"{name}: line {start}: the header must be on line 1; "
                        "remove the blank lines above it"
                    )
                header = _check_header(name, cells)
                continue
            records.append((start, tuple(cells)))
    except csv.Error as exc:
        raise SurveyFileError(
            f"{name}: line {reader.line_num}: not valid CSV ({exc}); check the quotes "
            "on that line and save the file again as CSV UTF-8"
        ) from None
    if header is None:
        raise SurveyFileError(f"{name}: the file is empty; start from the survey template")
    return RawTable(name, header, tuple(records), decimal_comma=delimiter == ";")


def read_xlsx_table(path: Path) -> RawTable:
    """The first worksheet of an Excel ``.xlsx`` workbook as a :class:`RawTable`.

    Formulas count with their last computed value. Line numbers are sheet row numbers.

    Raises
    ------
    SurveyFileError
        Not a readable ``.xlsx`` workbook, empty, or a header with missing or unknown
        columns.
    """
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    name = str(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SurveyFileError(
            f"{name}: not a readable .xlsx workbook ({exc}); save it as .xlsx "
            "(Excel 2007 or later) or as CSV UTF-8"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        header: tuple[str, ...] | None = None
        records: list[tuple[int, tuple[object, ...]]] = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
                continue
            if header is None:
                if number != 1:
                    raise SurveyFileError(
                        f"{name}: row {number}: the header must be on row 1 of the first sheet"
                    )
                # Trailing empty header cells are formatting, not columns.
                named = list(cells)
                while named and named[-1] is None:
                    named.pop()
                header = _check_header(name, named)
                continue
            records.append((number, tuple(cells)))
    finally:
        workbook.close()
    if header is None:
        raise SurveyFileError(f"{name}: the first sheet is empty; start from the survey template")
    return RawTable(name, header, tuple(records))


def read_survey_file(path: str | Path) -> RawTable:
    """Read a ``.csv`` or ``.xlsx`` survey file (by its suffix).

    Raises
    ------
    SurveyFileError
        Another suffix, or the file cannot be read as a table.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx_table(path)
    if suffix == ".csv":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SurveyFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
        return read_csv_table(data, name=str(path))
    raise SurveyFileError(
        f"{path}: unsupported file type {suffix or '(none)'}; import a .csv (UTF-8) or "
        ".xlsx file (an old .xls workbook: save it as .xlsx first)"
    )
