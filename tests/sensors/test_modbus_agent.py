"""The Modbus device agent against pymodbus's own server, through real Mosquitto.

Simulated devices hold known values in their registers (in the layouts of the shipped
presets and in other byte and word orders); the agent polls them over Modbus TCP and
over Modbus RTU on a socat serial pair, publishes through its outbox, and a collector
stores what arrives in SQLite. The stored values must be the decoded ones. Faults (a
device that stops answering, a broker outage): :mod:`tests.sensors.test_modbus_agent_faults`.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pilot.wiring import make_collector
from tests.fixtures_modbus import ModbusServer
from tests.sensors.modbus_agent_rig import (
    AgentRun,
    agent_config,
    at,
    device_toml,
    one_pid_zone,
    pid_point,
    stored_values,
    tcp_device,
    unique_prefix,
    words,
)
from tests.servers import wait_until

pytestmark = pytest.mark.mosquitto


@pytest.mark.slow
def test_tcp_devices_decoded_values_stored_through_mosquitto(mosquitto_broker, tmp_path):
    prefix = unique_prefix("mb")
    expected = {
        "zone1_temp": 231.5,
        "throughput": 84.25,
        "energy": 12345.67,
        "mould_temp": 40.5,
    }
    pid = ModbusServer(
        {
            1: {"holding": at(0, words(231.5, "int16", scale=0.1))},
            2: {"holding": at(0, words(-40.0, "int16", scale=0.1))},  # a broken thermocouple
        }
    ).start()
    scale = ModbusServer(
        {1: {"holding": {**at(0, words(84.25, "float32")), **at(2, words(1234.5, "float32"))}}}
    ).start()
    meter = ModbusServer(
        {
            7: {
                "holding": at(0, words(12345.67, "uint32", word_order="little", scale=0.01)),
                "input": at(0x20, words(40.5, "float32", byte_order="little", word_order="little")),
            }
        }
    ).start()
    try:
        config = agent_config(
            tmp_path,
            mosquitto_broker.url,
            prefix,
            tcp_device(
                "zone-pid",
                [pid_point("zone1_temp", 0.2), pid_point("melt_temp", 0.2, unit_id=2)],
                pid.port,
            )
            + tcp_device(
                "belt-scale",
                [{"sensor": "throughput", "preset": "weighing-indicator.rate", "interval_s": 0.2}],
                scale.port,
            )
            + tcp_device(
                "panel-meter",
                [
                    {
                        "sensor": "energy",
                        "preset": "energy-meter-3ph.energy_total",
                        "interval_s": 0.2,
                    },
                    {
                        "sensor": "mould_temp",
                        "function": "input",
                        "address": 0x20,
                        "data_type": "float32",
                        "byte_order": "little",
                        "word_order": "little",
                        "unit": "degC",
                        "interval_s": 0.2,
                    },
                ],
                meter.port,
                unit_id=7,
            ),
        )
        with AgentRun(config, tmp_path) as run:
            wait_until(
                lambda: run.polled_each([*expected, "melt_temp"], at_least=3),
                60,
                "three polled readings of every sensor",
            )
        agent, collector = run.agent, run.collector
    finally:
        for server in (pid, scale, meter):
            server.stop()
    stored = stored_values(config)
    for sensor, value in expected.items():
        values = [v for _, v in stored.get(sensor, [])]
        assert len(values) >= 3, f"{sensor}: {len(values)} readings stored"
        assert values == pytest.approx([value] * len(values), rel=1e-9), sensor
    # Out of the sensor's valid range: published by the agent, quarantined by the collector.
    assert "melt_temp" not in stored
    assert collector.quarantine.reasons().get("out_of_range", 0) >= 3
    faults = agent.faults()
    assert all(f["reads"] > 0 and f["timeout"] == 0 for f in faults.values()), faults
    print(f"\nModbus TCP: stored {sum(len(v) for v in stored.values())} readings; faults {faults}")


@pytest.mark.slow
def test_rtu_units_on_a_serial_pair_stored_through_mosquitto(
    mosquitto_broker, tmp_path, serial_pair
):
    device_end, gateway_end = serial_pair
    prefix = unique_prefix("rtu")
    server = ModbusServer(
        {
            1: {"holding": at(0, words(165.2, "int16", scale=0.1))},
            2: {"input": at(0x10, words(195.0, "int32", word_order="little", offset=200.0))},
        },
        serial=device_end,
        baudrate=19200,
    ).start()
    try:
        config = agent_config(
            tmp_path,
            mosquitto_broker.url,
            prefix,
            device_toml(
                "zone3-pid",
                [pid_point("zone3_temp", 0.3)],
                transport="rtu",
                serial_port=gateway_end,
                baudrate=19200,
                unit_id=1,
            )
            + device_toml(
                "zone4-controller",
                [
                    {
                        "sensor": "zone4_temp",
                        "function": "input",
                        "address": 0x10,
                        "data_type": "int32",
                        "word_order": "little",
                        "offset": 200.0,
                        "unit": "degC",
                        "interval_s": 0.3,
                    }
                ],
                transport="rtu",
                serial_port=gateway_end,
                baudrate=19200,
                unit_id=2,
            ),
        )
        expected = {"zone3_temp": 165.2, "zone4_temp": 195.0}
        with AgentRun(config, tmp_path) as run:
            wait_until(
                lambda: run.polled_each(expected, at_least=3),
                60,
                "three polled readings of every sensor",
            )
        agent = run.agent
    finally:
        server.stop()
    stored = stored_values(config)
    for sensor, value in expected.items():
        values = [v for _, v in stored.get(sensor, [])]
        assert len(values) >= 3, f"{sensor}: {len(values)} readings stored; {agent.faults()}"
        assert values == pytest.approx([value] * len(values), rel=1e-9), sensor
    assert len(agent.pollers) == 1, "units of one serial port share one bus"
    print(f"\nModbus RTU: {agent.faults()}")


@pytest.mark.slow
def test_pilot_agent_command_runs_until_sigterm(mosquitto_broker, tmp_path):
    prefix = unique_prefix("cli")
    server, config = one_pid_zone(tmp_path, mosquitto_broker.url, prefix, 199.9, interval_s=0.2)
    assert config.path is not None
    collector = make_collector(config)
    collector.start()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pilot.cli", "agent", "--config", str(config.path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert collector.wait_until(lambda s: s.readings_stored >= 5, 60), collector.format_stats()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=90)
        server.stop()
        collector.stop()
    assert proc.returncode == 0, err.decode()
    report = json.loads(out)
    assert report["faults"]["zone-pid"]["reads"] >= 5
    values = [v for _, v in stored_values(config)["zone1_temp"]]
    assert values == pytest.approx([199.9] * len(values))
