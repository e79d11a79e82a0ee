"""The Modbus device agent under faults: a device that hangs, a broker that goes away.

A device that stops answering must not delay the others on their schedule, and a
broker outage must lose no polled reading: it waits in the outbox and is stored once.
"""

from __future__ import annotations

import itertools
import statistics
import time

import pytest

from tests.fixtures_modbus import HangingProxy
from tests.sensors.modbus_agent_rig import (
    AgentRun,
    agent_config,
    one_pid_zone,
    pid_point,
    pid_server,
    stored_values,
    tcp_device,
    unique_prefix,
)
from tests.servers import wait_until

pytestmark = pytest.mark.mosquitto


@pytest.mark.slow
def test_device_that_stops_answering_does_not_delay_the_others(mosquitto_broker, tmp_path):
    prefix = unique_prefix("hang")
    healthy = pid_server(200.0)
    flaky = pid_server(180.0)
    proxy = HangingProxy(flaky.port).start()
    interval_s = 0.1
    config = agent_config(
        tmp_path,
        mosquitto_broker.url,
        prefix,
        # Keys before the first device belong to [agent] itself.
        "backoff_base_s = 0.2\nbackoff_cap_s = 1.0\n"
        + tcp_device("healthy", [pid_point("zone1_temp", interval_s)], healthy.port)
        + tcp_device("flaky", [pid_point("zone2_temp", interval_s)], proxy.port, timeout_s=0.5),
    )
    window: dict[str, float] = {}
    try:
        with AgentRun(config, tmp_path) as run:
            wait_until(
                lambda: run.count("healthy") >= 5 and run.count("flaky") >= 5,
                30,
                "both devices answering",
            )
            window["start"] = time.time()
            proxy.hang.set()
            # Four timeouts with their backoff: an outage of about 3 s (0.5 s timeout,
            # 0.2 s backoff doubling).
            wait_until(
                lambda: run.count("flaky", "timeout") >= 4, 30, "the hanging device's timeouts"
            )
            proxy.hang.clear()
            window["end"] = time.time()
            answered = run.count("flaky")
            wait_until(lambda: run.count("flaky") >= answered + 5, 30, "the device answering again")
    finally:
        proxy.stop()
        healthy.stop()
        flaky.stop()
    agent, stored_at = run.agent, run.stored_at
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
    # (The hanging device's own timeouts were counted: the run waited for them.)
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
    prefix = unique_prefix("out")
    server, config = one_pid_zone(tmp_path, fresh_mosquitto.url, prefix, 210.0, interval_s=0.1)
    try:
        with AgentRun(config, tmp_path) as run:
            assert run.collector.wait_until(lambda s: s.readings_stored >= 5, 30), (
                run.collector.format_stats()
            )
            fresh_mosquitto.stop()
            at_stop = len(run.polled)
            wait_until(
                lambda: len(run.polled) >= at_stop + 10 and run.agent.outbox.pending_messages > 0,
                30,
                "readings polled into the outbox while the broker is down",
            )
            during_outage = len(run.polled)
            fresh_mosquitto.start()
            assert run.collector.wait_until(lambda s: s.readings_stored >= during_outage, 60), (
                run.collector.format_stats()
            )
            run.finish(settled=lambda s: s.readings_stored >= len(run.polled))
    finally:
        server.stop()
    agent, polled = run.agent, run.polled
    stored = stored_values(config)["zone1_temp"]
    assert sorted(ts for ts, _ in stored) == sorted(r.ts_us for r in polled)
    assert agent.stats is not None
    assert agent.stats.outbox_max_pending > 0, "the outage should have filled the outbox"
    assert agent.stats.outbox_dropped_readings == 0
    print(
        f"\nbroker outage: {len(polled)} readings polled ({during_outage} by the end of the "
        f"outage), all stored once; at most {agent.stats.outbox_max_pending} messages "
        "waited in the outbox"
    )
