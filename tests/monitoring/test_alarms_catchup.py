"""Catch-up without false alarms (issue 16, item 1).

The same readings give the same alarms live and in a backlog: a seeded hypothesis
property on the engine (any interleaving that keeps each sensor's order), and a
60,000-reading backlog of 16 sensors drained by a real collector from the real
Mosquitto, compared with the same readings fed live.
"""

from __future__ import annotations

import random
import subprocess
import uuid

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from monitoring.alarms import AlarmEngine, AlarmEvent, AlarmLog, AlarmRules
from monitoring.stores.sqlite import SQLiteStore
from pilot.config import load_config
from pilot.wiring import (
    alarm_rules,
    line_infos,
    line_state_tracker,
    make_alarm_service,
    make_collector,
)
from sensors.lines import Line
from sensors.schema import Reading, encode_payload
from sensors.topics import build_topic
from tests.configs import example_config
from tests.servers import require_binary, wait_until

T0_US = 1_601_863_200_000_000  # 2020-10-05T02:00:00Z
S = 1_000_000


def _value(kind: str, sensor: str, t: int, rng: random.Random) -> float | None:
    """The scenario: a running line with an overheat, a throughput drop, a stuck melt
    sensor and a mould sensor that stops for a while (None: no reading)."""
    noise = rng.uniform(-0.4, 0.4)
    if kind == "barrel_temp":
        if sensor == "zone4_temp" and 200 <= t < 400:
            return 312.0 + noise  # overshoot into the degradation range
        return 195.0 + noise
    if kind == "melt_temp":
        return 205.0 if 800 <= t < 1000 else 205.0 + noise  # stuck 200 s
    if kind == "throughput":
        return 10.0 + noise if 500 <= t < 700 else 58.0 + noise
    if kind == "mould_temp":
        return None if 1100 <= t < 1300 else 40.0 + noise
    if kind == "energy":
        return None if t % 10 else 1000.0 + t * 0.01
    return None


def _streams(lines: list[Line], seconds: int, seed: int) -> dict[str, list[Reading]]:
    """Each sensor's readings in its own order, keyed by site/line/sensor."""
    rng = random.Random(seed)
    streams: dict[str, list[Reading]] = {}
    for info in lines:
        for spec in info.sensors:
            if spec.event:
                continue
            out = streams.setdefault(f"{spec.site}/{spec.line}/{spec.sensor}", [])
            for t in range(seconds):
                value = _value(spec.kind, spec.sensor, t, rng)
                if value is not None:
                    out.append(
                        Reading(
                            spec.site, spec.line, spec.sensor, T0_US + t * S, value, spec.unit, t
                        )
                    )
    return {k: v for k, v in streams.items() if v}


def _interleave(streams: dict[str, list[Reading]], rng: random.Random) -> list[Reading]:
    """A random merge of the streams that keeps each stream's order."""
    cursors = {key: 0 for key in streams}
    out: list[Reading] = []
    keys = sorted(streams)
    while keys:
        key = rng.choice(keys)
        out.append(streams[key][cursors[key]])
        cursors[key] += 1
        if cursors[key] == len(streams[key]):
            keys.remove(key)
    return out


def _live(engine: AlarmEngine, readings: list[Reading], wall: list[float]) -> list[AlarmEvent]:
    """Feed ``readings`` as they would arrive live: one device second per wall second."""
    by_second: dict[int, list[Reading]] = {}
    for r in readings:
        by_second.setdefault((r.ts_us - T0_US) // S, []).append(r)
    events: list[AlarmEvent] = []
    for second in sorted(by_second):
        wall[0] = 10_000.0 + second
        events += engine.feed(by_second[second])
        for info in engine.lines():
            now = engine.line_clock_us(info.site, info.line)
            if now is not None:
                events += engine.check_silence(now, site=info.site, line=info.line)
    return events + engine.flush()


def _key(e: AlarmEvent) -> tuple[object, ...]:
    return (e.site, e.line, e.sensor, e.rule, e.event, e.ts_us, round(e.value, 6))


@pytest.fixture(scope="module")
def pilot_lines(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("catchup")
    return load_config(
        example_config(folder, broker_url="mqtt://127.0.0.1:1", prefix="p", client_id="c")
    )


@pytest.fixture(scope="module")
def scenario(pilot_lines):  # type: ignore[no-untyped-def]
    """The streams of a 1,400 s scenario and the alarms they raise fed live."""
    streams = _streams(line_infos(pilot_lines), 1400, seed=7)
    live_readings = sorted(
        (r for stream in streams.values() for r in stream), key=lambda r: (r.ts_us, r.sensor)
    )
    wall = [0.0]
    live = _live(_engine(pilot_lines, wall, min_duration_s=10.0), live_readings, wall)
    return streams, live


def _engine(config, wall: list[float], **rules: float) -> AlarmEngine:  # type: ignore[no-untyped-def]
    base = alarm_rules(config)
    fields = {f: getattr(base, f) for f in base.__slots__}
    return AlarmEngine(
        line_infos(config),
        AlarmRules(**{**fields, **rules}),
        state_tracker=line_state_tracker(config),
        wall_clock=lambda: wall[0],
    )


@pytest.mark.slow
@settings(
    derandomize=True,
    max_examples=12,
    phases=[Phase.explicit, Phase.generate],  # a failing example is printed, not shrunk
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1), batch=st.integers(1, 400))
def test_same_alarms_live_and_in_any_interleaving(pilot_lines, scenario, seed, batch):
    streams, live = scenario
    assert {e.rule for e in live} >= {"overheat", "throughput_low", "stuck", "silent"}

    # The same readings as a backlog: interleaved at random, delivered at once.
    shuffled = _interleave(streams, random.Random(seed))
    wall = [0.0]
    engine = _engine(pilot_lines, wall, min_duration_s=10.0)
    drained: list[AlarmEvent] = []
    for i in range(0, len(shuffled), batch):
        drained += engine.feed(shuffled[i : i + batch])
        for info in engine.lines():
            now = engine.line_clock_us(info.site, info.line)
            if now is not None:
                drained += engine.check_silence(now, site=info.site, line=info.line)
    drained += engine.flush()
    # A backlog delivers every stream: nothing is silent; every other rule agrees exactly.
    assert [e for e in drained if e.rule == "silent"] == []
    assert sorted(map(_key, drained)) == sorted(_key(e) for e in live if e.rule != "silent")


@pytest.mark.slow
@pytest.mark.mosquitto
def test_backlog_drained_from_mosquitto_raises_no_alarm_live_would_not(mosquitto_broker, tmp_path):
    prefix = f"cu{uuid.uuid4().hex[:8]}"
    config = load_config(
        example_config(
            tmp_path, broker_url=mosquitto_broker.url, prefix=prefix, client_id=f"c-{prefix}"
        )
    )
    infos = line_infos(config)
    streams = _streams(infos, 4300, seed=11)
    backlog = _interleave(streams, random.Random(16))[:60_000]
    assert len(backlog) == 60_000
    assert len(streams) == 16

    # Live reference: the same readings, one device second per wall second.
    wall = [0.0]
    live = _live(_engine(config, wall), sorted(backlog, key=lambda r: (r.ts_us, r.sensor)), wall)
    assert {e.rule for e in live} >= {"overheat", "throughput_low", "stuck"}

    def collector(service=None):  # type: ignore[no-untyped-def]
        return make_collector(
            config,
            store=SQLiteStore(tmp_path / "readings.sqlite"),
            quarantine_path=tmp_path / "quarantine.sqlite",
            spool_path=tmp_path / "spool.sqlite",
            on_stored=None if service is None else service.on_stored,
        )

    # The collector's persistent session exists, then it goes away.
    away = collector()
    away.start()
    away.stop()
    # While it is away, 16 devices publish their single-reading messages at once (one
    # `mosquitto_pub` each, in its sensor's order): the broker queues them interleaved.
    pub = require_binary("mosquitto_pub")
    procs = []
    for key in sorted(streams):
        mine = [r for r in backlog if f"{r.site}/{r.line}/{r.sensor}" == key]
        lines = tmp_path / f"{key.replace('/', '_')}.jsonl"
        lines.write_bytes(b"\n".join(encode_payload([r]) for r in mine) + b"\n")
        topic = build_topic(prefix, mine[0].site, mine[0].line, mine[0].sensor)
        args = [pub, "-h", mosquitto_broker.host, "-p", str(mosquitto_broker.port)]
        args += ["-q", "1", "-t", topic, "-l", "-i", f"d{len(procs)}-{prefix}"]
        with lines.open("rb") as stdin:
            procs.append(subprocess.Popen(args, stdin=stdin))
    for proc in procs:
        assert proc.wait(60) == 0

    service = make_alarm_service(config, alarm_path=tmp_path / "alarms.sqlite")
    store = SQLiteStore(tmp_path / "readings.sqlite")
    back = collector(service)
    service.start()
    back.start()
    try:
        wait_until(lambda: store.count() >= 60_000, 60, "the backlog to be stored")
    finally:
        back.stop()
        service.stop()
        store.close()
    log = AlarmLog(tmp_path / "alarms.sqlite")
    drained = log.events()
    log.close()
    assert [e for e in drained if e.rule == "silent"] == []
    assert sorted(map(_key, drained)) == sorted(_key(e) for e in live if e.rule != "silent")
