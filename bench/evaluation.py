"""Evaluation benchmark (issue 15): the evaluator's commands against the store's raw read.

Run from the repository root::

    python bench/evaluation.py                          # 2, 7, 14 days; SQLite and InfluxDB 1.x
    python bench/evaluation.py --days 2 --stores sqlite

For each store and period length it writes 2 lines x 2 periods x N days of 1 Hz readings
(every sampled sensor of the example configuration at 1 s, the energy counter at its
interval, a few intake weighings a day) straight into the store, then measures in
separate processes, one after the other:

(a) ``raw``: the database's own read of the same points into nothing: the ``sqlite3``
    shell printing ``SELECT ts_us, value`` of every reading to ``/dev/null`` (and, to
    show the driver's share, the same query stepped through Python's ``sqlite3``); for
    InfluxDB one chunked ``/query`` of every point (``epoch=u``) read and discarded;
(b) ``pilot estimate --period compare`` and (c) ``pilot report evaluation``, each as a
    fresh ``pilot`` process on a configuration pointing at that store;

and prints wall time, readings per second, CPU time (user + system), the throughput
ratios (b)/(a) and (c)/(a) by wall time and, for SQLite, by CPU time (steadier on a
busy machine; InfluxDB's work is the server's, in no child's CPU time), and each
process's peak resident memory. InfluxDB 1.x is started
with :func:`bench.servers.start_influxd` in a temporary folder. Prints, never asserts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import tomli_w

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable as `python bench/evaluation.py`

import urllib3  # noqa: E402

from monitoring.stores.influxdb1 import InfluxDB1Store  # noqa: E402
from pilot.config import default_config_path, load_config  # noqa: E402
from pilot.demo_config import write_demo_config  # noqa: E402

PILOT = [sys.executable, "-c", "from pilot.cli import main; main()"]
WEIGHINGS_PER_DAY = 6


def _columns(sensor, start_us: int, seconds: int, rng: np.random.Generator):
    """(times [µs], values) of one sensor over ``seconds`` from ``start_us``."""
    if sensor.event:
        at_s = np.sort(rng.choice(seconds, WEIGHINGS_PER_DAY * seconds // 86400, replace=False))
        return start_us + at_s * 1_000_000, rng.uniform(20, 80, len(at_s))
    step = int(sensor.interval_s) if sensor.counter else 1
    t = start_us + np.arange(0, seconds, step, dtype=np.int64) * 1_000_000
    k = np.arange(len(t))
    if sensor.counter:
        return t, np.cumsum(rng.uniform(0.0, 0.05 * step, len(t)))
    if sensor.kind == "throughput":
        return t, np.clip(55 + 25 * np.sin(k / 5000.0), 0, None) + rng.normal(0, 1, len(t))
    return t, 195 + 40 * np.sin(k / 9000.0) + rng.normal(0, 0.5, len(t))


def readings(config, sensors_seen: list[int]):
    """Per (site, line, sensor, period): (times [µs], values, households or None)."""
    rng = np.random.default_rng(15)
    for period in config.periods:
        start_us = int(period.start.timestamp()) * 1_000_000
        seconds = int((period.end - period.start).total_seconds())
        for site in config.sites:
            if site.id not in period.sites:
                continue
            for line in site.lines:
                for sensor in line.sensors:
                    t, v = _columns(sensor, start_us, seconds, rng)
                    hh = [f"h{i % 7}" for i in range(len(t))] if sensor.event else None
                    sensors_seen[0] += len(t)
                    yield site.id, line.id, sensor.sensor, sensor.unit, t, v, hh


def fill_sqlite(path: Path, config) -> int:
    import sqlite3

    from monitoring.stores.sqlite import SQLiteStore

    SQLiteStore(path).close()  # the schema
    seen = [0]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")  # bench data: speed over durability
    with conn:
        for site, line, sensor, unit, t, v, hh in readings(config, seen):
            households = hh if hh is not None else [""] * len(t)
            conn.executemany(
                "INSERT OR REPLACE INTO readings VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                zip(
                    [site] * len(t),
                    [line] * len(t),
                    [sensor] * len(t),
                    households,
                    t.tolist(),
                    v.tolist(),
                    [unit] * len(t),
                    strict=True,
                ),
            )
    conn.close()
    return seen[0]


def fill_influx(store: InfluxDB1Store, config) -> int:
    seen = [0]
    pool = urllib3.PoolManager()
    for site, line, sensor, unit, t, v, hh in readings(config, seen):
        tags = f"readings,line={line},sensor={sensor},site={site},unit={unit}"
        for i in range(0, len(t), 50_000):
            ts, vs = t[i : i + 50_000], v[i : i + 50_000]
            if hh is None:
                body = "\n".join(
                    f"{tags} value={x!r},seq=0i {s}"
                    for s, x in zip(ts.tolist(), vs.tolist(), strict=True)
                )
            else:
                hs = hh[i : i + 50_000]
                body = "\n".join(
                    f"{tags},household={h} value={x!r},seq=0i {s}"
                    for s, x, h in zip(ts.tolist(), vs.tolist(), hs, strict=True)
                )
            r = pool.request(
                "POST", f"{store.url}/write?db={store.database}&precision=u", body=body.encode()
            )
            if r.status != 204:
                sys.exit(f"influx write failed: {r.status} {r.data[:200]!r}")
    return seen[0]


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall time [s], CPU time [s] and peak RSS [MiB] of one child process.

    CPU time is the child's user + system time (``wait4``): on a shared, busy machine
    it varies far less than wall time, which waits for other processes' turns. The
    peak is the child's ``VmHWM``, read every 0.05 s while it runs: ``ru_maxrss``
    from ``wait4`` would also count the pages the child inherited from this process
    when it was forked, i.e. the bench's own memory.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kib = 0
    status = Path(f"/proc/{proc.pid}/status")
    while True:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kib = max(peak_kib, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        pid, code, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(code)
    if proc.returncode != 0:
        sys.exit(f"{cmd} failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, peak_kib / 1024


def raw_influx(url: str, database: str) -> None:
    """One chunked query of every point, read and discarded (run in a child process)."""
    pool = urllib3.PoolManager()
    r = pool.request(
        "POST",
        f"{url}/query",
        fields={
            "db": database,
            "q": 'SELECT "value" FROM "readings" GROUP BY "sensor"',
            "epoch": "u",
            "chunked": "true",
            "chunk_size": "10000",
        },
        encode_multipart=False,
        preload_content=False,
    )
    for _ in r.stream(1 << 20):
        pass


def raw_sqlite_python(path: str) -> None:
    """Every reading stepped through Python's sqlite3 and dropped (run in a child)."""
    import sqlite3

    for _ in sqlite3.connect(path).execute("SELECT ts_us, value FROM readings"):
        pass


def run(kind: str, days: int, folder: Path) -> None:
    folder.mkdir(parents=True)
    path = write_demo_config(
        folder, default_config_path(), days=days, interval_s=1.0, written=datetime.now(UTC)
    )
    server = None
    if kind == "influxdb1":
        from bench.servers import start_influxd

        server = start_influxd(folder / "influxd")
        url = f"http://127.0.0.1:{server.port}"
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        doc["store"] = {"kind": "influxdb1", "influxdb1": {"url": url, "database": "bench"}}
        path.write_text(tomli_w.dumps(doc), encoding="utf-8")
        store = InfluxDB1Store(url, database="bench")
        store.create_database()
    config = load_config(path)
    t0 = time.perf_counter()
    n = (
        fill_sqlite(config.store.sqlite_path, config)
        if kind == "sqlite"
        else fill_influx(store, config)
    )
    fill_s = time.perf_counter() - t0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        if kind == "sqlite":
            raw_cmd = [
                "sqlite3",
                str(config.store.sqlite_path),
                "SELECT ts_us, value FROM readings",
            ]
        else:
            raw_cmd = [sys.executable, __file__, "--raw-influx", url, "bench"]
        raw = timed(raw_cmd, env)
        driver = (
            timed(
                [sys.executable, __file__, "--raw-sqlite-python", str(config.store.sqlite_path)],
                env,
            )
            if kind == "sqlite"
            else None
        )
        est = timed([*PILOT, "-q", "--config", str(path), "estimate", "--period", "compare"], env)
        rep = timed(
            [
                *PILOT,
                "-q",
                "--config",
                str(path),
                "report",
                "evaluation",
                "--out",
                str(folder / "ev" / "evaluation.pdf"),
            ],
            env,
        )
    finally:
        if server is not None:
            server.stop()

    def row(name: str, wall_s: float, cpu_s: float, rss_mib: float) -> str:
        # InfluxDB's own work is the server's, outside any child's CPU time.
        by_cpu = f" (CPU {raw[1] / cpu_s:.2f})" if kind == "sqlite" else ""
        ratio = f"  ratio {raw[0] / wall_s:.2f}{by_cpu}" if not name.startswith("raw") else ""
        return (
            f"    {name:18} {wall_s:7.1f} s  {n / wall_s / 1e6:5.2f} M/s  CPU {cpu_s:6.1f} s"
            f"  RSS {rss_mib:6.0f} MiB{ratio}"
        )

    print(
        f"{kind:9} {days:2d} d/period  {n / 1e6:6.1f} M readings (written in {fill_s:5.0f} s)"
        f"  load average {os.getloadavg()[0]:.1f}",
        row("raw read", *raw),
        *([row("raw read, Python", *driver)] if driver is not None else []),
        row("estimate compare", *est),
        row("report evaluation", *rep),
        sep="\n",
        flush=True,
    )


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--raw-influx":
        raw_influx(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--raw-sqlite-python":
        raw_sqlite_python(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[2, 7, 14])
    parser.add_argument("--stores", nargs="+", default=["sqlite", "influxdb1"])
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-evaluation-") as tmp:
        for kind in args.stores:
            for days in args.days:
                run(kind, days, Path(tmp) / f"{kind}-{days}")
    print(f"load average after: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
