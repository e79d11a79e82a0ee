r"""Questionnaire answers (typical rates) scaled over a period.

A questionnaire answer (a survey row with ``rate_basis``, :mod:`models.survey_schema`)
gives a household's typical amounts per working day or per month, not one day's. Over a
period of :math:`D` days, a per-day rate :math:`r_d` with :math:`W` working days per
month and a per-month rate :math:`r_m` become

.. math::

    A = r_d \cdot D \cdot W / \bar M, \qquad A = r_m \cdot D / \bar M,

with :math:`\bar M` = :data:`MEAN_DAYS_PER_MONTH`. The respondent's low and high scale
the same way; hours worked too. The answer describes typical activity, so it serves a
window of its ``period`` kind whatever the window's dates (``docs/survey.md``).

>>> rows = pd.DataFrame({"rate_basis": ["day", "month"], "working_days_per_month": [26.0, 25.0],
...     "plastic_processed_kg": [500.0, 9000.0], "plastic_processed_kg_low": [400.0, 8000.0],
...     "plastic_processed_kg_high": [600.0, 10000.0], "residue_kg": [50.0, 900.0],
...     "fuel_kg": [float("nan"), 0.0], "electricity_kwh": [20.0, 600.0],
...     "hours_worked_h": [10.0, 250.0]})
>>> scaled = scale_rates(rows, period_days=30.436875)
>>> scaled[["plastic_processed_kg", "plastic_processed_kg_low", "residue_kg"]]
   plastic_processed_kg  plastic_processed_kg_low  residue_kg
0               13000.0                   10400.0      1300.0
1                9000.0                    8000.0       900.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.errors import ModelError
from models.survey_schema import BOUND_COLUMNS, RATE_AMOUNTS, RATE_BASES

__all__ = ["MEAN_DAYS_PER_MONTH", "is_questionnaire", "scale_rates"]

#: Mean length of a month of the Gregorian calendar [d]: 365.2425 d / 12.
MEAN_DAYS_PER_MONTH = 365.2425 / 12
_SCALED = (*RATE_AMOUNTS, *BOUND_COLUMNS, "hours_worked_h")


def is_questionnaire(rows: pd.DataFrame) -> pd.Series:
    """True for the questionnaire answers (``rate_basis`` ``day`` or ``month``), False
    for logbook days (and for every row of a table without ``rate_basis``)."""
    if "rate_basis" not in rows:
        return pd.Series(False, index=rows.index)
    return rows["rate_basis"].fillna("").isin(RATE_BASES)


def scale_rates(rows: pd.DataFrame, *, period_days: float) -> pd.DataFrame:
    """Questionnaire answers as amounts over a period of ``period_days`` [d] (module
    docstring): every amount, its low and high, and the hours become period totals.

    Raises
    ------
    ModelError
        ``period_days`` not above 0, a row that is not a questionnaire answer, or a
        per-day rate without working days per month.
    """
    if not period_days > 0:
        raise ModelError(f"period_days must be above 0, got {period_days}")
    if not is_questionnaire(rows).all():
        raise ModelError("scale_rates takes questionnaire answers only (rate_basis day|month)")
    per_day = rows["rate_basis"] == "day"
    working = rows["working_days_per_month"].astype(float)
    if (per_day & working.isna()).any():
        raise ModelError("a per-day rate needs working_days_per_month to scale over a period")
    months = period_days / MEAN_DAYS_PER_MONTH
    factor = np.where(per_day, months * working, months)
    out = rows.copy()
    for column in _SCALED:
        if column in out:
            out[column] = out[column].astype(float) * factor
    return out
