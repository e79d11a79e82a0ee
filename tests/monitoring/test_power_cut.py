"""Faults that do not stop cleanly: nothing a device put in its outbox is lost.

Everything is a real process: Mosquitto (its default ``autosave_interval`` of 30 min,
so a SIGKILL loses whatever it held in memory), ``pilot collect`` into SQLite, and the
device, ``pilot simulate`` publishing both pilot lines through their on-disk outboxes
with confirmations (``[simulation] confirm = true``). Three faults:

1. Mosquitto SIGKILLed twice mid-stream while the collector runs;
2. the collector away while the device publishes (the broker queues for its session),
   then Mosquitto SIGKILLed with that queue, then broker and collector restarted;
3. a power cut: broker, collector and device SIGKILLed at once, then restarted; the
   restarted device measures a later hour, so the first hour's readings can reach
   the store only from its outbox.

Each checks, per sensor, the count and a hash of (device time, value, seq) of the stored
readings against the simulation. Under PUBACK semantics (``confirm = false``) faults 1
and 2 lose readings: the broker acknowledged messages it then lost.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitoring.stores.sqlite import SQLiteStore
from pilot.config import Config, load_config
from sensors.schema import decode_payload
from sensors.simulator import simulate_line
from sensors.topics import parse_topic
from tests.configs import example_config
from tests.fixtures_mosquitto import MosquittoServer
from tests.monitoring.store_samples import Rows, digest, stored_rows

pytestmark = [pytest.mark.mosquitto, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2020, 10, 5, 2, 0, tzinfo=UTC)  # 09:00 in Hưng Yên, lines running
SPAN = timedelta(minutes=30)
#: Sampling interval of the 1 Hz sensors here [s]: fewer readings, the same faults.
INTERVAL_S = 2.0
#: Simulated seconds per wall second: the simulated half hour in about 3 s.
SPEED = 600.0


class Rig:
    """Broker, collector and device processes of one test, and what they should store."""

    def __init__(self, broker: MosquittoServer, folder: Path) -> None:
        self.broker = broker
        self.folder = folder
        self.prefix = f"pc{uuid.uuid4().hex[:8]}"
        self.config_path = example_config(
            folder, broker_url=broker.url, prefix=self.prefix, client_id=f"col-{self.prefix}"
        )
        # A broker that died lost the collector's session: what the device resends before
        # the collector has subscribed again is dropped, and sent again after this wait.
        text = self.config_path.read_text(encoding="utf-8")
        text = text.replace("[simulation]\n", "[simulation]\nconfirm_resend_s = 2.0\n", 1)
        self.config_path.write_text(text, encoding="utf-8")
        self.config: Config = load_config(self.config_path)
        self.store_path = folder / "data" / "readings.sqlite"
        self.outbox_dir = self.config.simulation.outbox_dir
        self.collector: subprocess.Popen[bytes] | None = None
        self.device: subprocess.Popen[bytes] | None = None
        self.log = folder / "collector.log"
        self.device_log = folder / "device.log"
        self.env = dict(os.environ, PYTHONPATH=str(ROOT))

    # -- processes ---------------------------------------------------------------------

    def start_collector(self) -> None:
        connects = self.log.read_text().count("connected to") if self.log.exists() else 0
        self.collector = subprocess.Popen(
            [sys.executable, "-m", "pilot.cli", "--config", str(self.config_path), "collect"],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
            env=self.env,
        )
        _wait(
            lambda: self.log.read_text(errors="replace").count("connected to") > connects,
            60,
            f"collector did not connect:\n{self.log.read_text()[-2000:]}",
        )

    def start_device(self, start: datetime) -> None:
        args = [sys.executable, "-m", "pilot.cli", "--config", str(self.config_path), "-q"]
        args += ["simulate", "--start", start.isoformat(), "--end", (start + SPAN).isoformat()]
        args += ["--regime", "post", "--interval-s", str(INTERVAL_S), "--speed", str(SPEED)]
        self.device = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=self.device_log.open("ab"), env=self.env
        )

    def kill(self, proc: subprocess.Popen[bytes] | None) -> None:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)

    def stop_all(self) -> None:
        for proc in (self.device, self.collector):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    self.kill(proc)

    def device_done(self, timeout_s: float = 90.0) -> None:
        assert self.device is not None
        try:
            code = self.device.wait(timeout_s)
        except subprocess.TimeoutExpired:
            code = None
        assert code == 0, self.device_log.read_text()[-3000:]

    # -- observation -------------------------------------------------------------------

    def stored(self) -> int:
        if not self.store_path.exists():
            return 0
        try:
            with sqlite3.connect(f"file:{self.store_path}?mode=ro", uri=True, timeout=5) as db:
                return int(db.execute("SELECT COUNT(*) FROM readings").fetchone()[0])
        except sqlite3.Error:
            return 0

    def outbox_readings(self) -> set[tuple[tuple[str, str, str], tuple[int, float, int]]]:
        """Every reading the outboxes hold now, by sensor."""
        out = set()
        for path in self.outbox_dir.glob("*.sqlite"):
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
                for topic, payload in db.execute("SELECT topic, payload FROM outbox"):
                    site, line, sensor = parse_topic(topic, prefix=self.prefix)
                    for r in decode_payload(payload, site=site, line=line, sensor=sensor):
                        out.add(((site, line, sensor), (r.ts_us, r.value, r.seq)))
        return out

    def outbox_messages(self) -> int:
        total = 0
        for path in self.outbox_dir.glob("*.sqlite"):
            try:
                with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
                    total += int(db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])
            except sqlite3.OperationalError:
                pass  # created, schema not yet written

        return total

    def expected(self, start: datetime) -> dict[tuple[str, str, str], Rows]:
        """The readings ``pilot simulate`` makes for the half hour from ``start``, per sensor."""
        out: dict[tuple[str, str, str], Rows] = defaultdict(list)
        for index, (site, line) in enumerate(self.config.catalog().lines()):
            for r in simulate_line(
                self.config.line(site, line),
                regime="post",
                start=start,
                end=start + SPAN,
                seed=self.config.simulation.seed + index,
                interval_s=INTERVAL_S,
            ):
                out[(r.site, r.line, r.sensor)].append((r.ts_us, r.value, r.seq))
        return out

    def got(self, start: datetime) -> dict[tuple[str, str, str], Rows]:
        store = SQLiteStore(self.store_path)
        try:
            out: dict[tuple[str, str, str], Rows] = defaultdict(list)
            for site, line in self.config.catalog().lines():
                for sensor, rows in stored_rows(store, site, line, start, start + SPAN).items():
                    out[(site, line, sensor)] = rows
            return out
        finally:
            store.close()

    def check_complete(self, start: datetime, name: str) -> int:
        """Every reading of the half hour stored exactly once; prints the per-sensor table."""
        want, got = self.expected(start), self.got(start)
        bad = []
        print(f"\n{name}:")
        for key in sorted(want):
            ok = len(got[key]) == len(want[key]) and digest(got[key]) == digest(want[key])
            print(
                f"  {'/'.join(key):<36} simulated {len(want[key]):>5} stored "
                f"{len(got[key]):>5} sha256 {digest(got[key])} {'OK' if ok else 'MISMATCH'}"
            )
            if not ok:
                bad.append("/".join(key))
        assert not bad, bad
        return sum(len(v) for v in want.values())


def _wait(condition, timeout_s: float, message: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.05)


@pytest.fixture
def rig(fresh_mosquitto, tmp_path):  # type: ignore[no-untyped-def]
    rig = Rig(fresh_mosquitto, tmp_path)
    try:
        yield rig
    finally:
        rig.kill(rig.device)
        rig.kill(rig.collector)


def _total(rig: Rig, start: datetime) -> int:
    return sum(len(v) for v in rig.expected(start).values())


def test_broker_sigkilled_twice_mid_stream_loses_nothing(rig):
    total = _total(rig, START)
    rig.start_collector()
    rig.start_device(START)
    t0 = time.monotonic()
    for fraction in (0.25, 0.55):
        _wait(lambda f=fraction: rig.stored() >= total * f, 60, f"stuck at {rig.stored()}")
        rig.broker.process.stop(kill=True)
        rig.broker.start()
        print(f"broker SIGKILLed at {fraction:.0%} stored, {time.monotonic() - t0:.1f} s")
    rig.device_done()
    print(f"device done at {time.monotonic() - t0:.1f} s")
    _wait(lambda: rig.stored() >= total, 60, f"stored {rig.stored()} of {total}")
    assert rig.check_complete(START, "broker SIGKILLed twice") == rig.stored() == total
    assert rig.outbox_messages() == 0
    rig.stop_all()


def test_collector_away_then_broker_sigkilled_with_its_queue_loses_nothing(rig):
    total = _total(rig, START)
    rig.start_collector()  # the persistent session exists from now on
    rig.collector.send_signal(signal.SIGTERM)
    assert rig.collector.wait(30) == 0
    rig.start_device(START)
    # The broker acknowledges everything and queues it for the absent collector; the
    # device keeps it all, unconfirmed.
    # (Without confirmations the device would be done and its outbox empty by now.)
    _wait(
        lambda: rig.outbox_messages() >= total / 10 / 3 or rig.device.poll() is not None,
        60,
        "device did not publish",
    )
    assert rig.stored() == 0
    rig.broker.process.stop(kill=True)
    rig.broker.start()
    rig.start_collector()
    rig.device_done()
    _wait(lambda: rig.stored() >= total, 60, f"stored {rig.stored()} of {total}")
    assert rig.check_complete(START, "collector away, then broker SIGKILLed") == total
    assert rig.stored() == total
    assert rig.outbox_messages() == 0
    rig.stop_all()


def test_power_cut_of_broker_collector_and_device_loses_nothing_the_outbox_held(rig):
    total = _total(rig, START)
    rig.start_collector()
    rig.start_device(START)
    _wait(lambda: rig.stored() >= total * 0.3, 60, f"stuck at {rig.stored()}")
    for proc in (rig.device, rig.collector):
        rig.kill(proc)
    rig.broker.process.stop(kill=True)
    kept = rig.outbox_readings()
    before = rig.got(START)

    rig.broker.start()
    rig.start_collector()
    later = START + SPAN
    rig.start_device(later)  # the next half hour: the first can come only from the outbox
    rig.device_done()
    later_total = _total(rig, later)
    _wait(lambda: rig.stored() >= later_total, 60, f"stored {rig.stored()}")
    rig.check_complete(later, "power cut: the half hour after")
    # The first half hour: per sensor, what is stored is exactly the simulation's first
    # readings (no gap, no change), and at least what was stored before the cut.
    want, got = rig.expected(START), rig.got(START)
    for key, rows in want.items():
        n = len(got[key])
        assert sorted(got[key]) == rows[:n], key
        assert n >= len(before[key]), key
    stored = {(key, row) for key, rows in got.items() for row in rows}
    assert kept <= stored, f"{len(kept - stored)} readings the outboxes held were lost"
    print(
        f"  first half hour: {len(stored)} of {total} readings measured before the cut are "
        f"stored; {len(kept)} were in the outboxes at the cut, "
        f"{len(kept - {(k, r) for k, rows in before.items() for r in rows})} of them not yet "
        "in the store"
    )
    assert rig.outbox_messages() == 0
    rig.stop_all()
