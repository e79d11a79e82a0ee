"""The Grafana dashboards: every InfluxQL panel query, with Grafana's macros and template
variables filled in as Grafana would, returns series from a real InfluxDB holding
simulated pilot-line data; the Flux dashboard mirrors the InfluxQL one panel for panel."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitoring.stores.influxdb1 import InfluxDB1Store
from pilot.config import default_config_path, load_config
from sensors.simulator import simulate_line

GRAFANA = Path(__file__).resolve().parents[2] / "monitoring" / "grafana"
START = datetime(2020, 10, 5, 0, 0, tzinfo=UTC)  # 07:00 local: heating, then running
END = START + timedelta(hours=10)  # to 17:00 local: a working day with deliveries


def _dashboard(variant: str) -> dict:
    return json.loads((GRAFANA / "dashboards" / f"upops-lines-{variant}.json").read_text("utf-8"))


def _queries(dashboard: dict) -> list[tuple[str, str]]:
    return [(p["title"], t["query"]) for p in dashboard["panels"] for t in p["targets"]]


def _fill(query: str, *, site: str, line: str) -> str:
    """The query as Grafana sends it for a 10-hour range at a 1-minute interval."""
    start_ms, end_ms = int(START.timestamp() * 1000), int(END.timestamp() * 1000)
    filled = (
        query.replace("$timeFilter", f"time >= {start_ms}ms and time <= {end_ms}ms")
        .replace("$__interval", "1m")
        .replace("$site", site)
        .replace("$line", line)
    )
    assert "$" not in filled.replace("^", "").replace("$/", "/"), filled
    return filled


def _run(url: str, database: str, query: str) -> list[dict]:
    body = urllib.parse.urlencode({"db": database, "q": query, "epoch": "ms"}).encode()
    with urllib.request.urlopen(f"{url}/query", data=body, timeout=30) as response:
        doc = json.loads(response.read())
    result = doc["results"][0]
    assert "error" not in result, f"{query}: {result.get('error')}"
    return result.get("series", [])


def test_flux_dashboard_mirrors_the_influxql_one():
    influxql, flux = _dashboard("influxql"), _dashboard("flux")
    assert [p["title"] for p in flux["panels"]] == [p["title"] for p in influxql["panels"]]
    for title, query in _queries(flux):
        assert "v.timeRangeStart" in query, title
        assert 'r._measurement == "readings"' in query, title
        assert 'r.site == "${site}" and r.line == "${line}"' in query, title
    uids = {p["datasource"]["uid"] for d in (influxql, flux) for p in d["panels"]}
    provisioned = (GRAFANA / "provisioning" / "datasources" / "upops-influxdb.yaml").read_text()
    assert uids == set(re.findall(r"uid: (\S+)", provisioned))


@pytest.mark.influxdb
def test_every_influxql_panel_query_returns_series(influxdb_server, influxdb_database):
    config = load_config(default_config_path())
    store = InfluxDB1Store(influxdb_server.url, database=influxdb_database)
    for index, site in enumerate(config.sites):
        params = config.line(site.id, "line-1")
        store.write(
            list(
                simulate_line(
                    params, regime="post", start=START, end=END, seed=3 + index, interval_s=10.0
                )
            )
        )
    dashboard = _dashboard("influxql")
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    sites = _run(influxdb_server.url, influxdb_database, variables["site"]["query"])
    assert sorted(v[1] for v in sites[0]["values"]) == ["minh-khai", "phan-boi"]
    for site in ("minh-khai", "phan-boi"):
        lines = _run(
            influxdb_server.url,
            influxdb_database,
            _fill(variables["line"]["query"], site=site, line=""),
        )
        assert [v[1] for v in lines[0]["values"]] == ["line-1"]
        for title, query in _queries(dashboard):
            series = _run(
                influxdb_server.url, influxdb_database, _fill(query, site=site, line="line-1")
            )
            values = [row for s in series for row in s["values"] if row[1] is not None]
            assert values, f"{site}: panel {title!r} returned no data: {query}"
