"""``[line_states]``: the one set of line-state thresholds, and the key that moved there."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.states import StateThresholds
from pilot.config import check_config, load_config
from pilot.wiring import line_state_tracker
from tests.configs import EXAMPLE, problem_keys, write

SECTION = """
[line_states]
heating_min_c = 80.0
running_min_kg_h = 4.0
hysteresis_c = 3.0
hysteresis_kg_h = 1.5
"""


def test_defaults_when_the_section_is_left_out(tmp_path: Path) -> None:
    assert "[line_states]" not in EXAMPLE.replace("# [line_states]", "")
    config = load_config(write(tmp_path, EXAMPLE), environ={})
    assert config.line_states == StateThresholds()


def test_section_builds_the_state_thresholds(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, EXAMPLE + SECTION), environ={})
    assert config.line_states == StateThresholds(
        heating_min_c=80.0, running_min_kg_h=4.0, hysteresis_c=3.0, hysteresis_kg_h=1.5
    )


def test_the_alarms_run_from_the_configured_running_threshold(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, EXAMPLE + SECTION), environ={})
    tracker = line_state_tracker(config)(config.line("minh-khai", "line-1"))
    tracker.update(line_temp_c=200.0, throughput_kg_h=3.0)
    assert not tracker.running
    tracker.update(throughput_kg_h=4.0)
    assert tracker.running


@pytest.mark.parametrize(
    ("lines", "key", "fragment"),
    [
        pytest.param(
            "running_min_kg_h = 1.0\nhysteresis_kg_h = 1.5",
            "line_states.hysteresis_kg_h",
            "at most running_min_kg_h (1 kg/h)",
            id="hysteresis-above-running",
        ),
        pytest.param(
            "running_min_kg_h = 0.0",
            "line_states.running_min_kg_h",
            "greater than 0 [kg/h]",
            id="running-positive",
        ),
        pytest.param(
            "hysteresis_c = -1",
            "line_states.hysteresis_c",
            "at least 0 [K]",
            id="hysteresis-not-negative",
        ),
        pytest.param(
            "heating_min_c = 190.0",
            "line_states.heating_min_c",
            "line minh-khai/line-1 starts at 180 °C",
            id="heating-below-window",
        ),
        pytest.param(
            "heating_min = 50.0",
            "line_states.heating_min",
            "did you mean 'heating_min_c'",
            id="typo",
        ),
        pytest.param(
            'heating_min_c = "60"',
            "line_states.heating_min_c",
            "expected a finite number [°C], got a string",
            id="type",
        ),
    ],
)
def test_each_line_states_rule(tmp_path: Path, lines: str, key: str, fragment: str) -> None:
    problems = check_config(write(tmp_path, EXAMPLE + "\n[line_states]\n" + lines + "\n"))
    assert [p.key for p in problems][:1] == [key], [str(p) for p in problems]
    assert fragment in problems[0].message


def test_heating_threshold_names_every_line_it_exceeds(tmp_path: Path) -> None:
    problems = check_config(write(tmp_path, EXAMPLE + "\n[line_states]\nheating_min_c = 300\n"))
    assert [p.key for p in problems] == ["line_states.heating_min_c"] * 2
    assert "minh-khai/line-1" in problems[0].message
    assert "phan-boi/line-1" in problems[1].message


def test_the_old_alarms_key_says_where_it_moved(tmp_path: Path) -> None:
    text = EXAMPLE + "\n[alarms]\nrunning_min_kg_h = 4.0\n"
    (problem,) = check_config(write(tmp_path, text), environ={})
    assert problem.key == "alarms.running_min_kg_h"
    assert "moved to [line_states] running_min_kg_h" in problem.message


def test_alarm_settings_keep_their_other_keys(tmp_path: Path) -> None:
    text = EXAMPLE + "\n[alarms]\nmin_duration_s = 5.0\nthroughput_low_fraction = 1.0\n"
    assert problem_keys(text, tmp_path) == ["alarms.throughput_low_fraction"]
