"""Ingest benchmark (issue 7): the collector against the broker's and the database's own limits.

Run from the repository root (it starts its own Mosquitto and InfluxDB on free loopback
ports in temporary folders, and stops them)::

    python bench/ingest.py                 # one collector
    python bench/ingest.py --collectors 2  # also two collectors in a share group
    python bench/ingest.py --inflight 20   # Mosquitto's default in-flight window
    python bench/ingest.py --compare       # before/after issue 15 side by side, one run

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

Where each part lives: the stream and the devices, ``bench/ingest_stream.py``; (a) and
(b), ``bench/ingest_baselines.py``; (c) and (d), ``bench/ingest_collector.py``; the
servers, ``bench/servers.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable as `python bench/ingest.py` from a clean clone

from bench.ingest_baselines import drain_sub, influx_direct, prime_sub  # noqa: E402
from bench.ingest_collector import latency_run, prime, run_collectors, worker  # noqa: E402
from bench.ingest_compare import compare  # noqa: E402
from bench.ingest_stream import publish_backlog, run_size  # noqa: E402
from bench.servers import start_influxd, start_mosquitto  # noqa: E402


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
    parser.add_argument(
        "--compare",
        action="store_true",
        help="instead: the collector before issue 15 (json, stock paho, 1 process) and "
        "after (1 process, --workers processes, pilot collect --workers) side by side",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="processes of the new path in --compare"
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
        broker = start_mosquitto(folder / "mqtt", args.inflight)
        influxd = start_influxd(folder / "influx")
        port, url = broker.port, influxd.url
        try:
            if args.compare:
                compare(args, broker, influxd, folder)
                return
            for per_message in (1, 10):
                messages, n, kind = run_size(args.readings, per_message)
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
                    influxd.query(f'CREATE DATABASE "{db}"')
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
                b = n / influx_direct(influxd, f"direct_{tag}", messages, per_message)
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
                influxd.query(f'CREATE DATABASE "live_{tag}"')
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
            broker.stop()
            influxd.stop()
    print(f"\ntotal wall time {time.perf_counter() - began_all:.0f} s")


if __name__ == "__main__":
    main()
