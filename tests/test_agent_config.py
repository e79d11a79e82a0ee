"""The ``[agent]`` section: the README's example, the presets, and every rule's problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pilot.cli import main
from pilot.config import ConfigError, check_config, default_config_path, load_config
from sensors.modbus.devices import RtuTransport, TcpTransport
from sensors.modbus.presets import available_presets, load_preset

README = Path(__file__).resolve().parents[1] / "docs" / "deployment.md"
MARKER = "# pilot agent: Minh Khai line 1"


def _readme_agent_toml() -> str:
    blocks = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    matches = [block for block in blocks if block.startswith(MARKER)]
    assert len(matches) == 1, "the README's agent example is missing"
    return matches[0]


def _write(tmp_path: Path, agent_toml: str) -> Path:
    path = tmp_path / "gateway.toml"
    example = default_config_path().read_text(encoding="utf-8")
    path.write_text(example + "\n" + agent_toml, encoding="utf-8")
    return path


def test_readme_example_loads(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, _readme_agent_toml()))
    assert config.agent is not None
    zones, scale, meter = config.agent.devices
    assert isinstance(zones.transport, RtuTransport)
    assert [(p.sensor, p.unit_id, p.scale, p.unit) for p in zones.points] == [
        (f"zone{i}_temp", i, 0.1, "degC") for i in range(1, 5)
    ]
    assert isinstance(scale.transport, TcpTransport)
    assert scale.transport.port == 502
    assert (scale.points[0].data_type, scale.points[0].unit) == ("float32", "kg/h")
    energy = meter.points[0]
    preset = load_preset("energy-meter-3ph").points["energy_total"]
    # Written out, the README's meter point equals the preset it names in its comment.
    assert (energy.data_type, energy.word_order, energy.scale, energy.address) == (
        preset.data_type,
        preset.word_order,
        preset.scale,
        preset.address,
    )
    assert energy.interval_s == 10.0
    assert config.agent.outbox_path == tmp_path / "data" / "agent-outbox.sqlite"


def test_without_agent_section_there_is_no_agent() -> None:
    assert load_config(default_config_path()).agent is None


def test_every_preset_says_what_it_follows_and_to_check_the_device() -> None:
    assert len(available_presets()) == 4
    for name in available_presets():
        preset = load_preset(name)
        assert preset.points
        assert preset.convention
        assert "check" in preset.check.lower()
        assert "your" in preset.check.lower()
        assert "not a specific manual" in preset.convention


BAD = """
[agent]
colour = 1
backoff_base_s = 5.0
backoff_cap_s = 1.0

[[agent.devices]]
name = "Zone"
site = "minh-khai"
line = "line-9"
transport = "tcp"
baudrate = 9600
points = [ { sensor = "x" } ]

[[agent.devices]]
name = "scale"
site = "minh-khai"
line = "line-1"
transport = "tcp"
host = "h"
points = [
  { sensor = "throughput", preset = "weighing-indicator.flow" },
  { sensor = "intake", address = 0, data_type = "int16", unit = "kg" },
  { sensor = "energy", address = 0, data_type = "int64", unit = "Wh", scale = 0 },
  { sensor = "melt_temp", preset = "pid-temperature-controller.process_value" },
  { sensor = "melt_temp", preset = "pid-temperature-controller.process_value", word_order = "x" },
  { sensor = "nothing", preset = "boiler.pv" },
]

[[agent.devices]]
name = "rtu-a"
site = "phan-boi"
line = "line-1"
transport = "rtu"
serial_port = "/dev/ttyUSB0"
host = "h"
points = [ { sensor = "zone1_temp", preset = "pid-temperature-controller.process_value" } ]

[[agent.devices]]
name = "rtu-b"
site = "phan-boi"
line = "line-1"
transport = "rtu"
serial_port = "/dev/ttyUSB0"
baudrate = 19200
unit_id = 300
points = [ { sensor = "zone2_temp", preset = "pid-temperature-controller.process_value" } ]
"""

EXPECTED = {
    "agent.colour": "unknown key",
    "agent.backoff_cap_s": "at least backoff_base_s",
    "agent.devices[0].name": "device id 'Zone'",
    "agent.devices[0].line": "no line 'line-9'",
    "agent.devices[0].baudrate": "not used with transport = 'tcp'",
    "agent.devices[0].host": "required key is missing",
    "agent.devices[0].points[0].address": "required key is missing",
    "agent.devices[1].points[0].preset": "has the points: rate, total",
    "agent.devices[1].points[1].sensor": "event sensor",
    "agent.devices[1].points[2].data_type": "'int64' is not one of",
    "agent.devices[1].points[2].scale": "must not be 0",
    "agent.devices[1].points[2].unit": "differs from the unit of sensor 'energy'",
    "agent.devices[1].points[4].word_order": "'x' is not one of",
    "agent.devices[1].points[4]": "already fed by agent.devices[1].points[3]",
    "agent.devices[1].points[5].preset": "unknown device preset 'boiler'",
    "agent.devices[2].host": "not used with transport = 'rtu'",
    "agent.devices[3].unit_id": "at most 247",
    "agent.devices[3].serial_port": "other serial settings than rtu-a",
}


def test_every_problem_is_named_with_its_key_path(tmp_path: Path) -> None:
    problems = check_config(_write(tmp_path, BAD))
    by_key: dict[str, list[str]] = {}
    for problem in problems:
        by_key.setdefault(problem.key, []).append(problem.message)
    for key, fragment in EXPECTED.items():
        assert any(fragment in message for message in by_key.get(key, [])), (key, by_key)


def test_agent_section_must_be_a_table_with_devices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, "[agent]\n"))
    assert [p.key for p in err.value.problems] == ["agent.devices"]


def test_pilot_agent_without_agent_section_says_what_to_add(tmp_path, capsys) -> None:
    path = _write(tmp_path, "")
    assert main(["agent", "--config", str(path)]) == 3
    assert "no [agent] section" in capsys.readouterr().err
