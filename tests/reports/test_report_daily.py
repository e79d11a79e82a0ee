"""``pilot report daily`` on a day of simulated demo data: one PDF page per line, with
the line names and the date in its text."""

from __future__ import annotations

import re
import subprocess

import pytest

from pilot.cli import main
from pilot.config import default_config_path, load_config
from tests.demo_folder import demo_folder
from tests.servers import pdf_text, require_binary


@pytest.mark.slow
def test_daily_report_has_one_page_per_line_with_names_and_date(tmp_path, capsys):
    pdfinfo = require_binary("pdfinfo")
    config = load_config(default_config_path())
    made = demo_folder(
        tmp_path / "demo",
        days=1,
        interval_s=60.0,
        simulate=[("baseline-2019", site.id, "line-1") for site in config.sites],
        seed=2019,
    )
    out = tmp_path / "reports"
    code = main(
        [
            *("--config", str(made.config_file)),
            *("report", "daily", "--date", "2019-06-03", "--out", str(out)),
        ]
    )
    assert code == 0
    pdf = out / "daily-2019-06-03.pdf"
    assert capsys.readouterr().out.strip() == str(pdf)
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.MULTILINE), info
    pages = [pdf_text(pdf, ("-f", str(page), "-l", str(page), "-layout")) for page in (1, 2)]
    for text, site in zip(pages, config.sites, strict=True):
        line = site.lines[0]
        assert line.name in text
        assert "2019-06-03" in text
        assert "Monday 03 June 2019" in text
        assert "Data completeness" in text
        assert f"{site.id}/{line.id}" in text
        # The baseline furnace overshoots past 300 °C: the replayed rules must show it.
        assert "overheat" in text


def test_report_daily_names_a_missing_configuration(tmp_path, capsys):
    missing = tmp_path / "demo-out" / "pilot.toml"
    code = main(
        [
            "--config",
            str(missing),
            "report",
            "daily",
            "--date",
            "2019-06-03",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 3
    assert str(missing) in capsys.readouterr().err


def test_daily_states_follow_the_configured_running_threshold():
    """The page's line states come from the LineDay's thresholds: a line that pushes
    3 kg/h runs at the default threshold (1 kg/h) and idles when 5 kg/h are needed."""
    from dataclasses import replace

    import pandas as pd

    from models.states import StateThresholds
    from reports.daily.data import Channel, LineDay, day_states, minute_series, summary_lines

    index = pd.date_range("2019-06-02T17:00Z", periods=120, freq="1min")
    minutes = pd.concat(
        [
            pd.DataFrame({"time": index, "sensor": "zone1_temp", "value": 200.0, "count": 1}),
            pd.DataFrame({"time": index, "sensor": "throughput", "value": 3.0, "count": 1}),
        ]
    )
    page = LineDay(
        site_name="Minh Khai",
        line_name="Pilot line 1",
        line_name_vi="Dây chuyền 1",
        site_id="minh-khai",
        line_id="line-1",
        product="pellets",
        process_window_c=(180.0, 230.0),
        degradation_c=300.0,
        nominal_throughput_kg_h=60.0,
        channels=(
            Channel("zone1_temp", "barrel_temp", zone=1),
            Channel("throughput", "throughput"),
        ),
        minutes=minutes,
        alarms=pd.DataFrame(),
        alarm_source="none",
    )
    hours = {}
    for running_min_kg_h in (1.0, 5.0):
        line = replace(page, state_thresholds=StateThresholds(running_min_kg_h=running_min_kg_h))
        temps = {c.sensor: minute_series(line, c.sensor, index) for c in line.channels}
        states = day_states(line, temps, temps["throughput"], index)
        assert states.notna().all()
        hours[running_min_kg_h] = summary_lines(line, states, temps["throughput"], temps)[1]
        assert set(states) == ({"running"} if running_min_kg_h == 1.0 else {"idle"})
    assert "running 2.0" in hours[1.0]
    assert "idle 0.0" in hours[1.0]
    assert "running 0.0" in hours[5.0]
    assert "idle 2.0" in hours[5.0]
