"""Fault injection: broker restart, collector SIGKILL, 30 s database outage; nothing lost.

Four simulated devices (two per pilot line, each with its own on-disk outbox) publish
about an hour of readings, paced over roughly a minute, while in turn

1. Mosquitto is stopped and restarted (the devices' outboxes hold what is measured
   meanwhile),
2. the collector (``pilot collect`` in a subprocess) is killed with SIGKILL and
   restarted (the broker keeps its persistent session),
3. InfluxDB is stopped for 30 s and restarted (the collector spools to disk, and the
   collector's resident memory is sampled from ``/proc``).

At the end every reading is in InfluxDB exactly once: the count and a checksum of
(device time, value, seq) per sensor equal those of the published readings. The
figures are printed (``pytest -s``) and quoted in the README, "What we guarantee".
"""

from __future__ import annotations

import re
import signal
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitoring.errors import StoreError
from monitoring.stores.influxdb1 import InfluxDB1Store
from pilot.config import load_config
from sensors.outbox import Outbox
from sensors.publisher import PublishStats, publish
from sensors.schema import Reading
from sensors.simulator import simulate_line
from tests.configs import example_config
from tests.monitoring.collector_process import start_collector
from tests.monitoring.store_samples import digest, stored_rows

pytestmark = [pytest.mark.mosquitto, pytest.mark.influxdb, pytest.mark.slow]

OUTAGE_S = 30.0
#: Wall time over which the devices spread their readings [s]: long enough that every
#: fault, the 30 s outage included, happens while they publish.
PUBLISH_WALL_S = 60.0
START = datetime(2020, 10, 5, 2, 0, tzinfo=UTC)  # 09:00 in Hưng Yên, lines running
END = START + timedelta(hours=1)


def _wait_log(log: Path, text: str, occurrences: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if log.read_text(errors="replace").count(text) >= occurrences:
            return
        time.sleep(0.05)
    raise AssertionError(f"collector log lacks {text!r} x{occurrences}:\n{log.read_text()[-3000:]}")


def _count(store: InfluxDB1Store) -> int:
    try:
        return store.count()
    except StoreError:
        return -1


def _wait_count(store: InfluxDB1Store, at_least: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while (n := _count(store)) < at_least and time.monotonic() < deadline:
        time.sleep(0.1)
    return n


def _memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident set) of a process [KiB]."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def test_nothing_lost_through_broker_restart_collector_kill_and_database_outage(
    fresh_mosquitto, fresh_influxdb, tmp_path
):
    prefix = f"fault{uuid.uuid4().hex[:8]}"
    database = "fault_injection"
    store = InfluxDB1Store(fresh_influxdb.url, database=database, timeout_s=2.0)
    store.create_database()
    config_path = example_config(
        tmp_path,
        broker_url=fresh_mosquitto.url,
        prefix=prefix,
        client_id=f"collector-{prefix}",
        store_toml=(
            '[store]\nkind = "influxdb1"\n\n[store.influxdb1]\n'
            f'url = "{fresh_influxdb.url}"\ndatabase = "{database}"\n'
        ),
    )
    config = load_config(config_path)
    log = tmp_path / "collector.log"

    # Two devices per line (sensors split alternately), each with its own outbox.
    devices: list[list[Reading]] = []
    for index, (site, line) in enumerate(config.catalog().lines()):
        readings = list(
            simulate_line(
                config.line(site, line),
                regime="post",
                start=START,
                end=END,
                seed=31 + index,
            )
        )
        sensors = sorted({r.sensor for r in readings})
        for part in (0, 1):
            mine = set(sensors[part::2])
            devices.append([r for r in readings if r.sensor in mine])
    expected: dict[tuple[str, str, str], list[tuple[int, float, int]]] = defaultdict(list)
    for device in devices:
        for r in device:
            expected[(r.site, r.line, r.sensor)].append((r.ts_us, r.value, r.seq))
    total = sum(len(d) for d in devices)
    speed = (END - START).total_seconds() / PUBLISH_WALL_S

    collector = start_collector(config_path, log)
    _wait_log(log, "connected to", 1)  # the persistent session exists from now on

    results: dict[int, PublishStats | BaseException] = {}

    def run(index: int, readings: list[Reading]) -> None:
        outbox = Outbox(tmp_path / "outbox" / f"device-{index}.sqlite")
        try:
            results[index] = publish(
                readings,
                settings=fresh_mosquitto.settings(f"device-{prefix}-{index}"),
                prefix=prefix,
                batch_size=10,
                speed=speed,
                outbox=outbox,
            )
        except BaseException as exc:  # surfaced by the assertions below
            results[index] = exc
        finally:
            outbox.close()

    threads = [threading.Thread(target=run, args=(i, d)) for i, d in enumerate(devices)]
    t0 = time.monotonic()
    for thread in threads:
        thread.start()
    phases: dict[str, float] = {}

    # 1. Mosquitto restart.
    _wait_count(store, total // 20, 60)
    fresh_mosquitto.stop()
    time.sleep(1.0)  # devices keep measuring while the broker is away
    fresh_mosquitto.start()
    phases["broker restarted"] = time.monotonic() - t0

    # 2. Collector killed with SIGKILL, restarted.
    at_kill = _wait_count(store, total // 6, 60)
    collector.send_signal(signal.SIGKILL)
    collector.wait(10)
    time.sleep(1.0)
    collector = start_collector(config_path, log)
    _wait_log(log, "connected to", 3)  # first start, reconnection after restart, restart
    phases["collector killed"] = time.monotonic() - t0

    # 3. InfluxDB down for 30 s; sample the collector's memory meanwhile.
    before_outage = _wait_count(store, at_kill + total // 20, 60)
    rss_start = _memory_kib(collector.pid)["VmRSS"]
    fresh_influxdb.stop()
    phases["database stopped"] = time.monotonic() - t0
    outage_end = time.monotonic() + OUTAGE_S
    rss_peak = rss_start
    while time.monotonic() < outage_end:
        rss_peak = max(rss_peak, _memory_kib(collector.pid)["VmRSS"])
        time.sleep(0.2)
    hwm = _memory_kib(collector.pid)["VmHWM"]
    fresh_influxdb.start()
    phases["database restarted"] = time.monotonic() - t0

    for thread in threads:
        thread.join(180)
    phases["devices done"] = time.monotonic() - t0
    final = _wait_count(store, total, 90)
    phases["all stored"] = time.monotonic() - t0
    collector.send_signal(signal.SIGTERM)
    assert collector.wait(30) == 0, log.read_text()[-3000:]
    text = log.read_text()
    last = text[text.rindex("collector stopped") :].splitlines()[0]
    spooled = int(re.search(r"spooled=(\d+)", last).group(1))  # type: ignore[union-attr]
    replayed = int(re.search(r"replayed=(\d+)", last).group(1))  # type: ignore[union-attr]

    # The broker kept the collector's session through its restart and the kill.
    sessions = re.findall(r"session present: (\w+)", text)
    assert sessions[1:] == ["True"] * (len(sessions) - 1), sessions
    failures = {i: r for i, r in results.items() if isinstance(r, BaseException)}
    assert not failures, failures
    stats = [r for r in results.values() if isinstance(r, PublishStats)]
    assert sum(s.readings for s in stats) == total
    assert all(s.outbox_dropped_readings == 0 for s in stats)

    print(f"\nfault injection: {len(devices)} devices, {total} readings, speed {speed:g}x")
    print(
        "  phases [s after the first reading]: "
        + ", ".join(f"{k} {v:.1f}" for k, v in phases.items())
    )
    print(
        f"  stored before the kill {at_kill}, before the outage {before_outage}, in the end {final}"
    )
    print(
        f"  most messages waiting in one device outbox: {max(s.outbox_max_pending for s in stats)}"
    )
    print(f"  collector after restart: spooled {spooled}, replayed {replayed} readings")
    print(
        f"  collector memory during the {OUTAGE_S:g} s outage: RSS {rss_start / 1024:.1f} MiB "
        f"at start, peak {rss_peak / 1024:.1f} MiB (VmHWM {hwm / 1024:.1f} MiB)"
    )
    mismatched = []
    for (site, line), sensors in _by_line(expected).items():
        got = stored_rows(store, site, line, START, END)
        for sensor in sorted(sensors):
            want = expected[(site, line, sensor)]
            ok = len(got[sensor]) == len(want) and digest(got[sensor]) == digest(want)
            print(
                f"  {site}/{line}/{sensor:<14} published {len(want):>6}  stored "
                f"{len(got[sensor]):>6}  sha256 {digest(got[sensor])}  "
                f"{'OK' if ok else 'MISMATCH'}"
            )
            if not ok:
                mismatched.append(f"{site}/{line}/{sensor}")
    assert not mismatched, mismatched
    assert final == total == store.count()
    # The outage really was ridden out on disk, and replayed entirely.
    assert spooled > 0
    assert replayed == spooled
    # Memory stays flat: the spooled readings are not held in memory.
    assert rss_peak - rss_start < 64 * 1024, (rss_start, rss_peak)


def _by_line(
    expected: dict[tuple[str, str, str], list[tuple[int, float, int]]],
) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for site, line, sensor in expected:
        out[(site, line)].add(sensor)
    return out
