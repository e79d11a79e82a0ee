"""Survey and manual-log data: reading, row validation, and the survey activity table.

Most baseline data predate the sensors: household questionnaires and logbooks give, per
household (or per line) and day, the plastic processed, the residue and its fate, the
furnace fuel, the electricity and the hours worked. This module reads such a table from
CSV (UTF-8, with or without BOM) or Excel (``.xlsx``), checks every row against the
configured sites, households and lines (:class:`SurveyCatalog`, plain values: the models
never read configuration) and returns the good rows as a DataFrame
(:data:`ROW_COLUMNS`) and the bad ones as :class:`RowError` (line number and reason).
A file that cannot be read as a table at all (wrong encoding, missing columns) raises
:class:`SurveyFileError`. :func:`survey_activity_input` turns good rows into the input
of :func:`models.activity.activity_from_survey`; :func:`survey_daily_indicators` into the
daily values of :func:`models.comparison.compare_indicators`.

Columns (:data:`COLUMNS`; header names are case-insensitive, spaces count as ``_``):

``site`` (required)
    Configured site id (``minh-khai``).
``household``, ``line`` (at least one per row; the file needs at least one of the two)
    Configured household id of that site (``mk-h03``) or line id (``line-1``).
``date`` (required)
    Day of the record, ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (an Excel date cell also works),
    years 1990-2100.
``plastic_processed_kg`` (required) [kg]
    Plastic melted or pelletised that day.
``residue_kg`` [kg], ``residue_fate``
    Non-recyclable residue and where it went: one of :data:`RESIDUE_FATES`; the fate is
    required when the residue is above zero.
``fuel_type``, ``fuel_kg`` [kg]
    Furnace fuel (:data:`FUEL_NCV_MJ_PER_KG`, or ``none``) and its mass; the type is
    required when the mass is above zero.
``electricity_kwh`` [kWh], ``hours_worked_h`` [h, at most 24]
    Electricity used and hours worked that day.
``source``
    Where the numbers come from (questionnaire, logbook...); the file name when empty.
``note``
    Free text.

Empty optional numbers are unknown (NaN), not zero. Numbers use a dot as decimal
separator; masses, energies and hours must be finite and not negative.

>>> catalog = SurveyCatalog(households={"minh-khai": frozenset({"mk-h01"})},
...                         lines={"minh-khai": frozenset({"line-1"})})
>>> text = ("site,household,date,plastic_processed_kg,residue_kg,residue_fate\\n"
...         "minh-khai,mk-h01,2019-06-03,850,90,burned_open\\n"
...         "minh-khai,mk-h09,2019-06-03,-5,,\\n")
>>> result = parse_survey_csv(text.encode(), catalog, name="survey.csv")
>>> result.rows[["household", "date", "plastic_processed_kg", "residue_fate"]]
  household        date  plastic_processed_kg residue_fate
0    mk-h01  2019-06-03                 850.0  burned_open
>>> [(error.line, error.reason.split("; ")) for error in result.errors]
[(3, ["unknown household 'mk-h09' at site 'minh-khai' (configured: mk-h01)",
      'plastic_processed_kg must not be negative, got -5'])]
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from models.comparison import INDICATORS
from models.errors import ModelError

__all__ = [
    "COLUMNS",
    "FUEL_NCV_MJ_PER_KG",
    "KEY_COLUMNS",
    "NUMBER_COLUMNS",
    "REQUIRED_COLUMNS",
    "RESIDUE_FATES",
    "ROW_COLUMNS",
    "SURVEY_INDICATORS",
    "RawTable",
    "RowError",
    "SurveyCatalog",
    "SurveyFileError",
    "SurveyImport",
    "decode_csv",
    "parse_survey_csv",
    "read_csv_table",
    "read_survey_file",
    "read_xlsx_table",
    "survey_activity_input",
    "survey_daily_indicators",
    "validate_table",
]

#: Columns a survey file may have, in template order.
COLUMNS: tuple[str, ...] = (
    "site",
    "household",
    "line",
    "date",
    "plastic_processed_kg",
    "residue_kg",
    "residue_fate",
    "fuel_type",
    "fuel_kg",
    "electricity_kwh",
    "hours_worked_h",
    "source",
    "note",
)
#: Columns every survey file must have (plus ``household`` or ``line``).
REQUIRED_COLUMNS: tuple[str, ...] = ("site", "date", "plastic_processed_kg")
#: Numeric columns; ``plastic_processed_kg`` is required in every row.
NUMBER_COLUMNS: tuple[str, ...] = (
    "plastic_processed_kg",
    "residue_kg",
    "fuel_kg",
    "electricity_kwh",
    "hours_worked_h",
)
#: Where residue goes: burned in the open, delivered to the pilot line, landfilled or
#: dumped, sold to a recycler, collected by the municipal service, kept in stock.
RESIDUE_FATES: tuple[str, ...] = (
    "burned_open",
    "delivered_to_line",
    "landfilled",
    "sold",
    "municipal_collection",
    "stored",
)
#: Net calorific value of furnace fuels [MJ/kg], to turn fuel mass into energy. ``coal``:
#: anthracite, the coal of household furnaces in the Red River delta (our assumption),
#: 26.7 TJ/Gg; ``wood``: wood/wood waste 15.6 TJ/Gg; ``lpg``: 47.3 TJ/Gg;
#: ``municipal_waste``: municipal wastes, non-biomass fraction, 10 TJ/Gg — all IPCC 2006
#: Guidelines Vol. 2 ch. 1 Table 1.2 defaults, **not verified** against the primary
#: document. ``waste_plastic``: 30 MJ/kg, a design assumption (clean PE/PP ≈ 43-46
#: MJ/kg; the residue burned under furnaces is wet and dirty); IPCC gives no default.
FUEL_NCV_MJ_PER_KG: dict[str, float] = {
    "coal": 26.7,
    "wood": 15.6,
    "lpg": 47.3,
    "municipal_waste": 10.0,
    "waste_plastic": 30.0,
}
#: Columns of the good rows (:attr:`SurveyImport.rows`); ``household``/``line`` are
#: ``""`` when not given, ``date`` is ``YYYY-MM-DD``, numbers are float (NaN unknown),
#: ``file_line`` is the row's line in the file and ``row_hash`` a SHA-256 of its values.
ROW_COLUMNS: tuple[str, ...] = (*COLUMNS, "file_line", "row_hash")
#: Natural key of a row: one record per source, site, household/line and day.
KEY_COLUMNS: tuple[str, ...] = ("source", "site", "household", "line", "date")

_MJ_PER_KWH = 3.6
_MAX_HOURS = 24.0
# Plausible years of a survey record; outside them the year is a typing error.
_FIRST_YEAR, _LAST_YEAR = 1990, 2100
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class SurveyFileError(ModelError):
    """A survey file cannot be read as a table (encoding, format, missing columns)."""


@dataclass(frozen=True)
class SurveyCatalog:
    """Configured identities a survey row may name, per site id.

    Parameters
    ----------
    households
        Household ids per site id.
    lines
        Line ids per site id.
    """

    households: Mapping[str, frozenset[str]]
    lines: Mapping[str, frozenset[str]]

    @property
    def sites(self) -> list[str]:
        """Configured site ids, sorted."""
        return sorted(set(self.households) | set(self.lines))


@dataclass(frozen=True)
class RowError:
    """A refused row: its ``line`` in the file (1 = header line), why, and its text."""

    line: int
    reason: str
    raw: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class RawTable:
    """A file read as a table of cells, before validation.

    ``header`` holds normalised column names; ``records`` pairs each row's line number
    in the file (CSV: first physical line of the row; Excel: sheet row) with its cells
    (strings, numbers, dates or ``None``).
    """

    name: str
    header: tuple[str, ...]
    records: tuple[tuple[int, tuple[object, ...]], ...]


@dataclass(frozen=True)
class SurveyImport:
    """Validated survey file: good ``rows`` (:data:`ROW_COLUMNS`) and refused rows."""

    name: str
    rows: pd.DataFrame
    errors: tuple[RowError, ...]


# -- reading ---------------------------------------------------------------------------


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
    models.survey.SurveyFileError: s.csv: not UTF-8: byte 0xF4 at line 2, column 7 ...
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
    text = "" if name is None else str(name)
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


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
    unknown = [c for c in names if c and c not in COLUMNS]
    for column in unknown:
        close = difflib.get_close_matches(column, COLUMNS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"unknown column {column!r}{hint}")
    if problems:
        raise SurveyFileError(
            f"{name}: header (line 1): {'; '.join(problems)}; the columns are "
            f"{', '.join(COLUMNS)} (see pilot/examples/survey-template.csv)"
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
    return RawTable(name, header, tuple(records))


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


# -- validation ------------------------------------------------------------------------


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _parse_date(cell: object) -> tuple[str | None, str | None]:
    """(ISO date, None) or (None, reason)."""
    if isinstance(cell, datetime):
        return _plausible(cell.date())
    if isinstance(cell, date):
        return _plausible(cell)
    text = _text(cell)
    if not text:
        return None, "date is empty"
    try:
        match = _DMY.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            parsed = date(year, month, day)
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            parsed = date.fromisoformat(text)
        else:
            return None, f"bad date {text!r}: write YYYY-MM-DD or DD/MM/YYYY"
    except ValueError:
        return None, f"bad date {text!r}: no such day"
    return _plausible(parsed)


def _plausible(day: date) -> tuple[str | None, str | None]:
    if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
        return None, f"date {day.isoformat()} is outside {_FIRST_YEAR}-{_LAST_YEAR}; check the year"
    return day.isoformat(), None


def _parse_number(column: str, cell: object) -> tuple[float, str | None]:
    """(value, None) or (NaN, reason); an empty cell is (NaN, None)."""
    if isinstance(cell, bool):
        return math.nan, f"{column} must be a number, got {cell!r}"
    if isinstance(cell, int | float):
        value = float(cell)
        shown = _text(cell)
    else:
        shown = _text(cell)
        if not shown:
            return math.nan, None
        if "," in shown:
            return math.nan, f"{column} {shown!r}: use a dot as decimal separator, no commas"
        try:
            value = float(shown)
        except ValueError:
            return math.nan, f"{column} must be a number [{_unit(column)}], got {shown!r}"
    if not math.isfinite(value):
        return math.nan, f"{column} must be a finite number, got {shown!r}"
    if value < 0:
        return math.nan, f"{column} must not be negative, got {shown}"
    if column == "hours_worked_h" and value > _MAX_HOURS:
        return math.nan, f"hours_worked_h must be at most 24 h a day, got {shown}"
    return value, None


def _unit(column: str) -> str:
    return {"kg": "kg", "kwh": "kWh", "h": "h"}[column.rsplit("_", 1)[1]]


def _choice(column: str, value: str, allowed: Sequence[str]) -> str | None:
    if value in allowed:
        return None
    close = difflib.get_close_matches(value, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown {column} {value!r}: {hint}use one of {', '.join(allowed)}"


def _known(what: str, value: str, site: str, known: frozenset[str]) -> str | None:
    if value in known:
        return None
    listed = ", ".join(sorted(known)[:20]) or "none"
    return f"unknown {what} {value!r} at site {site!r} (configured: {listed})"


def _raw_text(cells: Sequence[object]) -> str:
    return ",".join(_text(c) for c in cells)


def _row_hash(values: Mapping[str, object]) -> str:
    canonical = {
        k: (None if isinstance(v, float) and math.isnan(v) else v)
        for k, v in values.items()
        if k in COLUMNS
    }
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _validate_row(
    cells: dict[str, object], catalog: SurveyCatalog, default_source: str
) -> tuple[dict[str, object], list[str]]:
    reasons: list[str] = []
    row: dict[str, object] = {}
    site = _text(cells.get("site"))
    household = _text(cells.get("household"))
    line = _text(cells.get("line"))
    if not site:
        reasons.append("site is empty")
    elif site not in catalog.households and site not in catalog.lines:
        reasons.append(f"unknown site {site!r} (configured: {', '.join(catalog.sites) or 'none'})")
    else:
        if household:
            problem = _known(
                "household", household, site, catalog.households.get(site, frozenset())
            )
            if problem:
                reasons.append(problem)
        if line:
            problem = _known("line", line, site, catalog.lines.get(site, frozenset()))
            if problem:
                reasons.append(problem)
    if not household and not line:
        reasons.append("give a household or a line")
    iso_date, problem = _parse_date(cells.get("date"))
    if problem:
        reasons.append(problem)
    row.update(site=site, household=household, line=line, date=iso_date)
    for column in NUMBER_COLUMNS:
        value, problem = _parse_number(column, cells.get(column))
        if problem:
            reasons.append(problem)
        elif column == "plastic_processed_kg" and math.isnan(value):
            reasons.append("plastic_processed_kg is empty [kg]; write 0 for a day without work")
        row[column] = value
    fate = _text(cells.get("residue_fate")).lower()
    if fate:
        problem = _choice("residue_fate", fate, RESIDUE_FATES)
        if problem:
            reasons.append(problem)
    elif _positive(row["residue_kg"]):
        reasons.append("residue_kg is above 0 but residue_fate is empty")
    fuel = _text(cells.get("fuel_type")).lower()
    if fuel and fuel != "none":
        problem = _choice("fuel_type", fuel, ("none", *FUEL_NCV_MJ_PER_KG))
        if problem:
            reasons.append(problem)
    elif _positive(row["fuel_kg"]):
        reasons.append("fuel_kg is above 0 but fuel_type is empty or none")
    row.update(
        residue_fate=fate,
        fuel_type=fuel,
        source=_text(cells.get("source")) or default_source,
        note=_text(cells.get("note")),
    )
    return row, reasons


def _positive(value: object) -> bool:
    return isinstance(value, float) and value > 0


def validate_table(
    table: RawTable, catalog: SurveyCatalog, *, default_source: str | None = None
) -> SurveyImport:
    """Check every row of ``table``; good rows become :data:`ROW_COLUMNS`.

    Parameters
    ----------
    table
        From :func:`read_survey_file`, :func:`read_csv_table` or :func:`read_xlsx_table`.
    catalog
        Configured sites, households and lines.
    default_source
        ``source`` of rows that leave it empty; the file name (without folders) if None.

    Returns
    -------
    SurveyImport
        A row with several problems gets one :class:`RowError` naming all of them. A row
        whose natural key (:data:`KEY_COLUMNS`) repeats an earlier good row is refused.
    """
    source = default_source or Path(table.name).name
    width = len(table.header)
    good: list[dict[str, object]] = []
    errors: list[RowError] = []
    first_line: dict[tuple[object, ...], int] = {}
    for number, cells in table.records:
        raw = _raw_text(cells)[:1000]
        extra = [c for c in cells[width:] if _text(c)]
        if extra:
            errors.append(
                RowError(number, f"{len(cells)} cells but the header has {width} columns", raw)
            )
            continue
        named = dict(zip(table.header, cells, strict=False))
        row, reasons = _validate_row(named, catalog, source)
        if not reasons:
            key = tuple(row[k] for k in KEY_COLUMNS)
            if key in first_line:
                reasons.append(
                    f"same source, site, household/line and date as line {first_line[key]}"
                )
            else:
                first_line[key] = number
        if reasons:
            errors.append(RowError(number, "; ".join(reasons), raw))
            continue
        row["file_line"] = number
        row["row_hash"] = _row_hash(row)
        good.append(row)
    rows = pd.DataFrame(good, columns=list(ROW_COLUMNS))
    for column in NUMBER_COLUMNS:
        rows[column] = rows[column].astype(float)
    rows["file_line"] = rows["file_line"].astype("int64")
    return SurveyImport(table.name, rows, tuple(errors))


def parse_survey_csv(
    data: bytes, catalog: SurveyCatalog, *, name: str = "<bytes>", default_source: str | None = None
) -> SurveyImport:
    """:func:`read_csv_table` then :func:`validate_table`."""
    return validate_table(read_csv_table(data, name=name), catalog, default_source=default_source)


# -- toward the activity table ---------------------------------------------------------


def survey_activity_input(
    rows: pd.DataFrame,
    *,
    line_of_site: Mapping[str, str] | None = None,
    relative_uncertainty: float = 0.2,
) -> pd.DataFrame:
    r"""Survey rows summed per site and line, as input of ``activity_from_survey``.

    Per site and line: ``processed_kg`` = Σ plastic processed; ``intake_kg`` = Σ
    (plastic processed + residue) over rows that give the residue (intake :math:`I =
    P + R` with no change of stock, as in :mod:`models.mass_balance`); ``energy_kwh`` =
    Σ (electricity + fuel mass × NCV / 3.6 MJ/kWh) with NCV from
    :data:`FUEL_NCV_MJ_PER_KG`; ``running_h`` = Σ hours worked. A quantity is left out
    when no row gives it. Ranges are ``value × (1 ∓ relative_uncertainty)``: recall and
    logbook error of a survey, a design assumption (default ±20 %).

    Parameters
    ----------
    rows
        Good survey rows (:data:`ROW_COLUMNS`), for example of one period.
    line_of_site
        Line that household rows without a ``line`` are counted under, per site id
        (households deliver to their village's line); needed only for such rows.
    relative_uncertainty
        Half-width of the range as a share of the value [-], in [0, 1).

    Returns
    -------
    DataFrame with columns ``site, line, quantity, value, low, high, unit, source``.

    Raises
    ------
    ModelError
        A household row without line whose site is not in ``line_of_site``.

    >>> rows = pd.DataFrame({"site": ["minh-khai"] * 2, "household": ["mk-h01", "mk-h02"],
    ...     "line": ["", ""], "plastic_processed_kg": [800.0, 200.0],
    ...     "residue_kg": [80.0, float("nan")], "fuel_type": ["coal", "none"],
    ...     "fuel_kg": [100.0, float("nan")], "electricity_kwh": [50.0, 10.0],
    ...     "hours_worked_h": [10.0, 8.0], "source": ["survey-2019"] * 2})
    >>> table = survey_activity_input(rows, line_of_site={"minh-khai": "line-1"})
    >>> table[["line", "quantity", "value", "unit"]].round(1)
         line      quantity   value unit
    0  line-1    energy_kwh   801.7  kWh
    1  line-1     intake_kg   880.0   kg
    2  line-1  processed_kg  1000.0   kg
    3  line-1     running_h    18.0    h
    """
    if not 0.0 <= relative_uncertainty < 1.0:
        raise ModelError("relative_uncertainty must lie in [0, 1)")
    columns = ["site", "line", "quantity", "value", "low", "high", "unit", "source"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    frame = rows.copy()
    lines = frame["line"].fillna("").astype(str)
    mapping = dict(line_of_site or {})
    missing = sorted(set(frame.loc[lines == "", "site"]) - set(mapping))
    if missing:
        raise ModelError(
            f"household rows of site(s) {', '.join(missing)} name no line; pass "
            "line_of_site={site: line} to say which line their activity counts under"
        )
    frame["line"] = lines.where(lines != "", frame["site"].map(mapping))
    frame["energy_kwh"] = _energy_kwh(frame)
    frame["intake_kg"] = frame["plastic_processed_kg"] + frame["residue_kg"]
    quantities = {
        "energy_kwh": ("energy_kwh", "kWh"),
        "intake_kg": ("intake_kg", "kg"),
        "processed_kg": ("plastic_processed_kg", "kg"),
        "running_h": ("hours_worked_h", "h"),
    }
    out = []
    for (site, line), group in frame.groupby(["site", "line"], sort=True):
        sources = "; ".join(sorted(set(group["source"].astype(str))))
        for quantity, (column, unit) in quantities.items():
            values = group[column].astype(float)
            if values.notna().sum() == 0:
                continue
            total = float(values.sum())
            out.append(
                (
                    site,
                    line,
                    quantity,
                    total,
                    total * (1 - relative_uncertainty),
                    total * (1 + relative_uncertainty),
                    unit,
                    sources,
                )
            )
    return pd.DataFrame(out, columns=columns)


def _energy_kwh(rows: pd.DataFrame) -> np.ndarray:
    """Electricity plus fuel energy of each row [kWh]; NaN when neither is known."""
    ncv = rows["fuel_type"].fillna("").map(FUEL_NCV_MJ_PER_KG).astype(float)
    fuel_kg = rows["fuel_kg"].astype(float)
    fuel_kwh = (fuel_kg * ncv / _MJ_PER_KWH).where(~fuel_kg.eq(0), 0.0)
    electricity = rows["electricity_kwh"].astype(float)
    return np.where(
        electricity.isna() & fuel_kwh.isna(),
        np.nan,
        electricity.fillna(0.0) + fuel_kwh.fillna(0.0),
    )


#: Indicators of :func:`survey_daily_indicators`, with their unit (the names of
#: :data:`models.comparison.INDICATORS`).
SURVEY_INDICATORS: dict[str, str] = {
    name: INDICATORS[name]
    for name in ("specific_energy_kwh_per_kg", "residue_share", "residue_burned_kg_per_day")
}


def survey_daily_indicators(rows: pd.DataFrame) -> pd.DataFrame:
    r"""Daily indicator values of each survey row, for :mod:`models.comparison`.

    Per row (one household or line and day): ``specific_energy_kwh_per_kg`` = energy
    (electricity + fuel × NCV) / plastic processed; ``residue_share`` = R / (P + R);
    ``residue_burned_kg_per_day`` = the residue when its fate is ``burned_open``, else 0.
    A value that cannot be formed (nothing processed, energy or residue unknown) is NaN,
    which the comparison counts as a day without data.

    Returns
    -------
    DataFrame with columns ``site, household, line, day, indicator, value, unit``; add
    ``group`` and ``period`` before :func:`models.comparison.compare_indicators`.

    >>> rows = pd.DataFrame({"site": ["phan-boi"], "household": ["pb-h01"], "line": [""],
    ...     "date": ["2019-06-04"], "plastic_processed_kg": [900.0], "residue_kg": [100.0],
    ...     "residue_fate": ["burned_open"], "fuel_type": ["none"], "fuel_kg": [0.0],
    ...     "electricity_kwh": [45.0]})
    >>> survey_daily_indicators(rows)[["indicator", "value", "unit"]]
                        indicator  value    unit
    0  specific_energy_kwh_per_kg   0.05  kWh/kg
    1               residue_share   0.10       -
    2   residue_burned_kg_per_day 100.00    kg/d
    """
    columns = ["site", "household", "line", "day", "indicator", "value", "unit"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    processed = rows["plastic_processed_kg"].astype(float)
    residue = rows["residue_kg"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        energy = _energy_kwh(rows) / processed.where(processed > 0).to_numpy()
        share = (residue / (processed + residue)).where(processed + residue > 0)
    burned = residue.where(rows["residue_fate"] == "burned_open", 0.0).where(residue.notna())
    values = {
        "specific_energy_kwh_per_kg": np.asarray(energy, dtype=float),
        "residue_share": share.to_numpy(dtype=float),
        "residue_burned_kg_per_day": burned.to_numpy(dtype=float),
    }
    identity = pd.DataFrame(
        {
            "site": rows["site"].to_numpy(),
            "household": rows["household"].fillna("").to_numpy(),
            "line": rows["line"].fillna("").to_numpy(),
            "day": pd.to_datetime(rows["date"], format="%Y-%m-%d").to_numpy(),
        }
    )
    parts = [
        identity.assign(indicator=name, value=values[name], unit=SURVEY_INDICATORS[name])
        for name in SURVEY_INDICATORS
    ]
    out = pd.concat(parts, ignore_index=True)
    order = np.argsort(np.tile(np.arange(len(rows)), len(parts)), kind="stable")
    return out.iloc[order].reset_index(drop=True)[columns]
