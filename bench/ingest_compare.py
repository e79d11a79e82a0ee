"""``bench/ingest.py --compare``: the collector before and after issue 15, in one run.

For each payload kind, on the same broker, database and backlog:

- ``old``: one collector process on the path before issue 15 (standard ``json``
  decoder, paho's own client, one ``ack()`` per message; :func:`use_old_path`);
- ``new, 1 process``: one collector as it is now (orjson, buffered reads, one write for
  a batch's acknowledgements);
- ``new, N processes``: N such collectors in one shared-subscription group, as the
  bench's own worker processes (no alarms);
- ``pilot collect`` (one process, alarms evaluated in its worker thread) and
  ``pilot collect --workers N`` (alarms evaluated once in the parent on everything the
  members store): the command itself, with the example configuration and an InfluxDB
  1.x store. Their progress comes from the statistics log lines every 0.2 s, so their
  time is known to about 0.2 s. The bench's own collectors above evaluate no alarms.

Each is timed from its connection to its last stored reading and compared with the
broker's and the database's own rates, (a) and (b) of ``bench/ingest.py``. For the
bench's own collectors it also prints their CPU time per reading (user + system, all
their threads, from the connection on, summed over the processes): on a machine shared
with other work the wall-time rates move with the load, the CPU cost much less.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.ingest_baselines import drain_sub, influx_direct, prime_sub
from bench.ingest_collector import INGEST, run_collectors
from bench.ingest_stream import PREFIX, publish_backlog, run_size
from tests.configs import example_config

ROOT = Path(__file__).resolve().parent.parent
_STATS = re.compile(r"(?:\[(\S+)\])?: collector received=\d+ stored=(\d+) quarantined=(\d+) ")


def _prime_ids(base: dict, client_ids: list[str], group: str | None) -> None:
    import json

    for client_id in client_ids:
        spec = dict(base, client_id=client_id, group=group, prime=True)
        subprocess.run(
            [sys.executable, str(INGEST), "--worker", json.dumps(spec)],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def _pilot_config(folder: Path, port: int, influx_url: str, database: str, base_id: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    store = (
        '[store]\nkind = "influxdb1"\nmeasurement = "readings"\n\n'
        f'[store.influxdb1]\nurl = "{influx_url}"\ndatabase = "{database}"\n'
    )
    path = example_config(
        folder,
        broker_url=f"mqtt://127.0.0.1:{port}",
        prefix=PREFIX,
        client_id=base_id,
        store_toml=store,
        stats_interval_s=0.2,
    )
    return path


def _pilot_run(config: Path, workers: int, expected: int, timeout_s: float) -> dict:
    """Run ``pilot collect [--workers N]`` until its collectors report ``expected`` stored."""
    extra = ("--workers", str(workers)) if workers > 1 else ()
    proc = subprocess.Popen(
        [*(sys.executable, "-m", "pilot.cli", "--config", str(config), "collect"), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=config.parent,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    stored: dict[str, int] = {}  # stored + quarantined, per member
    seen = {"connected": None, "done": None, "last_change": None}
    done = threading.Event()
    tail: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            tail.append(line)
            del tail[:-20]
            now = time.time()
            if seen["connected"] is None and "subscribed to " in line:
                seen["connected"] = now
            found = _STATS.search(line)
            if found:
                member = found.group(1) or "collector"
                count = int(found.group(2)) + int(found.group(3))
                if count != stored.get(member):
                    seen["last_change"] = now
                stored[member] = count
                if sum(stored.values()) >= expected and seen["done"] is None:
                    seen["done"] = now
                    done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    done.wait(timeout_s)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=120)
    reader.join(10)
    total = sum(stored.values())
    end = seen["done"] or seen["last_change"]
    start = seen["connected"]
    seconds = (end - start) if (start and end) else float("nan")
    return {
        "stored": total,  # quarantined included: the example catalogue is stricter
        "shares": sorted(stored.values()),
        "seconds": seconds,
        "rate": total / seconds if seconds and seconds > 0 else float("nan"),
        "exit": code,
        "tail": "".join(tail[-5:]),
    }


def compare(args, broker, influxd, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """Print old and new side by side for single readings and batches of 10."""
    port, url, n_workers = broker.port, influxd.url, args.workers
    for per_message in (1, 10):
        messages, n, kind = run_size(args.readings, per_message)
        print(f"\n{kind}: N = {n:,} readings in {messages:,} messages")
        tag = f"m{per_message}"
        base = {"port": port, "influx": url, "folder": str(folder), "latency": False}
        old = dict(base, database=f"old_{tag}", client_id=f"old-{tag}", old_path=True)
        new1 = dict(base, database=f"new1_{tag}", client_id=f"new1-{tag}")
        newn = dict(base, database=f"newn_{tag}", client_id=f"newn-{tag}")
        pilot_id = f"pilot-{tag}"
        config = _pilot_config(folder / f"pilot-{tag}", port, url, f"pilot_{tag}", pilot_id)
        config1 = _pilot_config(folder / f"pilot1-{tag}", port, url, f"pilot1_{tag}", pilot_id)
        # Sessions first, so the broker keeps the whole stream for each consumer.
        prime_sub(port, f"sub-{tag}")
        _prime_ids(old, [f"old-{tag}-0"], None)
        _prime_ids(new1, [f"new1-{tag}-0"], None)
        _prime_ids(newn, [f"newn-{tag}-{i}" for i in range(n_workers)], f"bn{tag}")
        _prime_ids(dict(base, database=f"pilot1_{tag}"), [pilot_id], None)
        _prime_ids(
            dict(base, database=f"pilot_{tag}"),
            [f"{pilot_id}-{i}" for i in range(1, n_workers + 1)],
            pilot_id,
        )
        for db in ("old", "new1", "newn", "pilot1", "pilot"):
            influxd.query(f'CREATE DATABASE "{db}_{tag}"')
        pub_s = publish_backlog(port, folder, messages, per_message)
        print(f"  devices (16 x mosquitto_pub -q 1): {n / pub_s:>10,.0f} readings/s")
        a = n / drain_sub(port, f"sub-{tag}", messages)
        b = n / influx_direct(influxd, f"direct_{tag}", messages, per_message)
        limit = min(a, b)
        print(f"  (a) broker -> mosquitto_sub:     {a:>10,.0f} readings/s")
        print(f"  (b) InfluxDB direct, 5000/batch: {b:>10,.0f} readings/s")
        rows = [
            ("old: json, stock paho, 1 process", old, 1, None),
            ("new: 1 process", new1, 1, None),
            (f"new: {n_workers} processes in a group", newn, n_workers, f"bn{tag}"),
        ]
        old_rate = None
        for label, spec, members, group in rows:
            c = run_collectors(spec, members=members, group=group, expected=n, timeout_s=180)
            old_rate = old_rate or c["rate"]
            print(
                f"  (c) {label:<34} {c['rate']:>10,.0f} readings/s  "
                f"c/min(a,b) {c['rate'] / limit:.2f}  x{c['rate'] / old_rate:.2f} of old  "
                f"CPU {c['cpu_us_per_reading']:.1f} us/reading  "
                f"(stored {c['stored']:,}, shares {c['shares']}, peak RSS {c['rss_mib']:.0f} MiB)"
            )
        pilot_one = None
        for label, cfg, members in (
            ("pilot collect (alarms in-process)", config1, 1),
            (f"pilot collect --workers {n_workers}", config, n_workers),
        ):
            p = _pilot_run(cfg, members, n, timeout_s=180)
            pilot_one = pilot_one or p["rate"]
            print(
                f"  (c) {label:<34} {p['rate']:>10,.0f} readings/s  "
                f"c/min(a,b) {p['rate'] / limit:.2f}  x{p['rate'] / old_rate:.2f} of old  "
                f"x{p['rate'] / pilot_one:.2f} of pilot collect  "
                f"(stored {p['stored']:,}, shares {p['shares']}, exit {p['exit']})"
            )
            if p["stored"] < n or p["exit"] != 0:
                print("      pilot collect did not finish cleanly; last lines:\n" + p["tail"])
