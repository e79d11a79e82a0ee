"""The InfluxDB 2.x store: writes through the v2 API shim into the suite's InfluxDB,
read back with the v1 store; Flux reads against a real InfluxDB 2.x when one is named
(``PILOT_TEST_INFLUXDB2_URL``)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pandas as pd
import pytest

from monitoring.errors import StoreError, StoreUnavailable
from monitoring.stores import InfluxDB2Store, SQLiteStore
from monitoring.stores.base import DOWNSAMPLED_COLUMNS
from sensors.schema import Reading
from tests.monitoring.store_samples import (
    END,
    LINE,
    PASSWORD,
    SITE,
    START,
    T0_US,
    as_readings,
    sample_readings,
    sorted_readings,
    v1_store,
)
from tests.servers import free_port


@pytest.mark.influxdb
def test_v2_store_writes_through_the_shim_once(
    influxdb_server, influxdb_database, influxdb_v2_shim
) -> None:
    written = sample_readings()
    v2 = InfluxDB2Store(
        influxdb_v2_shim.url,
        org="-",
        bucket=f"{influxdb_database}/autogen",
        token=f"u:{PASSWORD}",
        timeout_s=5.0,
    )
    with v2, v1_store(influxdb_server, influxdb_database) as v1:
        v2.ping()
        v2.write(written)
        v2.write(written)

        assert v1.count() == len(written)
        frame = v1.read(site=SITE, line=LINE, start=START, end=END)
        assert as_readings(frame) == sorted_readings(written)
    assert [w.precision for w in influxdb_v2_shim.writes] == ["us", "us"]
    assert {w.status for w in influxdb_v2_shim.writes} == {204}
    assert PASSWORD not in repr(v2)


@pytest.mark.influxdb
def test_v2_store_maps_errors(influxdb_server, influxdb_v2_shim) -> None:
    missing = InfluxDB2Store(
        influxdb_v2_shim.url, org="-", bucket=f"missing_{uuid.uuid4().hex[:8]}", token=PASSWORD
    )
    with missing, pytest.raises(StoreError, match="create the bucket") as info:
        missing.write(sample_readings())
    assert not isinstance(info.value, StoreUnavailable)
    assert info.value.status == 404
    assert PASSWORD not in str(info.value)

    unreachable = InfluxDB2Store(
        f"http://127.0.0.1:{free_port()}", org="o", bucket="b", token=PASSWORD, timeout_s=2.0
    )
    with unreachable:
        with pytest.raises(StoreUnavailable, match="did not answer") as info:
            unreachable.write(sample_readings())
        assert PASSWORD not in str(info.value)
        with pytest.raises(StoreUnavailable):
            unreachable.ping()


@pytest.mark.influxdb
def test_v2_store_writes_in_chunks_of_5000(
    influxdb_server, influxdb_database, influxdb_v2_shim
) -> None:
    readings = [Reading(SITE, LINE, "fast", T0_US + i, float(i), "degC", i) for i in range(10_001)]
    with InfluxDB2Store(influxdb_v2_shim.url, org="-", bucket=influxdb_database, token="u:p") as v2:
        v2.write(readings)
    assert len(influxdb_v2_shim.writes) == 3
    with v1_store(influxdb_server, influxdb_database) as v1:
        assert v1.count() == 10_001


def test_v2_store_flux_reads_against_a_real_influxdb2(influxdb2_url, tmp_path) -> None:
    from influxdb_client import InfluxDBClient

    target = influxdb2_url
    site = f"test-{uuid.uuid4().hex[:8]}"
    written = sample_readings(site=site)
    sqlite = SQLiteStore(tmp_path / "reference.sqlite")
    sqlite.write(written)
    v2 = InfluxDB2Store(target.url, org=target.org, bucket=target.bucket, token=target.token)
    try:
        v2.write(written)
        v2.write(written)

        assert v2.count(site=site) == len(written)
        assert v2.count(site=site, line="line-9") == 0
        for kwargs in ({}, {"every_s": 1.5}, {"sensors": ["intake"]}, {"every_s": 3600}):
            expected = sqlite.read(site=site, line=LINE, start=START, end=END, **kwargs)
            got = v2.read(site=site, line=LINE, start=START, end=END, **kwargs)
            pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
        assert as_readings(v2.read(site=site, line=LINE, start=START, end=END)) == sorted_readings(
            written
        )
        empty = v2.read(site=site, line=LINE, start=END, end=END + timedelta(days=1), every_s=60)
        assert empty.empty
        assert list(empty.columns) == DOWNSAMPLED_COLUMNS
    finally:
        v2.close()
        sqlite.close()
        with InfluxDBClient(url=target.url, token=target.token, org=target.org) as client:
            client.delete_api().delete(
                START, END, f'site="{site}"', bucket=target.bucket, org=target.org
            )
