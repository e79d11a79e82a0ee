"""Reports benchmark (issue 7): 12 monthly summaries for 40 households, one evaluator report.

Run from the repository root: ``python bench/reports.py`` (``--households``, ``--months``,
``--days``, ``--draws`` change the sizes). Prints timings; asserts nothing.

* Household summaries: :func:`reports.household.write_household_pdf` on synthetic pages
  (:class:`reports.household.HouseholdMonth`): 40 households x 12 months of 2021, each
  with 8-25 random intake weighings, the avoided burning of the month's deliveries
  (:func:`models.avoided_burning.avoided_open_burning`, 10 000 draws, as the CLI does)
  and the PDF. Reading the store is not part of it (the model and ingest benches cover
  data volume); this measures the per-page work.
* Evaluator report: the two pilot lines simulated over ``--days`` days of the baseline
  and of the post period (10 s sampling) into a SQLite store, then
  ``pilot --config DIR/pilot.toml report evaluation`` with the demo's own configuration
  (activity per local day, comparison with
  bootstrap, releases with Monte Carlo, PDF and CSV tables). The simulation is timed
  apart from the report.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable as `python bench/reports.py` from a clean clone


def household_pages(folder: Path, households: int, months: int, draws: int) -> tuple[int, float]:
    """Write ``households`` x ``months`` pages; (pages, seconds)."""
    from zoneinfo import ZoneInfo

    import numpy as np
    import pandas as pd

    from emission_factors.library import load_factors
    from models.avoided_burning import avoided_open_burning
    from reports.household import (
        EnergyComparison,
        FactorNote,
        HouseholdMonth,
        month_bounds,
        write_household_pdf,
    )

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    library = load_factors()
    rng = np.random.default_rng(7)
    pages = 0
    began = time.perf_counter()
    for month in range(1, months + 1):
        start, end = month_bounds(2021, month, tz)
        span_s = (end - start).total_seconds()
        month_pages = []
        for h in range(households):
            n = int(rng.integers(8, 26))
            times = sorted(start + timedelta(seconds=float(s)) for s in rng.uniform(0, span_s, n))
            deliveries = pd.DataFrame(
                {
                    "time": pd.to_datetime([t.astimezone(UTC) for t in times], utc=True),
                    "value": rng.uniform(20.0, 150.0, n).round(1),
                }
            )
            month_pages.append((h, deliveries))
        line_total = float(sum(d["value"].sum() for _, d in month_pages))
        for h, deliveries in month_pages:
            avoided = avoided_open_burning(float(deliveries["value"].sum()), library, draws=draws)
            factor = library[avoided.factor_air]
            page = HouseholdMonth(
                household_id=f"mk-h{h + 1:02d}",
                household_name=f"Hộ {h + 1:02d}",
                site_name="Minh Khai",
                site_name_vi="Làng nghề tái chế nhựa Minh Khai",
                line_name="Pilot line 1",
                line_name_vi="Dây chuyền thí điểm 1",
                year=2021,
                month=month,
                deliveries=deliveries,
                line_delivered_kg=line_total,
                avoided=avoided,
                factor=FactorNote.of(factor),
                energy=EnergyComparison(
                    line_kwh_per_kg=float(rng.uniform(0.3, 0.5)),
                    own_baseline_kwh_per_kg=float(rng.uniform(1.0, 2.0)),
                    village_median_kwh_per_kg=1.4,
                    village_households=households,
                    measured_baseline_kwh_per_kg=1.6,
                    measured_period="03/06/2019–16/06/2019",
                ),
            )
            write_household_pdf(
                page,
                lang="vi",
                tz=tz,
                out=folder / f"household-2021-{month:02d}-{page.household_id}.pdf",
                made=date(2022, 1, 5),
            )
            pages += 1
    return pages, time.perf_counter() - began


def evaluation(folder: Path, days: float, draws: int) -> tuple[int, float, float]:
    """Simulate, then write the evaluator report; (readings, simulate s, report s)."""
    import contextlib
    import io

    from monitoring.stores.sqlite import SQLiteStore
    from pilot.cli import main
    from pilot.config import default_config_path, load_config
    from pilot.demo_config import write_demo_config
    from sensors.simulator import Simulation

    config = load_config(default_config_path())
    interval_s = 10.0
    began = time.perf_counter()
    store = SQLiteStore(folder / "readings.sqlite")
    readings = 0
    for index, (regime, period_id) in enumerate(
        (("baseline", "baseline-2019"), ("post", "post-2020"))
    ):
        start = config.period(period_id).start
        end = start + timedelta(days=days)
        for site in config.sites:
            for line in site.lines:
                sim = Simulation(
                    config.line(site.id, line.id),
                    regime=regime,  # type: ignore[arg-type]
                    start=start,
                    end=end,
                    seed=11 + index,
                    interval_s=interval_s,
                )
                batch = list(sim)
                store.write(batch)
                readings += len(batch)
    store.close()
    # The demo's own configuration: periods as simulated, sensors at interval_s.
    config_file = write_demo_config(
        folder,
        default_config_path(),
        days=days,
        interval_s=interval_s,
        written=datetime.now(UTC),
    )
    simulated = time.perf_counter() - began
    began = time.perf_counter()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            [
                "-q",
                *("--config", str(config_file)),
                "report",
                "evaluation",
                "--out",
                str(folder / "evaluation.pdf"),
                "--draws",
                str(draws),
            ]
        )
    if code != 0:
        sys.exit(f"pilot report evaluation failed with exit code {code}")
    return readings, simulated, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=40)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--days", type=float, default=7.0, help="days per period simulated")
    parser.add_argument("--draws", type=int, default=10_000, help="Monte Carlo draws")
    args = parser.parse_args()
    print(f"started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    with tempfile.TemporaryDirectory(prefix="upops-bench-reports-") as tmp:
        folder = Path(tmp)
        pages, seconds = household_pages(folder, args.households, args.months, args.draws)
        print(
            f"household summaries: {pages} pages ({args.households} households x "
            f"{args.months} months) in {seconds:.1f} s, {seconds / pages * 1000:.0f} ms per page"
        )
        readings, simulated, report_s = evaluation(folder, args.days, args.draws)
        print(
            f"evaluator report: 2 lines x 2 periods x {args.days:g} days "
            f"({readings:,} readings, simulated and stored in {simulated:.1f} s): "
            f"report in {report_s:.1f} s"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
