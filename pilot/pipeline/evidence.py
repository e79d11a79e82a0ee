"""The activity of each window from every source of evidence: sensors and survey rows.

``[assumptions]`` says per period kind which evidence serves (``sensors``, ``survey``,
``both``; :mod:`pilot.config.assumptions`). The survey rows of a window are those
``pilot import`` stored (``[survey] path``) whose site is the window's and

* logbook days: whose local date lies inside the window's period;
* questionnaire answers (typical rates): whose ``period`` is the window's kind, whatever
  their interview date, scaled to the window's length
  (:func:`models.survey_rates.scale_rates`). A household with an answer for the window
  counts by its answer only (its logbook days of the window would count twice).

Household rows count under their site's first line. ``[assumptions] comparison_basis =
"same_households"`` keeps only the households with rows in both a baseline and a post
window of their site (line rows stay); :attr:`EvidenceActivity.notes` names the
households it leaves out.

* ``survey``: a line whose period has survey rows takes its activity from them
  (:func:`models.survey_evidence.survey_evidence`, ``use="all"``); the sensors serve
  the other lines.
* ``both``: the sensors' activity, plus the survey's residue burned in the open, used as
  given instead of the assumed burning share.
* ``sensors``: the sensors only.

The window's length (``period_days``) always stays, so periods compare at the same rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from models.survey_evidence import survey_evidence
from models.survey_rates import is_questionnaire, scale_rates
from models.vocabulary import BASELINE, PERIOD_DAYS, POST, SAME_HOUSEHOLDS
from pilot.config import Config
from pilot.errors import PilotError
from pilot.pipeline.activity import ActivitySet, WindowActivity
from pilot.survey_store import SurveyStore

__all__ = ["EvidenceActivity", "with_evidence"]


@dataclass(frozen=True)
class EvidenceActivity:
    """The windows' activity with the survey evidence merged in; :meth:`table` as
    :class:`~pilot.pipeline.activity.ActivitySet`."""

    activities: ActivitySet
    frame: pd.DataFrame
    #: What the comparison basis left out, one sentence each (for stderr and reports).
    notes: tuple[str, ...] = field(default_factory=tuple)

    def table(self) -> pd.DataFrame:
        """The merged activity table (:data:`models.activity_table.ACTIVITY_COLUMNS`)."""
        return self.frame


def _survey_rows(config: Config) -> pd.DataFrame:
    path = config.survey.path
    if not path.exists():
        return pd.DataFrame()
    with SurveyStore(path) as store:
        return store.rows()


def _window_rows(config: Config, rows: pd.DataFrame, done: WindowActivity) -> pd.DataFrame:
    """The stored rows of one window (module docstring), questionnaire answers scaled."""
    w = done.window
    if rows.empty:
        return rows
    start, end = _local_day(w.start, config), _local_day(w.end, config)
    first_line = config.site(w.site).lines[0].id
    answer = is_questionnaire(rows)
    here = (rows["site"] == w.site) & (
        (rows["line"] == w.line) | ((rows["line"] == "") & (w.line == first_line))
    )
    days = here & ~answer & (rows["date"] >= start) & (rows["date"] < end)
    answers = rows[here & answer & (rows["period"] == w.kind)]
    twice = answers[answers.duplicated(["household", "line"], keep=False)]
    if not twice.empty:
        who = twice.iloc[0]["household"] or twice.iloc[0]["line"]
        where = ", ".join(
            f"{f} line {n}" for f, n in twice[["file", "file_line"]].itertuples(index=False)
        )
        raise PilotError(
            f"{w.site}/{who}: {len(twice)} questionnaire answers of period {w.kind} "
            f"({where}); one answer per household and period counts: import the one to "
            "keep into a fresh [survey] path"
        )
    logbook = rows[days & ~rows["household"].isin(set(answers["household"]) - {""})]
    if answers.empty:
        return logbook
    scaled = scale_rates(answers, period_days=float(w.days))
    return pd.concat([logbook, scaled], ignore_index=True)


def _local_day(moment: object, config: Config) -> str:
    return pd.Timestamp(moment).tz_convert(config.tzinfo).strftime("%Y-%m-%d")


def _surveyed(config: Config, rows: pd.DataFrame) -> dict[tuple[str, str], set[str]]:
    """Households surveyed per (site, period kind): an answer of that kind, or a logbook
    day inside a configured period of that kind covering the site (whatever windows the
    command selected, so ``--period baseline`` sees the same households)."""
    present: dict[tuple[str, str], set[str]] = {}
    if rows.empty:
        return present
    answer = is_questionnaire(rows)
    for kind in (BASELINE, POST):
        hit = answer & (rows["period"] == kind)
        for period in config.periods_of(kind):
            start, end = _local_day(period.start, config), _local_day(period.end, config)
            inside = (rows["date"] >= start) & (rows["date"] < end)
            hit |= ~answer & inside & rows["site"].isin(period.sites)
        for site, households in rows[hit & (rows["household"] != "")].groupby("site"):
            present[(str(site), kind)] = set(households["household"])
    return present


def _same_households(
    config: Config, rows: pd.DataFrame, chosen: list[pd.DataFrame], sites: list[str]
) -> tuple[list[pd.DataFrame], tuple[str, ...]]:
    """Keep the household rows of households surveyed in both periods of their site."""
    present = _surveyed(config, rows)
    notes = []
    for site in sorted(set(sites)):
        base, post = present.get((site, BASELINE), set()), present.get((site, POST), set())
        for kind, only in ((BASELINE, base - post), (POST, post - base)):
            if only:
                notes.append(
                    f"comparison basis same_households: {site} household(s) "
                    f"{', '.join(sorted(only))} surveyed in the {kind} period only, left out"
                )
    kept = []
    for mine, site in zip(chosen, sites, strict=True):
        both = present.get((site, BASELINE), set()) & present.get((site, POST), set())
        if not mine.empty:
            mine = mine[(mine["household"] == "") | mine["household"].isin(both)]
        kept.append(mine)
    return kept, tuple(notes)


def with_evidence(config: Config, activities: ActivitySet) -> EvidenceActivity:
    """The activity of ``activities`` with the survey evidence ``[assumptions]`` asks for."""
    settings = config.assumptions
    use_of = {"baseline": settings.baseline_evidence, "post": settings.post_evidence}
    rows = _survey_rows(config)
    chosen = [_window_rows(config, rows, done) for done in activities.windows]
    notes: tuple[str, ...] = ()
    if settings.comparison_basis == SAME_HOUSEHOLDS:
        sites = [done.window.site for done in activities.windows]
        chosen, notes = _same_households(config, rows, chosen, sites)
    parts = []
    for window_activity, mine in zip(activities.windows, chosen, strict=True):
        w = window_activity.window
        table = window_activity.table()
        use = use_of.get(w.kind, "sensors")
        if use == "sensors" or mine.empty:
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
    return EvidenceActivity(activities, pd.concat(parts, ignore_index=True), notes)
