"""The collector's optimised hot path behaves as the plain code did (issue 7).

Decoding has fast paths for integer-millisecond times and float values and builds field
paths only for errors; line protocol caches checked tag sets; the catalogue formats
names only for errors. These tests pin the results and messages those changes touch.
"""

from __future__ import annotations

import pytest

from monitoring.errors import StoreError
from monitoring.stores import line_protocol as lp
from monitoring.stores.line_protocol import line_protocol
from sensors.catalog import Catalog, SensorSpec
from sensors.errors import PayloadError, ValidationError
from sensors.schema import Reading, decode_payload

T0_MS = 1_559_523_600_250
ID = {"site": "minh-khai", "line": "line-1", "sensor": "intake"}


def _decode(text: str) -> list[Reading]:
    return decode_payload(text.encode(), **ID)


def test_fast_and_slow_forms_of_time_and_value_decode_alike():
    fast = _decode(f'{{"v":1,"unit":"kg","ts":{T0_MS},"value":84.5,"seq":3}}')
    slow = _decode('{"v":1,"unit":"kg","ts":"2019-06-03T01:00:00.250Z","value":84.5,"seq":3}')
    integer = _decode(f'{{"v":1,"unit":"kg","ts":{T0_MS},"value":84,"seq":3}}')
    assert fast == slow
    assert fast[0].ts_us == T0_MS * 1000
    assert integer[0].value == 84.0
    assert isinstance(integer[0].value, float)


@pytest.mark.parametrize(
    ("item", "reason", "where"),
    [
        ('{"ts":-1,"value":1.0,"seq":0}', "bad_timestamp", "readings[1].ts"),
        ('{"ts":true,"value":1.0,"seq":0}', "bad_timestamp", "readings[1].ts"),
        ('{"ts":1,"value":true,"seq":0}', "bad_type", "readings[1].value"),
        ('{"ts":1,"value":"1","seq":0}', "bad_type", "readings[1].value"),
        ('{"ts":1,"value":1e999,"seq":0}', "non_finite", "readings[1].value"),
        ('{"ts":1,"value":1.0,"seq":-1}', "bad_type", "readings[1].seq"),
        ('{"ts":1,"value":1.0}', "bad_type", "readings[1].seq"),
        ('{"ts":1,"value":1.0,"seq":0,"household":""}', "bad_type", "readings[1].household"),
        ("7", "bad_type", "readings[1]"),
    ],
)
def test_errors_in_a_batch_name_the_reading_and_field(item, reason, where):
    text = f'{{"v":1,"unit":"kg","readings":[{{"ts":1,"value":1.0,"seq":0}},{item}]}}'
    with pytest.raises(PayloadError) as info:
        _decode(text)
    assert info.value.reason == reason
    assert str(info.value).startswith(f"{where}:")


def test_errors_in_a_single_reading_name_the_field_alone():
    with pytest.raises(PayloadError, match=r"^value: ") as info:
        _decode('{"v":1,"unit":"kg","ts":1,"value":"x","seq":0}')
    assert info.value.reason == "bad_type"


def test_cached_tag_sets_give_the_same_lines_and_never_hide_a_bad_one(monkeypatch):
    monkeypatch.setattr(lp, "TAG_CACHE", {})
    monkeypatch.setattr(lp, "TAG_CACHE_MAX", 2)
    good = Reading("minh-khai", "line-1", "intake", 1, 84.5, "kg", 3, "mk h03")
    first = line_protocol([good], measurement="readings")
    again = line_protocol([good, good], measurement="readings")
    assert first == again[:1] == again[1:]
    assert first[0].startswith("readings,household=mk\\ h03,line=line-1,")
    # More tag sets than the bound: the cache is emptied, the lines stay right.
    others = [Reading("minh-khai", "line-1", f"s{i}", 1, 1.0, "kg", 0, None) for i in range(5)]
    lines = line_protocol(others, measurement="readings")
    assert [line.split(",")[2] for line in lines] == [f"sensor=s{i}" for i in range(5)]
    assert len(lp.TAG_CACHE) <= 2
    # A tag set that cannot be stored raises every time, also after a good one.
    for bad in (
        Reading("minh-khai", "line-1", "intake", 1, 84.5, "kg", 3, "mk\\h03"),
        Reading("minh-khai", "line-1", "intake", 1, 84.5, "kg", 3, ["mk-h03"]),  # type: ignore[arg-type]
    ):
        for _ in range(2):
            with pytest.raises(StoreError, match="household"):
                line_protocol([good, bad], measurement="readings")


def test_catalogue_messages_name_the_sensor():
    spec = SensorSpec("minh-khai", "line-1", "intake", "intake", "kg", 0.0, 2000.0, 3600.0)
    catalog = Catalog([spec])
    cases = [
        (Reading("minh-khai", "line-1", "other", 0, 1.0, "kg", 0), "unknown_sensor"),
        (Reading("minh-khai", "line-1", "intake", 0, 1.0, "g", 0), "wrong_unit"),
        (Reading("minh-khai", "line-1", "intake", 0, -1.0, "kg", 0), "out_of_range"),
        (Reading("minh-khai", "line-1", "intake", 10**15, 1.0, "kg", 0), "future_timestamp"),
    ]
    for reading, reason in cases:
        with pytest.raises(ValidationError) as info:
            catalog.check(reading, now_us=0)
        assert info.value.reason == reason
        assert str(info.value).startswith(f"minh-khai/line-1/{reading.sensor}: ")
