"""The monthly household pages' data: deliveries, avoided burning, energy per kg.

For each configured household whose code is on an intake weighing of the local month:

* deliveries: the intake sensor's readings of the month carrying the household code;
* avoided burning and PCDD/F: :func:`models.avoided_burning.avoided_open_burning` on the
  month's delivered mass (seeded Monte Carlo);
* energy per kg: the activity of the line(s) the household delivered to over the month,
  and over the configured baseline periods; the household's own baseline and the village
  median from the survey store: survey days before the first post period of the site.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from models.avoided_burning import avoided_open_burning
from models.survey import answer_specific_energy, survey_daily_indicators
from models.vocabulary import BASELINE
from pilot.config import Config, Site
from pilot.errors import PilotError
from pilot.pipeline.activity import extract_windows
from pilot.pipeline.estimate import DEFAULT_MONTE_CARLO, MonteCarlo, factor_library
from pilot.pipeline.source import DataSource
from pilot.pipeline.windows import Window
from pilot.survey_store import SurveyStore
from reports.household import EnergyComparison, FactorNote, HouseholdMonth, month_bounds

__all__ = ["HouseholdPages", "household_pages", "page_path"]

_Key = tuple[str, str]


@dataclass(frozen=True)
class HouseholdPages:
    """The pages of one month, and the households without deliveries (no page)."""

    pages: tuple[HouseholdMonth, ...]
    skipped: tuple[str, ...]


def household_pages(
    config: Config,
    source: DataSource,
    *,
    year: int,
    month: int,
    household: str | None = None,
    mc: MonteCarlo = DEFAULT_MONTE_CARLO,
) -> HouseholdPages:
    """Every delivering household's page of the local month (only ``household`` if given).

    Raises
    ------
    PilotError
        An unknown household code, or no intake weighing of the selection in the month.
    """
    tz = config.tzinfo
    start, end = month_bounds(year, month, tz)
    chosen = _selected(config, household)
    library = factor_library(config)
    baseline = _baseline_windows(config)
    weighings: dict[_Key, pd.DataFrame] = {}
    for site in {s.id: s for s, _, _ in chosen}.values():
        for line in site.lines:
            intake = line.of_kind("intake")
            if intake is not None:
                weighings[(site.id, line.id)] = source.read(
                    site=site.id, line=line.id, start=start, end=end, sensors=[intake.sensor]
                )
    survey = _survey_baseline(config, source.survey_path)
    energy: dict[_Key, tuple[float, float, float, float]] = {}
    pages, skipped = [], []
    for site, code, name in chosen:
        parts = [
            (line, frame[frame["household"] == code])
            for (site_id, line), frame in weighings.items()
            if site_id == site.id
        ]
        parts = [(line, part) for line, part in parts if not part.empty]
        if not parts:
            skipped.append(code)
            continue
        deliveries = pd.concat([part[["time", "value"]] for _, part in parts])
        line_total = sum(float(weighings[(site.id, line)]["value"].sum()) for line, _ in parts)
        month_e = month_kg = base_e = base_kg = 0.0
        for line, _ in parts:
            key = (site.id, line)
            if key not in energy:
                e, kg = _specific_energy(config, source, key, [(start, end)])
                be, bkg = _specific_energy(config, source, key, baseline.get(key, []))
                energy[key] = (e, kg, be, bkg)
            e, kg, be, bkg = energy[key]
            month_e, month_kg, base_e, base_kg = (
                month_e + e,
                month_kg + kg,
                base_e + be,
                base_kg + bkg,
            )
        windows = [w for line, _ in parts for w in baseline.get((site.id, line), [])]
        own = survey[(survey["site"] == site.id) & (survey["household"] == code)]
        village = survey[survey["site"] == site.id]
        # The configuration's [assumptions], as in the evaluator report.
        avoided = avoided_open_burning(
            float(deliveries["value"].sum()),
            library,
            assumptions=config.assumptions.model_assumptions(),
            draws=mc.draws,
            seed=mc.seed,
        )
        factor = library[avoided.factor_air]
        lines = [config.line(site.id, line) for line, _ in parts]
        pages.append(
            HouseholdMonth(
                household_id=code,
                household_name=name,
                site_name=site.name,
                site_name_vi=site.name_vi,
                line_name="; ".join(ln.name for ln in lines),
                line_name_vi="; ".join(ln.name_vi for ln in lines),
                year=year,
                month=month,
                deliveries=deliveries.reset_index(drop=True),
                line_delivered_kg=line_total,
                avoided=avoided,
                factor=FactorNote.of(factor),
                energy=EnergyComparison(
                    line_kwh_per_kg=month_e / month_kg if month_kg > 0 else float("nan"),
                    own_baseline_kwh_per_kg=float(own["value"].iloc[0]) if len(own) else None,
                    village_median_kwh_per_kg=float(village["value"].median())
                    if len(village)
                    else None,
                    village_households=len(village),
                    measured_baseline_kwh_per_kg=base_e / base_kg if base_kg > 0 else None,
                    measured_period=_period_text(windows, tz),
                ),
            )
        )
    if not pages:
        who = f"household {household}" if household else "any configured household"
        raise PilotError(
            f"no intake weighings of {who} in {year}-{month:02d} (local time, {tz.key}); "
            "choose a month with deliveries (after `pilot demo`: --month 2020-10 or 2019-06 "
            "with --config demo-out/pilot.toml), or check that the intake scale sends "
            "household codes"
        )
    return HouseholdPages(tuple(pages), tuple(skipped))


def page_path(folder: Path, year: int, month: int, household_id: str, lang: str) -> Path:
    """Where one household's page goes: ``household-2020-10-mk-h01.pdf`` (``-en`` for
    English).

    >>> page_path(Path("out"), 2020, 10, "mk-h01", "en").name
    'household-2020-10-mk-h01-en.pdf'
    """
    suffix = "" if lang == "vi" else f"-{lang}"
    return folder / f"household-{year}-{month:02d}-{household_id}{suffix}.pdf"


def _baseline_windows(config: Config) -> dict[_Key, list[tuple[datetime, datetime]]]:
    """The configured baseline periods of each line."""
    windows: dict[_Key, list[tuple[datetime, datetime]]] = {}
    for period in config.periods_of("baseline"):
        for site in config.sites:
            if site.id in period.sites:
                for line in site.lines:
                    windows.setdefault((site.id, line.id), []).append((period.start, period.end))
    return windows


def _specific_energy(
    config: Config, source: DataSource, key: _Key, windows: list[tuple[datetime, datetime]]
) -> tuple[float, float]:
    """(energy [kWh], processed [kg]) of one line over ``windows``; zeros without data.

    Each window is read chunk by chunk as the evaluator's (:func:`extract_windows`), so a
    month of 1 Hz readings costs the memory of a chunk, not of the month.
    """
    site, line = key
    energy = processed = 0.0
    for start, end in windows:
        window = Window("energy per kg", start, end, site, line)
        try:
            activity = extract_windows(config, source, [window]).windows[0].activity
        except PilotError:
            continue  # no readings, or no throughput readings: it tells nothing of kWh/kg
        if np.isfinite(activity.energy_kwh) and activity.processed_kg > 0:
            energy += activity.energy_kwh
            processed += activity.processed_kg
    return energy, processed


def _survey_baseline(config: Config, path: Path | None) -> pd.DataFrame:
    """Median daily energy per kg [kWh/kg] of each surveyed household before the pilot,
    with each baseline questionnaire answer counting as one typical value: columns
    ``site, household, value``; empty without a survey store."""
    columns = ["site", "household", "value"]
    if path is None or not path.exists():
        return pd.DataFrame(columns=columns)
    with SurveyStore(path) as survey:
        rows = survey.rows()
    daily = survey_daily_indicators(rows)
    daily = daily[
        (daily["indicator"] == "specific_energy_kwh_per_kg")
        & (daily["household"] != "")
        & daily["value"].notna()
    ]
    # Before the pilot: survey days before the first post period covering the site.
    keep = np.ones(len(daily), dtype=bool)
    for site in config.sites:
        starts = [p.start for p in config.periods_of("post") if site.id in p.sites]
        if starts:
            first = pd.Timestamp(min(starts)).tz_convert(config.tzinfo).tz_localize(None)
            keep &= ~((daily["site"] == site.id) & (daily["day"] >= first.normalize())).to_numpy()
    answers = answer_specific_energy(rows, BASELINE)
    parts = [daily[keep][columns], answers[answers["value"].notna() & (answers["household"] != "")]]
    parts = [part for part in parts if not part.empty]
    if not parts:
        return pd.DataFrame(columns=columns)
    daily = pd.concat(parts, ignore_index=True)
    medians = daily.groupby(["site", "household"])["value"].median().reset_index()
    return medians[columns]


def _period_text(windows: list[tuple[datetime, datetime]], tz: ZoneInfo) -> str:
    """Local dates of the baseline windows, ``03/06/2019–16/06/2019`` (end inclusive)."""
    if not windows:
        return ""
    first = min(w[0] for w in windows).astimezone(tz)
    last = (max(w[1] for w in windows) - timedelta(microseconds=1)).astimezone(tz)
    return f"{first:%d/%m/%Y}–{last:%d/%m/%Y}"


def _selected(config: Config, code: str | None) -> list[tuple[Site, str, str]]:
    """(site, household code, household name) to report on."""
    chosen = [
        (site, h.id, h.name)
        for site in config.sites
        for h in site.households
        if code in (None, h.id)
    ]
    if code is not None and not chosen:
        known = ", ".join(h.id for s in config.sites for h in s.households) or "none"
        raise PilotError(
            f"no household {code!r} in the configuration; configured households: {known}"
        )
    return chosen
