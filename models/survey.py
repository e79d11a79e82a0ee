"""Survey and manual-log data: reading, row validation, and the survey activity table.

Most baseline data predate the sensors: household questionnaires and logbooks give, per
household (or per line) and day, the plastic processed, the residue and its fate, the
furnace fuel, the electricity and the hours worked. The survey modules read such a table
from CSV (UTF-8, with or without BOM) or Excel (``.xlsx``) (:mod:`models.survey_files`),
check every row (:mod:`models.survey_validation`) against the
configured sites, households and lines (:class:`SurveyCatalog`, plain values: the models
never read configuration) and returns the good rows as a DataFrame
(:data:`ROW_COLUMNS`) and the bad ones as :class:`RowError` (line number and reason).
A file that cannot be read as a table at all (wrong encoding, missing columns) raises
:class:`SurveyFileError`. :func:`survey_activity_input` turns good rows into the input
of :func:`models.activity.activity_from_survey`; :func:`survey_daily_indicators` into the
daily values of :func:`models.comparison.compare_indicators`. This module re-exports the
names of :mod:`models.survey_schema`, :mod:`models.survey_files` and
:mod:`models.survey_validation`, so ``from models.survey import ...`` reaches them all.

The columns a survey file may have, their units and the allowed words are listed in
:mod:`models.survey_schema`.

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

from collections.abc import Mapping

import numpy as np
import pandas as pd

from emission_factors.units import MJ_PER_KWH
from models.errors import ModelError
from models.furnace_fuels import fuel_ncv
from models.survey_files import decode_csv, read_csv_table, read_survey_file, read_xlsx_table
from models.survey_rates import is_questionnaire
from models.survey_schema import (
    BURNED_OPEN,
    COLUMNS,
    FUEL_NCV_MJ_PER_KG,
    KEY_COLUMNS,
    NUMBER_COLUMNS,
    RATE_NUMBER_COLUMNS,
    REQUIRED_COLUMNS,
    RESIDUE_FATES,
    ROW_COLUMNS,
    RawTable,
    RowError,
    SurveyCatalog,
    SurveyFileError,
    SurveyImport,
)
from models.survey_validation import parse_survey_csv, validate_table
from models.vocabulary import (
    ACTIVITY_QUANTITIES,
    ENERGY_KWH,
    INDICATORS,
    INTAKE_KG,
    PROCESSED_KG,
    RUNNING_H,
)

__all__ = [
    "COLUMNS",
    "FUEL_NCV_MJ_PER_KG",
    "KEY_COLUMNS",
    "NUMBER_COLUMNS",
    "RATE_NUMBER_COLUMNS",
    "REQUIRED_COLUMNS",
    "RESIDUE_FATES",
    "ROW_COLUMNS",
    "SURVEY_INDICATORS",
    "RawTable",
    "RowError",
    "SurveyCatalog",
    "SurveyFileError",
    "SurveyImport",
    "answer_specific_energy",
    "decode_csv",
    "parse_survey_csv",
    "read_csv_table",
    "read_survey_file",
    "read_xlsx_table",
    "survey_activity_input",
    "survey_daily_indicators",
    "validate_table",
]


def survey_activity_input(
    rows: pd.DataFrame,
    *,
    line_of_site: Mapping[str, str] | None = None,
    relative_uncertainty: float = 0.2,
) -> pd.DataFrame:
    r"""Survey rows summed per site and line, as input of ``activity_from_survey``.

    Per site and line: ``processed_kg`` = Σ plastic processed; ``intake_kg`` =
    :math:`P + R` over every row (no change of stock, as in :mod:`models.mass_balance`),
    where rows without a residue weighing get the residue rate of the rows with one
    (:math:`R = P \cdot \sum R_w / \sum P_w`), so intake never falls below processed;
    left out when no row weighs the residue; ``energy_kwh`` =
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
    1  line-1     intake_kg  1100.0   kg
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
    frame[ENERGY_KWH] = _energy_kwh(frame)
    frame[INTAKE_KG] = _intake_kg(frame)
    quantities = {
        ENERGY_KWH: (ENERGY_KWH, ACTIVITY_QUANTITIES[ENERGY_KWH]),
        INTAKE_KG: (INTAKE_KG, ACTIVITY_QUANTITIES[INTAKE_KG]),
        PROCESSED_KG: ("plastic_processed_kg", ACTIVITY_QUANTITIES[PROCESSED_KG]),
        RUNNING_H: ("hours_worked_h", ACTIVITY_QUANTITIES[RUNNING_H]),
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


def _intake_kg(rows: pd.DataFrame) -> pd.Series:
    """Processed plus residue of each row [kg]; a row without a residue weighing gets the
    residue per kg processed of the weighed rows of its site and line; NaN when no row of
    the group weighs its residue."""
    processed = rows["plastic_processed_kg"].astype(float)
    residue = rows["residue_kg"].astype(float)
    weighed = residue.notna() & processed.notna()
    keys = [rows["site"], rows["line"]]
    rate = residue.where(weighed).groupby(keys).transform("sum") / processed.where(weighed).groupby(
        keys
    ).transform("sum")
    rate = rate.where(weighed.groupby(keys).transform("any"))
    return processed + residue.where(weighed, processed * rate)


def _energy_kwh(rows: pd.DataFrame) -> np.ndarray:
    """Electricity plus fuel energy of each row [kWh]; NaN when neither is known."""
    ncv = rows["fuel_type"].fillna("").map(lambda fuel: (fuel_ncv(fuel) or (np.nan,))[0])
    ncv = ncv.astype(float)
    fuel_kg = rows["fuel_kg"].astype(float)
    fuel_kwh = (fuel_kg * ncv / MJ_PER_KWH).where(~fuel_kg.eq(0), 0.0)
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
    which the comparison counts as a day without data. Questionnaire answers
    (``rate_basis`` set) are typical rates, not days: they are left out.

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
    rows = rows[~is_questionnaire(rows)]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    processed = rows["plastic_processed_kg"].astype(float)
    residue = rows["residue_kg"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        energy = _energy_kwh(rows) / processed.where(processed > 0).to_numpy()
        share = (residue / (processed + residue)).where(processed + residue > 0)
    burned = residue.where(rows["residue_fate"] == BURNED_OPEN, 0.0).where(residue.notna())
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


def answer_specific_energy(rows: pd.DataFrame, period: str) -> pd.DataFrame:
    """Specific energy [kWh/kg] of each questionnaire answer of ``period`` kind: energy
    (electricity + fuel × NCV) / plastic processed, the same per working day or per
    month (both amounts are on the answer's basis). NaN where nothing is processed.

    Returns
    -------
    DataFrame with columns ``site, household, value``.

    >>> rows = pd.DataFrame({"site": ["mk"], "household": ["h1"], "rate_basis": ["month"],
    ...     "period": ["baseline"], "plastic_processed_kg": [9000.0], "fuel_type": ["none"],
    ...     "fuel_kg": [0.0], "electricity_kwh": [450.0]})
    >>> answer_specific_energy(rows, "baseline")["value"].tolist()
    [0.05]
    """
    answers = rows[is_questionnaire(rows) & (rows.get("period") == period)]
    processed = answers["plastic_processed_kg"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = _energy_kwh(answers) / processed.where(processed > 0).to_numpy()
    return pd.DataFrame(
        {
            "site": answers["site"].to_numpy(),
            "household": answers["household"].to_numpy(),
            "value": np.asarray(value, dtype=float),
        }
    )
