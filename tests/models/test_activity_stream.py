"""Activity summed over chunks equals activity of the whole period (models.activity_stream).

The series are built so that everything that crosses a chunk boundary is exercised:
gaps, line-state switches with hysteresis held across a boundary, an energy-counter
reset, zones sampled apart from the throughput (forward fill from the previous chunk),
a melt sensor that stops reporting, and intake weighings.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from models.activity import LineParameters, extract_activity_arrays
from models.activity_stream import ActivityStream
from models.errors import ModelError

START = datetime(2019, 6, 3, tzinfo=UTC)
T0_US = int(START.timestamp() * 1_000_000)
HOURS = 30
PARAMS = LineParameters(
    process_window_c=(180.0, 230.0),
    degradation_c=225.0,
    temperature_sensors=("zone1_temp", "zone2_temp"),
    expected_interval_s={
        "throughput": 10.0,
        "zone1_temp": 10.0,
        "zone2_temp": 10.0,
        "melt_temp": 10.0,
        "energy": 60.0,
    },
)


def _series(seed: int, *, zones_apart: bool) -> tuple[dict, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = HOURS * 360
    t = T0_US + np.arange(n, dtype=np.int64) * 10_000_000
    keep = np.ones(n, dtype=bool)
    keep[1000:1090] = False  # a 15-minute gap
    keep[rng.choice(n, 200, replace=False)] = False  # lost readings
    t_tp = t[keep]
    # Heating, running, idling and off phases, with slow noise around the thresholds.
    phase = np.sin(np.arange(n) / 700.0)
    rate = np.clip(60.0 * phase + rng.normal(0, 3, n), 0, None)[keep]
    temp = 125.0 + 110.0 * np.sin(np.arange(n) / 1100.0) + rng.normal(0, 2, n)
    zone_t = t + 3_000_000 if zones_apart else t  # 3 s after the throughput
    melt_keep = np.arange(n) < n * 2 // 3  # the melt sensor stops after 20 h
    energy_t = t[::6]
    energy = np.cumsum(rng.uniform(0.0, 0.3, len(energy_t)))
    energy[len(energy) // 2 :] -= energy[len(energy) // 2 - 1] - 0.05  # meter reset
    sensors = {
        "throughput": (t_tp, rate),
        "zone1_temp": (zone_t, temp),
        "zone2_temp": (zone_t, temp - 5.0 + rng.normal(0, 1, n)),
        "melt_temp": (t[melt_keep], (temp + 2.0)[melt_keep]),
        "energy": (energy_t, energy),
    }
    weighing_t = T0_US + np.sort(rng.choice(HOURS * 3600, 12, replace=False)) * 1_000_000
    intake = pd.DataFrame(
        {
            "household": [f"h{i % 3}" if i % 5 else None for i in range(12)],
            "value": rng.uniform(20, 80, 12),
            "time_us": weighing_t,
        }
    )
    return sensors, intake


def _chunks(sensors: dict, intake: pd.DataFrame, bounds_us: list[int]):
    for lo, hi in itertools.pairwise(bounds_us):
        part = {}
        for name, (times, values) in sensors.items():
            inside = (times >= lo) & (times < hi)
            part[name] = (times[inside], values[inside])
        yield part, intake[(intake["time_us"] >= lo) & (intake["time_us"] < hi)]


@pytest.mark.parametrize("zones_apart", [False, True])
@pytest.mark.parametrize("chunk_h", [1, 7, 24])
def test_chunked_activity_equals_whole_period(zones_apart: bool, chunk_h: int) -> None:
    sensors, intake = _series(7, zones_apart=zones_apart)
    end = START + timedelta(hours=HOURS)
    whole = extract_activity_arrays(
        sensors, PARAMS, site="s", line="l", start=START, end=end, intake=intake
    )
    stream = ActivityStream(PARAMS, site="s", line="l", start=START, end=end)
    bounds = list(range(T0_US, T0_US + HOURS * 3_600_000_000, chunk_h * 3_600_000_000))
    for part, weighings in _chunks(sensors, intake, [*bounds, T0_US + HOURS * 3_600_000_000]):
        stream.add(part, weighings)
    chunked = stream.result()

    # The data really cross every switch: otherwise the test would prove little.
    assert all(h > 0.5 for h in whole.state_h.values())
    assert 0 < whole.in_window_share < 1
    assert whole.above_degradation_h > 0
    # Counted and sample-by-sample quantities are exact.
    assert chunked.state_h == whole.state_h
    assert chunked.completeness == whole.completeness
    assert chunked.intake_kg == whole.intake_kg
    assert chunked.deliveries == whole.deliveries
    # Sums of per-chunk sums: equal but for the order of summation.
    for name in (
        "processed_kg",
        "throughput_coverage",
        "energy_kwh",
        "energy_kwh_per_kg",
        "in_window_share",
        "above_degradation_h",
        "above_degradation_share",
    ):
        assert getattr(chunked, name) == pytest.approx(getattr(whole, name), rel=1e-12), name


def test_one_chunk_is_the_whole_period_bit_for_bit() -> None:
    sensors, intake = _series(3, zones_apart=True)
    end = START + timedelta(hours=HOURS)
    stream = ActivityStream(PARAMS, site="s", line="l", start=START, end=end)
    stream.add(sensors, intake)
    whole = extract_activity_arrays(
        sensors, PARAMS, site="s", line="l", start=START, end=end, intake=intake
    )
    assert stream.result() == whole


def test_chunks_without_throughput_name_the_sensor() -> None:
    sensors, _ = _series(1, zones_apart=False)
    end = START + timedelta(hours=HOURS)
    stream = ActivityStream(PARAMS, site="s", line="l", start=START, end=end)
    for _ in range(2):
        stream.add({"zone1_temp": sensors["zone1_temp"]})
    with pytest.raises(ModelError, match="no readings of the throughput sensor 'throughput'"):
        stream.result()


def _with_residue(seed: int, *, counter: bool) -> tuple[dict, pd.DataFrame, float]:
    """The series plus a residue scale: 30 weighings of 0.1-9.9 kg (event), or their
    running total with a restart from zero after the 20th (counter); and their sum."""
    sensors, intake = _series(seed, zones_apart=True)
    rng = np.random.default_rng(seed + 100)
    t = T0_US + np.sort(rng.choice(HOURS * 3600, 30, replace=False)) * 1_000_000
    kg = rng.uniform(0.1, 9.9, 30)
    if counter:
        running = np.cumsum(kg)
        running[20:] -= running[19]  # restart: after it the counter reads since zero
        sensors["residue"] = (t, running)
    else:
        sensors["residue"] = (t, kg)
    return sensors, intake, float(kg.sum())


@pytest.mark.parametrize("counter", [False, True])
@pytest.mark.parametrize("chunk_h", [1, 7, 24])
def test_residue_scale_chunked_equals_whole_bit_for_bit(counter: bool, chunk_h: int) -> None:
    # Named case "residue scale": the chunked residue is the whole period's, to the bit,
    # and both are the sum of the weighings (a counter's restart keeps its new reading).
    sensors, intake, total = _with_residue(5, counter=counter)
    params = LineParameters(**{**PARAMS.__dict__, "residue_counter": counter})
    end = START + timedelta(hours=HOURS)
    whole = extract_activity_arrays(
        sensors, params, site="s", line="l", start=START, end=end, intake=intake
    )
    stream = ActivityStream(params, site="s", line="l", start=START, end=end)
    bounds = list(range(T0_US, T0_US + HOURS * 3_600_000_000, chunk_h * 3_600_000_000))
    for part, weighings in _chunks(sensors, intake, [*bounds, T0_US + HOURS * 3_600_000_000]):
        stream.add(part, weighings)
    chunked = stream.result()
    assert chunked.residue_kg == whole.residue_kg  # exact, not approx
    # The counter loses the first weighing (its reading before is unknown) unless it
    # counted from zero: here the first reading is the first weighing itself.
    expected = total - (sensors["residue"][1][0] if counter else 0.0)
    assert whole.residue_kg == pytest.approx(expected, rel=1e-12)
    table = whole.activity_table("post").set_index("quantity")
    assert table.loc["residue_kg", "source"] == "measured"
    assert table.loc["residue_kg", "value"] == whole.residue_kg


def test_no_residue_reading_means_no_measured_residue() -> None:
    sensors, intake = _series(3, zones_apart=False)
    end = START + timedelta(hours=HOURS)
    whole = extract_activity_arrays(
        sensors, PARAMS, site="s", line="l", start=START, end=end, intake=intake
    )
    assert whole.residue_kg is None
    assert "residue_kg" not in set(whole.activity_table("post")["quantity"])
