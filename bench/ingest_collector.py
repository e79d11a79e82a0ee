"""The collector under test in the ingest benchmark, in processes of its own: (c) draining
a backlog that waits at the broker, alone or in a shared-subscription group, and (d) live
at a fixed rate for the latency from publish to stored.

Each collector runs as ``python bench/ingest.py --worker SPEC`` (as ``pilot collect``
would: its memory and CPU are its own) and prints its progress as JSON lines.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.ingest_stream import PREFIX, T0_MS, catalog, sensor_topics, unit_of

#: The script that runs one collector with ``--worker``.
INGEST = Path(__file__).with_name("ingest.py")


def use_old_path() -> None:
    """Make this process's collector take the path before issue 15: the standard json
    decoder, paho's own client, one ``ack()`` (one wake-up, one ``send``) per message."""
    import paho.mqtt.client as mqtt

    from monitoring.collector import session
    from sensors import schema

    class StockClient(mqtt.Client):
        def ack_many(self, mids) -> None:  # type: ignore[no-untyped-def]
            for mid in mids:
                self.ack(mid, 1)

    schema.FAST_JSON = False
    session.CollectorClient = StockClient  # type: ignore[assignment,misc]


def worker(spec: dict) -> None:
    """Run one collector until SIGTERM, printing progress as JSON lines on stdout."""
    if spec.get("old_path"):
        use_old_path()
    from monitoring.collector import Collector
    from monitoring.quarantine import Quarantine
    from monitoring.spool import Spool
    from monitoring.stores.influxdb1 import InfluxDB1Store
    from sensors.mqtt import BrokerSettings

    folder = Path(spec["folder"])
    latencies: list[float] = []
    stored_at = [0.0]

    def on_stored(readings) -> None:  # type: ignore[no-untyped-def]
        now = time.time()
        stored_at[0] = now
        if spec["latency"]:
            latencies.extend(now - r.seq / 1e6 for r in readings)

    collector = Collector(
        broker=BrokerSettings(url=f"mqtt://127.0.0.1:{spec['port']}", client_id=spec["client_id"]),
        prefix=PREFIX,
        catalog=catalog(),
        store=InfluxDB1Store(spec["influx"], database=spec["database"]),
        quarantine=Quarantine(folder / f"quarantine-{spec['client_id']}.sqlite"),
        spool=Spool(folder / f"spool-{spec['client_id']}.sqlite"),
        stats_interval_s=0,
        share_group=spec["group"],
        on_stored=on_stored,
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    started = time.time()  # the backlog is waiting: the clock runs from the connection
    cpu_start = _cpu_s()
    collector.start()
    if spec["prime"]:
        collector.stop()  # the session and its subscription stay at the broker
        print(json.dumps({"primed": True}), flush=True)
        return
    while not done.wait(0.05):
        s = collector.stats()
        print(json.dumps({"stored": s.readings_stored, "quarantined": s.quarantined}), flush=True)
    collector.stop()
    s = collector.stats()
    latencies.sort()
    rss_kib = 0
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmHWM:"):
            rss_kib = int(row.split()[1])
    print(
        json.dumps(
            {
                "final": True,
                "stored": s.readings_stored,
                "quarantined": s.quarantined,
                "started": started,
                # CPU time of the process from its connection on [s]: what a reading
                # costs, less sensitive than the wall-time rate to a busy machine.
                "cpu_s": _cpu_s() - cpu_start,
                "last_stored": stored_at[0],
                "rss_mib": rss_kib / 1024,
                "p50": latencies[len(latencies) // 2] if latencies else None,
                "p99": latencies[int(len(latencies) * 0.99)] if latencies else None,
                "latency_n": len(latencies),
            }
        ),
        flush=True,
    )


def _cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Worker:
    """A collector process and its last progress line."""

    def __init__(self, spec: dict) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(INGEST), "--worker", json.dumps(spec)],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.last: dict = {}
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.last = json.loads(line)

    def finish(self) -> dict:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.thread.join(timeout=10)
        return self.last


def run_collectors(
    base: dict, *, members: int, group: str | None, expected: int, timeout_s: float
) -> dict:
    """Drain the primed sessions with ``members`` collectors; rate and peak RSS."""
    specs = [
        dict(base, client_id=f"{base['client_id']}-{i}", group=group, prime=False)
        for i in range(members)
    ]
    workers = [Worker(spec) for spec in specs]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if sum(w.last.get("stored", 0) + w.last.get("quarantined", 0) for w in workers) >= expected:
            break
        time.sleep(0.05)
    finals = [w.finish() for w in workers]
    stored = sum(f["stored"] for f in finals)
    seconds = max(f["last_stored"] for f in finals) - min(f["started"] for f in finals)
    return {
        "stored": stored,
        "quarantined": sum(f["quarantined"] for f in finals),
        "seconds": seconds,
        "rate": stored / seconds if seconds > 0 else float("nan"),
        "rss_mib": max(f["rss_mib"] for f in finals),
        "cpu_us_per_reading": sum(f.get("cpu_s", 0.0) for f in finals) / max(stored, 1) * 1e6,
        "shares": [f["stored"] for f in finals],
    }


def prime(base: dict, members: int, group: str | None) -> None:
    for i in range(members):
        spec = dict(base, client_id=f"{base['client_id']}-{i}", group=group, prime=True)
        subprocess.run(
            [sys.executable, str(INGEST), "--worker", json.dumps(spec)],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def latency_run(base: dict, per_message: int, rate: float, seconds: float) -> dict:
    """The collector live; a paho device publishes ``rate`` readings/s for ``seconds``."""
    import paho.mqtt.client as mqtt

    spec = dict(base, client_id=f"{base['client_id']}-live", group=None, prime=False, latency=True)
    worker_ = Worker(spec)
    # Its first progress line comes once it is connected and has subscribed; a fixed
    # pause was too short on a busy machine, and readings published before were lost.
    deadline = time.monotonic() + 30
    while not worker_.last and time.monotonic() < deadline:
        time.sleep(0.05)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-live-device")
    client.connect("127.0.0.1", base["port"])
    client.loop_start()
    topics = sensor_topics()
    interval = per_message / rate
    total = int(rate * seconds)
    began = time.monotonic()
    sent = 0
    n = 0
    while sent < total:
        due = began + n * interval
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        site, line, sensor = topics[n % len(topics)]
        unit = unit_of(sensor)
        items = []
        for _ in range(per_message):
            # seq carries the publish wall time [µs]; ts is unique per reading.
            stamp = int(time.time() * 1e6)
            items.append(f'{{"ts":{T0_MS + sent},"value":1.0,"seq":{stamp}}}')
            sent += 1
        body = (
            f'{{"v":1,"unit":"{unit}",{items[0][1:]}'
            if per_message == 1
            else f'{{"v":1,"unit":"{unit}","readings":[{",".join(items)}]}}'
        )
        client.publish(f"{PREFIX}/{site}/{line}/{sensor}", body.encode(), qos=1)
        n += 1
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and worker_.last.get("stored", 0) < total:
        time.sleep(0.05)
    client.disconnect()
    client.loop_stop()
    return worker_.finish()
