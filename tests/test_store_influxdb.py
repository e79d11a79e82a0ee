"""InfluxDB stores against a real InfluxDB 1.x, and the store contract shared with SQLite.

The v1 store is tested end to end against the ``influxd`` the suite starts. The v2 store
writes through :class:`~tests.fixtures_influxdb.InfluxDBv2Shim` into the same server and
is read back with the v1 store; its Flux reads need a real InfluxDB 2.x
(``PILOT_TEST_INFLUXDB2_URL``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitoring.errors import StoreError, StoreUnavailable
from monitoring.stores import InfluxDB1Store, InfluxDB2Store, SQLiteStore, Store
from monitoring.stores.base import DOWNSAMPLED_COLUMNS, READ_COLUMNS
from sensors.schema import Reading, datetime_from_us, us_from_datetime
from tests.servers import free_port

T0_US = 1_559_523_600_000_000  # 2019-06-03T01:00:00Z
SITE, LINE = "minh-khai", "line-1"
START = datetime(2019, 6, 3, tzinfo=UTC)
END = datetime(2019, 6, 4, tzinfo=UTC)
PASSWORD = "pw-Xq7-never-shown"


def _readings(site: str = SITE, line: str = LINE) -> list[Reading]:
    """Readings that exercise every field: odd microseconds, households, units, big seq."""
    out = [
        Reading(site, line, "zone1_temp", T0_US + i * 1_000_123 + 7, 231.123456789 + i, "degC", i)
        for i in range(5)
    ]
    out += [
        Reading(site, line, "throughput", T0_US + i * 2_000_001, 12.5 * i, "kg/h", 2**53 - 1 - i)
        for i in range(3)
    ]
    # Same time, with and without household: different readings. Spaces, commas and '='
    # must survive line protocol escaping.
    out += [
        Reading(site, line, "intake", T0_US + 1, 40.0, "kg", 1, "HH 07,a=b"),
        Reading(site, line, "intake", T0_US + 1, 41.0, "kg", 2, None),
        Reading(site, line, "intake", T0_US + 1, 42.0, "kg", 3, "hh-01"),
    ]
    return out


def _as_readings(frame: pd.DataFrame) -> list[Reading]:
    return [
        Reading(
            row.site,
            row.line,
            row.sensor,
            _us(row.time),
            float(row.value),
            row.unit,
            int(row.seq),
            None if pd.isna(row.household) else row.household,
        )
        for row in frame.itertuples(index=False)
    ]


def _us(ts: pd.Timestamp) -> int:
    return us_from_datetime(ts.to_pydatetime())


def _sorted(readings: list[Reading]) -> list[Reading]:
    return sorted(readings, key=lambda r: (r.sensor, r.ts_us, r.household or ""))


def _v1(server, database: str, **kwargs) -> InfluxDB1Store:  # type: ignore[no-untyped-def]
    kwargs.setdefault("timeout_s", 5.0)
    return InfluxDB1Store(server.url, database=database, **kwargs)


@pytest.fixture(params=["sqlite", pytest.param("influxdb1", marks=pytest.mark.influxdb)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each store kind in turn, empty."""
    if request.param == "sqlite":
        instance: Store = SQLiteStore(tmp_path / "readings.sqlite")
    else:
        server = request.getfixturevalue("influxdb_server")
        instance = _v1(server, request.getfixturevalue("influxdb_database"))
    try:
        yield instance
    finally:
        instance.close()


# -- the contract, identical for every store -----------------------------------------


def test_round_trip_keeps_every_field(store: Store) -> None:
    written = _readings()
    store.write(written)

    frame = store.read(site=SITE, line=LINE, start=START, end=END)

    assert list(frame.columns) == READ_COLUMNS
    assert str(frame["time"].dt.tz) == "UTC"
    assert frame["seq"].dtype == "int64"
    assert frame["value"].dtype == "float64"
    assert _as_readings(frame) == _sorted(written)
    assert frame["household"].isna().sum() == 9


def test_household_never_written_reads_back_missing(store: Store) -> None:
    written = [Reading(SITE, LINE, "zone1_temp", T0_US + i, 200.0, "degC", i) for i in range(3)]
    store.write(written)

    frame = store.read(site=SITE, line=LINE, start=START, end=END)

    assert frame["household"].isna().all()
    assert _as_readings(frame) == written


def test_writing_twice_stores_once(store: Store) -> None:
    written = _readings() + _readings(site="phan-boi")
    store.write(written)
    store.write(written[3:])
    store.write(written[:2])

    assert store.count() == len(written)
    assert store.count(site=SITE) == len(written) // 2
    assert store.count(site=SITE, line=LINE) == len(written) // 2
    assert store.count(site=SITE, line="line-2") == 0
    frame = store.read(site=SITE, line=LINE, start=START, end=END)
    assert len(frame) == len(written) // 2


def test_read_is_half_open_and_filters_sensors(store: Store) -> None:
    written = _readings() + _readings(line="line-2")
    store.write(written)
    first, second = written[0], written[1]

    frame = store.read(
        site=SITE,
        line=LINE,
        start=first.time,
        end=second.time,
        sensors=["zone1_temp", "no-such-sensor"],
    )
    assert _as_readings(frame) == [first]

    frame = store.read(site=SITE, line=LINE, start=START, end=END, sensors=["intake", "throughput"])
    assert set(frame["sensor"]) == {"intake", "throughput"}
    assert len(frame) == 6
    assert store.read(site=SITE, line=LINE, start=START, end=END, sensors=[]).empty


def test_downsampled_read_gives_means_and_counts(store: Store) -> None:
    t = T0_US  # a whole minute
    readings = [
        Reading(SITE, LINE, "a", t + 1_000_000, 1.0, "degC", 1),
        Reading(SITE, LINE, "a", t + 2_000_000, 2.0, "degC", 2),
        Reading(SITE, LINE, "a", t + 59_999_999, 6.0, "degC", 3),
        Reading(SITE, LINE, "a", t + 60_000_000, 10.0, "degC", 4),
        # Nothing in the third minute: that window is left out.
        Reading(SITE, LINE, "a", t + 180_000_000, 7.5, "degC", 5),
        Reading(SITE, LINE, "b", t + 61_000_000, 100.0, "kg/h", 1),
        Reading(SITE, LINE, "b", t + 62_000_000, 300.0, "kg/h", 2),
    ]
    store.write(readings)

    # A start inside a window still reports the epoch-aligned window start.
    frame = store.read(
        site=SITE, line=LINE, start=datetime_from_us(t + 1_500_000), end=END, every_s=60
    )

    assert list(frame.columns) == DOWNSAMPLED_COLUMNS
    assert frame["count"].dtype == "int64"
    minute = timedelta(minutes=1)
    t0 = datetime_from_us(t)
    got = [
        (row.sensor, row.time.to_pydatetime(), row.value, row.count)
        for row in frame.itertuples(index=False)
    ]
    assert got == [
        ("a", t0, pytest.approx(4.0), 2),
        ("a", t0 + minute, pytest.approx(10.0), 1),
        ("a", t0 + 3 * minute, pytest.approx(7.5), 1),
        ("b", t0 + minute, pytest.approx(200.0), 2),
    ]
    assert set(frame["site"]) == {SITE}
    assert set(frame["line"]) == {LINE}


def test_empty_range_gives_empty_frame_with_columns(store: Store) -> None:
    store.write(_readings())
    later = END + timedelta(days=30)

    raw = store.read(site=SITE, line=LINE, start=END, end=later)
    downsampled = store.read(site=SITE, line=LINE, start=END, end=later, every_s=10)
    other_line = store.read(site=SITE, line="line-9", start=START, end=END)

    assert raw.empty
    assert list(raw.columns) == READ_COLUMNS
    assert downsampled.empty
    assert list(downsampled.columns) == DOWNSAMPLED_COLUMNS
    assert other_line.empty
    assert list(other_line.columns) == READ_COLUMNS
    assert str(raw["time"].dt.tz) == "UTC"


def test_bad_read_arguments_raise_value_error(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone"):
        store.read(site=SITE, line=LINE, start=datetime(2019, 6, 3), end=END)
    with pytest.raises(ValueError, match="before"):
        store.read(site=SITE, line=LINE, start=END, end=START)
    with pytest.raises(ValueError, match="every_s"):
        store.read(site=SITE, line=LINE, start=START, end=END, every_s=0)


@pytest.mark.influxdb
def test_sqlite_and_influxdb1_return_identical_frames(
    influxdb_server, influxdb_database, tmp_path
) -> None:
    written = _readings() + _readings(line="line-2")
    with (
        SQLiteStore(tmp_path / "r.sqlite") as sqlite,
        _v1(influxdb_server, influxdb_database) as v1,
    ):
        sqlite.write(written)
        v1.write(written)
        for kwargs in ({}, {"every_s": 1.5}, {"sensors": ["intake"]}, {"every_s": 3600}):
            expected = sqlite.read(site=SITE, line=LINE, start=START, end=END, **kwargs)
            got = v1.read(site=SITE, line=LINE, start=START, end=END, **kwargs)
            pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)


# -- InfluxDB v1 specifics -----------------------------------------------------------


@pytest.mark.influxdb
def test_large_batches_go_in_chunks_of_5000(
    influxdb_server, influxdb_database, monkeypatch
) -> None:
    store = _v1(influxdb_server, influxdb_database)
    writes: list[int] = []
    real_request = store._pool.request

    def counting_request(method, url, **kwargs):  # type: ignore[no-untyped-def]
        if "/write?" in url:
            writes.append(kwargs["body"].count(b"\n"))
        return real_request(method, url, **kwargs)

    monkeypatch.setattr(store._pool, "request", counting_request)
    readings = [Reading(SITE, LINE, "fast", T0_US + i, float(i), "degC", i) for i in range(12_001)]

    store.write(readings)

    assert writes == [5000, 5000, 2001]
    assert store.count() == 12_001


@pytest.mark.influxdb
def test_retention_policy_is_used_and_a_missing_one_is_not_retried(
    influxdb_server, influxdb_database
) -> None:
    with _v1(influxdb_server, influxdb_database, retention_policy="autogen") as store:
        store.write(_readings())
        assert store.count() == len(_readings())
        assert len(store.read(site=SITE, line=LINE, start=START, end=END)) == len(_readings())
    # InfluxDB 1.x answers HTTP 500 here; retrying would never help, so it is a StoreError.
    with _v1(influxdb_server, influxdb_database, retention_policy="nope") as store:
        with pytest.raises(StoreError, match="CREATE RETENTION POLICY") as info:
            store.write(_readings())
        assert not isinstance(info.value, StoreUnavailable)


@pytest.mark.influxdb
def test_unreachable_server_raises_store_unavailable() -> None:
    store = InfluxDB1Store(f"http://127.0.0.1:{free_port()}", database="x", timeout_s=2.0)
    with pytest.raises(StoreUnavailable, match="did not answer"):
        store.write(_readings())
    with pytest.raises(StoreUnavailable):
        store.read(site=SITE, line=LINE, start=START, end=END)
    with pytest.raises(StoreUnavailable):
        store.count()
    with pytest.raises(StoreUnavailable):
        store.ping()


@pytest.mark.influxdb
def test_unknown_database_raises_store_error_saying_how_to_create_it(influxdb_server) -> None:
    name = f"missing_{uuid.uuid4().hex[:8]}"
    with _v1(influxdb_server, name) as store:
        with pytest.raises(StoreError, match=f'CREATE DATABASE "{name}"') as info:
            store.write(_readings())
        assert not isinstance(info.value, StoreUnavailable)
        assert info.value.status == 404
        with pytest.raises(StoreError, match="CREATE DATABASE"):
            store.read(site=SITE, line=LINE, start=START, end=END)
        store.ping()  # the server itself is fine


@pytest.mark.influxdb
def test_create_database_is_idempotent(influxdb_server) -> None:
    name = f"created_{uuid.uuid4().hex[:8]}"
    with _v1(influxdb_server, name) as store:
        store.create_database()
        store.create_database()
        store.write(_readings())
        assert store.count() == len(_readings())
    influxdb_server.query(f'DROP DATABASE "{name}"')


@pytest.mark.influxdb
def test_unstorable_readings_are_refused_before_sending(influxdb_server, influxdb_database) -> None:
    with _v1(influxdb_server, influxdb_database) as store:
        good = _readings()[0]
        for bad in (
            Reading(SITE, LINE, "s", T0_US, 1.0, "degC", 1, "back\\slash"),
            Reading(SITE, LINE, "s", T0_US, 1.0, "degC", 1, "new\nline"),
            Reading(SITE, LINE, "s", T0_US, 1.0, "", 1),
            Reading(SITE, LINE, "s", T0_US, float("nan"), "degC", 1),
        ):
            with pytest.raises(StoreError, match="reading"):
                store.write([good, bad])
        assert store.count() == 0


@pytest.mark.influxdb
def test_password_never_appears_in_messages_or_repr(influxdb_server) -> None:
    stores = [
        InfluxDB1Store(
            f"http://127.0.0.1:{free_port()}", database="x", username="u", password=PASSWORD
        ),
        _v1(influxdb_server, f"missing_{uuid.uuid4().hex[:8]}", username="u", password=PASSWORD),
    ]
    for store in stores:
        assert PASSWORD not in repr(store)
        assert "password=***" in repr(store)
        with pytest.raises(StoreError) as info:
            store.write(_readings())
        texts = [str(info.value), repr(info.value), str(info.value.__cause__)]
        assert not any(PASSWORD in text for text in texts)


@pytest.mark.influxdb
def test_store_recovers_after_server_restart(influxdb_server, influxdb_database) -> None:
    with _v1(influxdb_server, influxdb_database, timeout_s=2.0) as store:
        store.write(_readings()[:2])
        influxdb_server.stop()
        try:
            with pytest.raises(StoreUnavailable):
                store.write(_readings())
        finally:
            influxdb_server.start()
        # The pooled connection died with the old process; the store must not trip on it.
        store.write(_readings())
        assert store.count() == len(_readings())


# -- InfluxDB v2 API store -----------------------------------------------------------


@pytest.mark.influxdb
def test_v2_store_writes_through_the_shim_once(
    influxdb_server, influxdb_database, influxdb_v2_shim
) -> None:
    written = _readings()
    v2 = InfluxDB2Store(
        influxdb_v2_shim.url,
        org="-",
        bucket=f"{influxdb_database}/autogen",
        token=f"u:{PASSWORD}",
        timeout_s=5.0,
    )
    with v2, _v1(influxdb_server, influxdb_database) as v1:
        v2.ping()
        v2.write(written)
        v2.write(written)

        assert v1.count() == len(written)
        frame = v1.read(site=SITE, line=LINE, start=START, end=END)
        assert _as_readings(frame) == _sorted(written)
    assert [w.precision for w in influxdb_v2_shim.writes] == ["us", "us"]
    assert {w.status for w in influxdb_v2_shim.writes} == {204}
    assert PASSWORD not in repr(v2)


@pytest.mark.influxdb
def test_v2_store_maps_errors(influxdb_server, influxdb_v2_shim) -> None:
    missing = InfluxDB2Store(
        influxdb_v2_shim.url, org="-", bucket=f"missing_{uuid.uuid4().hex[:8]}", token=PASSWORD
    )
    with missing, pytest.raises(StoreError, match="create the bucket") as info:
        missing.write(_readings())
    assert not isinstance(info.value, StoreUnavailable)
    assert info.value.status == 404
    assert PASSWORD not in str(info.value)

    unreachable = InfluxDB2Store(
        f"http://127.0.0.1:{free_port()}", org="o", bucket="b", token=PASSWORD, timeout_s=2.0
    )
    with unreachable:
        with pytest.raises(StoreUnavailable, match="did not answer") as info:
            unreachable.write(_readings())
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
    with _v1(influxdb_server, influxdb_database) as v1:
        assert v1.count() == 10_001


def test_v2_store_flux_reads_against_a_real_influxdb2(influxdb2_url, tmp_path) -> None:
    from influxdb_client import InfluxDBClient

    target = influxdb2_url
    site = f"test-{uuid.uuid4().hex[:8]}"
    written = _readings(site=site)
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
        assert _as_readings(v2.read(site=site, line=LINE, start=START, end=END)) == _sorted(written)
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
