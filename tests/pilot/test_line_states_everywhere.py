"""One running threshold, configured once in ``[line_states]``, decides the running state
of the activity extraction, the live view, the alarms and the daily report alike.

A hot line (zones at 200 °C, in the process window) pushes 3 kg/h for half an hour:
with ``running_min_kg_h = 1`` every part sees it running; with 4 none does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from models.activity import extract_activity
from monitoring.live import LiveView
from monitoring.stores.sqlite import SQLiteStore
from pilot.config import Config, load_config
from pilot.pipeline.activity import line_parameters
from pilot.pipeline.daily import daily_pages
from pilot.pipeline.source import DataSource
from pilot.wiring import alarm_engine, line_state_tracker
from reports.daily.data import day_states, minute_series
from sensors.schema import Reading, us_from_datetime
from tests.configs import EXAMPLE, write

SITE, LINE = "minh-khai", "line-1"
DAY = date(2020, 10, 5)
START = datetime(2020, 10, 5, 1, 0, tzinfo=UTC)  # 08:00 local, inside DAY
MINUTES = 30
RATE_KG_H = 3.0


def _config(tmp_path: Path, running_min_kg_h: float) -> Config:
    store = tmp_path / "readings.sqlite"
    text = EXAMPLE.replace('path = "data/readings.sqlite"', f'path = "{store}"', 1)
    text += f"\n[line_states]\nrunning_min_kg_h = {running_min_kg_h}\nhysteresis_kg_h = 0.5\n"
    return load_config(write(tmp_path, text), environ={})


def _readings(config: Config) -> list[Reading]:
    line = config.line(SITE, LINE)
    zones = [spec.sensor for spec in line.zones()]
    readings = []
    for step in range(MINUTES * 60):  # at the configured 1 s
        ts_us = us_from_datetime(START + timedelta(seconds=step))
        readings += [Reading(SITE, LINE, z, ts_us, 200.0, "degC", step) for z in zones]
        readings.append(Reading(SITE, LINE, "throughput", ts_us, RATE_KG_H, "kg/h", step))
    return readings


@pytest.mark.parametrize(("running_min_kg_h", "running"), [(1.0, True), (4.0, False)])
def test_every_part_runs_from_the_configured_threshold(
    tmp_path: Path, running_min_kg_h: float, running: bool
) -> None:
    config = _config(tmp_path, running_min_kg_h)
    assert config.line_states.running_min_kg_h == running_min_kg_h
    readings = _readings(config)
    store = SQLiteStore(config.store.sqlite_path)
    store.write(readings)
    end = START + timedelta(minutes=MINUTES)

    # Activity extraction (the estimate's input).
    frame = store.read(site=SITE, line=LINE, start=START, end=end)
    params = line_parameters(config.line(SITE, LINE), config.line_states)
    activity = extract_activity(frame, params, start=START, end=end)
    assert (activity.running_h > 0.4) is running

    # The live view.
    view = LiveView(list(config.lines()), state_tracker=line_state_tracker(config))
    view.add(readings, received_s=0.0)
    assert (view.state(SITE, LINE) == "running") is running

    # The alarms: a throughput far below nominal is an alarm only while the line runs.
    rules = {event.rule for event in alarm_engine(config).feed(readings)}
    assert ("throughput_low" in rules) is running

    # The daily report's state strip.
    with DataSource(config, store=store) as source:
        page = next(
            p for p in daily_pages(config, source, DAY, alarms="replay") if p.site_id == SITE
        )
    assert page.state_thresholds == config.line_states
    index = pd.date_range(START, end, freq="1min", inclusive="left")
    series = {c.sensor: minute_series(page, c.sensor, index) for c in page.channels}
    states = day_states(page, series, series["throughput"], index)
    assert ("running" in set(states.dropna())) is running
