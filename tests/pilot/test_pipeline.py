"""The pipeline layer: windows, the demo's own configuration, one read per window."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from models.activity import extract_activity, extract_activity_arrays
from monitoring.stores.sqlite import SQLiteStore
from pilot.config import load_config
from pilot.errors import PilotError
from pilot.pipeline.activity import extract_windows, line_parameters
from pilot.pipeline.estimate import MonteCarlo
from pilot.pipeline.evaluation import evaluation_data
from pilot.pipeline.household import household_pages
from pilot.pipeline.source import DataSource
from pilot.pipeline.windows import COMPARED_KINDS, period_windows
from reports.household import month_bounds
from tests.demo_folder import EXAMPLE, demo_folder

SITE, LINE = "minh-khai", "line-1"


class CountingStore(SQLiteStore):
    """A real SQLite store that counts full reads (downsampled reads aside)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.reads: list[tuple[str, str]] = []

    def read(self, **kwargs):  # type: ignore[no-untyped-def, override]
        if kwargs.get("every_s") is None:
            self.reads.append((kwargs["site"], kwargs["line"]))
        return super().read(**kwargs)

    def read_series(self, **kwargs):  # type: ignore[no-untyped-def, override]
        self.reads.append((kwargs["site"], kwargs["line"]))
        return super().read_series(**kwargs)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    made = demo_folder(
        tmp_path_factory.mktemp("demo"),
        days=1,
        interval_s=30.0,
        simulate=[("baseline-2019", SITE, LINE), ("post-2020", SITE, LINE)],
    )
    return made.config_file, made.config


def test_period_windows_follow_configuration_order_and_select() -> None:
    windows = period_windows(EXAMPLE, COMPARED_KINDS)
    assert [w.kind for w in windows] == ["baseline", "baseline", "post", "post"]
    assert {(w.site, w.line) for w in windows} == {("minh-khai", "line-1"), ("phan-boi", "line-1")}
    only = period_windows(EXAMPLE, ("post",), site="phan-boi")
    assert [(w.kind, w.site) for w in only] == [("post", "phan-boi")]


def test_period_windows_name_what_is_missing() -> None:
    with pytest.raises(PilotError, match="unknown site 'nowhere'"):
        period_windows(EXAMPLE, COMPARED_KINDS, site="nowhere")
    with pytest.raises(PilotError, match="no baseline period"):
        period_windows(EXAMPLE, ("baseline",), line="no-such-line")


def test_demo_configuration_describes_the_simulated_data(folder) -> None:  # type: ignore[no-untyped-def]
    config_file, _config = folder
    again = load_config(config_file)
    assert again.store.sqlite_path == config_file.parent / "readings.sqlite"
    assert again.collector.quarantine_path == config_file.parent / "quarantine.sqlite"
    for period in again.periods:
        assert period.end - period.start == timedelta(days=1)
        assert period.start == EXAMPLE.period(period.id).start
    line = again.line(SITE, LINE)
    sampled = [s for s in line.sensors if not s.counter and not s.event]
    assert sampled
    assert all(s.interval_s == 30.0 for s in sampled)
    assert config_file.read_text(encoding="utf-8").startswith("# Written by `pilot demo`")


def test_demo_configuration_carries_no_agent_and_no_secret_values(folder) -> None:  # type: ignore[no-untyped-def]
    config_file, config = folder
    text = config_file.read_text(encoding="utf-8")
    assert "[agent]" not in text
    assert config.agent is None
    assert "password =" not in text
    assert "token =" not in text


def test_evaluation_reads_each_window_once(folder) -> None:  # type: ignore[no-untyped-def]
    config_file, config = folder
    store = CountingStore(config_file.parent / "readings.sqlite")
    windows = period_windows(config, COMPARED_KINDS, site=SITE)
    with DataSource(config, store=store) as source:
        data = evaluation_data(
            config,
            source,
            windows,
            config_bytes=config_file.read_bytes(),
            mc=MonteCarlo(draws=200, seed=3),
            n_resamples=99,
        )
    assert sorted(store.reads) == sorted((w.site, w.line) for w in windows)
    # The releases come from the same activity as the daily rows: one day per window.
    assert set(data.daily["period"]) == set(COMPARED_KINDS)
    assert set(data.completeness["days"]) == {1}


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    made = demo_folder(
        tmp_path_factory.mktemp("demo2"),
        days=2,
        interval_s=30.0,
        simulate=[("post-2020", SITE, LINE)],
    )
    return made.config_file, made.config


def test_chunked_windows_give_the_whole_windows_activity(two_days) -> None:  # type: ignore[no-untyped-def]
    # A 2-day window read as one chunk (as a whole) and as two chunks of one local day.
    config_file, config = two_days
    windows = period_windows(config, ("post",), site=SITE)
    store = CountingStore(config_file.parent / "readings.sqlite")
    with DataSource(config, store=store) as source:
        whole = extract_windows(config, source, windows, by_day=True, chunk_days=10)
        n_whole = len(store.reads)
        chunked = extract_windows(config, source, windows, by_day=True, chunk_days=1)
    days = sum(len(w.days) for w in chunked.windows)
    assert n_whole == len(windows)
    assert len(store.reads) - n_whole == days == 2
    for a, b in zip(whole.windows, chunked.windows, strict=True):
        assert a.days == b.days  # each day from its own chunk: bit for bit
        assert a.activity.state_h == b.activity.state_h
        assert a.activity.completeness == b.activity.completeness
        assert a.activity.intake_kg == b.activity.intake_kg
        assert b.activity.processed_kg == pytest.approx(a.activity.processed_kg, rel=1e-12)
        assert b.activity.energy_kwh == pytest.approx(a.activity.energy_kwh, rel=1e-12)


def test_a_window_without_readings_names_line_and_period(folder) -> None:  # type: ignore[no-untyped-def]
    _config_file, config = folder
    windows = period_windows(config, ("post",), site="phan-boi")
    with DataSource(config) as source, pytest.raises(PilotError, match="no readings of phan-boi"):
        extract_windows(config, source, windows)


def test_sensors_only_counted_give_the_activity_of_reading_them(two_days) -> None:  # type: ignore[no-untyped-def]
    # The mould temperature is no input of the model: the store counts it instead of
    # reading it, and the activity (its completeness too) is that of reading every sensor.
    config_file, config = two_days
    line = config.line(SITE, LINE)
    params = line_parameters(line, config.line_states)
    only_counted = [s.sensor for s in line.sensors if s.sensor not in params.valued_sensors]
    assert only_counted == ["mould_temp"]
    store = CountingStore(config_file.parent / "readings.sqlite")
    (window,) = period_windows(config, ("post",), site=SITE)
    with DataSource(config, store=store) as source:
        got = extract_windows(config, source, [window], by_day=True, chunk_days=10)
        series = store.read_series(site=SITE, line=LINE, start=window.start, end=window.end)
    assert set(only_counted) <= series.keys()
    weighings = series.pop(params.intake_sensor)
    intake = pd.DataFrame({"household": weighings.households, "value": weighings.values})
    arrays = {sensor: (s.times_us, s.values) for sensor, s in series.items()}
    arrays[params.intake_sensor] = (weighings.times_us, weighings.values)
    expected = extract_activity_arrays(
        arrays,
        params,
        site=SITE,
        line=LINE,
        start=window.start,
        end=window.end,
        intake=intake,
    )
    activity = got.windows[0].activity
    assert activity.completeness == expected.completeness
    assert activity.completeness["mould_temp"] > 0.9
    assert activity.processed_kg == expected.processed_kg
    assert activity.state_h == expected.state_h
    assert activity.intake_kg == expected.intake_kg
    # The residue scale is an input (the measured residue): read, not only counted.
    assert activity.residue_kg == expected.residue_kg
    days = got.windows[0].days
    assert all(day.completeness["mould_temp"] > 0.9 for day in days)


class SensorsReadStore(SQLiteStore):
    """A real SQLite store that records which sensors each long-frame read asked for."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.frames: list[tuple[str, ...] | None] = []

    def read(self, **kwargs):  # type: ignore[no-untyped-def, override]
        sensors = kwargs.get("sensors")
        self.frames.append(tuple(sensors) if sensors is not None else None)
        return super().read(**kwargs)


def test_household_energy_per_kg_streams_and_is_unchanged(folder) -> None:  # type: ignore[no-untyped-def]
    # The household page's energy per kg, read chunk by chunk, equals the activity of the
    # month and of the baseline read whole (the former path); the long text frame is read
    # only for the intake weighings.
    config_file, config = folder
    post, base = config.period("post-2020"), config.period("baseline-2019")
    local = post.start.astimezone(config.tzinfo)
    store = SensorsReadStore(config_file.parent / "readings.sqlite")
    with DataSource(config, store=store) as source:
        made = household_pages(config, source, year=local.year, month=local.month)
    assert made.pages
    assert set(store.frames) == {("intake",)}
    params = line_parameters(config.line(SITE, LINE), config.line_states)

    def kwh_per_kg(start, end) -> float:  # type: ignore[no-untyped-def]
        with SQLiteStore(config_file.parent / "readings.sqlite") as whole:
            frame = whole.read(site=SITE, line=LINE, start=start, end=end)
        activity = extract_activity(frame, params, start=start, end=end)
        return activity.energy_kwh / activity.processed_kg

    month = month_bounds(local.year, local.month, config.tzinfo)
    pages = [page for page in made.pages if page.site_name == config.site(SITE).name]
    assert pages
    for page in pages:
        energy = page.energy
        assert energy.line_kwh_per_kg == pytest.approx(kwh_per_kg(*month), rel=1e-12)
        assert energy.measured_baseline_kwh_per_kg == pytest.approx(
            kwh_per_kg(base.start, base.end), rel=1e-12
        )
