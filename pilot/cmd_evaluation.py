"""``pilot report evaluation``: the evaluator report (PDF and CSV tables beside it).

``pilot report evaluation [--site S] --out FILE.pdf [--from-demo DIR] [--draws N]
[--seed S]`` reads each configured line's readings over the baseline and post periods
(or the windows the demo simulated), and gathers what :mod:`reports.evaluation` shows:

* releases with Monte Carlo intervals (:func:`pilot.cmd_estimate.estimate`);
* the activity of every local day (:func:`models.activity.extract_activity` on that day's
  readings), turned into daily indicators (:mod:`models.daily_indicators`) and compared
  (:func:`models.comparison.compare_indicators`, per line);
* completeness per line, period and sensor (the days' completeness weighted by their
  length, i.e. readings received / expected over the window);
* the factors behind the releases and the assumptions of the mass balance.

A period without readings stops the command (exit 3) with a message naming the line and
period. Progress goes to stderr; the paths written go to stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pilot.config import Config
from pilot.errors import PilotError

__all__ = ["evaluation_report", "local_days", "register"]

Window = tuple[str, datetime, datetime, str, str]


def register(kinds: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``evaluation`` to ``pilot report``."""
    ev = kinds.add_parser(
        "evaluation", help="before/after report for evaluators (PDF and CSV tables)"
    )
    ev.add_argument("--out", required=True, help="PDF file; CSV tables are written beside it")
    ev.add_argument("--site", help="only this site")
    ev.add_argument("-c", "--config", default=argparse.SUPPRESS, help="configuration file")
    ev.add_argument(
        "--from-demo",
        metavar="DIR",
        help="read DIR/readings.sqlite (and the simulated windows of DIR/summary.json) "
        "written by `pilot demo` instead of the configured store",
    )
    ev.add_argument("--draws", type=int, default=10_000, help="Monte Carlo draws (default 10000)")
    ev.add_argument("--seed", type=int, default=2019, help="Monte Carlo seed (default 2019)")
    ev.set_defaults(func=cmd_report_evaluation)


def local_days(start: datetime, end: datetime, tz: Any) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut at local midnights of ``tz``.

    >>> from zoneinfo import ZoneInfo
    >>> tz = ZoneInfo("Asia/Ho_Chi_Minh")
    >>> start, end = datetime(2020, 10, 5, tzinfo=tz), datetime(2020, 10, 6, 12, tzinfo=tz)
    >>> days = local_days(start, end, tz)
    >>> [(a.isoformat(), b.isoformat()) for a, b in days]  # doctest: +NORMALIZE_WHITESPACE
    [('2020-10-05T00:00:00+07:00', '2020-10-06T00:00:00+07:00'),
     ('2020-10-06T00:00:00+07:00', '2020-10-06T12:00:00+07:00')]
    """
    days = []
    t = start.astimezone(tz)
    end = end.astimezone(tz)
    while t < end:
        midnight = datetime(t.year, t.month, t.day, tzinfo=tz) + timedelta(days=1)
        stop = min(midnight, end)
        days.append((t, stop))
        t = stop
    return days


def cmd_report_evaluation(args: argparse.Namespace) -> int:
    from monitoring.stores.sqlite import SQLiteStore
    from pilot.cli import _config_path, _load
    from pilot.cmd_estimate import _windows
    from pilot.wiring import make_store

    config = _load(args)
    config_bytes = _config_path(args).read_bytes()
    demo = None
    sampled = None
    if args.from_demo:
        folder = Path(args.from_demo)
        path = folder / "readings.sqlite"
        if not path.exists():
            raise PilotError(f"no {path}; run `pilot demo --out {folder}` first")
        summary = folder / "summary.json"
        demo = json.loads(summary.read_text(encoding="utf-8")) if summary.exists() else {}
        sampled = demo.get("options", {}).get("interval_s")
        if not demo.get("segments"):
            demo = None  # no simulated windows known: use the configured periods
        store = SQLiteStore(path)
    else:
        store = make_store(config.store)
    if args.site is not None and all(s.id != args.site for s in config.sites):
        store.close()
        raise PilotError(
            f"unknown site {args.site!r}; configured: {', '.join(s.id for s in config.sites)}"
        )
    try:
        windows = _windows(config, ("baseline", "post"), args.site, None, demo)
        paths = evaluation_report(
            config,
            store,
            windows,
            out=Path(args.out),
            config_bytes=config_bytes,
            draws=args.draws,
            seed=args.seed,
            sampled_interval_s=sampled,
            scope=config.site(args.site).name if args.site else "all sites",
            progress=not getattr(args, "quiet", False),
        )
    finally:
        store.close()
    for path in paths:
        print(path)
    return 0


def _day_rows(
    config: Config,
    store: Any,
    window: Window,
    *,
    sampled_interval_s: float | None,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Per-day activity rows and per-day sensor completeness rows of one window."""
    from models.activity import extract_activity
    from models.errors import ModelError
    from pilot.cmd_estimate import line_parameters

    kind, start, end, site_id, line_id = window
    params = line_parameters(config.line(site_id, line_id), sampled_interval_s=sampled_interval_s)
    clocked = list(params.expected_interval_s)
    days, completeness = [], []
    for day_start, day_end in local_days(start, end, config.tzinfo):
        hours = (day_end - day_start).total_seconds() / 3600.0
        day = pd.Timestamp(day_start.date())
        readings = store.read(site=site_id, line=line_id, start=day_start, end=day_end)
        row: dict[str, object] = {
            "site": site_id,
            "line": line_id,
            "period": kind,
            "day": day,
            "processed_kg": np.nan,
            "energy_kwh": np.nan,
            "in_window_share": np.nan,
            "completeness": 0.0,
        }
        by_sensor = dict.fromkeys(clocked, 0.0)
        if not readings.empty:
            try:
                activity = extract_activity(readings, params, start=day_start, end=day_end)
            except ModelError:
                # A day without throughput readings: a day without data (completeness
                # below says which sensors reported).
                activity = None
            if activity is not None:
                row |= {
                    "processed_kg": activity.processed_kg,
                    "energy_kwh": activity.energy_kwh,
                    "in_window_share": activity.in_window_share,
                    "completeness": float(np.mean(list(activity.completeness.values())))
                    if activity.completeness
                    else 0.0,
                }
                by_sensor |= activity.completeness
            else:
                counts = readings["sensor"].value_counts()
                for sensor in clocked:
                    expected = hours * 3600.0 / params.expected_interval_s[sensor]
                    by_sensor[sensor] = min(1.0, counts.get(sensor, 0) / expected)
        days.append(row)
        for sensor, share in by_sensor.items():
            completeness.append(
                {
                    "site": site_id,
                    "line": line_id,
                    "period": kind,
                    "sensor": sensor,
                    "hours": hours,
                    "share": share,
                    "has_data": not np.isnan(float(row["processed_kg"])),  # type: ignore[arg-type]
                }
            )
    return days, completeness


def _completeness_table(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["weighted"] = frame["share"] * frame["hours"]
    keys = ["site", "line", "period", "sensor"]
    grouped = frame.groupby(keys, sort=False)
    table = grouped[["weighted", "hours"]].sum()
    table["completeness"] = table["weighted"] / table["hours"]
    table["days"] = grouped.size()
    table["days_with_data"] = grouped["has_data"].sum()
    return table.reset_index()[[*keys, "completeness", "days_with_data", "days"]]


def _assumptions(config: Config, library: Any, gwp_set: str) -> pd.DataFrame:
    from emission_factors.library import load_gwp
    from models.mass_balance import DEFAULT_ASSUMPTIONS
    from models.releases import SIGMA_OF_CONFIDENCE

    rows: list[dict[str, object]] = []
    sources = {
        "residue_share": "≈10 % residual share of the input, pilot-context §1a (60-70 t/d of "
        "residue against 600-650 t/d of input in Minh Khai); range a design assumption",
        "open_burn_share": "baseline: 'most' residue burned (pilot-context §1b, unconfirmed; "
        "design assumption); post: the residue goes to the pilot line",
        "landfill_share": "share of unburned residue landfilled; baseline: no pilot line "
        "existed; post: 0",
    }
    for kind, assume in DEFAULT_ASSUMPTIONS.items():
        for name in ("residue_share", "open_burn_share", "landfill_share"):
            u = getattr(assume, name)
            rows.append(
                {
                    "name": name.replace("_", " "),
                    "period": kind,
                    "value": u.mode,
                    "low": u.low,
                    "high": u.high,
                    "unit": "-",
                    "source": f"models.mass_balance.DEFAULT_ASSUMPTIONS: {sources[name]}",
                }
            )
        rows.append(
            {
                "name": "energy counter measures",
                "period": kind,
                "value": assume.energy_carrier,
                "low": np.nan,
                "high": np.nan,
                "unit": "",
                "source": "fuel: furnace fuel energy [TJ = kWh × 3.6e-6] (baseline); "
                "electricity: grid electricity [MWh] (post line)",
            }
        )
    for level, sigma in SIGMA_OF_CONFIDENCE.items():
        rows.append(
            {
                "name": f"factor spread, confidence {level}",
                "period": "both",
                "value": float(np.exp(1.96 * sigma)),
                "low": np.nan,
                "high": np.nan,
                "unit": "×/÷ (95 %)",
                "source": "models.releases.SIGMA_OF_CONFIDENCE: our assumption (the Toolkit "
                "gives only qualitative confidence, order-of-magnitude factors)",
            }
        )
    for gas, value in load_gwp(gwp_set).items():
        rows.append(
            {
                "name": f"GWP-100 of {gas}",
                "period": "both",
                "value": value,
                "low": np.nan,
                "high": np.nan,
                "unit": "kg CO2e/kg",
                "source": f"IPCC {gwp_set} (emission_factors/data/gwp-100.csv), unverified",
            }
        )
    for factor in library.values():
        if factor.activity_basis == "electricity_mwh" and factor.pollutant.startswith("CO2"):
            rows.append(
                {
                    "name": f"grid factor ({factor.id})",
                    "period": "post",
                    "value": factor.value,
                    "low": np.nan,
                    "high": np.nan,
                    "unit": factor.unit,
                    "source": f"{factor.citation}; {factor.verification}",
                }
            )
    return pd.DataFrame(rows)


def evaluation_report(
    config: Config,
    store: Any,
    windows: list[Window],
    *,
    out: Path,
    config_bytes: bytes,
    draws: int = 10_000,
    seed: int = 2019,
    gwp_set: str = "AR5",
    sampled_interval_s: float | None = None,
    scope: str = "all sites",
    n_resamples: int = 9999,
    progress: bool = True,
) -> list[Path]:
    """Gather the evaluation data from ``store`` over ``windows`` and write the report.

    Returns the PDF's path and the CSV tables' paths.

    Raises
    ------
    PilotError
        A period kind without windows, or a window without readings (the message names
        the line and period and says what to do).
    """
    from tqdm import tqdm

    from models.comparison import compare_indicators
    from models.daily_indicators import daily_indicator_frame
    from models.errors import ModelError
    from models.releases import SIGMA_OF_CONFIDENCE
    from pilot.cli import _version
    from pilot.cmd_estimate import estimate, factor_library
    from reports.evaluation import EvaluationData, Footer, period_text, write_evaluation_report

    for kind in ("baseline", "post"):
        if not any(w[0] == kind for w in windows):
            raise PilotError(
                f"no {kind} period to evaluate; add a [[periods]] entry of kind {kind!r} "
                "or choose another --site"
            )
    steps = len(windows) + 3 + 1 + 6 + 1  # windows, releases..provenance, tables, pages, pdf
    bar = tqdm(total=steps, desc="evaluation report", unit="step", disable=not progress)
    step: Callable[[str], None] = lambda name: (bar.set_postfix_str(name), bar.update(1))  # noqa: E731
    try:
        library = factor_library(config)
        day_rows: list[dict[str, object]] = []
        completeness_rows: list[dict[str, object]] = []
        for window in windows:
            days, comp = _day_rows(config, store, window, sampled_interval_s=sampled_interval_s)
            if all(np.isnan(float(d["processed_kg"])) for d in days):  # type: ignore[arg-type]
                kind, start, end, site_id, line_id = window
                raise PilotError(
                    f"no readings of {site_id}/{line_id} for the {kind} period "
                    f"{start.isoformat()} .. {end.isoformat()}; collect data first, point "
                    "--from-demo at a demo folder, or choose another --site"
                )
            day_rows += days
            completeness_rows += comp
            step(f"{window[3]}/{window[4]} {window[0]}")
        result = estimate(
            config,
            store,
            windows,
            draws=draws,
            seed=seed,
            gwp_set=gwp_set,
            sampled_interval_s=sampled_interval_s,
        )
        step("releases")
        try:
            daily = daily_indicator_frame(pd.DataFrame(day_rows), library)
            comparison = compare_indicators(
                daily, by=("site", "line"), n_resamples=n_resamples, seed=seed
            )
        except ModelError as exc:
            raise PilotError(f"indicator comparison: {exc}") from exc
        step("indicators")
        used = sorted({f for ids in result.totals["factor_ids"] for f in str(ids).split(";")})
        used = [f.strip() for f in used if f.strip()]
        factors = library.to_frame()
        factors = factors[factors["id"].isin(used)].reset_index(drop=True)
        frame = pd.DataFrame(windows, columns=["period", "start", "end", "site", "line"])
        footer = Footer(
            config_sha256=hashlib.sha256(config_bytes).hexdigest(),
            data_period=period_text(frame, config.tzinfo),
            factor_set_version=result.factor_set_version,
            software_version=_version(),
        )
        step("provenance")
        data = EvaluationData(
            deployment=config.name,
            scope=scope,
            windows=frame,
            completeness=_completeness_table(completeness_rows),
            daily=daily,
            comparison=comparison,
            totals=result.totals,
            factors=factors,
            assumptions=_assumptions(config, library, gwp_set),
            draws=result.draws,
            seed=result.seed,
            gwp_set=result.gwp_set,
            sigma_of_confidence=dict(SIGMA_OF_CONFIDENCE),
            n_resamples=n_resamples,
            min_days=7,
            min_completeness=0.8,
            footer=footer,
            tz=config.tzinfo,
        )
        return write_evaluation_report(data, out, on_step=step)
    finally:
        bar.close()
