"""Dashboard benchmark (issue 14, item 6): ``pilot serve`` on a month of 1 Hz data.

Run from the repository root: ``python bench/serve.py [--days 31] [--store FILE]``.
Prints timings; asserts nothing.

* The store: both pilot lines of the example configuration, every sampled sensor at
  1 Hz (the energy counter every 10 s) over ``--days`` days (31: about 38 million
  readings), written straight into a SQLite store with :meth:`SQLiteStore.write`
  (smooth synthetic values: the reads do not depend on them). An existing ``--store``
  file is reused, so the writing is paid once.
* The dashboard: ``pilot serve`` with that store, started as a process on a free
  loopback port; timed: start-up until it answers (finding each line's newest reading,
  loading its last minutes and its day so far), then over real HTTP the overview
  (``/api/overview``) and a 24 h chart of one line (``/api/history/...?hours=24``, read
  from memory as 2-minute means), each ``--repeat`` times (median, 95th percentile, max),
  and a 7-day chart (read from the store as 20-minute means) 3 times.
* Live load: 16 sensors streaming at 1 Hz (two lines x 8) are appended to the store while
  a live stream (``/events``) is open; the time from a reading's write to its arrival on
  the stream is reported (median and max), which includes the poll interval (1 s).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable as `python bench/serve.py` from a clean clone

from monitoring.stores.sqlite import SQLiteStore  # noqa: E402
from pilot.config import default_config_path, load_config  # noqa: E402
from pilot.demo_config import write_demo_config  # noqa: E402
from sensors.schema import Reading  # noqa: E402
from tests.servers import free_port, wait_for_port  # noqa: E402

CONFIG = load_config(default_config_path())
END = datetime.now(UTC).replace(microsecond=0)


def fill(path: Path, days: float) -> int:
    """Write ``days`` of 1 Hz data of both lines ending now; the number of readings."""
    store = SQLiteStore(path)
    total = 0
    start_s = int((END - timedelta(days=days)).timestamp())
    chunk_s = 6 * 3600
    try:
        for line in CONFIG.lines():
            for spec in line.sensors:
                if spec.event:
                    continue
                step = 10 if spec.counter else 1
                for t0 in range(start_s, int(END.timestamp()), chunk_s):
                    ts = np.arange(t0, min(t0 + chunk_s, int(END.timestamp())), step)
                    if spec.counter:
                        values = (ts - start_s) * 0.005
                    else:
                        base = spec.setpoint or 200.0
                        values = base + 5 * np.sin(ts / 600.0)
                    store.write(
                        [
                            Reading(
                                line.site,
                                line.line,
                                spec.sensor,
                                int(t) * 1_000_000,
                                float(v),
                                spec.unit,
                                int(t),
                            )
                            for t, v in zip(ts, values, strict=True)
                        ]
                    )
                    total += len(ts)
            print(f"  {line.site}/{line.line}: {total:,} readings so far", flush=True)
    finally:
        store.close()
    return total


def timed_get(url: str) -> tuple[float, bytes]:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as answer:
        body = answer.read()
    return (time.perf_counter() - t) * 1000, body


def live_latency(base: str, path: Path, seconds: int) -> list[float]:
    """Append 16 sensors at 1 Hz for ``seconds``; latency write -> stream [ms]."""
    written: dict[int, float] = {}
    latencies: list[float] = []
    stop = threading.Event()

    def listen() -> None:
        with urllib.request.urlopen(base + "/events?line=minh-khai/line-1", timeout=60) as s:
            for raw in s:
                if stop.is_set():
                    return
                line = raw.decode()
                if not line.startswith("data: "):
                    continue
                series = json.loads(line[6:]).get("series", {})
                now = time.perf_counter()
                for point in series.get("melt_temp", []):
                    sent = written.pop(int(point[0] * 1000), None)
                    if sent is not None:
                        latencies.append((now - sent) * 1000)

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    time.sleep(1.5)
    store = SQLiteStore(path)
    try:
        for _ in range(seconds):
            ts_us = int(time.time() * 1e6)
            readings = [
                Reading(line.site, line.line, spec.sensor, ts_us, 200.0, spec.unit, 0)
                for line in CONFIG.lines()
                for spec in line.sensors[:8]
            ]
            written[ts_us] = time.perf_counter()
            store.write(readings)
            time.sleep(1.0)
        time.sleep(2.5)
    finally:
        stop.set()
        store.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=float, default=31.0)
    parser.add_argument("--store", type=Path, help="SQLite file to fill or reuse")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--live-s", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    store_path = args.store or folder / "readings.sqlite"
    if not store_path.exists():
        t = time.perf_counter()
        count = fill(store_path, args.days)
        print(f"wrote {count:,} readings in {time.perf_counter() - t:.0f} s into {store_path}")
    size_gb = store_path.stat().st_size / 1e9
    print(f"store: {store_path} ({size_gb:.2f} GB)")
    config_file = write_demo_config(
        folder, default_config_path(), days=args.days, interval_s=1.0, written=END
    )
    text = config_file.read_text(encoding="utf-8").replace(
        '"readings.sqlite"', json.dumps(str(store_path.resolve()))
    )
    config_file.write_text(text, encoding="utf-8")
    port = free_port()
    t = time.perf_counter()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pilot.cli",
            "-q",
            "--config",
            str(config_file),
            "serve",
            "--port",
            str(port),
        ],
        cwd=ROOT,
    )
    try:
        wait_for_port(port, timeout_s=300)
        print(f"start-up until it listens: {time.perf_counter() - t:.2f} s")
        base = f"http://127.0.0.1:{port}"
        for name, path, repeat in (
            ("overview", "/api/overview", args.repeat),
            ("24 h chart", "/api/history/minh-khai/line-1?hours=24", args.repeat),
            # Read from the store as 20-minute means: seconds, so only a few times.
            ("7 d chart", "/api/history/minh-khai/line-1?hours=168", 3),
        ):
            times = sorted(timed_get(base + path)[0] for _ in range(repeat))
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            body = timed_get(base + path)[1]
            print(
                f"{name:<11} median {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms"
                f"  max {max(times):7.1f} ms  ({len(body) / 1024:.0f} kB)"
            )
        latencies = live_latency(base, store_path, args.live_s)
        if latencies:
            print(
                f"live, 16 sensors at 1 Hz: write -> page median "
                f"{statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms "
                f"({len(latencies)} readings)"
            )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
