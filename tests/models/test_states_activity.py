"""Line states and activity extraction on small constructed series with hand answers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.activity import (
    LineParameters,
    activity_from_survey,
    counter_increase_kwh,
    extract_activity,
    extract_activity_arrays,
    processed_mass_kg,
)
from models.errors import ModelError
from models.states import StateThresholds, StateTracker, line_states

T0 = pd.Timestamp("2019-06-03 00:00", tz="UTC")


def _index(n: int, step_s: float = 60.0) -> pd.DatetimeIndex:
    return pd.DatetimeIndex([T0 + pd.Timedelta(seconds=i * step_s) for i in range(n)])


def test_temperature_hysteresis_keeps_hot_line_idle_until_below_threshold_minus_band() -> None:
    # Window low 180 °C, band 5 °C: 178 after being hot is still hot (>= 175),
    # 174 is not; heating_min 60: 57 is still on (>= 55), 54 is off.
    temps = [28, 100, 181, 178, 176, 174, 57, 54]
    idx = _index(len(temps))
    states = line_states(
        pd.DataFrame({"z1": temps}, index=idx),
        pd.Series(0.0, index=idx),
        process_window_c=(180.0, 230.0),
    )
    assert states.tolist() == ["off", "heating", "idle", "idle", "idle", "idle", "idle", "off"]


def test_throughput_hysteresis_does_not_flicker() -> None:
    # running_min 1.0, band 0.5: 0.7 keeps running, 0.4 stops, 0.9 does not restart.
    rates = [0.0, 1.2, 0.7, 0.6, 0.4, 0.9, 1.0]
    idx = _index(len(rates))
    states = line_states(
        pd.DataFrame({"z1": 200.0}, index=idx),
        pd.Series(rates, index=idx),
        process_window_c=(180.0, 230.0),
    )
    assert states.tolist() == ["idle", "running", "running", "running", "idle", "idle", "running"]


def test_hottest_zone_decides_and_stale_temperature_is_not_used() -> None:
    idx = _index(6)
    # zone 2 stops reporting after minute 1; beyond 3 intervals it is missing.
    temps = pd.DataFrame(
        {"z1": [150.0] * 6, "z2": [200.0, 200.0, np.nan, np.nan, np.nan, np.nan]}, index=idx
    )
    states = line_states(temps, pd.Series(0.0, index=idx), process_window_c=(180.0, 230.0))
    # hot while z2 counts; once stale, z1 = 150 >= 60 and the line was hot: idle, not heating.
    assert states.tolist() == ["idle"] * 6


def test_line_states_rejects_naive_index() -> None:
    idx = pd.date_range("2019-01-01", periods=3, freq="1min")
    with pytest.raises(ModelError, match="UTC"):
        line_states(
            pd.DataFrame({"z": [1, 2, 3]}, index=idx),
            pd.Series([0, 0, 0.0], index=idx),
            process_window_c=(180.0, 230.0),
        )


def test_gap_is_not_bridged() -> None:
    # 60 kg/h every minute for 10 minutes, then a 30-minute hole, then 10 minutes more.
    idx = _index(11).append(_index(11) + pd.Timedelta(minutes=40))
    rate = pd.Series(60.0, index=idx)
    # Two runs of 10 minutes each at 60 kg/h = 2 x 10 kg; the 30-min gap adds nothing.
    assert processed_mass_kg(rate, expected_interval_s=60, max_gap_intervals=3) == pytest.approx(
        20.0
    )
    # With a gap multiple above 30 the hole is bridged: 50 minutes = 50 kg.
    assert processed_mass_kg(rate, expected_interval_s=60, max_gap_intervals=31) == pytest.approx(
        50.0
    )


def test_trapezoid_on_a_ramp() -> None:
    # 0 -> 120 kg/h linearly over one hour: mean 60 kg/h -> 60 kg exactly.
    rate = pd.Series(np.linspace(0, 120, 61), index=_index(61))
    assert processed_mass_kg(rate, expected_interval_s=60) == pytest.approx(60.0)


def test_counter_resets() -> None:
    assert counter_increase_kwh(pd.Series([10.0, 12.0, 0.0, 3.0, 5.0])) == pytest.approx(7.0)
    assert counter_increase_kwh(pd.Series([5.0])) == 0.0


def _readings() -> pd.DataFrame:
    idx = _index(61)
    rows = []
    for t in idx:
        rows.append((t, "s", "l", "throughput", None, 60.0, "kg/h", 0))
        rows.append((t, "s", "l", "zone1_temp", None, 200.0, "degC", 0))
        rows.append((t, "s", "l", "melt_temp", None, 235.0 if t < idx[30] else 210.0, "degC", 0))
    for i, t in enumerate(idx[::10]):
        rows.append((t, "s", "l", "energy", None, 100.0 + 2.0 * i, "kWh", 0))
    rows.append((idx[5], "s", "l", "intake", "h1", 50.0, "kg", 0))
    rows.append((idx[9], "s", "l", "intake", "h1", 30.0, "kg", 1))
    rows.append((idx[20], "s", "l", "intake", "h2", 40.0, "kg", 0))
    return pd.DataFrame(
        rows, columns=["time", "site", "line", "sensor", "household", "value", "unit", "seq"]
    )


def _params(degradation_c: float = 300.0) -> LineParameters:
    return LineParameters(
        process_window_c=(180.0, 230.0),
        degradation_c=degradation_c,
        temperature_sensors=("zone1_temp",),
        expected_interval_s={"throughput": 60, "zone1_temp": 60, "melt_temp": 60, "energy": 600},
    )


def test_extract_activity_hand_computed() -> None:
    params = _params()
    start, end = T0.to_pydatetime(), datetime(2019, 6, 3, 1, 0, tzinfo=UTC)
    activity = extract_activity(_readings(), params, start=start, end=end)
    assert activity.processed_kg == pytest.approx(60.0)  # 1 h at 60 kg/h
    assert activity.energy_kwh == pytest.approx(12.0)  # 7 readings, +2 kWh each step
    assert activity.energy_kwh_per_kg == pytest.approx(0.2)
    assert activity.running_h == pytest.approx(1.0)
    # melt at 235 (above the window) for the first 30 minutes
    assert activity.in_window_share == pytest.approx(0.5)
    assert activity.above_degradation_h == 0.0
    assert activity.intake_kg == {"h1": 80.0, "h2": 40.0}
    assert activity.deliveries == {"h1": 2, "h2": 1}
    assert activity.completeness["throughput"] == 1.0
    assert activity.completeness["energy"] == 1.0
    table = activity.activity_table("post")
    row = table.set_index("quantity").loc["processed_kg"]
    assert (row["low"], row["value"]) == pytest.approx((57.0, 60.0))


def test_arrays_path_and_unsorted_frame_give_the_same_activity() -> None:
    params = _params(degradation_c=220.0)
    start, end = T0.to_pydatetime(), datetime(2019, 6, 3, 1, 0, tzinfo=UTC)
    readings = _readings()
    reference = extract_activity(readings, params, start=start, end=end)

    # Shuffled rows with a repeated reading (same time and value) change nothing.
    shuffled = pd.concat([readings, readings.iloc[[3]]]).sample(frac=1.0, random_state=0)
    again = extract_activity(
        shuffled.assign(sensor=shuffled["sensor"].astype("category")), params, start=start, end=end
    )
    assert again.processed_kg == reference.processed_kg
    assert again.state_h == reference.state_h
    assert again.above_degradation_h == reference.above_degradation_h

    times_us = pd.DatetimeIndex(readings["time"]).as_unit("us").asi8
    sensors = {
        str(name): (times_us[rows], readings["value"].to_numpy(float)[rows])
        for name, rows in readings.groupby("sensor").indices.items()
        if name != "intake"
    }
    intake = readings.loc[readings["sensor"] == "intake", ["household", "value"]]
    arrays = extract_activity_arrays(
        sensors, params, site="s", line="l", start=start, end=end, intake=intake
    )
    assert arrays == reference


def test_survey_data_same_meaning_and_checked() -> None:
    survey = pd.DataFrame(
        {
            "site": ["s"],
            "line": ["l"],
            "quantity": ["processed_kg"],
            "value": [500.0],
            "unit": ["kg"],
        }
    )
    table = activity_from_survey(survey, period="baseline")
    assert table.loc[0, "low"] == table.loc[0, "high"] == 500.0
    with pytest.raises(ModelError, match="must be in kg"):
        activity_from_survey(survey.assign(unit="t"), period="baseline")


def test_running_threshold_of_the_line_parameters_decides_running_time() -> None:
    # The line runs at 60 kg/h throughout: with a running threshold above that it idles.
    params = _params()
    start, end = T0.to_pydatetime(), datetime(2019, 6, 3, 1, 0, tzinfo=UTC)
    high = dataclasses.replace(params, states=StateThresholds(running_min_kg_h=80.0))
    assert extract_activity(_readings(), params, start=start, end=end).running_h == 1.0
    idle = extract_activity(_readings(), high, start=start, end=end)
    assert idle.running_h == 0.0
    assert idle.state_h["idle"] == pytest.approx(1.0)


# Temperatures around every switch point (heating_min 40-80 °C, window low 180 °C) and
# throughputs around the running threshold, with missing values mixed in.
_TEMPS = st.one_of(st.floats(0.0, 260.0), st.sampled_from([np.nan, 55.0, 60.0, 175.0, 180.0]))
_RATES = st.one_of(st.floats(0.0, 5.0), st.sampled_from([np.nan, 0.5, 1.0, 1.5]))


@pytest.mark.slow
@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    samples=st.lists(st.tuples(_TEMPS, _RATES), min_size=1, max_size=60),
    thresholds=st.builds(
        StateThresholds,
        heating_min_c=st.floats(40.0, 80.0),
        running_min_kg_h=st.floats(0.5, 3.0),
        hysteresis_c=st.floats(0.0, 20.0),
        hysteresis_kg_h=st.floats(0.0, 0.5),
    ),
)
def test_streaming_tracker_gives_the_states_of_line_states(
    samples: list[tuple[float, float]], thresholds: StateThresholds
) -> None:
    window_c = (180.0, 230.0)
    idx = _index(len(samples))
    temps = [t for t, _ in samples]
    rates = [r for _, r in samples]
    expected = line_states(
        pd.DataFrame({"z1": temps}, index=idx),
        pd.Series(rates, index=idx, dtype=float),
        process_window_c=window_c,
        thresholds=thresholds,
    ).tolist()
    tracker = StateTracker(window_c, thresholds)
    streamed = []
    for temp_c, rate_kg_h in samples:
        tracker.update(line_temp_c=temp_c, throughput_kg_h=rate_kg_h)
        streamed.append(tracker.state)
        assert tracker.running == (tracker.state == "running")
    assert streamed == expected
