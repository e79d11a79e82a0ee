"""Benchmarks of issue 3: activity extraction on a year of 1 Hz data, and the Monte Carlo.

Run from the repository root: ``python -m bench.bench_estimate`` or
``PYTHONPATH=. python bench/bench_estimate.py`` (add ``--frame`` to extract from the
store's long DataFrame instead of per-sensor arrays; one process, one core for numpy's
hot loops unless a BLAS uses more; set OMP_NUM_THREADS=1 to be strict). Prints the
figures with their targets:

* activity extraction of one year of 1 Hz data for 2 lines x 8 sensors: < 30 s;
* 100 000 Monte Carlo draws over all sources (2 lines x 2 periods): < 1 s;

and the peak memory of the process (max RSS), which the readings of one line dominate.

The readings are synthetic, made with numpy directly (a daily 07:00-17:00 running
pattern with noise): this measures extraction, not the simulator.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from emission_factors.library import load_factors
from models.activity import (
    ACTIVITY_COLUMNS,
    LineParameters,
    extract_activity,
    extract_activity_arrays,
)
from models.releases import estimate_releases

SECONDS = 365 * 86_400
SENSORS = (
    "zone1_temp",
    "zone2_temp",
    "zone3_temp",
    "zone4_temp",
    "melt_temp",
    "mould_temp",
    "throughput",
    "energy",
)


def synthetic_sensors(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One year of 1 Hz readings of 8 sensors of one line, as the store's arrays.

    Returns the reading times [µs since 1970-01-01 UTC], shared by all sensors (they are
    sampled together), and one row of values per sensor of :data:`SENSORS` [°C, kg/h,
    kWh]. One block rather than 8 arrays, so the long frame's ``value`` column can be a
    view of it instead of a 2 GB copy.
    """
    t0_us = int(np.datetime64("2019-01-01T00:00:00", "us").astype(np.int64))
    times_us = t0_us + np.arange(SECONDS, dtype=np.int64) * 1_000_000
    hour = (np.arange(SECONDS) % 86_400) / 3600.0
    running = (hour >= 7) & (hour < 17)
    values = np.empty((len(SENSORS), SECONDS))
    for part, sensor in zip(values, SENSORS, strict=True):
        if sensor == "throughput":
            part[:] = np.where(running, 60.0, 0.0) * (1 + 0.03 * rng.standard_normal(SECONDS))
        elif sensor == "energy":
            part[:] = np.cumsum(np.where(running, 15.0, 0.2) / 3600.0)
        else:
            part[:] = np.where(running, 200.0, 30.0) + rng.standard_normal(SECONDS)
    return times_us, values


def long_frame(site: str, times_us: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    """The same readings as the store's long frame (``--frame``), sorted by sensor then time.

    String columns are categorical so 252 million rows fit in about 5 GB; ``value`` is a
    view of ``values``.
    """
    n = values.size

    def constant(text: str | None) -> pd.Categorical:
        return pd.Categorical.from_codes(
            np.zeros(n, dtype=np.int8) if text is not None else np.full(n, -1, dtype=np.int8),
            categories=[text or "-"],
        )

    return pd.DataFrame(
        {
            "time": pd.DatetimeIndex(
                np.tile(times_us, len(SENSORS)).view("datetime64[us]"), tz="UTC"
            ),
            "site": constant(site),
            "line": constant("line-1"),
            "sensor": pd.Categorical.from_codes(
                np.repeat(np.arange(len(SENSORS), dtype=np.int8), len(times_us)),
                categories=SENSORS,
            ),
            "household": constant(None),
            "value": values.reshape(-1),
            "unit": constant(""),
            "seq": np.zeros(n, dtype=np.int8),
        },
        copy=False,  # pandas copies a dict's arrays by default: 5 GB more at the peak
    )


def bench_extraction(*, frame: bool = False) -> float:
    """Seconds spent extracting the activity of two lines (data generation excluded).

    By default the readings are handed over per sensor (:func:`extract_activity_arrays`),
    as they would be read from a store column-wise: 2.3 GB per line instead of the 5.5 GB
    long frame. ``frame=True`` measures :func:`extract_activity` on the long frame.
    """
    rng = np.random.default_rng(1)
    params = LineParameters(
        process_window_c=(180.0, 230.0),
        degradation_c=300.0,
        temperature_sensors=SENSORS[:4],
        expected_interval_s={s: 1.0 for s in SENSORS},
    )
    start, end = datetime(2019, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)
    elapsed = 0.0
    for site in ("minh-khai", "phan-boi"):
        times_us, values = synthetic_sensors(rng)
        n = values.size
        if frame:
            readings = long_frame(site, times_us, values)
            del times_us, values  # the frame holds the values; the times are tiled
            began = time.perf_counter()
            activity = extract_activity(readings, params, start=start, end=end)
            elapsed += time.perf_counter() - began
            del readings
        else:
            sensors = {s: (times_us, row) for s, row in zip(SENSORS, values, strict=True)}
            began = time.perf_counter()
            activity = extract_activity_arrays(
                sensors, params, site=site, line="line-1", start=start, end=end
            )
            elapsed += time.perf_counter() - began
            # Freed before the next line is generated, so one line is in memory at a time.
            del sensors, times_us, values
        print(
            f"  {site}: {n:,} readings, "
            f"processed {activity.processed_kg / 1000:.1f} t, "
            f"running {activity.running_h:.0f} h, {activity.energy_kwh_per_kg:.3f} kWh/kg"
        )
    return elapsed


def bench_monte_carlo() -> float:
    rows = []
    for kind, processed, intake, energy in (
        ("baseline", 90e3, 100e3, 300e3),
        ("post", 120e3, 135e3, 70e3),
    ):
        for site in ("minh-khai", "phan-boi"):
            for quantity, value, unit in (
                ("processed_kg", processed, "kg"),
                ("intake_kg", intake, "kg"),
                ("energy_kwh", energy, "kWh"),
                ("period_days", 365.0, "d"),
            ):
                spread = 0.0 if quantity == "period_days" else 0.05
                rows.append(
                    (
                        kind,
                        site,
                        "line-1",
                        quantity,
                        value,
                        value * (1 - spread),
                        value * (1 + spread),
                        unit,
                        "bench",
                    )
                )
    activities = pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)
    library = load_factors()
    estimate_releases(activities, library, draws=1000, seed=0)  # warm-up (imports, caches)
    began = time.perf_counter()
    result = estimate_releases(activities, library, draws=100_000, seed=0)
    elapsed = time.perf_counter() - began
    print(f"  {len(result.releases)} source-factor rows, {len(result.totals)} total rows")
    return elapsed


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far [MiB] (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    frame = "--frame" in sys.argv[1:]
    how = "long frame" if frame else "per-sensor arrays"
    print(f"activity extraction, 1 year of 1 Hz data, 2 lines x 8 sensors ({how})")
    extraction_s = bench_extraction(frame=frame)
    print(f"  extraction: {extraction_s:.1f} s (target < 30 s)")
    print(f"  peak memory so far: {peak_rss_mib():,.0f} MiB")
    print("Monte Carlo, 100 000 draws over all sources, 2 lines x 2 periods")
    mc_s = bench_monte_carlo()
    print(f"  Monte Carlo: {mc_s:.2f} s (target < 1 s)")
    print(f"peak memory (max RSS): {peak_rss_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
