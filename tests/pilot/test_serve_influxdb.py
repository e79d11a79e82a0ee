"""``pilot serve`` on InfluxDB 1.x (a real ``influxd``): the same overview and charts as
on the embedded SQLite store, from the same readings."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tomli_w

from monitoring.stores.influxdb1 import InfluxDB1Store
from monitoring.stores.sqlite import SQLiteStore
from pilot.config import load_config
from pilot.serve.feed import Feed
from tests.pilot.serve_support import get, make_demo, serve

pytestmark = [pytest.mark.influxdb, pytest.mark.slow]
SITE, LINE = "minh-khai", "line-1"


def test_overview_and_charts_on_influxdb1_equal_those_on_sqlite(
    tmp_path: Path, influxdb_server, influxdb_database: str
) -> None:
    demo = make_demo(tmp_path / "demo")
    influx = InfluxDB1Store(influxdb_server.url, database=influxdb_database)
    try:
        with SQLiteStore(demo.config.store.sqlite_path) as sqlite:
            for ln in demo.config.lines():
                frame = sqlite.read(
                    site=ln.site,
                    line=ln.line,
                    start=datetime(2000, 1, 1, tzinfo=UTC),
                    end=datetime(2100, 1, 1, tzinfo=UTC),
                )
                influx.write(Feed.readings(ln, frame))
    finally:
        influx.close()
    doc = tomllib.loads(demo.config_file.read_text(encoding="utf-8"))
    doc["store"] = {
        "kind": "influxdb1",
        "influxdb1": {"url": influxdb_server.url, "database": influxdb_database},
    }
    influx_file = demo.config_file.with_name("pilot-influxdb1.toml")
    influx_file.write_text(tomli_w.dumps(doc), encoding="utf-8")
    answers = {}
    for name, config in (("sqlite", demo.config), ("influxdb1", load_config(influx_file))):
        with serve(config) as served:
            overview = json.loads(get(served.url + "/api/overview")[2])
            chart = json.loads(get(served.url + f"/api/history/{SITE}/{LINE}?hours=24")[2])
            week = json.loads(get(served.url + f"/api/history/{SITE}/{LINE}?hours=168")[2])
        answers[name] = (overview, chart, week)
    sqlite_answer, influx_answer = answers["sqlite"], answers["influxdb1"]
    for ours, theirs in zip(sqlite_answer[0]["lines"], influx_answer[0]["lines"], strict=True):
        assert ours["state"] == theirs["state"] == "running"
        assert ours["newest_ms"] == theirs["newest_ms"]
        assert ours["mass_kg"] == pytest.approx(theirs["mass_kg"], rel=1e-6)
        assert [s["value"] for s in ours["sensors"]] == [s["value"] for s in theirs["sensors"]]
    for index in (1, 2):  # the day from memory, the week read from the store as means
        ours, theirs = sqlite_answer[index], influx_answer[index]
        assert ours["every_s"] == theirs["every_s"]
        assert ours["series"].keys() == theirs["series"].keys()
        for sensor, points in ours["series"].items():
            assert [p[0] for p in points] == [p[0] for p in theirs["series"][sensor]]
            assert [p[1] for p in points] == pytest.approx(
                [p[1] for p in theirs["series"][sensor]], abs=1e-3
            )
