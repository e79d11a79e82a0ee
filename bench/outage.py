"""Collector memory through a long database outage at a steady reading rate.

Issue 7's target: collector resident memory < 200 MB throughout, including a 10-minute
database outage at 1 000 readings/s. This run starts its own Mosquitto (Mosquitto's
default in-flight window) and InfluxDB 1.x on free loopback ports in a temporary
folder, runs `pilot collect` as a subprocess writing to InfluxDB, publishes both
simulated lines at about ``--rate`` readings/s (batches of 10), stops InfluxDB for
``--minutes``, samples the collector's VmRSS every second, restarts InfluxDB, and waits
until every published reading is stored. It prints; it asserts nothing.

    python bench/outage.py              # the issue's 10 minutes (about 12 minutes wall)
    python bench/outage.py --minutes 1  # a quick look
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable as `python bench/outage.py` from a clean clone

from bench.servers import start_influxd, start_mosquitto  # noqa: E402
from pilot.config import load_config  # noqa: E402
from sensors.mqtt import BrokerSettings  # noqa: E402
from sensors.publisher import publish  # noqa: E402
from sensors.simulator import simulate_line  # noqa: E402
from tests.configs import example_config  # noqa: E402
from tests.fixtures_influxdb import InfluxDBServer  # noqa: E402
from tests.servers import ServerProcess  # noqa: E402

DATABASE = "outage"
START = datetime(2020, 10, 5, 0, 0, tzinfo=UTC)  # 07:00 local: the lines start their day


def rss_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process [KiB]."""
    out = {}
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = row.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def stored(influx: InfluxDBServer) -> int:
    try:
        result = influx.query(
            f'SELECT count("value") FROM "{DATABASE}"."autogen"."readings"', timeout_s=60.0
        )
    except OSError:
        return -1
    series = result["results"][0].get("series")
    return int(series[0]["values"][0][1]) if series else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="database outage [min]")
    parser.add_argument("--rate", type=float, default=1000.0, help="readings per second")
    parser.add_argument("--warmup-s", type=float, default=30.0)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="upops-outage-"))
    (folder / "influx").mkdir()
    broker = start_mosquitto(folder, inflight=20)
    broker_port = broker.port
    # Its port stays the same across the outage, so the collector finds it again.
    influx = start_influxd(folder / "influx")
    url = influx.url
    influx.query(f"CREATE DATABASE {DATABASE}")
    config_path = example_config(
        folder,
        broker_url=f"mqtt://127.0.0.1:{broker_port}",
        prefix="outage",
        client_id="outage-collector",
        store_toml=(
            f'[store]\nkind = "influxdb1"\n\n[store.influxdb1]\nurl = "{url}"\n'
            f'database = "{DATABASE}"\n'
        ),
        stats_interval_s=30.0,
    )
    config = load_config(config_path)
    collector = ServerProcess(
        "collector",
        [sys.executable, "-m", "pilot.cli", "--config", str(config_path), "collect"],
        folder,
        ready_line="connected to",
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    ).start()
    log_path = collector.log

    # Each line gives about 7.1 readings per simulated second on average (1 Hz sensors,
    # energy every 10 s, intake events; measured over a post day);
    # the speed sets the wall rate.
    lines = config.catalog().lines()
    per_sim_s = 7.1 * len(lines)
    speed = args.rate / per_sim_s
    stop_event = threading.Event()
    published: dict[str, int] = {}

    def run(index: int, site: str, line: str) -> None:
        stats = publish(
            simulate_line(
                config.line(site, line),
                regime="post",
                start=START,
                end=START.replace(day=START.day + 3),
                seed=index,
            ),
            settings=BrokerSettings(url=f"mqtt://127.0.0.1:{broker_port}", client_id=f"dev{index}"),
            prefix="outage",
            batch_size=10,
            speed=speed,
            stop=stop_event,
        )
        published[f"{site}/{line}"] = stats.readings

    threads = [
        threading.Thread(target=run, args=(i, site, line)) for i, (site, line) in enumerate(lines)
    ]
    t0 = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(args.warmup_s)
    before = rss_kib(collector.pid)
    count_before = stored(influx)
    print(
        f"warm-up {args.warmup_s:g} s: {count_before} readings stored "
        f"({count_before / (time.monotonic() - t0):.0f}/s), collector RSS "
        f"{before['VmRSS'] / 1024:.1f} MiB",
        flush=True,
    )
    influx.stop()
    outage_end = time.monotonic() + args.minutes * 60
    peak = before["VmRSS"]
    samples = 0
    while time.monotonic() < outage_end:
        peak = max(peak, rss_kib(collector.pid)["VmRSS"])
        samples += 1
        time.sleep(1.0)
    influx.start()
    at_restart = rss_kib(collector.pid)
    print(
        f"outage {args.minutes:g} min: collector RSS peak {peak / 1024:.1f} MiB over "
        f"{samples} samples (start {before['VmRSS'] / 1024:.1f} MiB, at restart "
        f"{at_restart['VmRSS'] / 1024:.1f} MiB)",
        flush=True,
    )
    time.sleep(10.0)
    stop_event.set()
    for thread in threads:
        thread.join(120)
    total = sum(published.values())
    t_replay = time.monotonic()
    deadline = t_replay + 600
    count = stored(influx)
    while count < total and time.monotonic() < deadline:
        peak = max(peak, rss_kib(collector.pid)["VmRSS"])
        time.sleep(1.0)
        count = stored(influx)
    final = rss_kib(collector.pid)
    wall = time.monotonic() - t0
    print(
        f"published {total} readings in {wall:.0f} s; stored {count} "
        f"({'all' if count == total else 'MISSING ' + str(total - count)}), caught up "
        f"{time.monotonic() - t_replay:.0f} s after publishing stopped",
        flush=True,
    )
    print(
        f"collector resident memory: peak {max(peak, final['VmRSS']) / 1024:.1f} MiB, "
        f"VmHWM {final['VmHWM'] / 1024:.1f} MiB (target < 200 MB)",
        flush=True,
    )
    stats_lines = [row for row in log_path.read_text().splitlines() if "spooled=" in row]
    if stats_lines:
        print("last collector stats:", stats_lines[-1].split("collector ", 1)[-1])
    collector.stop(timeout_s=30)
    influx.stop()
    broker.stop()


if __name__ == "__main__":
    main()
