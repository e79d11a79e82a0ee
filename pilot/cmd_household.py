"""``pilot report household``: the monthly one-page summary of each delivering household.

``pilot report household --month 2020-10 --out reports/`` writes
``reports/household-2020-10-mk-h01.pdf`` (``...-en.pdf`` with ``--lang en``) for every
configured household whose code is on an intake weighing of that local month, and prints
the paths. ``--household mk-h01`` makes only that page. The data come from the
configured store, or from ``DIR/readings.sqlite`` with ``--from-demo DIR``; the demo
simulates 2020-10-05 and 2020-10-06, so ``--month 2020-10`` works right after it.

What each page needs, and where it comes from here (the page itself is
:mod:`reports.household`):

* deliveries: the intake sensor's readings of the month carrying the household code;
* avoided burning and PCDD/F: :func:`models.avoided_burning.avoided_open_burning` on the
  month's delivered mass (seeded Monte Carlo, ``--draws``, ``--seed``);
* energy per kg: the activity (:mod:`models.activity`) of the line(s) the household
  delivered to over the month, and of the baseline periods (configured ``[[periods]]``,
  or the demo's baseline windows); the household's own baseline and the village median
  from the survey store (``[survey] path``, or ``DIR/survey.sqlite`` with
  ``--from-demo``): survey days before the first post period of the site.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from pilot.config import Config, Site
from pilot.errors import PilotError

__all__ = ["cmd_report_household", "register"]


def _month(text: str) -> tuple[int, int]:
    """``YYYY-MM`` -> (year, month).

    >>> _month("2020-10")
    (2020, 10)
    """
    try:
        when = datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month like 2020-10") from None
    return when.year, when.month


def register(kinds: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``household`` to ``pilot report``."""
    household = kinds.add_parser(
        "household", help="one page per household and month, Vietnamese by default"
    )
    household.add_argument("--month", required=True, type=_month, help="local month, YYYY-MM")
    household.add_argument("--household", help="only this household code (e.g. mk-h01)")
    household.add_argument(
        "--lang", choices=("vi", "en"), default="vi", help="language (default vi)"
    )
    household.add_argument("--out", required=True, help="output folder")
    household.add_argument("-c", "--config", default=argparse.SUPPRESS, help="configuration file")
    household.add_argument(
        "--from-demo",
        metavar="DIR",
        help="read DIR/readings.sqlite (and the windows of DIR/summary.json) written by "
        "`pilot demo` instead of the configured store",
    )
    household.add_argument(
        "--draws", type=int, default=10_000, help="Monte Carlo draws (default 10000)"
    )
    household.add_argument("--seed", type=int, default=2019, help="Monte Carlo seed (default 2019)")
    household.set_defaults(func=cmd_report_household)


@dataclass
class _Source:
    """Where the readings come from: store, sampled interval, baseline windows, survey."""

    store: Any
    sampled_interval_s: float | None
    baseline: dict[tuple[str, str], list[tuple[datetime, datetime]]]
    survey_path: Path | None


def _source(config: Config, from_demo: str | None) -> _Source:
    from monitoring.stores.sqlite import SQLiteStore
    from pilot.wiring import make_store

    baseline: dict[tuple[str, str], list[tuple[datetime, datetime]]] = {}
    if from_demo:
        folder = Path(from_demo)
        path = folder / "readings.sqlite"
        if not path.exists():
            raise PilotError(f"no {path}; run `pilot demo --out {folder}` first")
        sampled = None
        summary_path = folder / "summary.json"
        if summary_path.exists():
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
            sampled = summary.get("options", {}).get("interval_s")
            for seg in summary.get("segments", []):
                if seg["regime"] == "baseline":
                    baseline.setdefault((seg["site"], seg["line"]), []).append(
                        (
                            datetime.fromisoformat(seg["start_utc"]),
                            datetime.fromisoformat(seg["end_utc"]),
                        )
                    )
        else:
            _config_baseline(config, baseline)
        return _Source(SQLiteStore(path), sampled, baseline, folder / "survey.sqlite")
    _config_baseline(config, baseline)
    return _Source(make_store(config.store), None, baseline, config.survey.path)


def _config_baseline(
    config: Config, into: dict[tuple[str, str], list[tuple[datetime, datetime]]]
) -> None:
    for period in config.periods_of("baseline"):
        for site in config.sites:
            if site.id in period.sites:
                for line in site.lines:
                    into.setdefault((site.id, line.id), []).append((period.start, period.end))


def _specific_energy(
    config: Config,
    source: _Source,
    site: str,
    line: str,
    windows: list[tuple[datetime, datetime]],
) -> tuple[float, float]:
    """(energy [kWh], processed [kg]) of ``line`` over ``windows``; zeros without data."""
    from models.activity import extract_activity
    from models.errors import ModelError
    from pilot.cmd_estimate import line_parameters

    params = line_parameters(config.line(site, line), sampled_interval_s=source.sampled_interval_s)
    energy = processed = 0.0
    for start, end in windows:
        readings = source.store.read(site=site, line=line, start=start, end=end)
        if readings.empty:
            continue
        try:
            activity = extract_activity(readings, params, start=start, end=end)
        except ModelError:
            continue  # e.g. no throughput readings: this window tells nothing of energy/kg
        if np.isfinite(activity.energy_kwh) and activity.processed_kg > 0:
            energy += activity.energy_kwh
            processed += activity.processed_kg
    return energy, processed


def _survey_baseline(config: Config, path: Path | None) -> pd.DataFrame:
    """Median daily energy per kg [kWh/kg] of each surveyed household before the pilot:
    columns ``site, household, value``; empty without a survey store."""
    columns = ["site", "household", "value"]
    if path is None or not path.exists():
        return pd.DataFrame(columns=columns)
    from models.survey import survey_daily_indicators
    from pilot.cmd_import import SurveyStore

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
    daily = daily[keep]
    if daily.empty:
        return pd.DataFrame(columns=columns)
    medians = daily.groupby(["site", "household"])["value"].median().reset_index()
    return medians[columns]


def _period_text(windows: list[tuple[datetime, datetime]], tz: ZoneInfo) -> str:
    """Local dates of the baseline windows, ``03/06/2019-16/06/2019`` (end inclusive)."""
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


def cmd_report_household(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from models.avoided_burning import avoided_open_burning
    from pilot.cli import _load
    from pilot.cmd_estimate import factor_library
    from reports.household import (
        EnergyComparison,
        FactorNote,
        HouseholdMonth,
        month_bounds,
        write_household_pdf,
    )

    config = _load(args)
    tz = config.tzinfo
    year, month = args.month
    month_text = f"{year}-{month:02d}"
    start, end = month_bounds(year, month, tz)
    chosen = _selected(config, args.household)
    library = factor_library(config)
    source = _source(config, args.from_demo)
    pages: list[HouseholdMonth] = []
    try:
        # Intake weighings of the month, per line of the sites concerned.
        weighings: dict[tuple[str, str], pd.DataFrame] = {}
        for site in {s.id: s for s, _, _ in chosen}.values():
            for line in site.lines:
                intake = next((s.sensor for s in line.sensors if s.kind == "intake"), None)
                if intake is None:
                    continue
                frame = source.store.read(
                    site=site.id, line=line.id, start=start, end=end, sensors=[intake]
                )
                weighings[(site.id, line.id)] = frame
        survey = _survey_baseline(config, source.survey_path)
        energy_cache: dict[tuple[str, str], tuple[float, float, float, float]] = {}
        skipped = []
        for site, code, name in chosen:
            lines = [
                (line, frame[frame["household"] == code])
                for (site_id, line), frame in weighings.items()
                if site_id == site.id
            ]
            lines = [(line, part) for line, part in lines if not part.empty]
            if not lines:
                skipped.append(code)
                continue
            deliveries = pd.concat([part[["time", "value"]] for _, part in lines])
            line_total = sum(float(weighings[(site.id, line)]["value"].sum()) for line, _ in lines)
            month_e = month_kg = base_e = base_kg = 0.0
            for line, _ in lines:
                if (site.id, line) not in energy_cache:
                    e, kg = _specific_energy(config, source, site.id, line, [(start, end)])
                    be, bkg = _specific_energy(
                        config, source, site.id, line, source.baseline.get((site.id, line), [])
                    )
                    energy_cache[(site.id, line)] = (e, kg, be, bkg)
                e, kg, be, bkg = energy_cache[(site.id, line)]
                month_e, month_kg, base_e, base_kg = (
                    month_e + e,
                    month_kg + kg,
                    base_e + be,
                    base_kg + bkg,
                )
            windows = [w for line, _ in lines for w in source.baseline.get((site.id, line), [])]
            own = survey[(survey["site"] == site.id) & (survey["household"] == code)]
            village = survey[survey["site"] == site.id]
            avoided = avoided_open_burning(
                float(deliveries["value"].sum()), library, draws=args.draws, seed=args.seed
            )
            factor = library[avoided.factor_air]
            line_objects = [config.line(site.id, line) for line, _ in lines]
            pages.append(
                HouseholdMonth(
                    household_id=code,
                    household_name=name,
                    site_name=site.name,
                    site_name_vi=site.name_vi,
                    line_name="; ".join(ln.name for ln in line_objects),
                    line_name_vi="; ".join(ln.name_vi for ln in line_objects),
                    year=year,
                    month=month,
                    deliveries=deliveries.reset_index(drop=True),
                    line_delivered_kg=line_total,
                    avoided=avoided,
                    factor=FactorNote(
                        factor_id=factor.id,
                        value=factor.value,
                        document=factor.document,
                        edition=factor.edition,
                        category=factor.source_category,
                        klass=factor.toolkit_class,
                        verification=factor.verification,
                    ),
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
    finally:
        source.store.close()
    if not pages:
        who = f"household {args.household}" if args.household else "any configured household"
        raise PilotError(
            f"no intake weighings of {who} in {month_text} (local time, {tz.key}); choose a "
            "month with deliveries (after `pilot demo`: --month 2020-10 or 2019-06 with "
            "--from-demo DIR), or check that the intake scale sends household codes"
        )
    if skipped and args.household is None:
        print(
            f"pilot: {len(skipped)} household(s) without deliveries in {month_text}, no page: "
            + ", ".join(skipped),
            file=sys.stderr,
        )
    made = datetime.now(tz).date()
    out = Path(args.out)
    suffix = "" if args.lang == "vi" else f"-{args.lang}"
    bar = tqdm(
        pages,
        desc="household pages",
        unit="page",
        disable=getattr(args, "quiet", False) or len(pages) < 2,
    )
    for page in bar:
        path = out / f"household-{month_text}-{page.household_id}{suffix}.pdf"
        write_household_pdf(page, lang=args.lang, tz=tz, out=path, made=made)
        print(path)
    return 0
