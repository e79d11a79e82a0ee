"""The ``[agent]`` section: the README's example, the presets, and every rule's problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pilot.cli import main
from pilot.config import ConfigError, check_config, default_config_path, load_config
from sensors.modbus.devices import RtuTransport, TcpTransport
from sensors.modbus.presets import available_presets, load_preset

README = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
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


def _device(
    name: str = "scale",
    *,
    line: str = "line-1",
    transport: str = 'transport = "tcp"\nhost = "h"',
    points: str = '{ sensor = "throughput", preset = "weighing-indicator.rate" }',
    site: str = "minh-khai",
) -> str:
    """One ``[[agent.devices]]`` table, valid unless a part is replaced."""
    return (
        f'\n[[agent.devices]]\nname = "{name}"\nsite = "{site}"\nline = "{line}"\n'
        f"{transport}\npoints = [ {points} ]\n"
    )


PID = 'preset = "pid-temperature-controller.process_value"'
RTU = 'transport = "rtu"\nserial_port = "/dev/ttyUSB0"'

# One mistake per case: (the [agent] section, key path of the problem, fragment of its
# message). Each case is otherwise valid, so every rule is seen to fire on its own.
AGENT_MISTAKES = [
    pytest.param("[agent]\ncolour = 1\n" + _device(), "agent.colour", "unknown key", id="key"),
    pytest.param(
        "[agent]\nbackoff_base_s = 5.0\nbackoff_cap_s = 1.0\n" + _device(),
        "agent.backoff_cap_s",
        "at least backoff_base_s",
        id="backoff",
    ),
    pytest.param(
        "[agent]\n" + _device("Zone"), "agent.devices[0].name", "device id 'Zone'", id="name"
    ),
    pytest.param(
        "[agent]\n" + _device(line="line-9"),
        "agent.devices[0].line",
        "no line 'line-9'",
        id="line",
    ),
    pytest.param(
        "[agent]\n" + _device(site="dong-mai"),
        "agent.devices[0].site",
        "no site 'dong-mai'",
        id="site",
    ),
    pytest.param(
        "[agent]\n" + _device(transport='transport = "tcp"\nhost = "h"\nbaudrate = 9600'),
        "agent.devices[0].baudrate",
        "not used with transport = 'tcp'",
        id="serial-key-on-tcp",
    ),
    pytest.param(
        "[agent]\n" + _device(transport='transport = "tcp"'),
        "agent.devices[0].host",
        "required key is missing",
        id="tcp-needs-host",
    ),
    pytest.param(
        "[agent]\n"
        + _device(transport=RTU + '\nhost = "h"', points=f'{{ sensor = "zone1_temp", {PID} }}'),
        "agent.devices[0].host",
        "not used with transport = 'rtu'",
        id="network-key-on-rtu",
    ),
    pytest.param(
        "[agent]\n"
        + _device(points='{ sensor = "throughput", data_type = "float32", unit = "kg/h" }'),
        "agent.devices[0].points[0].address",
        "required key is missing",
        id="address-without-preset",
    ),
    pytest.param(
        "[agent]\n"
        + _device(points='{ sensor = "throughput", preset = "weighing-indicator.flow" }'),
        "agent.devices[0].points[0].preset",
        "has the points: rate, total",
        id="preset-point",
    ),
    pytest.param(
        "[agent]\n" + _device(points='{ sensor = "throughput", preset = "boiler.pv" }'),
        "agent.devices[0].points[0].preset",
        "unknown device preset 'boiler'",
        id="preset",
    ),
    pytest.param(
        "[agent]\n"
        + _device(points='{ sensor = "intake", address = 0, data_type = "int16", unit = "kg" }'),
        "agent.devices[0].points[0].sensor",
        "event sensor",
        id="event-sensor",
    ),
    pytest.param(
        "[agent]\n"
        + _device(points='{ sensor = "energy", address = 0, data_type = "int64", unit = "kWh" }'),
        "agent.devices[0].points[0].data_type",
        "'int64' is not one of",
        id="data-type",
    ),
    pytest.param(
        "[agent]\n"
        + _device(
            points='{ sensor = "energy", address = 0, data_type = "uint32", unit = "kWh", '
            "scale = 0 }"
        ),
        "agent.devices[0].points[0].scale",
        "must not be 0",
        id="scale",
    ),
    pytest.param(
        "[agent]\n"
        + _device(points='{ sensor = "energy", address = 0, data_type = "uint32", unit = "Wh" }'),
        "agent.devices[0].points[0].unit",
        "differs from the unit of sensor 'energy'",
        id="unit",
    ),
    pytest.param(
        "[agent]\n" + _device(points=f'{{ sensor = "melt_temp", {PID}, word_order = "x" }}'),
        "agent.devices[0].points[0].word_order",
        "'x' is not one of",
        id="word-order",
    ),
    pytest.param(
        "[agent]\n"
        + _device(points=f'{{ sensor = "melt_temp", {PID} }}, {{ sensor = "melt_temp", {PID} }}'),
        "agent.devices[0].points[1]",
        "already fed by agent.devices[0].points[0]",
        id="one-point-per-sensor",
    ),
    pytest.param(
        "[agent]\n"
        + _device(transport=RTU + "\nunit_id = 300", points=f'{{ sensor = "zone1_temp", {PID} }}'),
        "agent.devices[0].unit_id",
        "at most 247",
        id="unit-id",
    ),
    pytest.param(
        "[agent]\n"
        + _device("rtu-a", transport=RTU, points=f'{{ sensor = "zone1_temp", {PID} }}')
        + _device(
            "rtu-b",
            transport=RTU + "\nbaudrate = 19200",
            points=f'{{ sensor = "zone2_temp", {PID} }}',
        ),
        "agent.devices[1].serial_port",
        "other serial settings than rtu-a",
        id="same-serial-settings",
    ),
    pytest.param(
        "[agent]\n"
        + _device()
        + _device(points='{ sensor = "energy", preset = "energy-meter-3ph.energy_total" }'),
        "agent.devices[1].name",
        "duplicate device id 'scale'",
        id="duplicate-device",
    ),
]


def test_the_mistake_cases_start_from_a_valid_agent(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "[agent]\n" + _device()))
    assert config.agent is not None
    (device,) = config.agent.devices
    assert [(p.sensor, p.unit, p.interval_s) for p in device.points] == [
        ("throughput", "kg/h", 1.0)
    ]


@pytest.mark.parametrize(("agent_toml", "key", "fragment"), AGENT_MISTAKES)
def test_each_agent_rule(tmp_path: Path, agent_toml: str, key: str, fragment: str) -> None:
    problems = check_config(_write(tmp_path, agent_toml))
    assert [p.key for p in problems] == [key], [str(p) for p in problems]
    assert fragment in problems[0].message


def test_agent_section_must_be_a_table_with_devices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, "[agent]\n"))
    assert [p.key for p in err.value.problems] == ["agent.devices"]


def test_pilot_agent_without_agent_section_says_what_to_add(tmp_path, capsys) -> None:
    path = _write(tmp_path, "")
    assert main(["agent", "--config", str(path)]) == 3
    assert "no [agent] section" in capsys.readouterr().err
