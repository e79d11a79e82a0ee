"""The activity of each window from every source of evidence: sensors and survey rows.

``[assumptions]`` says per period kind which evidence serves (``sensors``, ``survey``,
``both``; :mod:`pilot.config.assumptions`). The survey rows are those ``pilot import``
stored (``[survey] path``) whose site is the window's and whose local date lies inside
the window's period; household rows count under their site's first line.

* ``survey``: a line whose period has survey rows takes its activity from them
  (:func:`models.survey_evidence.survey_evidence`, ``use="all"``); the sensors serve
  the other lines.
* ``both``: the sensors' activity, plus the survey's residue burned in the open, used as
  given instead of the assumed burning share.
* ``sensors``: the sensors only.

The window's length (``period_days``) always stays, so periods compare at the same rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from models.survey_evidence import survey_evidence
from models.vocabulary import PERIOD_DAYS
from pilot.config import Config
from pilot.pipeline.activity import ActivitySet
from pilot.survey_store import SurveyStore

__all__ = ["EvidenceActivity", "with_evidence"]


@dataclass(frozen=True)
class EvidenceActivity:
    """The windows' activity with the survey evidence merged in; :meth:`table` as
    :class:`~pilot.pipeline.activity.ActivitySet`."""

    activities: ActivitySet
    frame: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """The merged activity table (:data:`models.activity_table.ACTIVITY_COLUMNS`)."""
        return self.frame


def _survey_rows(config: Config) -> pd.DataFrame:
    path = config.survey.path
    if not path.exists():
        return pd.DataFrame()
    with SurveyStore(path) as store:
        return store.rows()


def with_evidence(config: Config, activities: ActivitySet) -> EvidenceActivity:
    """The activity of ``activities`` with the survey evidence ``[assumptions]`` asks for."""
    settings = config.assumptions
    use_of = {"baseline": settings.baseline_evidence, "post": settings.post_evidence}
    rows = _survey_rows(config)
    parts = []
    tz = config.tzinfo
    for window_activity in activities.windows:
        w = window_activity.window
        table = window_activity.table()
        use = use_of.get(w.kind, "sensors")
        if use == "sensors" or rows.empty:
            parts.append(table)
            continue
        start = pd.Timestamp(w.start).tz_convert(tz).strftime("%Y-%m-%d")
        end = pd.Timestamp(w.end).tz_convert(tz).strftime("%Y-%m-%d")
        first_line = config.site(w.site).lines[0].id
        mine = rows[
            (rows["site"] == w.site)
            & (rows["date"] >= start)
            & (rows["date"] < end)
            & ((rows["line"] == w.line) | ((rows["line"] == "") & (w.line == first_line)))
        ]
        if mine.empty:
            parts.append(table)
            continue
        survey = survey_evidence(
            mine,
            period=w.kind,
            line_of_site={w.site: w.line},
            use="all" if use == "survey" else "burned_only",
            relative_uncertainty=settings.survey_relative_uncertainty,
        )
        if use == "survey":
            table = table[table["quantity"] == PERIOD_DAYS]
        parts.append(pd.concat([table, survey], ignore_index=True))
    return EvidenceActivity(activities, pd.concat(parts, ignore_index=True))
