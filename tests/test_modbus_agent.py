"""The Modbus device agent against pymodbus's own server, through real Mosquitto.

Simulated devices hold known values in their registers (in the layouts of the shipped
presets and in other byte and word orders); the agent polls them over Modbus TCP and
over Modbus RTU on a socat serial pair, publishes through its outbox, and a collector
stores what arrives in SQLite. The stored values must be the decoded ones. A device
that stops answering must not delay the others.
"""

from __future__ import annotations

import itertools
import json
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pilot.config import Config, load_config
from pilot.wiring import make_agent, make_collector
from sensors.modbus.registers import encode_registers
from sensors.outbox import Outbox
from sensors.schema import Reading
from tests.configs import example_config
from tests.fixtures_modbus import HangingProxy, ModbusServer

pytestmark = pytest.mark.mosquitto

SITE, LINE = "minh-khai", "line-1"


def _config(tmp_path: Path, broker_url: str, prefix: str, agent_toml: str) -> Config:
    path = example_config(tmp_path, broker_url=broker_url, prefix=prefix, client_id=f"c-{prefix}")
    text = path.read_text(encoding="utf-8")
    head = f'\n[agent]\nclient_id = "agent-{prefix}"\nstats_interval_s = 1.0\n'
    path.write_text(text + head + agent_toml, encoding="utf-8")
    return load_config(path)


def _device(name: str, points: list[dict[str, object]], **keys: object) -> str:
    """``[[agent.devices]]`` of the test line with ``keys`` and ``points`` as TOML."""

    def value(v: object) -> str:
        return f'"{v}"' if isinstance(v, str) else str(v)

    lines = ["", "[[agent.devices]]", f'name = "{name}"', f'site = "{SITE}"', f'line = "{LINE}"']
    lines += [f"{k} = {value(v)}" for k, v in keys.items()]
    for point in points:
        lines += ["", "[[agent.devices.points]]"]
        lines += [f"{k} = {value(v)}" for k, v in point.items()]
    return "\n".join(lines) + "\n"


PID_PV = "pid-temperature-controller.process_value"


def _words(value: float, data_type: str, **layout: object) -> dict[int, int]:
    return dict(enumerate(encode_registers(value, data_type, **layout)))  # type: ignore[arg-type]


def _at(address: int, words: dict[int, int]) -> dict[int, int]:
    return {address + offset: word for offset, word in words.items()}


def _stored(config: Config) -> dict[str, list[tuple[int, float]]]:
    from pilot.wiring import make_store

    store = make_store(config.store)
    now = datetime.now(UTC)
    frame = store.read(site=SITE, line=LINE, start=now - timedelta(hours=1), end=now)
    out: dict[str, list[tuple[int, float]]] = {}
    for sensor, when, value in zip(frame["sensor"], frame["time"], frame["value"], strict=True):
        out.setdefault(sensor, []).append((int(when.value // 1000), float(value)))
    return out


def _run_agent(config: Config, tmp_path: Path, seconds: float, **kwargs: object):  # type: ignore[no-untyped-def]
    """Run the agent with a collector for ``seconds``; the collector, agent and stats."""
    stored_at: list[tuple[Reading, float]] = []
    collector = make_collector(
        config, on_stored=lambda batch: stored_at.extend((r, time.time()) for r in batch)
    )
    collector.start()
    agent = make_agent(config, outbox=Outbox(tmp_path / "agent-outbox.sqlite"), **kwargs)  # type: ignore[arg-type]
    agent.start()
    time.sleep(seconds)
    agent.stop()
    assert agent.error is None, agent.error
    assert agent.stats is not None
    assert collector.wait_until(lambda s: s.acked >= agent.stats.messages, 60), (
        collector.format_stats()
    )
    collector.stop()
    agent.outbox.close()
    return agent, collector, stored_at


def test_tcp_devices_decoded_values_stored_through_mosquitto(mosquitto_broker, tmp_path):
    prefix = f"mb{uuid.uuid4().hex[:8]}"
    pid = ModbusServer(
        {
            1: {"holding": _at(0, _words(231.5, "int16", scale=0.1))},
            2: {"holding": _at(0, _words(-40.0, "int16", scale=0.1))},  # a broken thermocouple
        }
    ).start()
    scale = ModbusServer(
        {1: {"holding": {**_at(0, _words(84.25, "float32")), **_at(2, _words(1234.5, "float32"))}}}
    ).start()
    meter = ModbusServer(
        {
            7: {
                "holding": _at(0, _words(12345.67, "uint32", word_order="little", scale=0.01)),
                "input": _at(
                    0x20, _words(40.5, "float32", byte_order="little", word_order="little")
                ),
            }
        }
    ).start()
    try:
        config = _config(
            tmp_path,
            mosquitto_broker.url,
            prefix,
            _device(
                "zone-pid",
                [
                    {"sensor": "zone1_temp", "preset": PID_PV, "interval_s": 0.2},
                    {"sensor": "melt_temp", "preset": PID_PV, "unit_id": 2, "interval_s": 0.2},
                ],
                transport="tcp",
                host="127.0.0.1",
                port=pid.port,
            )
            + _device(
                "belt-scale",
                [{"sensor": "throughput", "preset": "weighing-indicator.rate", "interval_s": 0.2}],
                transport="tcp",
                host="127.0.0.1",
                port=scale.port,
            )
            + _device(
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
                transport="tcp",
                host="127.0.0.1",
                port=meter.port,
                unit_id=7,
            ),
        )
        agent, collector, _ = _run_agent(config, tmp_path, 2.0)
    finally:
        for server in (pid, scale, meter):
            server.stop()
    stored = _stored(config)
    expected = {
        "zone1_temp": 231.5,
        "throughput": 84.25,
        "energy": 12345.67,
        "mould_temp": 40.5,
    }
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
    prefix = f"rtu{uuid.uuid4().hex[:8]}"
    server = ModbusServer(
        {
            1: {"holding": _at(0, _words(165.2, "int16", scale=0.1))},
            2: {"input": _at(0x10, _words(195.0, "int32", word_order="little", offset=200.0))},
        },
        serial=device_end,
        baudrate=19200,
    ).start()
    try:
        config = _config(
            tmp_path,
            mosquitto_broker.url,
            prefix,
            _device(
                "zone3-pid",
                [{"sensor": "zone3_temp", "preset": PID_PV, "interval_s": 0.3}],
                transport="rtu",
                serial_port=gateway_end,
                baudrate=19200,
                unit_id=1,
            )
            + _device(
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
        agent, _, _ = _run_agent(config, tmp_path, 3.0)
    finally:
        server.stop()
    stored = _stored(config)
    for sensor, value in {"zone3_temp": 165.2, "zone4_temp": 195.0}.items():
        values = [v for _, v in stored.get(sensor, [])]
        assert len(values) >= 3, f"{sensor}: {len(values)} readings stored; {agent.faults()}"
        assert values == pytest.approx([value] * len(values), rel=1e-9), sensor
    assert len(agent.pollers) == 1, "units of one serial port share one bus"
    print(f"\nModbus RTU: {agent.faults()}")


@pytest.mark.slow
def test_device_that_stops_answering_does_not_delay_the_others(mosquitto_broker, tmp_path):
    prefix = f"hang{uuid.uuid4().hex[:8]}"
    healthy = ModbusServer({1: {"holding": _at(0, _words(200.0, "int16", scale=0.1))}}).start()
    flaky = ModbusServer({1: {"holding": _at(0, _words(180.0, "int16", scale=0.1))}}).start()
    proxy = HangingProxy(flaky.port).start()
    interval_s = 0.1
    config = _config(
        tmp_path,
        mosquitto_broker.url,
        prefix,
        # Keys before the first device belong to [agent] itself.
        "backoff_base_s = 0.2\nbackoff_cap_s = 1.0\n"
        + _device(
            "healthy",
            [{"sensor": "zone1_temp", "preset": PID_PV, "interval_s": interval_s}],
            transport="tcp",
            host="127.0.0.1",
            port=healthy.port,
        )
        + _device(
            "flaky",
            [{"sensor": "zone2_temp", "preset": PID_PV, "interval_s": interval_s}],
            transport="tcp",
            host="127.0.0.1",
            port=proxy.port,
            timeout_s=0.5,
        ),
    )
    window: dict[str, float] = {}

    def outage() -> None:
        time.sleep(1.5)
        window["start"] = time.time()
        proxy.hang.set()
        time.sleep(4.0)
        proxy.hang.clear()
        window["end"] = time.time()

    chaos = threading.Thread(target=outage)
    chaos.start()
    try:
        agent, _, stored_at = _run_agent(config, tmp_path, 8.0)
    finally:
        chaos.join()
        proxy.stop()
        healthy.stop()
        flaky.stop()
    stored = _stored(config)
    start_us, end_us = int(window["start"] * 1e6), int(window["end"] * 1e6)
    during = [ts for ts, _ in stored["zone1_temp"] if start_us <= ts < end_us]
    expected = (end_us - start_us) / 1e6 / interval_s
    # On time: the healthy device kept (most of) its schedule while the other hung. Loose
    # bound on purpose: a loaded CI machine may lose slots, but a stalled poller would
    # lose them all, or one per timeout.
    assert len(during) >= 0.5 * expected, (len(during), expected, agent.faults())
    gaps = [b - a for a, b in itertools.pairwise(during)]
    assert max(gaps) < 0.5 * 1e6, "the healthy device waited on the hanging one's timeouts"
    faults = agent.faults()
    assert faults["flaky"]["timeout"] >= 2, faults
    assert faults["healthy"]["timeout"] == 0, faults
    # The hanging device recovered after the outage.
    assert any(ts >= end_us for ts, _ in stored["zone2_temp"]), faults
    # Everything polled reached the store exactly once.
    assert len(stored_at) == sum(len(v) for v in stored.values())
    latencies = sorted(stored - r.ts_us / 1e6 for r, stored in stored_at)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(
        f"\npoll-to-stored latency over {len(latencies)} readings: p50 {p50 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms; healthy device {len(during)} readings in the "
        f"{(end_us - start_us) / 1e6:.1f} s outage (schedule {expected:.0f}); faults {faults}"
    )


@pytest.mark.slow
def test_broker_outage_loses_no_polled_reading(fresh_mosquitto, tmp_path):
    prefix = f"out{uuid.uuid4().hex[:8]}"
    server = ModbusServer({1: {"holding": _at(0, _words(210.0, "int16", scale=0.1))}}).start()
    config = _config(
        tmp_path,
        fresh_mosquitto.url,
        prefix,
        _device(
            "zone-pid",
            [{"sensor": "zone1_temp", "preset": PID_PV, "interval_s": 0.1}],
            transport="tcp",
            host="127.0.0.1",
            port=server.port,
        ),
    )
    polled: list[Reading] = []
    collector = make_collector(config)
    collector.start()
    agent = make_agent(config, outbox=Outbox(tmp_path / "agent-outbox.sqlite"))
    agent.on_reading = polled.append
    agent.start()
    try:
        time.sleep(1.5)
        fresh_mosquitto.stop()
        time.sleep(2.0)
        during_outage = len(polled)
        fresh_mosquitto.start()
        time.sleep(2.0)
    finally:
        agent.stop()
        server.stop()
    assert agent.error is None, agent.error
    assert collector.wait_until(lambda s: s.readings_stored >= len(polled), 60), (
        collector.format_stats()
    )
    collector.stop()
    agent.outbox.close()
    stored = _stored(config)["zone1_temp"]
    assert sorted(ts for ts, _ in stored) == sorted(r.ts_us for r in polled)
    assert agent.stats is not None
    assert agent.stats.outbox_max_pending > 0, "the outage should have filled the outbox"
    assert agent.stats.outbox_dropped_readings == 0
    print(
        f"\nbroker outage: {len(polled)} readings polled ({during_outage} by the end of the "
        f"2 s outage), all stored once; at most {agent.stats.outbox_max_pending} messages "
        "waited in the outbox"
    )


@pytest.mark.slow
def test_pilot_agent_command_runs_until_sigterm(mosquitto_broker, tmp_path):
    prefix = f"cli{uuid.uuid4().hex[:8]}"
    server = ModbusServer({1: {"holding": _at(0, _words(199.9, "int16", scale=0.1))}}).start()
    config = _config(
        tmp_path,
        mosquitto_broker.url,
        prefix,
        _device(
            "zone-pid",
            [{"sensor": "zone1_temp", "preset": PID_PV, "interval_s": 0.2}],
            transport="tcp",
            host="127.0.0.1",
            port=server.port,
        ),
    )
    assert config.path is not None
    collector = make_collector(config)
    collector.start()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pilot.cli", "agent", "--config", str(config.path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[1],
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
    values = [v for _, v in _stored(config)["zone1_temp"]]
    assert values == pytest.approx([199.9] * len(values))
