"""A Modbus agent test rig: configuration of simulated devices, a run with a collector.

Shared by the agent tests (:mod:`tests.sensors.test_modbus_agent`, decoding and the command;
:mod:`tests.sensors.test_modbus_agent_faults`, a hanging device and a broker outage).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pilot.config import Config, load_config
from pilot.wiring import make_agent, make_collector
from sensors.modbus.registers import encode_registers
from sensors.outbox import Outbox
from sensors.schema import Reading
from tests.configs import example_config
from tests.fixtures_modbus import ModbusServer

SITE, LINE = "minh-khai", "line-1"
#: Preset point of a PID temperature controller's process value.
PID_PV = "pid-temperature-controller.process_value"


def agent_config(tmp_path: Path, broker_url: str, prefix: str, agent_toml: str) -> Config:
    """The example configuration on ``broker_url`` with an ``[agent]`` of ``agent_toml``."""
    path = example_config(tmp_path, broker_url=broker_url, prefix=prefix, client_id=f"c-{prefix}")
    text = path.read_text(encoding="utf-8")
    head = f'\n[agent]\nclient_id = "agent-{prefix}"\nstats_interval_s = 1.0\n'
    path.write_text(text + head + agent_toml, encoding="utf-8")
    return load_config(path)


def device_toml(name: str, points: list[dict[str, object]], **keys: object) -> str:
    """``[[agent.devices]]`` of the test line with ``keys`` and ``points`` as TOML."""

    def value(v: object) -> str:
        return f'"{v}"' if isinstance(v, str) else str(v)

    lines = ["", "[[agent.devices]]", f'name = "{name}"', f'site = "{SITE}"', f'line = "{LINE}"']
    lines += [f"{k} = {value(v)}" for k, v in keys.items()]
    for point in points:
        lines += ["", "[[agent.devices.points]]"]
        lines += [f"{k} = {value(v)}" for k, v in point.items()]
    return "\n".join(lines) + "\n"


def words(value: float, data_type: str, **layout: object) -> dict[int, int]:
    """Registers holding ``value`` encoded as ``data_type``, by offset from 0."""
    return dict(enumerate(encode_registers(value, data_type, **layout)))  # type: ignore[arg-type]


def at(address: int, words: dict[int, int]) -> dict[int, int]:
    """``words`` moved to start at ``address``."""
    return {address + offset: word for offset, word in words.items()}


def stored_values(config: Config) -> dict[str, list[tuple[int, float]]]:
    """``(ts_us, value)`` of the test line stored in the last hour, by sensor."""
    from pilot.wiring import make_store

    store = make_store(config.store)
    now = datetime.now(UTC)
    frame = store.read(site=SITE, line=LINE, start=now - timedelta(hours=1), end=now)
    out: dict[str, list[tuple[int, float]]] = {}
    for sensor, when, value in zip(frame["sensor"], frame["time"], frame["value"], strict=True):
        out.setdefault(sensor, []).append((int(when.value // 1000), float(value)))
    return out


def run_agent(config: Config, tmp_path: Path, seconds: float, **kwargs: object):  # type: ignore[no-untyped-def]
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


def one_pid_zone(
    tmp_path: Path, broker_url: str, prefix: str, value_c: float, interval_s: float
) -> tuple[ModbusServer, Config]:
    """A started PID controller holding ``value_c`` [°C], and an agent polling it as
    ``zone1_temp`` every ``interval_s`` [s] over Modbus TCP; stop the server when done."""
    server = ModbusServer({1: {"holding": at(0, words(value_c, "int16", scale=0.1))}}).start()
    config = agent_config(
        tmp_path,
        broker_url,
        prefix,
        device_toml(
            "zone-pid",
            [{"sensor": "zone1_temp", "preset": PID_PV, "interval_s": interval_s}],
            transport="tcp",
            host="127.0.0.1",
            port=server.port,
        ),
    )
    return server, config
