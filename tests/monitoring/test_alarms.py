"""Alarm rules with simulated faults: unit checks of the engine, then the whole path
readings → real Mosquitto → collector (``on_stored``) → engine → alarm log and the
retained ``<prefix>/<site>/<line>/alarms`` state seen by a subscriber."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import replace

import paho.mqtt.client as mqtt
import pytest

from models.states import StateThresholds, StateTracker
from monitoring.alarms import AlarmEngine, AlarmLog, AlarmRules
from monitoring.live import LiveView
from monitoring.stores.sqlite import SQLiteStore
from pilot.config import ConfigError, load_config, parse_config
from pilot.wiring import line_infos, make_alarm_service, make_collector
from sensors.catalog import SensorSpec
from sensors.lines import Line
from sensors.schema import Reading, encode_payload
from sensors.topics import alarm_topic, build_topic
from tests.configs import example_config

T0_US = 1_601_863_200_000_000  # 2020-10-05T02:00:00Z, 09:00 local
S = 1_000_000
SITE, LINE = "minh-khai", "line-1"


def _spec(sensor: str, kind: str, **kw) -> SensorSpec:  # type: ignore[no-untyped-def]
    unit = {"throughput": "kg/h"}.get(kind, "degC")
    return SensorSpec(SITE, LINE, sensor, kind, unit, 0.0, 1000.0, 1.0, **kw)


LINE_INFO = Line(
    SITE,
    LINE,
    "test line",
    (180.0, 230.0),
    300.0,
    60.0,
    40.0,
    (
        _spec("zone4_temp", "barrel_temp", zone=4, setpoint=200.0),
        _spec("melt_temp", "melt_temp"),
        _spec("throughput", "throughput"),
        _spec("furnace_temp", "furnace_temp"),
    ),
)


def _engine(rules: AlarmRules, **kwargs) -> AlarmEngine:  # type: ignore[no-untyped-def]
    """An engine on LINE_INFO that decides "running" with the default line-state thresholds."""
    thresholds = StateThresholds()
    return AlarmEngine(
        [LINE_INFO],
        rules,
        state_tracker=lambda line: StateTracker(line.process_window_c, thresholds),
        **kwargs,
    )


def _r(sensor: str, t_s: float, value: float) -> Reading:
    unit = "kg/h" if sensor == "throughput" else "degC"
    return Reading(SITE, LINE, sensor, T0_US + int(t_s * S), value, unit, int(t_s))


def _events(engine: AlarmEngine, readings: list[Reading]) -> list[tuple[str, str, str]]:
    """Events of ``readings``, judged at once (flush: no other sensor is held for)."""
    return [(e.event, e.rule, e.sensor) for e in engine.feed(readings) + engine.flush()]


def test_flapping_around_the_threshold_raises_once_and_clears_once():
    engine = _engine(AlarmRules(min_duration_s=10, hysteresis_c=5))
    # 60 s alternating 299/301 °C: never 10 s above the threshold in a row.
    flap = [_r("melt_temp", t, 301.0 if t % 2 else 299.0) for t in range(60)]
    assert _events(engine, flap) == []
    # Then 30 s at 302 → one alarm; back to 297-299 (inside the hysteresis) → still on.
    hot = [_r("melt_temp", 60 + t, 302.0) for t in range(30)]
    assert _events(engine, hot) == [("raised", "overheat", "melt_temp")]
    hover = [_r("melt_temp", 90 + t, 297.0 + (t % 3)) for t in range(60)]
    assert _events(engine, hover) == []
    cool = [_r("melt_temp", 150 + t, 290.0) for t in range(20)]
    assert _events(engine, cool) == [("cleared", "overheat", "melt_temp")]
    assert engine.active() == []


def test_underheat_and_throughput_drop_only_while_running():
    engine = _engine(AlarmRules(min_duration_s=5))
    stopped = [_r("throughput", t, 0.0) for t in range(20)] + [
        _r("zone4_temp", t, 150.0) for t in range(20)
    ]
    assert _events(engine, stopped) == []  # cold and stopped: a state, not an alarm
    running_slow = [_r("throughput", 20 + t, 20.0) for t in range(20)] + [
        _r("zone4_temp", 20 + t, 150.0) for t in range(20)
    ]
    got = _events(engine, running_slow)
    assert sorted(got) == [
        ("raised", "throughput_low", "throughput"),
        ("raised", "underheat", "zone4_temp"),
    ]


@pytest.mark.parametrize(("running_min_kg_h", "running"), [(4.0, False), (1.0, True)])
def test_live_view_and_alarms_agree_on_the_running_threshold(running_min_kg_h, running):
    # One set of thresholds for both: 3 kg/h is below a 4 kg/h threshold, above 1 kg/h.
    thresholds = StateThresholds(running_min_kg_h=running_min_kg_h)

    def tracker(line: Line) -> StateTracker:
        return StateTracker(line.process_window_c, thresholds)

    view = LiveView([LINE_INFO], state_tracker=tracker)
    engine = AlarmEngine([LINE_INFO], AlarmRules(min_duration_s=10), state_tracker=tracker)
    hot_and_slow = [
        reading
        for t in range(30)
        for reading in (_r("zone4_temp", t, 200.0), _r("throughput", t, 3.0))
    ]
    view.add(hot_and_slow, received_s=0.0)
    rules = {event.rule for event in engine.feed(hot_and_slow) + engine.flush()}
    assert view.state(SITE, LINE) == ("running" if running else "idle")
    # 3 kg/h is far below half the nominal 60 kg/h: an alarm only while the line runs.
    assert ("throughput_low" in rules) is running


def test_stuck_in_device_time_and_silence_only_once_the_stream_stops():
    wall = [1000.0]
    engine = _engine(
        AlarmRules(stuck_intervals=30, silent_intervals=10), wall_clock=lambda: wall[0]
    )
    frozen = [_r("melt_temp", t, 205.3) for t in range(40)]
    assert _events(engine, frozen) == [("raised", "stuck", "melt_temp")]
    assert _events(engine, [_r("melt_temp", 40, 205.9)]) == [("cleared", "stuck", "melt_temp")]
    # The line's clock is 20 s ahead, but the sensor's stream was delivered just now
    # (a backlog being drained): not silent.
    assert engine.check_silence(T0_US + 60 * S) == []
    wall[0] += 5.0
    assert engine.check_silence(T0_US + 60 * S) == []  # stream quiet 5 s < 10 s limit
    wall[0] += 6.0
    assert engine.check_silence(T0_US + 45 * S) == []  # stopped, but device gap 5 s only
    silent = engine.check_silence(T0_US + 60 * S)
    assert [(e.rule, e.sensor) for e in silent] == [("silent", "melt_temp")]
    assert silent[0].value == pytest.approx(20.0)
    assert engine.check_silence(T0_US + 70 * S) == []  # raised once, not every check
    assert _events(engine, [_r("melt_temp", 71, 206.0)]) == [("cleared", "silent", "melt_temp")]


def test_furnace_dwelling_in_the_dioxin_window():
    rules = AlarmRules(min_duration_s=10, dioxin_dwell_s=120, dioxin_window_c=(200.0, 450.0))
    engine = _engine(rules)
    # A quick pass through the window while firing up is no alarm...
    ramp = [_r("furnace_temp", t, 100.0 + 10 * t) for t in range(60)]
    assert _events(engine, ramp) == []
    # ...smouldering at 320 °C for two minutes is.
    smoulder = [_r("furnace_temp", 60 + t, 320.0 + (t % 5)) for t in range(150)]
    assert _events(engine, smoulder) == [("raised", "dioxin_window", "furnace_temp")]
    quench = [_r("furnace_temp", 210 + t, 150.0) for t in range(15)]
    assert _events(engine, quench) == [("cleared", "dioxin_window", "furnace_temp")]


def test_restart_continues_from_the_log(tmp_path):
    log = AlarmLog(tmp_path / "alarms.sqlite")
    engine = _engine(AlarmRules(min_duration_s=0))
    log.add_many(engine.feed([_r("melt_temp", 0, 320.0)]) + engine.flush())
    restarted = _engine(AlarmRules(min_duration_s=0), active=log.active())
    assert _events(restarted, [_r("melt_temp", 1, 321.0)]) == []  # not raised twice
    assert _events(restarted, [_r("melt_temp", 2, 250.0)]) == [("cleared", "overheat", "melt_temp")]
    log.close()


def test_config_alarms_section_and_reserved_sensor_id(tmp_path):
    path = example_config(tmp_path, broker_url="mqtt://127.0.0.1:1", prefix="p", client_id="c")
    text = path.read_text(encoding="utf-8")
    good = text + '\n[alarms]\npath = "a/alarms.sqlite"\nmin_duration_s = 5.0\n'
    config = parse_config(good, base_dir=tmp_path)
    assert config.alarms.path == tmp_path / "a" / "alarms.sqlite"
    assert config.alarms.min_duration_s == 5.0
    bad = (
        text.replace('{ id = "melt_temp"', '{ id = "alarms"', 1)
        + "\n[alarms]\nmin_duraton_s = 5\ndioxin_window_c = [450.0, 200.0]\n"
    )
    with pytest.raises(ConfigError) as err:
        parse_config(bad, base_dir=tmp_path)
    keys = {problem.key for problem in err.value.problems}
    assert "sites[0].lines[0].sensors[4].id" in keys
    assert "alarms.min_duraton_s" in keys
    assert "alarms.dioxin_window_c" in keys


# -- through Mosquitto ---------------------------------------------------------------


class _StateWatcher:
    """Subscriber that keeps the latest alarm state per topic (clean session)."""

    def __init__(self, broker, topic: str, client_id: str) -> None:  # type: ignore[no-untyped-def]
        self.states: list[dict] = []
        self.retained: list[bool] = []
        self._changed = threading.Condition()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.subscribe(topic, qos=1)
        self.client.loop_start()

    def _on_message(self, client, userdata, message) -> None:  # type: ignore[no-untyped-def]
        with self._changed:
            self.states.append(json.loads(message.payload))
            self.retained.append(bool(message.retain))
            self._changed.notify_all()

    def wait_for(self, predicate, timeout_s: float = 20.0) -> dict:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                for state in self.states:
                    if predicate(state):
                        return state
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no alarm state matched; got {self.states[-3:]}")
                self._changed.wait(remaining)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _active(state: dict) -> set[tuple[str, str]]:
    return {(a["rule"], a["sensor"]) for a in state["active"]}


@pytest.mark.slow  # waits out the 4 s silence limit in wall time
@pytest.mark.mosquitto
def test_faults_through_mosquitto_raise_retained_alarm_states(mosquitto_broker, tmp_path):
    prefix = f"al{uuid.uuid4().hex[:8]}"
    config = load_config(
        example_config(
            tmp_path, broker_url=mosquitto_broker.url, prefix=prefix, client_id=f"c-{prefix}"
        )
    )
    config = replace(
        config,
        alarms=replace(config.alarms, min_duration_s=5.0, stuck_intervals=60, silent_intervals=4.0),
    )
    service = make_alarm_service(config, alarm_path=tmp_path / "alarms.sqlite", tick_s=0.2)
    collector = make_collector(
        config,
        store=SQLiteStore(tmp_path / "readings.sqlite"),
        quarantine_path=tmp_path / "quarantine.sqlite",
        spool_path=tmp_path / "spool.sqlite",
        on_stored=service.on_stored,
    )
    topic = alarm_topic(prefix, SITE, LINE)
    watcher = _StateWatcher(mosquitto_broker, topic, f"w-{prefix}")
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"p-{prefix}")
    pub.connect(mosquitto_broker.host, mosquitto_broker.port)
    pub.loop_start()
    try:
        service.start()
        collector.start()
        # Start-up publishes the (empty) state of every line.
        watcher.wait_for(lambda s: s["active"] == [] and s["last_event"] is None)

        def send(sensor: str, unit: str, values: list[tuple[float, float]]) -> None:
            readings = [
                Reading(SITE, LINE, sensor, T0_US + int(t * S), v, unit, int(t)) for t, v in values
            ]
            for i in range(0, len(readings), 20):
                pub.publish(
                    build_topic(prefix, SITE, LINE, sensor),
                    encode_payload(readings[i : i + 20]),
                    qos=1,
                ).wait_for_publish(10)

        # Minute 0-2: running line; zone 4 overheats, the melt sensor is stuck,
        # zone 3 flaps around the degradation threshold, mould_temp stops at 20 s.
        span = range(0, 120)
        send("throughput", "kg/h", [(t, 58.0 + (t % 3) * 0.1) for t in span])
        send("zone4_temp", "degC", [(t, 200.0 if t < 30 else 312.0) for t in span])
        send("zone3_temp", "degC", [(t, 301.0 if t % 2 else 299.0) for t in span])
        send("melt_temp", "degC", [(t, 205.5) for t in span])
        send("mould_temp", "degC", [(t, 40.0 + (t % 4) * 0.1) for t in range(0, 20)])

        state = watcher.wait_for(
            lambda s: (
                {("overheat", "zone4_temp"), ("stuck", "melt_temp"), ("silent", "mould_temp")}
                <= _active(s)
            )
        )
        assert ("overheat", "zone3_temp") not in _active(state), "flapping raised an alarm"
        overheat = next(a for a in state["active"] if a["rule"] == "overheat")
        assert overheat["value"] == 312.0
        assert overheat["threshold"] == 300.0
        assert overheat["time"] == "2020-10-05T02:00:35.000000Z"  # 30 s + 5 s min duration

        # Zone 4 cools down: the alarm clears, the others stay.
        send("zone4_temp", "degC", [(t, 200.0) for t in range(120, 140)])
        send("throughput", "kg/h", [(t, 58.0) for t in range(120, 140)])
        cleared = watcher.wait_for(
            lambda s: (
                ("overheat", "zone4_temp") not in _active(s)
                and (s["last_event"] or {}).get("event") == "cleared"
            )
        )
        assert cleared["last_event"]["rule"] == "overheat"

        # A viewer connecting now gets the current state at once, as a retained message.
        late = _StateWatcher(mosquitto_broker, topic, f"late-{prefix}")
        try:
            now = late.wait_for(lambda s: True)
            assert late.retained[0] is True
            assert ("stuck", "melt_temp") in _active(now)
            assert ("overheat", "zone4_temp") not in _active(now)
        finally:
            late.close()
    finally:
        pub.loop_stop()
        collector.stop()
        service.stop()
        watcher.close()
    # The alarm topic matches the collector's subscription but is not bad input.
    assert collector.quarantine.reasons() == {}
    log = AlarmLog(tmp_path / "alarms.sqlite")
    logged = [(e.event, e.rule, e.sensor) for e in log.events()]
    log.close()
    assert ("raised", "overheat", "zone4_temp") in logged
    assert ("cleared", "overheat", "zone4_temp") in logged
    assert not any(rule == "overheat" and sensor == "zone3_temp" for _, rule, sensor in logged)
    assert [info.key for info in line_infos(config)] == [(SITE, LINE), ("phan-boi", LINE)]


def test_each_rule_takes_its_own_minimum_duration_and_hysteresis():
    rules = AlarmRules(
        min_duration_s=30,
        hysteresis_c=5,
        rule_min_duration_s={"overheat": 2.0},
        rule_hysteresis={"overheat": 1.0},
    )
    engine = _engine(rules)
    # Raised after 2 s (not 30 s); cleared 1 °C below the threshold (not 5 °C).
    hot = [_r("melt_temp", t, 305.0) for t in range(3)]
    assert _events(engine, hot) == [("raised", "overheat", "melt_temp")]
    cooler = [_r("melt_temp", 3 + t, 298.5) for t in range(3)]
    assert _events(engine, cooler) == [("cleared", "overheat", "melt_temp")]
