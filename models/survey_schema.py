"""What a survey file holds: its columns, the allowed words, and the result types.

Most baseline data predate the sensors: household questionnaires and logbooks give, per
household (or per line) and day, the plastic processed, the residue and its fate, the
furnace fuel, the electricity and the hours worked. :mod:`models.survey_files` reads
such a table, :mod:`models.survey_validation` checks its rows against a
:class:`SurveyCatalog`, and :mod:`models.survey` turns good rows into activity and daily
indicators.

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

A row with ``rate_basis`` is a **questionnaire answer** (typical activity), one without
is a **logbook day** (``docs/survey.md``):

``rate_basis`` (:data:`RATE_BASES`)
    ``day`` or ``month``: the amounts of the row are typical amounts per working day or
    per month; ``date`` is then the interview date.
``period`` (:data:`SURVEY_PERIODS`, required with ``rate_basis``)
    The period kind the answer describes (``baseline`` or ``post``).
``working_days_per_month`` [d, above 0, at most 31]
    Required with ``rate_basis = day``.
``<amount>_low``, ``<amount>_high`` (:data:`BOUND_COLUMNS`)
    The respondent's low-high of an amount, same basis; only with ``rate_basis``.

Empty optional numbers are unknown (NaN), not zero. Numbers use a dot as decimal
separator; masses, energies and hours must be finite and not negative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from models.errors import ModelError
from models.vocabulary import PERIOD_KINDS

__all__ = [
    "BOUND_COLUMNS",
    "BURNED_OPEN",
    "COAL_KIND",
    "COLUMNS",
    "COLUMN_ALIASES",
    "FILE_COLUMNS",
    "FUEL_NCV_MJ_PER_KG",
    "KEY_COLUMNS",
    "NO_FUEL",
    "NUMBER_COLUMNS",
    "QUESTIONNAIRE_COLUMNS",
    "RATE_AMOUNTS",
    "RATE_BASES",
    "RATE_NUMBER_COLUMNS",
    "REQUIRED_COLUMNS",
    "RESIDUE_FATES",
    "ROW_COLUMNS",
    "SURVEY_PERIODS",
    "RawTable",
    "RowError",
    "SurveyCatalog",
    "SurveyFileError",
    "SurveyImport",
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
#: Rate bases of a questionnaire answer: amounts per working day, or per month.
RATE_BASES: tuple[str, ...] = ("day", "month")
#: Period kinds a questionnaire answer may describe (:data:`models.vocabulary.PERIOD_KINDS`).
SURVEY_PERIODS: tuple[str, ...] = PERIOD_KINDS
#: Amounts a questionnaire answer gives as a rate, each with an optional low-high.
RATE_AMOUNTS: tuple[str, ...] = (
    "plastic_processed_kg",
    "residue_kg",
    "fuel_kg",
    "electricity_kwh",
)
#: The respondent's low and high of each rate amount (``plastic_processed_kg_low``...).
BOUND_COLUMNS: tuple[str, ...] = tuple(
    f"{amount}_{end}" for amount in RATE_AMOUNTS for end in ("low", "high")
)
#: Numeric columns of a questionnaire answer only.
RATE_NUMBER_COLUMNS: tuple[str, ...] = ("working_days_per_month", *BOUND_COLUMNS)
#: Columns of a questionnaire answer only; a row that fills any of them but leaves
#: ``rate_basis`` empty is refused as ambiguous.
QUESTIONNAIRE_COLUMNS: tuple[str, ...] = (
    "rate_basis",
    "period",
    "working_days_per_month",
    *BOUND_COLUMNS,
)
#: Every column a survey file may have: the logbook columns, then the questionnaire ones.
FILE_COLUMNS: tuple[str, ...] = (*COLUMNS, *QUESTIONNAIRE_COLUMNS)
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
#: The residue fate that counts as open burning.
BURNED_OPEN = "burned_open"
#: The fuel type of a day without furnace fuel.
NO_FUEL = "none"
#: Where residue goes: burned in the open, delivered to the pilot line, landfilled or
#: dumped, sold to a recycler, collected by the municipal service, kept in stock.
RESIDUE_FATES: tuple[str, ...] = (
    BURNED_OPEN,
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
#: Guidelines Vol. 2 ch. 1 Table 1.2 defaults (pp. 1.18-1.19), read in the official
#: chapter PDF (V2_1_Ch1_Introduction.pdf). ``waste_plastic``: 30 MJ/kg, a design
#: assumption (clean PE/PP ≈ 43-46 MJ/kg; the residue burned under furnaces is wet and
#: dirty); IPCC gives no default.
#: The coal type of the ``coal`` heating value; the coal CO2 factor of
#: :data:`models.mass_balance.FURNACE_FACTORS` must be of the same type.
COAL_KIND = "anthracite"
FUEL_NCV_MJ_PER_KG: dict[str, float] = {
    "coal": 26.7,
    "wood": 15.6,
    "lpg": 47.3,
    "municipal_waste": 10.0,
    "waste_plastic": 30.0,
}
#: Vietnamese column headers, as field staff write them, and the column each stands
#: for (normalised: lower case, NFC, spaces and hyphens as ``_``, brackets dropped).
COLUMN_ALIASES: dict[str, str] = {
    "địa_điểm": "site",
    "làng_nghề": "site",
    "hộ": "household",
    "mã_hộ": "household",
    "dây_chuyền": "line",
    "ngày": "date",
    "nhựa_xử_lý_kg": "plastic_processed_kg",
    "khối_lượng_nhựa_kg": "plastic_processed_kg",
    "phế_thải_kg": "residue_kg",
    "chất_thải_còn_lại_kg": "residue_kg",
    "xử_lý_phế_thải": "residue_fate",
    "loại_nhiên_liệu": "fuel_type",
    "nhiên_liệu_kg": "fuel_kg",
    "điện_kwh": "electricity_kwh",
    "giờ_làm_việc_h": "hours_worked_h",
    "số_giờ_làm_việc": "hours_worked_h",
    "nguồn": "source",
    "ghi_chú": "note",
    "đơn_vị_thời_gian": "rate_basis",
    "tính_theo": "rate_basis",
    "kỳ": "period",
    "giai_đoạn": "period",
    "số_ngày_làm_việc_tháng": "working_days_per_month",
    "số_ngày_làm_việc_mỗi_tháng": "working_days_per_month",
    "số_ngày_làm_việc/tháng": "working_days_per_month",
    "nhựa_xử_lý_thấp_nhất_kg": "plastic_processed_kg_low",
    "nhựa_xử_lý_cao_nhất_kg": "plastic_processed_kg_high",
    "phế_thải_thấp_nhất_kg": "residue_kg_low",
    "phế_thải_cao_nhất_kg": "residue_kg_high",
    "nhiên_liệu_thấp_nhất_kg": "fuel_kg_low",
    "nhiên_liệu_cao_nhất_kg": "fuel_kg_high",
    "điện_thấp_nhất_kwh": "electricity_kwh_low",
    "điện_cao_nhất_kwh": "electricity_kwh_high",
}
#: Columns of the good rows (:attr:`SurveyImport.rows`); ``household``/``line`` are
#: ``""`` when not given, ``date`` is ``YYYY-MM-DD``, numbers are float (NaN unknown),
#: ``file_line`` is the row's line in the file and ``row_hash`` a SHA-256 of its values.
ROW_COLUMNS: tuple[str, ...] = (*FILE_COLUMNS, "file_line", "row_hash")
#: Natural key of a row: one record per source, site, household/line and day.
KEY_COLUMNS: tuple[str, ...] = ("source", "site", "household", "line", "date")


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
    #: Numbers use a decimal comma (a semicolon-separated CSV, as Excel writes it under a
    #: Vietnamese locale).
    decimal_comma: bool = False


@dataclass(frozen=True)
class SurveyImport:
    """Validated survey file: good ``rows`` (:data:`ROW_COLUMNS`) and refused rows."""

    name: str
    rows: pd.DataFrame
    errors: tuple[RowError, ...]
