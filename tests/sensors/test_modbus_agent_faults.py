"""The Modbus device agent under faults: a device that hangs, a broker that goes away.

A device that stops answering must not delay the others on their schedule, and a
broker outage must lose no polled reading: it waits in the outbox and is stored once.
"""

from __future__ import annotations

import itertools
import statistics
import threading
import time
import uuid

import pytest

from pilot.wiring import make_agent, make_collector
from sensors.outbox import Outbox
from sensors.schema import Reading
from tests.fixtures_modbus import HangingProxy, ModbusServer
from tests.sensors.modbus_agent_rig import (
    PID_PV,
    agent_config,
    at,
    device_toml,
    one_pid_zone,
    run_agent,
    stored_values,
    words,
)

pytestmark = pytest.mark.mosquitto


@pytest.mark.slow
def test_device_that_stops_answering_does_not_delay_the_others(mosquitto_broker, tmp_path):
    prefix = f"hang{uuid.uuid4().hex[:8]}"
    healthy = ModbusServer({1: {"holding": at(0, words(200.0, "int16", scale=0.1))}}).start()
    flaky = ModbusServer({1: {"holding": at(0, words(180.0, "int16", scale=0.1))}}).start()
    proxy = HangingProxy(flaky.port).start()
    interval_s = 0.1
    config = agent_config(
        tmp_path,
        mosquitto_broker.url,
        prefix,
        # Keys before the first device belong to [agent] itself.
        "backoff_base_s = 0.2\nbackoff_cap_s = 1.0\n"
        + device_toml(
            "healthy",
            [{"sensor": "zone1_temp", "preset": PID_PV, "interval_s": interval_s}],
            transport="tcp",
            host="127.0.0.1",
            port=healthy.port,
        )
        + device_toml(
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
        agent, _, stored_at = run_agent(config, tmp_path, 8.0)
    finally:
        chaos.join()
        proxy.stop()
        healthy.stop()
        flaky.stop()
    stored = stored_values(config)
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
    server, config = one_pid_zone(tmp_path, fresh_mosquitto.url, prefix, 210.0, interval_s=0.1)
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
    stored = stored_values(config)["zone1_temp"]
    assert sorted(ts for ts, _ in stored) == sorted(r.ts_us for r in polled)
    assert agent.stats is not None
    assert agent.stats.outbox_max_pending > 0, "the outage should have filled the outbox"
    assert agent.stats.outbox_dropped_readings == 0
    print(
        f"\nbroker outage: {len(polled)} readings polled ({during_outage} by the end of the "
        f"2 s outage), all stored once; at most {agent.stats.outbox_max_pending} messages "
        "waited in the outbox"
    )
