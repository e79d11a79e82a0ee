"""``pilot estimate`` and ``pilot factors``: releases with intervals, and the factor library.

``pilot estimate --period baseline|post|compare`` reads each line's readings over the
configured periods of that kind from the configured store (or ``--from-demo DIR``),
extracts the activity (:mod:`models.activity`), and runs the release model
(:mod:`models.releases`) with a seeded Monte Carlo. ``compare`` adds the reduction
rows. Results go to stdout (``--format table|csv|json``), messages to stderr.

``pilot factors list`` prints the library with provenance; ``pilot factors show ID``
prints one factor in full. Site-measured factors of ``[[factors]]`` are included.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from emission_factors.library import FactorLibrary, load_factors
from models.activity import LineParameters, extract_activity
from models.releases import Estimate, estimate_releases
from pilot.config import Config
from pilot.errors import PilotError
from sensors.lines import Line

__all__ = ["activity_table", "estimate", "factor_library", "line_parameters", "register"]

_TOTAL_COLUMNS = [
    "period",
    "site",
    "line",
    "pollutant",
    "vector",
    "unit",
    "deterministic",
    "mean",
    "median",
    "p2_5",
    "p97_5",
    "verification",
    "factor_ids",
]


def factor_library(config: Config | None) -> FactorLibrary:
    """The bundled factors plus the configuration's ``[[factors]]``."""
    site = config.factors if config is not None else ()
    origin = str(config.path) if config is not None and config.path else "configuration"
    return load_factors(site_factors=site, site_origin=f"{origin}: factors")


def line_parameters(line: Line, *, sampled_interval_s: float | None = None) -> LineParameters:
    """Activity-extraction parameters of a configured line.

    ``sampled_interval_s`` replaces the interval of clocked, non-counter sensors, as the
    simulator's ``interval_s`` does (the demo thins 1 Hz sensors to 10 s).
    """
    intervals = {}
    for spec in line.sensors:
        if spec.event:
            continue
        sampled = not spec.counter
        interval = spec.interval_s
        if sampled and sampled_interval_s is not None:
            interval = sampled_interval_s
        intervals[spec.sensor] = interval

    def first(kind: str) -> str | None:
        return next((s.sensor for s in line.sensors if s.kind == kind), None)

    return LineParameters(
        process_window_c=line.process_window_c,
        degradation_c=line.degradation_c,
        temperature_sensors=tuple(s.sensor for s in line.sensors if s.kind == "barrel_temp"),
        expected_interval_s=intervals,
        process_temp_sensor=first("melt_temp"),
        throughput_sensor=first("throughput"),
        energy_sensor=first("energy"),
        intake_sensor=first("intake"),
    )


def activity_table(
    config: Config,
    store: Any,
    windows: list[tuple[str, datetime, datetime, str, str]],
    *,
    sampled_interval_s: float | None = None,
) -> pd.DataFrame:
    """Activity table over ``windows`` = (kind, start, end, site, line) from ``store``.

    Raises
    ------
    PilotError
        A window without readings: the message names the line and period.
    """
    from models.errors import ModelError

    tables = []
    for kind, start, end, site_id, line_id in windows:
        readings = store.read(site=site_id, line=line_id, start=start, end=end)
        if readings.empty:
            raise PilotError(
                f"no readings of {site_id}/{line_id} for the {kind} period "
                f"{start.isoformat()} .. {end.isoformat()}; collect data first, point "
                "--from-demo at a demo folder, or choose another --period/--site/--line"
            )
        params = line_parameters(
            config.line(site_id, line_id), sampled_interval_s=sampled_interval_s
        )
        try:
            activity = extract_activity(readings, params, start=start, end=end)
        except ModelError as exc:
            raise PilotError(f"{site_id}/{line_id} {kind}: {exc}") from exc
        table = activity.activity_table(kind)
        days = (end - start).total_seconds() / 86_400
        table.loc[len(table)] = [
            kind,
            site_id,
            line_id,
            "period_days",
            days,
            days,
            days,
            "d",
            "clock",
        ]
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def estimate(
    config: Config,
    store: Any,
    windows: list[tuple[str, datetime, datetime, str, str]],
    *,
    draws: int,
    seed: int,
    gwp_set: str = "AR5",
    sampled_interval_s: float | None = None,
) -> Estimate:
    """Activity extraction and release model over ``windows`` (see :func:`activity_table`)."""
    activities = activity_table(config, store, windows, sampled_interval_s=sampled_interval_s)
    return estimate_releases(
        activities, factor_library(config), draws=draws, seed=seed, gwp_set=gwp_set
    )


def _windows(
    config: Config, kinds: tuple[str, ...], site: str | None, line: str | None, demo: dict | None
) -> list[tuple[str, datetime, datetime, str, str]]:
    windows = []
    if demo is not None:
        for seg in demo.get("segments", []):
            if (
                seg["regime"] in kinds
                and site in (None, seg["site"])
                and line in (None, seg["line"])
            ):
                windows.append(
                    (
                        seg["regime"],
                        datetime.fromisoformat(seg["start_utc"]),
                        datetime.fromisoformat(seg["end_utc"]),
                        seg["site"],
                        seg["line"],
                    )
                )
    else:
        for period in config.periods:
            if period.kind not in kinds:
                continue
            for s in config.sites:
                if s.id not in period.sites or site not in (None, s.id):
                    continue
                for ln in s.lines:
                    if line in (None, ln.id):
                        windows.append((period.kind, period.start, period.end, s.id, ln.id))
    for kind in kinds:
        if not any(w[0] == kind for w in windows):
            raise PilotError(
                f"no {kind} period for the selected lines; add a [[periods]] entry of kind "
                f"{kind!r} or change --site/--line"
            )
    return windows


def _emit(frame: pd.DataFrame, fmt: str, meta: dict[str, Any]) -> None:
    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif fmt == "json":
        payload = meta | {"rows": json.loads(frame.to_json(orient="records"))}
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            shown = frame.copy()
            for column in ("deterministic", "mean", "median", "p2_5", "p97_5"):
                shown[column] = shown[column].map(lambda v: f"{v:.4g}")
            print(shown.to_string(index=False))


def cmd_estimate(args: argparse.Namespace) -> int:
    from monitoring.stores.sqlite import SQLiteStore
    from pilot.cli import _load
    from pilot.wiring import make_store

    config = _load(args)
    kinds = ("baseline", "post") if args.period == "compare" else (args.period,)
    demo = None
    sampled = None
    if args.from_demo:
        folder = Path(args.from_demo)
        path = folder / "readings.sqlite"
        if not path.exists():
            raise PilotError(f"no {path}; run `pilot demo --out {folder}` first")
        summary_path = folder / "summary.json"
        if summary_path.exists():
            demo = json.loads(summary_path.read_text())
            sampled = demo.get("options", {}).get("interval_s")
        store = SQLiteStore(path)
    else:
        store = make_store(config.store)
    try:
        windows = _windows(config, kinds, args.site, args.line, demo)
        result = estimate(
            config,
            store,
            windows,
            draws=args.draws,
            seed=args.seed,
            gwp_set=args.gwp,
            sampled_interval_s=sampled,
        )
    finally:
        store.close()
    totals = result.totals[_TOTAL_COLUMNS]
    if args.period != "compare":
        totals = totals[totals["period"] != "reduction"]
    print(
        f"pilot: {len(windows)} line-period(s), {result.draws} draws, seed {result.seed}, "
        f"factor set {result.factor_set_version}, GWP {result.gwp_set}; rows whose "
        "verification is not 'verified' use factors not checked in the primary document",
        file=sys.stderr,
    )
    meta = {
        "draws": result.draws,
        "seed": result.seed,
        "factor_set_version": result.factor_set_version,
        "gwp_set": result.gwp_set,
    }
    _emit(totals.reset_index(drop=True), args.format, meta)
    return 0


def cmd_factors(args: argparse.Namespace) -> int:
    from pilot.cli import _load

    library = factor_library(_load(args))
    if args.factors_command == "show":
        factor = library[args.id]
        for key, value in asdict(factor).items():
            print(f"{key:16} {value}")
        print(f"{'factor_set':16} {library.version}")
        return 0
    frame = library.to_frame()[
        [
            "id",
            "source_category",
            "toolkit_class",
            "pollutant",
            "vector",
            "value",
            "unit",
            "confidence",
            "verification",
            "document",
            "edition",
            "table",
        ]
    ]
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    else:
        with pd.option_context("display.width", 250, "display.max_colwidth", 40):
            print(frame.to_string(index=False))
    print(f"pilot: factor set {library.version}, {len(library)} factors", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``estimate`` and ``factors`` to the ``pilot`` command."""
    est = subparsers.add_parser(
        "estimate", help="UPOPs and GHG releases with intervals, baseline vs post"
    )
    est.add_argument("--period", required=True, choices=("baseline", "post", "compare"))
    est.add_argument("--site", help="only this site")
    est.add_argument("--line", help="only this line")
    est.add_argument("--format", choices=("table", "csv", "json"), default="table")
    est.add_argument("--draws", type=int, default=10_000, help="Monte Carlo draws (default 10000)")
    est.add_argument("--seed", type=int, default=2019, help="Monte Carlo seed (default 2019)")
    est.add_argument("--gwp", choices=("AR4", "AR5", "AR6"), default="AR5", help="GWP set")
    est.add_argument("-c", "--config", default=argparse.SUPPRESS, help="configuration file")
    est.add_argument(
        "--from-demo",
        metavar="DIR",
        help="read DIR/readings.sqlite (and the simulated windows of DIR/summary.json) "
        "written by `pilot demo` instead of the configured store",
    )
    est.set_defaults(func=cmd_estimate)

    factors = subparsers.add_parser("factors", help="the emission-factor library")
    factors.add_argument("-c", "--config", default=argparse.SUPPRESS, help="configuration file")
    actions = factors.add_subparsers(dest="factors_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every factor with its provenance")
    listing.add_argument("--format", choices=("table", "csv"), default="table")
    show = actions.add_parser("show", help="one factor in full")
    show.add_argument("id", help="factor id")
    factors.set_defaults(func=cmd_factors)
