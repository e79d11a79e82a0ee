"""A Modbus agent test rig: simulated devices and their configuration, a run with a collector.

Shared by the agent tests (:mod:`tests.sensors.test_modbus_agent`, decoding and the command;
:mod:`tests.sensors.test_modbus_agent_faults`, a hanging device and a broker outage).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitoring.collector import CollectorStats
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


def unique_prefix(kind: str) -> str:
    """A topic prefix of its own for one test, so that tests on one broker never mix."""
    return f"{kind}{uuid.uuid4().hex[:8]}"


def pid_server(value_c: float) -> ModbusServer:
    """A started PID controller (unit 1) holding ``value_c`` [°C] as its process value."""
    return ModbusServer({1: {"holding": at(0, words(value_c, "int16", scale=0.1))}}).start()


def pid_point(sensor: str, interval_s: float, **keys: object) -> dict[str, object]:
    """A point reading a PID controller's process value as ``sensor`` every ``interval_s``."""
    return {"sensor": sensor, "preset": PID_PV, "interval_s": interval_s, **keys}


def tcp_device(name: str, points: list[dict[str, object]], port: int, **keys: object) -> str:
    """:func:`device_toml` of a Modbus TCP device on 127.0.0.1:``port``."""
    return device_toml(name, points, transport="tcp", host="127.0.0.1", port=port, **keys)


class AgentRun:
    """The agent of ``config`` and a collector storing what it publishes, in a ``with``.

    On leaving the block without an error the run is finished (:meth:`finish`): the
    agent stopped without an error, and everything it published stored or quarantined.

    Attributes
    ----------
    polled
        Every reading as the agent polled it, before publishing.
    stored_at
        Every reading the collector stored, with the time it was stored [s].
    """

    def __init__(self, config: Config, tmp_path: Path, **kwargs: object) -> None:
        self.polled: list[Reading] = []
        self.stored_at: list[tuple[Reading, float]] = []
        self.collector = make_collector(
            config, on_stored=lambda batch: self.stored_at.extend((r, time.time()) for r in batch)
        )
        outbox = Outbox(tmp_path / "agent-outbox.sqlite")
        self.agent = make_agent(config, outbox=outbox, **kwargs)  # type: ignore[arg-type]
        self.agent.on_reading = self.polled.append
        self._finished = False

    def __enter__(self) -> AgentRun:
        self.collector.start()
        self.agent.start()
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if self._finished:
            return
        if kind is None:
            self.finish()
        else:
            self._close()

    def count(self, device: str, kind: str = "reads") -> int:
        """A fault counter of ``device`` so far (good replies by default)."""
        return int(self.agent.faults()[device][kind])  # type: ignore[call-overload]

    def polled_each(self, sensors: Iterable[str], at_least: int) -> bool:
        """Whether every sensor of ``sensors`` has been polled ``at_least`` times."""
        counts = Counter(r.sensor for r in list(self.polled))
        return all(counts[sensor] >= at_least for sensor in sensors)

    def finish(self, settled: Callable[[CollectorStats], bool] | None = None) -> None:
        """Stop the agent, then wait until the collector ``settled`` (by default: it
        acknowledged as many messages as the agent published) and stop it."""
        self.agent.stop()
        assert self.agent.error is None, self.agent.error
        stats = self.agent.stats
        assert stats is not None
        done = settled or (lambda s: s.acked >= stats.messages)
        assert self.collector.wait_until(done, 60), self.collector.format_stats()
        self._close()

    def _close(self) -> None:
        self._finished = True
        self.agent.stop()
        self.collector.stop()
        self.agent.outbox.close()


def one_pid_zone(
    tmp_path: Path, broker_url: str, prefix: str, value_c: float, interval_s: float
) -> tuple[ModbusServer, Config]:
    """A started PID controller holding ``value_c`` [°C], and an agent polling it as
    ``zone1_temp`` every ``interval_s`` [s] over Modbus TCP; stop the server when done."""
    server = pid_server(value_c)
    config = agent_config(
        tmp_path,
        broker_url,
        prefix,
        tcp_device("zone-pid", [pid_point("zone1_temp", interval_s)], server.port),
    )
    return server, config
