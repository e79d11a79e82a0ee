"""InfluxDB stores against a real InfluxDB 1.x, and the store contract shared with SQLite.

The v1 store is tested end to end against the ``influxd`` the suite starts. The v2 store
writes through :class:`~tests.fixtures_influxdb.InfluxDBv2Shim` into the same server and
is read back with the v1 store; its Flux reads need a real InfluxDB 2.x
(``PILOT_TEST_INFLUXDB2_URL``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitoring.errors import StoreError, StoreUnavailable
from monitoring.stores import InfluxDB1Store, SQLiteStore, Store
from monitoring.stores.base import DOWNSAMPLED_COLUMNS, READ_COLUMNS, series_from_frame
from sensors.schema import Reading, datetime_from_us
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


@pytest.fixture(params=["sqlite", pytest.param("influxdb1", marks=pytest.mark.influxdb)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each store kind in turn, empty."""
    if request.param == "sqlite":
        instance: Store = SQLiteStore(tmp_path / "readings.sqlite")
    else:
        server = request.getfixturevalue("influxdb_server")
        instance = v1_store(server, request.getfixturevalue("influxdb_database"))
    try:
        yield instance
    finally:
        instance.close()


# -- the contract, identical for every store -----------------------------------------


def test_round_trip_keeps_every_field(store: Store) -> None:
    written = sample_readings()
    store.write(written)

    frame = store.read(site=SITE, line=LINE, start=START, end=END)

    assert list(frame.columns) == READ_COLUMNS
    assert str(frame["time"].dt.tz) == "UTC"
    assert frame["seq"].dtype == "int64"
    assert frame["value"].dtype == "float64"
    assert as_readings(frame) == sorted_readings(written)
    assert frame["household"].isna().sum() == 9


def test_read_series_gives_read_as_arrays(store: Store) -> None:
    # Two households' weighings at one instant, and a second line that must not leak in.
    written = sample_readings() + sample_readings(line="line-2")
    store.write(written)
    for sensors in (None, ["intake", "zone1_temp"], ["no-such-sensor"]):
        frame = store.read(site=SITE, line=LINE, start=START, end=END, sensors=sensors)
        expected = series_from_frame(frame)
        got = store.read_series(site=SITE, line=LINE, start=START, end=END, sensors=sensors)
        # The interface's own default (through read, sensor by sensor) gives the same.
        default = Store.read_series(
            store, site=SITE, line=LINE, start=START, end=END, sensors=sensors
        )
        assert got.keys() == expected.keys() == default.keys()
        for sensor, want in expected.items():
            assert got[sensor].times_us.tolist() == want.times_us.tolist(), sensor
            assert got[sensor].values.tolist() == want.values.tolist(), sensor
            assert default[sensor].times_us.tolist() == want.times_us.tolist(), sensor
            has = got[sensor].households
            assert (has.tolist() if has is not None else None) == (
                want.households.tolist() if want.households is not None else None
            ), sensor
    whole = store.read_series(site=SITE, line=LINE, start=START, end=END)
    assert any(s.households is not None for s in whole.values())


def test_count_series_gives_read_series_lengths(store: Store) -> None:
    # Two households' weighings at one instant, and a second line that must not count.
    store.write(sample_readings() + sample_readings(line="line-2"))
    sensors = ["intake", "zone1_temp", "no-such-sensor"]
    series = store.read_series(site=SITE, line=LINE, start=START, end=END, sensors=sensors)
    want = {sensor: len(s.values) for sensor, s in series.items()}
    assert want.keys() == {"intake", "zone1_temp"}
    assert store.count_series(site=SITE, line=LINE, start=START, end=END, sensors=sensors) == want
    # A range that cuts the readings counts only those inside it.
    cut = datetime_from_us(T0_US + 2_500_000)  # 3 of the 5 zone readings
    inside = store.read_series(site=SITE, line=LINE, start=START, end=cut, sensors=sensors)
    counted = store.count_series(site=SITE, line=LINE, start=START, end=cut, sensors=sensors)
    assert counted == {sensor: len(s.values) for sensor, s in inside.items()}
    assert counted["zone1_temp"] == 3
    assert store.count_series(site=SITE, line=LINE, start=START, end=END, sensors=[]) == {}


def test_count_series_counts_edges_households_and_absent_sensors_like_read_series(
    store: Store,
) -> None:
    # Points exactly at start and at end (half open: the first counts, the last not),
    # households and none at one instant, writes repeated, another line, a silent sensor.
    start, end = T0_US + 1_000_000, T0_US + 5_000_000
    written = [
        Reading(SITE, LINE, "edge", start, 1.0, "degC", 1),
        Reading(SITE, LINE, "edge", start + 1, 2.0, "degC", 2),
        Reading(SITE, LINE, "edge", end - 1, 3.0, "degC", 3),
        Reading(SITE, LINE, "edge", end, 4.0, "degC", 4),
        Reading(SITE, LINE, "edge", start - 1, 5.0, "degC", 5),
        Reading(SITE, LINE, "intake", start, 40.0, "kg", 1, "hh-01"),
        Reading(SITE, LINE, "intake", start, 41.0, "kg", 2, None),
        Reading(SITE, LINE, "intake", start, 42.0, "kg", 3, "hh 02,a=b"),
        Reading(SITE, LINE, "intake", end, 43.0, "kg", 4, "hh-01"),
        Reading(SITE, "line-2", "edge", start, 6.0, "degC", 6),
    ]
    store.write(written + written[:3])  # written again: still one point each
    sensors = ["edge", "intake", "silent"]
    a, b = datetime_from_us(start), datetime_from_us(end)
    series = store.read_series(site=SITE, line=LINE, start=a, end=b, sensors=sensors)
    counted = store.count_series(site=SITE, line=LINE, start=a, end=b, sensors=sensors)
    assert counted == {sensor: len(s.values) for sensor, s in series.items()}
    assert counted == {"edge": 3, "intake": 3}
    # An empty range, and a range holding only the point at its start.
    assert store.count_series(site=SITE, line=LINE, start=a, end=a, sensors=sensors) == {}
    one = datetime_from_us(start + 1)
    assert store.count_series(site=SITE, line=LINE, start=a, end=one, sensors=sensors) == {
        "edge": 1,
        "intake": 3,
    }


def test_household_never_written_reads_back_missing(store: Store) -> None:
    written = [Reading(SITE, LINE, "zone1_temp", T0_US + i, 200.0, "degC", i) for i in range(3)]
    store.write(written)

    frame = store.read(site=SITE, line=LINE, start=START, end=END)

    assert frame["household"].isna().all()
    assert as_readings(frame) == written


def test_writing_twice_stores_once(store: Store) -> None:
    written = sample_readings() + sample_readings(site="phan-boi")
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
    written = sample_readings() + sample_readings(line="line-2")
    store.write(written)
    first, second = written[0], written[1]

    frame = store.read(
        site=SITE,
        line=LINE,
        start=first.time,
        end=second.time,
        sensors=["zone1_temp", "no-such-sensor"],
    )
    assert as_readings(frame) == [first]

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
    store.write(sample_readings())
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
    written = sample_readings() + sample_readings(line="line-2")
    with (
        SQLiteStore(tmp_path / "r.sqlite") as sqlite,
        v1_store(influxdb_server, influxdb_database) as v1,
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
    store = v1_store(influxdb_server, influxdb_database)
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
    with v1_store(influxdb_server, influxdb_database, retention_policy="autogen") as store:
        store.write(sample_readings())
        assert store.count() == len(sample_readings())
        assert len(store.read(site=SITE, line=LINE, start=START, end=END)) == len(sample_readings())
    # InfluxDB 1.x answers HTTP 500 here; retrying would never help, so it is a StoreError.
    with v1_store(influxdb_server, influxdb_database, retention_policy="nope") as store:
        with pytest.raises(StoreError, match="CREATE RETENTION POLICY") as info:
            store.write(sample_readings())
        assert not isinstance(info.value, StoreUnavailable)


@pytest.mark.influxdb
def test_unreachable_server_raises_store_unavailable() -> None:
    store = InfluxDB1Store(f"http://127.0.0.1:{free_port()}", database="x", timeout_s=2.0)
    with pytest.raises(StoreUnavailable, match="did not answer"):
        store.write(sample_readings())
    with pytest.raises(StoreUnavailable):
        store.read(site=SITE, line=LINE, start=START, end=END)
    with pytest.raises(StoreUnavailable):
        store.count()
    with pytest.raises(StoreUnavailable):
        store.ping()


@pytest.mark.influxdb
def test_unknown_database_raises_store_error_saying_how_to_create_it(influxdb_server) -> None:
    name = f"missing_{uuid.uuid4().hex[:8]}"
    with v1_store(influxdb_server, name) as store:
        with pytest.raises(StoreError, match=f'CREATE DATABASE "{name}"') as info:
            store.write(sample_readings())
        assert not isinstance(info.value, StoreUnavailable)
        assert info.value.status == 404
        with pytest.raises(StoreError, match="CREATE DATABASE"):
            store.read(site=SITE, line=LINE, start=START, end=END)
        store.ping()  # the server itself is fine


@pytest.mark.influxdb
def test_create_database_is_idempotent(influxdb_server) -> None:
    name = f"created_{uuid.uuid4().hex[:8]}"
    with v1_store(influxdb_server, name) as store:
        store.create_database()
        store.create_database()
        store.write(sample_readings())
        assert store.count() == len(sample_readings())
    influxdb_server.query(f'DROP DATABASE "{name}"')


@pytest.mark.influxdb
def test_unstorable_readings_are_refused_before_sending(influxdb_server, influxdb_database) -> None:
    with v1_store(influxdb_server, influxdb_database) as store:
        good = sample_readings()[0]
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
        v1_store(
            influxdb_server, f"missing_{uuid.uuid4().hex[:8]}", username="u", password=PASSWORD
        ),
    ]
    for store in stores:
        assert PASSWORD not in repr(store)
        assert "password=***" in repr(store)
        with pytest.raises(StoreError) as info:
            store.write(sample_readings())
        texts = [str(info.value), repr(info.value), str(info.value.__cause__)]
        assert not any(PASSWORD in text for text in texts)


@pytest.mark.influxdb
def test_store_recovers_after_server_restart(influxdb_server, influxdb_database) -> None:
    with v1_store(influxdb_server, influxdb_database, timeout_s=2.0) as store:
        store.write(sample_readings()[:2])
        influxdb_server.stop()
        try:
            with pytest.raises(StoreUnavailable):
                store.write(sample_readings())
        finally:
            influxdb_server.start()
        # The pooled connection died with the old process; the store must not trip on it.
        store.write(sample_readings())
        assert store.count() == len(sample_readings())


# -- InfluxDB v2 API store -----------------------------------------------------------
