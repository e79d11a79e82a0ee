"""Ingest benchmark (issue 7): the collector against the broker's and the database's own limits.

Run from the repository root (it starts its own Mosquitto and InfluxDB on free loopback
ports in temporary folders, and stops them)::

    python bench/ingest.py                 # one collector
    python bench/ingest.py --collectors 2  # also two collectors in a share group
    python bench/ingest.py --inflight 20   # Mosquitto's default in-flight window

For single-reading messages and for batched messages of 10 readings it prints, in
readings per second:

(a) ``broker``: Mosquitto's own delivery rate to a C subscriber (``mosquitto_sub -q 1
    -C N``, output discarded), timed from its start until it has received N messages;
(b) ``influxdb``: InfluxDB's own write rate for the same points, sent directly as
    line-protocol batches of 5 000 (``POST /write?precision=u``), encoding excluded;
(c) ``collector``: the collector's sustained rate end to end (QoS 1, acknowledgement
    after the write to InfluxDB, spool and quarantine as in production), from its
    connection until the last reading is stored; with ``--collectors 2`` also two
    collector processes in one shared-subscription group;
(d) ``latency``: p50 and p99 from publish to stored at a fixed rate below saturation.

and the ratio c / min(a, b), and the collector's peak resident memory (VmHWM).

How: the simulated devices are ``mosquitto_pub -l -q 1`` processes (one per sensor
topic, pre-encoded payloads, as fast as the broker acknowledges). For (a) and (c) the
subscribers' persistent sessions are created first and the devices publish the whole
stream while they are away, so the broker holds a backlog of N messages for each; then
each consumer drains its backlog and is timed. That measures the consumer's sustained
rate, not the devices' (a Python device would be the bottleneck). For (d) the collector
runs live and a paho device publishes at 1 000 readings/s; each reading's ``seq`` is
its publish wall time in µs (a valid seq: < 2**53), and the collector's ``on_stored``
hook, called right after the store write and the acknowledgement, takes the wall time
then. Both clocks are the same machine's.

The collector runs in its own process (``--worker``), as ``pilot collect`` would, so its
memory and CPU are its own. A benchmark prints and never asserts; pytest does not
collect ``bench/``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable as `python bench/ingest.py` from a clean clone

from tests.servers import free_port, wait_for_port  # noqa: E402

T0_MS = 1_559_523_600_000  # 2019-06-03T01:00:00Z: device times in the past, as a backlog
SITES = (("minh-khai", "line-1"), ("phan-boi", "line-1"))
SENSORS = (
    "zone1_temp",
    "zone2_temp",
    "zone3_temp",
    "zone4_temp",
    "melt_temp",
    "mould_temp",
    "throughput",
    "energy",
)
PREFIX = "bench"


# -- servers (free_port, wait_for_port: tests/servers.py) ------------------------------


def binary(name: str) -> str:
    path = shutil.which(name) or (
        f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None
    )
    if path is None:
        sys.exit(
            f"{name} is not installed (Debian packages mosquitto, mosquitto-clients, influxdb)"
        )
    return path


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_mosquitto(folder: Path, inflight: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    config = folder / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous true\n"
        # In memory only: the backlog is the point of the run, not its durability.
        "persistence false\n"
        # The backlog of a whole run waits in each subscriber's session: no queue limit.
        "max_queued_messages 0\n"
        "max_queued_bytes 0\n"
        # QoS 1 messages sent to one client and not yet acknowledged. With
        # acknowledgement after the write this window is what one collector can have in
        # hand per store round trip (Mosquitto's default: 20).
        f"max_inflight_messages {inflight}\n"
        f"log_dest file {folder}/mosquitto.log\n" + ("user root\n" if os.geteuid() == 0 else "")
    )
    proc = subprocess.Popen(
        [binary("mosquitto"), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return proc, port


def start_influxd(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port, rpc = free_port(), free_port()
    config = folder / "influxdb.conf"
    config.write_text(
        "reporting-enabled = false\n"
        f'bind-address = "127.0.0.1:{rpc}"\n'
        f'[meta]\n  dir = "{folder}/meta"\n'
        f'[data]\n  dir = "{folder}/data"\n  wal-dir = "{folder}/wal"\n'
        "  query-log-enabled = false\n"
        "[monitor]\n  store-enabled = false\n"
        f'[http]\n  bind-address = "127.0.0.1:{port}"\n  auth-enabled = false\n'
        "  log-enabled = false\n"
        "[continuous_queries]\n  enabled = false\n"
    )
    log = (folder / "influxd.log").open("ab")
    proc = subprocess.Popen([binary("influxd"), "-config", str(config)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=1.0) as response:
                if response.status == 204:
                    return proc, url
        except OSError:
            time.sleep(0.05)
    stop(proc)
    sys.exit(f"influxd did not start; see {folder}/influxd.log")


def influx_query(url: str, statement: str) -> dict:
    body = urllib.parse.urlencode({"q": statement}).encode()
    with urllib.request.urlopen(f"{url}/query", data=body, timeout=60.0) as response:
        return json.loads(response.read())


# -- the stream ------------------------------------------------------------------------


def sensor_topics() -> list[tuple[str, str, str]]:
    return [(site, line, sensor) for site, line in SITES for sensor in SENSORS]


def unit_of(sensor: str) -> str:
    return {"throughput": "kg/h", "energy": "kWh"}.get(sensor, "degC")


def catalog():  # type: ignore[no-untyped-def]
    from sensors.catalog import Catalog, SensorSpec

    return Catalog(
        SensorSpec(site, line, sensor, "barrel_temp", unit_of(sensor), 0.0, 1e9, 1.0)
        for site, line, sensor in sensor_topics()
    )


def payload_lines(sensor: str, messages: int, per_message: int) -> list[bytes]:
    """Pre-encoded payloads of one sensor, schema v1, integer-millisecond device times."""
    unit = unit_of(sensor)
    out = []
    seq = 0
    for _ in range(messages):
        items = []
        for _ in range(per_message):
            items.append(
                f'{{"ts":{T0_MS + seq * 1000},"value":{200.0 + seq % 97 / 10},"seq":{seq}}}'
            )
            seq += 1
        if per_message == 1:
            out.append(f'{{"v":1,"unit":"{unit}",{items[0][1:]}'.encode())
        else:
            out.append(f'{{"v":1,"unit":"{unit}","readings":[{",".join(items)}]}}'.encode())
    return out


def publish_backlog(port: int, folder: Path, total_messages: int, per_message: int) -> float:
    """Publish ``total_messages`` over the 16 sensor topics with ``mosquitto_pub -l -q 1``."""
    topics = sensor_topics()
    per_topic = total_messages // len(topics)
    procs = []
    began = time.perf_counter()
    for i, (site, line, sensor) in enumerate(topics):
        path = folder / f"payloads-{i}.txt"
        path.write_bytes(b"\n".join(payload_lines(sensor, per_topic, per_message)) + b"\n")
        with path.open("rb") as stdin:
            procs.append(
                subprocess.Popen(
                    [
                        binary("mosquitto_pub"),
                        "-p",
                        str(port),
                        "-h",
                        "127.0.0.1",
                        "-q",
                        "1",
                        "-i",
                        f"device-{i}",
                        "-t",
                        f"{PREFIX}/{site}/{line}/{sensor}",
                        "-l",
                    ],
                    stdin=stdin,
                )
            )
    for proc in procs:
        if proc.wait() != 0:
            sys.exit("mosquitto_pub failed")
    return time.perf_counter() - began


# -- (a) the broker --------------------------------------------------------------------


def prime_sub(port: int, client_id: str) -> None:
    """Create the persistent session of a ``mosquitto_sub`` (subscribe, then leave)."""
    subprocess.run(
        [
            binary("mosquitto_sub"),
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "-q",
            "1",
            "-c",
            "-i",
            client_id,
            "-t",
            f"{PREFIX}/+/+/+",
            "-E",
        ],
        check=True,
    )


def drain_sub(port: int, client_id: str, messages: int) -> float:
    began = time.perf_counter()
    subprocess.run(
        [
            binary("mosquitto_sub"),
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "-q",
            "1",
            "-c",
            "-i",
            client_id,
            "-t",
            f"{PREFIX}/+/+/+",
            "-C",
            str(messages),
        ],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - began


# -- (b) the database ------------------------------------------------------------------


def influx_direct(url: str, database: str, total_messages: int, per_message: int) -> float:
    """Seconds InfluxDB takes for the same points as line-protocol batches of 5 000."""
    import urllib3

    from monitoring.stores.influxdb1 import line_protocol
    from sensors.schema import Reading

    influx_query(url, f'CREATE DATABASE "{database}"')
    per_topic = total_messages // len(sensor_topics()) * per_message
    readings = [
        Reading(
            site, line, sensor, (T0_MS + i * 1000) * 1000, 200.0 + i % 97 / 10, unit_of(sensor), i
        )
        for site, line, sensor in sensor_topics()
        for i in range(per_topic)
    ]
    lines = line_protocol(readings, measurement="readings")
    bodies = [("\n".join(lines[i : i + 5000]) + "\n").encode() for i in range(0, len(lines), 5000)]
    pool = urllib3.PoolManager()
    target = f"{url}/write?db={database}&precision=u"
    began = time.perf_counter()
    for body in bodies:
        response = pool.request("POST", target, body=body)
        if response.status != 204:
            sys.exit(f"InfluxDB refused a write: {response.status} {response.data[:200]!r}")
    return time.perf_counter() - began


# -- (c), (d) the collector, in its own process ----------------------------------------


def worker(spec: dict) -> None:
    """Run one collector until SIGTERM, printing progress as JSON lines on stdout."""
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
                "last_stored": stored_at[0],
                "rss_mib": rss_kib / 1024,
                "p50": latencies[len(latencies) // 2] if latencies else None,
                "p99": latencies[int(len(latencies) * 0.99)] if latencies else None,
                "latency_n": len(latencies),
            }
        ),
        flush=True,
    )


class Worker:
    """A collector process and its last progress line."""

    def __init__(self, spec: dict) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", json.dumps(spec)],
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
        "shares": [f["stored"] for f in finals],
    }


def prime(base: dict, members: int, group: str | None) -> None:
    for i in range(members):
        spec = dict(base, client_id=f"{base['client_id']}-{i}", group=group, prime=True)
        subprocess.run(
            [sys.executable, __file__, "--worker", json.dumps(spec)],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def latency_run(base: dict, per_message: int, rate: float, seconds: float) -> dict:
    """The collector live; a paho device publishes ``rate`` readings/s for ``seconds``."""
    import paho.mqtt.client as mqtt

    spec = dict(base, client_id=f"{base['client_id']}-live", group=None, prime=False, latency=True)
    worker_ = Worker(spec)
    time.sleep(1.5)  # connected and subscribed (it has no backlog: nothing to wait for)
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


# -- main ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument(
        "--readings",
        type=int,
        default=96_000,
        help="readings per measurement of single-reading messages; 4x that in batches "
        "(default 96000)",
    )
    parser.add_argument("--collectors", type=int, choices=(1, 2), default=1)
    parser.add_argument(
        "--inflight",
        type=int,
        default=1000,
        help="Mosquitto max_inflight_messages of the bench's broker (default 1000; "
        "Mosquitto's own default is 20)",
    )
    parser.add_argument("--latency-rate", type=float, default=1000.0, help="readings/s for (d)")
    parser.add_argument("--latency-s", type=float, default=10.0, help="seconds of (d)")
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return

    cpu = "unknown"
    for row in Path("/proc/cpuinfo").read_text().splitlines():
        if row.startswith("model name"):
            cpu = row.split(":", 1)[1].strip()
            break
    print(
        f"machine: {os.cpu_count()} cores ({cpu}), Python {sys.version.split()[0]}; "
        f"Mosquitto max_inflight_messages {args.inflight}"
    )
    began_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="upops-bench-") as tmp:
        folder = Path(tmp)
        (folder / "mqtt").mkdir()
        (folder / "influx").mkdir()
        broker, port = start_mosquitto(folder / "mqtt", args.inflight)
        influxd, url = start_influxd(folder / "influx")
        try:
            for per_message in (1, 10):
                # Batches carry 10 readings per message: 4x the readings keep the run
                # long enough (several seconds) to be a sustained rate.
                wanted = args.readings * (1 if per_message == 1 else 4)
                messages = wanted // per_message // len(sensor_topics()) * len(sensor_topics())
                n = messages * per_message
                kind = "single-reading messages" if per_message == 1 else "batches of 10 readings"
                print(f"\n{kind}: N = {n:,} readings in {messages:,} messages")
                tag = f"m{per_message}"
                base = {
                    "port": port,
                    "influx": url,
                    "folder": str(folder),
                    "latency": False,
                }
                # Sessions first, so the broker keeps the whole stream for each consumer.
                prime_sub(port, f"sub-{tag}")
                one = dict(base, database=f"one_{tag}", client_id=f"one-{tag}")
                prime(one, 1, None)
                two = dict(base, database=f"two_{tag}", client_id=f"two-{tag}")
                if args.collectors == 2:
                    prime(two, 2, f"bench{tag}")
                for db in (one["database"], two["database"]):
                    influx_query(url, f'CREATE DATABASE "{db}"')
                pub_s = publish_backlog(port, folder, messages, per_message)
                print(
                    f"  devices (16 x mosquitto_pub -q 1): {n / pub_s:>10,.0f} readings/s "
                    f"({messages / pub_s:,.0f} msg/s, {pub_s:.1f} s)"
                )
                a_s = drain_sub(port, f"sub-{tag}", messages)
                a = n / a_s
                print(
                    f"  (a) broker -> mosquitto_sub:     {a:>10,.0f} readings/s "
                    f"({messages / a_s:,.0f} msg/s)"
                )
                b = n / influx_direct(url, f"direct_{tag}", messages, per_message)
                print(f"  (b) InfluxDB direct, 5000/batch: {b:>10,.0f} readings/s")
                c = run_collectors(one, members=1, group=None, expected=n, timeout_s=120)
                print(
                    f"  (c) collector, 1 process:        {c['rate']:>10,.0f} readings/s "
                    f"({c['rate'] / per_message:,.0f} msg/s; stored {c['stored']:,}, "
                    f"peak RSS {c['rss_mib']:.0f} MiB)"
                )
                print(f"      ratio c / min(a, b) = {c['rate'] / min(a, b):.2f}")
                if args.collectors == 2:
                    c2 = run_collectors(
                        two, members=2, group=f"bench{tag}", expected=n, timeout_s=120
                    )
                    print(
                        f"  (c) collectors, 2 in a group:    {c2['rate']:>10,.0f} readings/s "
                        f"(shares {c2['shares']}, stored {c2['stored']:,}, "
                        f"peak RSS {c2['rss_mib']:.0f} MiB each at most)"
                    )
                    print(f"      ratio c2 / min(a, b) = {c2['rate'] / min(a, b):.2f}")
                influx_query(url, f'CREATE DATABASE "live_{tag}"')
                d = latency_run(
                    dict(base, database=f"live_{tag}", client_id=f"live-{tag}"),
                    per_message,
                    args.latency_rate,
                    args.latency_s,
                )
                if d.get("p50") is None:
                    print("  (d) latency: no readings stored")
                else:
                    print(
                        f"  (d) latency at {args.latency_rate:,.0f} readings/s for "
                        f"{args.latency_s:g} s: p50 {d['p50'] * 1000:.1f} ms, "
                        f"p99 {d['p99'] * 1000:.1f} ms ({d['latency_n']:,} readings, "
                        f"peak RSS {d['rss_mib']:.0f} MiB)"
                    )
        finally:
            stop(broker)
            stop(influxd)
    print(f"\ntotal wall time {time.perf_counter() - began_all:.0f} s")


if __name__ == "__main__":
    main()
