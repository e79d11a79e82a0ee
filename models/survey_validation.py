"""Checking survey rows against the configured sites, households and lines.

Every row gets all its problems named at once (:class:`models.survey_schema.RowError`,
line number and reasons); good rows become :data:`models.survey_schema.ROW_COLUMNS`.
Empty optional numbers are unknown (NaN), not zero. Numbers use a dot as decimal
separator; masses, energies and hours must be finite and not negative.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from models.furnace_fuels import NCV_OF_FUEL
from models.survey_files import read_csv_table
from models.survey_schema import (
    COLUMNS,
    FUEL_NCV_MJ_PER_KG,
    KEY_COLUMNS,
    NO_FUEL,
    NUMBER_COLUMNS,
    QUESTIONNAIRE_COLUMNS,
    RATE_AMOUNTS,
    RATE_BASES,
    RATE_NUMBER_COLUMNS,
    RESIDUE_FATES,
    ROW_COLUMNS,
    SURVEY_PERIODS,
    RawTable,
    RowError,
    SurveyCatalog,
    SurveyImport,
)

__all__ = ["parse_survey_csv", "validate_table"]

_MAX_HOURS = 24.0
# Days in the longest month: the most working days a month can have, and the hours of a
# month-basis questionnaire answer (at most 24 h on each of them).
_MAX_DAYS_PER_MONTH = 31
# Plausible years of a survey record; outside them the year is a typing error.
_FIRST_YEAR, _LAST_YEAR = 1990, 2100
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


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


_THOUSANDS_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")


def _decimal_comma(column: str, shown: str) -> tuple[str | None, str | None]:
    """A number written under a Vietnamese locale (decimal comma, dot between thousands)
    as Python reads it, or the reason it is truly ambiguous.

    >>> _decimal_comma("fuel_kg", "12,5"), _decimal_comma("fuel_kg", "1.234,5")
    (('12.5', None), ('1234.5', None))
    >>> _decimal_comma("fuel_kg", "1.234")[1].split(":")[0]
    "fuel_kg '1.234' is ambiguous"
    """
    if "," in shown and "." in shown:
        if shown.rfind(".") > shown.rfind(","):
            return None, f"{column} {shown!r} mixes a decimal comma and a decimal dot"
        return shown.replace(".", "").replace(",", "."), None
    if "," in shown:
        return shown.replace(",", "."), None
    if _THOUSANDS_DOT.match(shown):
        return None, (
            f"{column} {shown!r} is ambiguous: in a semicolon file (Vietnamese Excel) the "
            f"dot groups thousands, elsewhere it is a decimal point; write "
            f"{shown.replace('.', '')} or {shown.replace('.', ',')}"
        )
    return shown, None


def _parse_number(
    column: str, cell: object, decimal_comma: bool = False, per_month: bool = False
) -> tuple[float, str | None]:
    """(value, None) or (NaN, reason); an empty cell is (NaN, None). ``decimal_comma``:
    the file comes from a Vietnamese-locale Excel (semicolon-separated), so ``12,5`` is
    12.5 and ``1.234,5`` is 1234.5; a bare ``1.234`` is refused as ambiguous.
    ``per_month``: the amount is a month's (a questionnaire answer of basis ``month``)."""
    if isinstance(cell, bool):
        return math.nan, f"{column} must be a number, got {cell!r}"
    if isinstance(cell, int | float):
        value = float(cell)
        shown = _text(cell)
    else:
        shown = _text(cell)
        if not shown:
            return math.nan, None
        if decimal_comma:
            converted, problem = _decimal_comma(column, shown)
            if problem or converted is None:
                return math.nan, problem
            shown = converted
        elif "," in shown:
            return math.nan, f"{column} {shown!r}: use a dot as decimal separator, no commas"
        try:
            value = float(shown)
        except ValueError:
            return math.nan, f"{column} must be a number [{_unit(column)}], got {shown!r}"
    if not math.isfinite(value):
        return math.nan, f"{column} must be a finite number, got {shown!r}"
    if value < 0:
        return math.nan, f"{column} must not be negative, got {shown}"
    if column == "hours_worked_h":
        limit, per = (
            (_MAX_HOURS * _MAX_DAYS_PER_MONTH, "month") if per_month else (_MAX_HOURS, "day")
        )
        if value > limit:
            return math.nan, f"hours_worked_h must be at most {limit:g} h a {per}, got {shown}"
    return value, None


def _unit(column: str) -> str:
    amount = re.sub(r"_(low|high)$", "", column)
    return {"kg": "kg", "kwh": "kWh", "h": "h"}.get(amount.rsplit("_", 1)[1], "d")


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


def _filled(value: object) -> bool:
    return not (value is None or value == "" or (isinstance(value, float) and math.isnan(value)))


def _raw_text(cells: Sequence[object]) -> str:
    return ",".join(_text(c) for c in cells)


def _row_hash(values: Mapping[str, object]) -> str:
    """SHA-256 of the row's values; questionnaire columns count only when filled, so a
    logbook row hashes as it did before they existed (a re-import stays unchanged)."""
    canonical = {
        k: (None if isinstance(v, float) and math.isnan(v) else v)
        for k, v in values.items()
        if k in COLUMNS or (k in QUESTIONNAIRE_COLUMNS and _filled(v))
    }
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _validate_row(
    cells: dict[str, object],
    catalog: SurveyCatalog,
    default_source: str,
    decimal_comma: bool = False,
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
    reasons += _questionnaire(cells, row, decimal_comma)
    for column in NUMBER_COLUMNS:
        per_month = row["rate_basis"] == "month"
        value, problem = _parse_number(column, cells.get(column), decimal_comma, per_month)
        if problem:
            reasons.append(problem)
        elif column == "plastic_processed_kg" and math.isnan(value):
            reasons.append("plastic_processed_kg is empty [kg]; write 0 for a day without work")
        row[column] = value
    reasons += _rate_ranges(row)
    fate = _text(cells.get("residue_fate")).lower()
    if fate:
        problem = _choice("residue_fate", fate, RESIDUE_FATES)
        if problem:
            reasons.append(problem)
    elif _positive(row["residue_kg"]):
        reasons.append("residue_kg is above 0 but residue_fate is empty")
    fuel = _text(cells.get("fuel_type")).lower()
    if fuel and fuel != NO_FUEL:
        problem = _choice("fuel_type", fuel, (NO_FUEL, *FUEL_NCV_MJ_PER_KG, *NCV_OF_FUEL))
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


def _questionnaire(
    cells: Mapping[str, object], row: dict[str, object], decimal_comma: bool
) -> list[str]:
    """Parse the questionnaire columns into ``row``; the reasons they are wrong.

    A row with ``rate_basis`` is a questionnaire answer: it needs a ``period`` and, for
    a per-day rate, ``working_days_per_month``. A row without ``rate_basis`` is a logbook
    day and must leave every questionnaire column empty (else it is ambiguous)."""
    reasons: list[str] = []
    basis = _text(cells.get("rate_basis")).lower()
    period = _text(cells.get("period")).lower()
    row.update(rate_basis=basis, period=period)
    for column in RATE_NUMBER_COLUMNS:
        value, problem = _parse_number(column, cells.get(column), decimal_comma)
        if problem:
            reasons.append(problem)
        row[column] = value
    if not basis:
        given = [c for c in QUESTIONNAIRE_COLUMNS if _text(cells.get(c))]
        if given:
            reasons.append(
                f"{', '.join(given)} given but rate_basis is empty: a questionnaire answer "
                "needs rate_basis 'day' or 'month' (its amounts per working day or per "
                "month); a logbook day leaves these columns empty"
            )
        return reasons
    problem = _choice("rate_basis", basis, RATE_BASES)
    if problem:
        reasons.append(problem)
    if not period:
        reasons.append(
            "period is empty: say which period the questionnaire answer describes "
            f"({' or '.join(SURVEY_PERIODS)})"
        )
    else:
        problem = _choice("period", period, SURVEY_PERIODS)
        if problem:
            reasons.append(problem)
    days = row["working_days_per_month"]
    if isinstance(days, float) and math.isnan(days):
        if basis == "day":
            reasons.append(
                "working_days_per_month is empty: a per-day rate needs the working days "
                "per month to scale it over a period"
            )
    elif not 0 < days <= _MAX_DAYS_PER_MONTH:
        reasons.append(
            f"working_days_per_month must be above 0 and at most {_MAX_DAYS_PER_MONTH}, "
            f"got {days:g}"
        )
    return reasons


def _rate_ranges(row: Mapping[str, object]) -> list[str]:
    """Reasons the respondent's low-high of each rate amount is wrong."""
    reasons: list[str] = []
    for amount in RATE_AMOUNTS:
        value, low, high = (row.get(c) for c in (amount, f"{amount}_low", f"{amount}_high"))
        if not (_filled(low) or _filled(high)):
            continue
        if not (_filled(low) and _filled(high)):
            reasons.append(f"give both {amount}_low and {amount}_high, or neither")
        elif low > high:  # type: ignore[operator]
            reasons.append(f"{amount}_low {low:g} is above {amount}_high {high:g}")
        elif not _filled(value):
            reasons.append(f"{amount} is empty: give the typical value with its low-high")
        elif not low <= value <= high:  # type: ignore[operator]
            reasons.append(f"{amount} {value:g} lies outside its low-high [{low:g}, {high:g}]")
    return reasons


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
        row, reasons = _validate_row(named, catalog, source, table.decimal_comma)
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
    for column in (*NUMBER_COLUMNS, *RATE_NUMBER_COLUMNS):
        rows[column] = rows[column].astype(float)
    rows["file_line"] = rows["file_line"].astype("int64")
    return SurveyImport(table.name, rows, tuple(errors))


def parse_survey_csv(
    data: bytes, catalog: SurveyCatalog, *, name: str = "<bytes>", default_source: str | None = None
) -> SurveyImport:
    """:func:`read_csv_table` then :func:`validate_table`."""
    return validate_table(read_csv_table(data, name=name), catalog, default_source=default_source)
