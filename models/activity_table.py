"""The activity table: uncertain quantities of one line in one period, and survey input.

The release model (:mod:`models.releases`) reads activity as a tidy table
(:data:`ACTIVITY_COLUMNS`): one row per period, site, line and quantity, with a central
value and the range its Monte Carlo draws from. Measured activity gives it through
:meth:`models.line_activity.LineActivity.activity_table`; survey or manual data
through :func:`activity_from_survey`.
"""

from __future__ import annotations

import pandas as pd

from models.errors import ModelError
from models.vocabulary import ACTIVITY_QUANTITIES, PERIOD_DAYS

__all__ = ["ACTIVITY_COLUMNS", "SURVEY_QUANTITIES", "activity_from_survey"]

#: Columns of an activity table: one uncertain quantity of one line in one period.
#: ``value`` is the central estimate, ``low``/``high`` the range the Monte Carlo draws
#: from (triangular with mode ``value``), ``source`` says where it came from.
ACTIVITY_COLUMNS = ["period", "site", "line", "quantity", "value", "low", "high", "unit", "source"]

#: Quantities survey data may give, with their unit (every activity quantity but the
#: period length, which the pipeline adds).
SURVEY_QUANTITIES: dict[str, str] = {
    name: unit for name, unit in ACTIVITY_QUANTITIES.items() if name != PERIOD_DAYS
}


def activity_from_survey(survey: pd.DataFrame, *, period: str) -> pd.DataFrame:
    """An activity table from survey or manual data (baseline before the sensors).

    Parameters
    ----------
    survey
        One row per quantity of one line, columns:

        ``site``, ``line``
            Identity.
        ``quantity``
            One of :data:`SURVEY_QUANTITIES` (``intake_kg``, ``processed_kg``,
            ``energy_kwh``, ``running_h``).
        ``value``
            Central estimate, in ``unit``.
        ``low``, ``high`` (optional)
            Range reported by the survey; ``value`` when missing.
        ``unit``
            Must equal the quantity's unit in :data:`SURVEY_QUANTITIES`.
        ``source`` (optional)
            Where the number comes from (questionnaire, logbook...); ``"survey"`` if
            missing.
    period
        Period id written to the table.

    Returns
    -------
    Activity table (:data:`ACTIVITY_COLUMNS`).

    >>> import pandas as pd
    >>> survey = pd.DataFrame({"site": ["minh-khai"], "line": ["line-1"],
    ...     "quantity": ["intake_kg"], "value": [1000.0], "low": [800.0], "high": [1300.0],
    ...     "unit": ["kg"]})
    >>> activity_from_survey(survey, period="baseline-2019")[["quantity", "low", "source"]]
        quantity    low  source
    0  intake_kg  800.0  survey
    """
    missing = [c for c in ("site", "line", "quantity", "value", "unit") if c not in survey]
    if missing:
        raise ModelError(f"survey data lacks columns {missing}; see activity_from_survey")
    table = survey.copy()
    for column in ("low", "high"):
        if column not in table:
            table[column] = table["value"]
        table[column] = table[column].fillna(table["value"])
    if "source" not in table:
        table["source"] = "survey"
    table["source"] = table["source"].fillna("survey")
    for i, row in enumerate(table.itertuples(index=False)):
        expected = SURVEY_QUANTITIES.get(str(row.quantity))
        if expected is None:
            raise ModelError(
                f"survey row {i}: unknown quantity {row.quantity!r}; use one of "
                f"{sorted(SURVEY_QUANTITIES)}"
            )
        if row.unit != expected:
            raise ModelError(
                f"survey row {i}: {row.quantity} must be in {expected}, not {row.unit}"
            )
        if not row.low <= row.value <= row.high:
            raise ModelError(f"survey row {i}: need low <= value <= high for {row.quantity}")
        if row.value < 0:
            raise ModelError(f"survey row {i}: {row.quantity} must not be negative")
    table["period"] = period
    return table[ACTIVITY_COLUMNS].reset_index(drop=True)
