"""Fuzzing: random and malformed input never crashes, and is refused with a clear error.

Property tests run on a fixed budget (``max_examples``, derandomised, no deadline), so CI
runs the same examples every time. The survey CSV reader is fuzzed in
``tests/models/test_survey_import.py``.

The broker-level run publishes 10 000 malformed messages among valid ones through a real
Mosquitto into a collector: every valid reading is stored, every bad message is
quarantined with the expected reason, and the quarantine stays within ``max_rows``.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

import paho.mqtt.client as mqtt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.collector import Collector
from monitoring.quarantine import Quarantine
from monitoring.stores.sqlite import SQLiteStore
from pilot.config import ConfigError, default_config_path, parse_config
from sensors.catalog import Catalog, SensorSpec
from sensors.errors import PayloadError, SensorsError, TopicError
from sensors.schema import MAX_TS_MS, Reading, decode_payload, encode_payload
from sensors.topics import build_topic, parse_topic

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
SITE, LINE, SENSOR = "minh-khai", "line-1", "zone1_temp"
EXAMPLE = default_config_path().read_text(encoding="utf-8")
T = TypeVar("T")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
# Objects that look like readings, with each field sometimes wrong.
reading_like = st.fixed_dictionaries(
    {},
    optional={
        "v": st.sampled_from([1, 2, 0, "1", True, None]),
        "unit": st.sampled_from(["degC", "", "x" * 40]) | st.integers(),
        "site": st.sampled_from([SITE, "phan-boi"]),
        "line": st.sampled_from([LINE, "line-2"]),
        "sensor": st.sampled_from([SENSOR, "other"]),
        "ts": st.integers(min_value=-(2**60), max_value=2**60)
        | st.sampled_from(["2020-10-05T02:00:00Z", "2020-10-05T02:00:00", "noon", ""]),
        "value": st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=5),
        "seq": st.integers(min_value=-5, max_value=2**60) | st.booleans(),
        "household": st.text(max_size=70) | st.integers(),
        "readings": st.lists(json_values, max_size=4),
    },
)


CATALOG = Catalog([SensorSpec(SITE, LINE, SENSOR, "barrel_temp", "degC", 0.0, 500.0, 1.0, zone=1)])
NOW_US = 1_601_863_200_000_000


def _outcome(action: Callable[[], T], errors: type[Exception]) -> tuple[T | None, Exception | None]:
    """The result of ``action``, or the ``errors`` exception it raised; others propagate."""
    try:
        return action(), None
    except errors as exc:
        return None, exc


def _check_decoding(payload: bytes) -> None:
    readings, error = _outcome(
        lambda: decode_payload(payload, site=SITE, line=LINE, sensor=SENSOR, max_bytes=4096),
        PayloadError,
    )
    if error is not None:
        # A short reason for the quarantine and a message naming what is wrong.
        assert isinstance(error, SensorsError)
        assert error.reason.isidentifier()
        assert error.reason != PayloadError.reason
        assert str(error)
        return
    assert readings
    for reading in readings:
        assert reading.sensor == SENSOR
        # What the collector does next must not crash either: catalogue check, and the
        # re-encoding of a single refused reading for the quarantine.
        _, refused = _outcome(lambda r=reading: CATALOG.check(r, now_us=NOW_US), SensorsError)
        assert refused is None or str(refused)
        assert encode_payload([reading])


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes_decode_or_raise_payload_error(payload):
    _check_decoding(payload)


@pytest.mark.slow
@FUZZ
@given(json_values | reading_like)
def test_random_json_decodes_or_raises_payload_error(doc):
    _check_decoding(json.dumps(doc, allow_nan=True).encode())


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=MAX_TS_MS),
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(min_value=0, max_value=2**53 - 1),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_encoded_readings_decode_to_themselves(rows):
    readings = [Reading(SITE, LINE, SENSOR, ts * 1000, v, "degC", s) for ts, v, s in rows]
    assert decode_payload(encode_payload(readings), site=SITE, line=LINE, sensor=SENSOR) == (
        readings
    )


@FUZZ
@given(st.text(max_size=120))
def test_random_topics_parse_or_raise_topic_error(topic):
    parts, error = _outcome(lambda: parse_topic(topic, prefix="upops"), TopicError)
    if error is not None:
        assert isinstance(error, TopicError)
        assert error.reason == "bad_topic"
        assert repr(topic) in str(error) or "prefix" in str(error)
    else:
        assert parts is not None
        assert build_topic("upops", *parts) == topic


id_text = st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,20}\Z")


@pytest.mark.slow
@FUZZ
@given(id_text, id_text, id_text)
def test_built_topics_parse_back(site, line, sensor):
    assert tuple(parse_topic(build_topic("a/b", site, line, sensor), prefix="a/b")) == (
        site,
        line,
        sensor,
    )


toml_values = st.sampled_from(
    [
        '""',
        "-1",
        "0",
        "1e400",
        "nan",
        "true",
        "[]",
        "[1, 2]",
        '"x"',
        "{}",
        "2019-06-03",
        '"\\u0000"',
    ]
) | st.text(max_size=12)


@pytest.mark.slow
@FUZZ
@given(st.data())
def test_mutated_configurations_load_or_report_problems(data):
    lines = EXAMPLE.splitlines()
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        index = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "value", "insert"]))
        if action == "drop":
            del lines[index]
        elif action == "value" and "=" in lines[index]:
            key = lines[index].split("=", 1)[0]
            lines[index] = f"{key}= {data.draw(toml_values)}"
        else:
            lines.insert(index, data.draw(st.text(max_size=30)))
    _check_config("\n".join(lines))


def _check_config(text: str) -> None:
    config, error = _outcome(
        lambda: parse_config(text, base_dir=default_config_path().parent, environ={}),
        ConfigError,
    )
    if error is not None:
        assert isinstance(error, ConfigError)
        assert error.problems
        # Each problem says what is wrong; key paths name where (empty: the whole file).
        assert all(problem.message for problem in error.problems)
    else:
        assert config is not None
        assert config.sites


@FUZZ
@given(st.text(max_size=300))
def test_random_text_loads_or_reports_problems(text):
    _check_config(text)


# -- broker-level: 10 000 malformed messages among valid ones -------------------------

T0_US = 1_601_863_200_000_000  # 2020-10-05T02:00:00Z
BAD_MESSAGES = 10_000
QUARANTINE_ROWS = 1_000


def _catalog() -> Catalog:
    return Catalog(
        [
            SensorSpec(SITE, LINE, "zone1_temp", "barrel_temp", "degC", 0.0, 500.0, 1.0, zone=1),
            SensorSpec(SITE, LINE, "throughput", "throughput", "kg/h", 0.0, 500.0, 1.0),
        ]
    )


def _bad_message(rng: random.Random, prefix: str, n: int) -> tuple[str, bytes, str]:
    """A malformed message, and the quarantine reason it must get."""
    topic = build_topic(prefix, SITE, LINE, "zone1_temp")
    ts = 1_601_863_200_000 + n
    kind = rng.randrange(8)
    if kind == 0:  # random bytes, never UTF-8 (0xff cannot occur in UTF-8)
        return topic, b"\xff" + rng.randbytes(rng.randrange(1, 200)), "bad_json"
    if kind == 1:
        return topic, json.dumps({"v": 1, "unit": "degC", "ts": ts, "seq": n}).encode(), "bad_type"
    if kind == 2:
        body = {"v": 1, "unit": "degC", "ts": ts, "value": rng.choice(["NaN", "Infinity"])}
        text = json.dumps(body).replace(f'"{body["value"]}"', body["value"])[:-1] + f',"seq":{n}}}'
        return topic, text.encode(), "non_finite"
    if kind == 3:
        doc = {"v": rng.choice([0, 2, 99]), "unit": "degC", "ts": ts, "value": 1.0, "seq": n}
        return topic, json.dumps(doc).encode(), "bad_version"
    if kind == 4:
        doc = {"v": 1, "unit": "degC", "ts": ts, "value": 9999.0, "seq": n}
        return topic, json.dumps(doc).encode(), "out_of_range"
    if kind == 5:
        doc = {"v": 1, "unit": "degC", "ts": ts, "value": 1.0, "seq": n}
        return build_topic(prefix, SITE, LINE, "nosuch"), json.dumps(doc).encode(), "unknown_sensor"
    if kind == 6:
        doc = {"v": 1, "unit": "degC", "ts": ts, "value": 1.0, "seq": n}
        return f"{prefix}/Minh/{LINE}/x", json.dumps(doc).encode(), "bad_topic"
    doc = {"v": 1, "site": "phan-boi", "unit": "degC", "ts": ts, "value": 1.0, "seq": n}
    return topic, json.dumps(doc).encode(), "identity_mismatch"


@pytest.mark.mosquitto
@pytest.mark.slow
def test_ten_thousand_malformed_messages_among_valid_ones(mosquitto_broker, tmp_path):
    prefix = f"fuzz{uuid.uuid4().hex[:8]}"
    quarantine = Quarantine(tmp_path / "quarantine.sqlite", max_rows=QUARANTINE_ROWS)
    collector = Collector(
        broker=mosquitto_broker.settings(f"c-{prefix}"),
        prefix=prefix,
        catalog=_catalog(),
        store=SQLiteStore(tmp_path / "readings.sqlite"),
        quarantine=quarantine,
        stats_interval_s=0,
    )
    collector.start()
    rng = random.Random(20201005)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"p-{prefix}")
    client.connect(mosquitto_broker.host, mosquitto_broker.port)
    client.loop_start()
    expected_reasons: Counter[str] = Counter()
    valid: list[Reading] = []
    infos = []
    messages = 0
    for n in range(BAD_MESSAGES):
        topic, payload, reason = _bad_message(rng, prefix, n)
        expected_reasons[reason] += 1
        infos.append(client.publish(topic, payload, qos=1))
        messages += 1
        if n % 5 == 0:  # a valid batch after every fifth bad message
            batch = [
                Reading(SITE, LINE, "throughput", T0_US + (len(valid) + i) * 1000, 80.5, "kg/h", i)
                for i in range(3)
            ]
            valid += batch
            infos.append(
                client.publish(
                    build_topic(prefix, SITE, LINE, "throughput"), encode_payload(batch), qos=1
                )
            )
            messages += 1
        if len(infos) >= 500:
            for info in infos:
                info.wait_for_publish(60)
            infos.clear()
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()
    try:
        assert collector.wait_until(lambda s: s.acked >= messages, 180), collector.format_stats()
    finally:
        collector.stop()
    stats = collector.stats()
    assert stats.readings_stored == len(valid)
    assert collector.store.count() == len(valid)
    assert stats.quarantine_reasons == dict(expected_reasons)
    assert stats.quarantined == BAD_MESSAGES
    # Bounded: the newest max_rows entries are kept, the rest evicted and counted.
    assert quarantine.count() == QUARANTINE_ROWS
    assert quarantine.evicted == BAD_MESSAGES - QUARANTINE_ROWS
    assert all(item.reason in expected_reasons and item.detail for item in quarantine.recent(50))
    print(
        f"\nfuzz: {BAD_MESSAGES} malformed and {len(valid) // 3} valid messages; "
        f"{len(valid)} readings stored, reasons {dict(sorted(expected_reasons.items()))}, "
        f"quarantine kept {quarantine.count()} (max_rows), evicted {quarantine.evicted}"
    )
