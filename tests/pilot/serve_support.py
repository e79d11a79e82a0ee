"""Shared by the dashboard tests: a demo-shaped folder, the dashboard on a free loopback
port (in a thread, real HTTP), and readings that arrive "live" in its store."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvicorn

from monitoring.alarms import AlarmLog
from monitoring.stores.sqlite import SQLiteStore
from pilot.config import Config
from pilot.serve.app import make_app
from pilot.serve.auth import Guard
from pilot.serve.hub import Dashboard
from pilot.wiring import alarm_engine, make_store
from sensors.schema import Reading
from tests.demo_folder import DemoFolder, demo_folder
from tests.servers import free_port

#: Both lines' first hours of the post period, at the demo's 5 s interval: a few seconds
#: to make, enough for a running line on the overview.
LINES = (("post-2020", "minh-khai", "line-1"), ("post-2020", "phan-boi", "line-1"))


def make_demo(path: Path, *, days: float = 0.4) -> DemoFolder:
    return demo_folder(path, days=days, interval_s=5.0, simulate=LINES)


@dataclass
class Served:
    url: str
    dashboard: Dashboard


@contextmanager
def serve(config: Config, *, password: str | None = None) -> Iterator[Served]:
    """The dashboard of ``config`` on a free loopback port, stopped on exit."""
    store = make_store(config.store)
    dashboard = Dashboard(config, store, config_bytes=b"")
    dashboard.prime()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            make_app(dashboard, Guard(password)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard did not start")
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", dashboard)
    finally:
        server.should_exit = True
        thread.join(10)
        dashboard.close()
        store.close()


def arrive(
    config: Config,
    site: str,
    line: str,
    *,
    after_s: float,
    values: dict[str, float],
    count: int = 1,
) -> list[Reading]:
    """Write ``count`` readings per sensor of ``values`` into the store, ``after_s`` past
    the line's newest reading and 5 s apart, as the collector would; then run them
    through the alarm engine of the configuration into the alarm log, as the collector's
    alarm service does. Returns the readings."""
    store = SQLiteStore(config.store.sqlite_path)  # type: ignore[arg-type]
    try:
        newest = store.read(site=site, line=line, start=_epoch(0), end=_epoch(4e9))["time"].max()
        base_us = int(newest.value // 1000) + int(after_s * 1e6)
        readings = [
            Reading(
                site,
                line,
                sensor,
                base_us + i * 5_000_000,
                value,
                _unit(config, site, line, sensor),
                i,
            )
            for i in range(count)
            for sensor, value in values.items()
        ]
        store.write(readings)
    finally:
        store.close()
    return readings


def raise_alarms(config: Config, readings: list[Reading]) -> list[Any]:
    """The alarm events ``readings`` raise (the configured rules), written to the log."""
    engine = alarm_engine(config)
    # The engine holds readings until the line's state sensors caught up; flush judges the rest.
    events = engine.feed(readings) + engine.flush()
    log = AlarmLog(config.alarms.path)
    try:
        log.add_many(events)
    finally:
        log.close()
    return events


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def _unit(config: Config, site: str, line: str, sensor: str) -> str:
    return next(s.unit for s in config.line(site, line).sensors if s.sensor == sensor)


def _epoch(seconds: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(0, UTC) + timedelta(seconds=seconds)
