"""Publisher against a real Mosquitto: every reading arrives once, batched and paced."""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import pytest

from sensors.batching import MAX_BATCH_AGE_S, Batches
from sensors.errors import PublishError
from sensors.mqtt import BrokerSettings
from sensors.publisher import PublishStats, publish
from sensors.schema import Reading, decode_payload
from sensors.simulator import example_line, simulate_line
from sensors.topics import parse_topic, subscription
from tests.servers import free_port

pytestmark = pytest.mark.mosquitto

# Monday 2019-06-03 10:00 in Hưng Yên: the line is running.
START = datetime(2019, 6, 3, 3, 0, tzinfo=UTC)
PARAMS = example_line(furnace=True)


class Subscriber:
    """A paho client that collects every message under ``prefix``, with arrival times."""

    def __init__(self, broker, prefix: str) -> None:  # type: ignore[no-untyped-def]
        self.prefix = prefix
        self.messages: list[tuple[float, str, bytes]] = []
        self._lock = threading.Lock()
        subscribed = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"sub-{uuid.uuid4().hex[:10]}"
        )
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        self.client.subscribe(subscription(prefix), qos=1)
        assert subscribed.wait(10), "no SUBACK from the test broker"

    def _on_message(self, _client, _userdata, msg) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            self.messages.append((time.monotonic(), msg.topic, bytes(msg.payload)))

    def wait_for_readings(self, n: int, timeout_s: float = 15.0) -> list[Reading]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if len(self.readings()) >= n:
                break
            time.sleep(0.05)
        time.sleep(0.2)  # let any duplicate arrive, so the exactly-once check can see it
        return self.readings()

    def readings(self) -> list[Reading]:
        with self._lock:
            messages = list(self.messages)
        out: list[Reading] = []
        for _, topic, payload in messages:
            parts = parse_topic(topic, prefix=self.prefix)
            out += decode_payload(payload, site=parts.site, line=parts.line, sensor=parts.sensor)
        return out

    def batch_sizes(self) -> list[int]:
        """Readings per received message."""
        with self._lock:
            messages = list(self.messages)
        sizes = []
        for _, topic, payload in messages:
            parts = parse_topic(topic, prefix=self.prefix)
            sizes.append(len(decode_payload(payload, **parts._asdict())))
        return sizes

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def subscriber(mosquitto_broker, prefix: str) -> Iterator[Subscriber]:  # type: ignore[no-untyped-def]
    sub = Subscriber(mosquitto_broker, prefix)
    try:
        yield sub
    finally:
        sub.close()


def _settings(broker) -> BrokerSettings:  # type: ignore[no-untyped-def]
    return broker.settings(f"pub-{uuid.uuid4().hex[:10]}")


def _identity(r: Reading) -> tuple[object, ...]:
    return (r.site, r.line, r.sensor, r.ts_us, r.seq, r.value, r.unit, r.household)


@pytest.mark.slow
def test_simulated_hour_arrives_exactly_once_with_device_time(
    mosquitto_broker,  # type: ignore[no-untyped-def]
    subscriber: Subscriber,
    prefix: str,
) -> None:
    sent = list(
        simulate_line(
            PARAMS, regime="baseline", start=START, end=START + timedelta(hours=1), seed=4
        )
    )
    assert len(sent) > 15_000
    progress: list[int] = []
    stats = publish(
        sent,
        settings=_settings(mosquitto_broker),
        prefix=prefix,
        batch_size=10,
        on_progress=progress.append,
    )
    assert stats.readings == len(sent)
    assert sum(progress) == len(sent)
    assert len(progress) == stats.messages
    per_sensor = Counter(r.sensor for r in sent)
    assert stats.messages >= sum(math.ceil(n / 10) for n in per_sensor.values())

    received = subscriber.wait_for_readings(len(sent))
    counts = Counter(_identity(r) for r in received)
    assert counts == Counter(_identity(r) for r in sent)  # same readings, each once
    assert max(counts.values()) == 1
    sizes = subscriber.batch_sizes()
    assert max(sizes) == 10
    assert Counter(sizes).most_common(1)[0][0] == 10  # mostly full batches


def test_small_outstanding_bound_still_delivers_everything(
    mosquitto_broker,  # type: ignore[no-untyped-def]
    subscriber: Subscriber,
    prefix: str,
) -> None:
    sent = list(
        simulate_line(PARAMS, regime="post", start=START, end=START + timedelta(minutes=5), seed=1)
    )
    stats = publish(
        iter(sent),
        settings=_settings(mosquitto_broker),
        prefix=prefix,
        batch_size=3,
        max_outstanding=2,
    )
    assert stats.readings == len(sent)
    received = subscriber.wait_for_readings(len(sent))
    assert Counter(_identity(r) for r in received) == Counter(_identity(r) for r in sent)


@pytest.mark.slow
def test_speed_paces_by_device_time(
    mosquitto_broker,  # type: ignore[no-untyped-def]
    subscriber: Subscriber,
    prefix: str,
) -> None:
    sent = list(
        simulate_line(PARAMS, regime="post", start=START, end=START + timedelta(seconds=20), seed=2)
    )
    t0 = time.monotonic()
    stats = publish(sent, settings=_settings(mosquitto_broker), prefix=prefix, speed=10.0)
    wall = time.monotonic() - t0
    # 20 simulated seconds at 10x cannot take less than about 2 s: pacing sleeps.
    # Only this lower bound is asserted; an upper bound would test the machine's load.
    assert stats.seconds >= 1.5
    assert wall >= 1.5
    received = subscriber.wait_for_readings(len(sent))
    assert sorted(r.ts_us for r in received) == sorted(r.ts_us for r in sent)
    with subscriber._lock:
        arrivals = [t for t, _, _ in subscriber.messages]
    # Paced, the messages spread over the run instead of arriving in one burst.
    assert max(arrivals) - min(arrivals) > 0.5


@pytest.mark.slow
def test_partial_batch_is_flushed_after_about_a_second(
    mosquitto_broker,  # type: ignore[no-untyped-def]
    subscriber: Subscriber,
    prefix: str,
) -> None:
    t0_us = int(START.timestamp() * 1e6)
    # One reading every 0.5 s at real time: a batch of 10 would take 5 s to fill.
    sent = [
        Reading(PARAMS.site, PARAMS.line, "zone1_temp", t0_us + i * 500_000, 200.0 + i, "degC", i)
        for i in range(6)
    ]
    stats = publish(
        sent, settings=_settings(mosquitto_broker), prefix=prefix, batch_size=10, speed=1.0
    )
    received = subscriber.wait_for_readings(len(sent))
    assert sorted(received, key=lambda r: r.seq) == sent
    assert stats.messages >= 2  # not held back until the end


def test_stop_event_ends_a_paced_run_early(
    mosquitto_broker,  # type: ignore[no-untyped-def]
    subscriber: Subscriber,
    prefix: str,
) -> None:
    stop = threading.Event()
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    readings = simulate_line(
        PARAMS, regime="post", start=START, end=START + timedelta(minutes=10), seed=3
    )
    t0 = time.monotonic()
    stats = publish(
        readings, settings=_settings(mosquitto_broker), prefix=prefix, speed=1.0, stop=stop
    )
    timer.cancel()
    # Unstopped, ten simulated minutes in real time would take 600 s.
    assert time.monotonic() - t0 < 60.0
    assert 0 < stats.readings < 100
    assert len(subscriber.wait_for_readings(stats.readings)) == stats.readings


def test_no_broker_raises_publish_error() -> None:
    settings = BrokerSettings(url=f"mqtt://127.0.0.1:{free_port()}", client_id="nobody")
    reading = Reading(PARAMS.site, PARAMS.line, "zone1_temp", 0, 1.0, "degC", 0)
    with pytest.raises(PublishError) as info:
        publish([reading], settings=settings, prefix="upops", connect_timeout_s=2.0)
    assert info.value.reason in ("connect_failed", "connect_timeout")


def test_bad_arguments_are_refused() -> None:
    settings = BrokerSettings(client_id="unused")
    with pytest.raises(ValueError, match="batch_size"):
        publish([], settings=settings, prefix="upops", batch_size=0)
    with pytest.raises(ValueError, match="65535"):
        publish([], settings=settings, prefix="upops", max_outstanding=70_000)
    with pytest.raises(ValueError, match="speed"):
        publish([], settings=settings, prefix="upops", speed=0.0)
    assert PublishStats(1, 10, 2.0).readings_per_s == 5.0


class _Sink:
    """Records what :class:`~sensors.batching.Batches` sends (no broker involved)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[int]]] = []

    def send(self, topic: str, batch: list[Reading]) -> None:
        self.sent.append((topic, [r.seq for r in batch]))

    def tick(self) -> None:
        pass


def test_batches_per_sensor_leave_full_or_when_stale() -> None:
    sink = _Sink()
    batches = Batches(sink, prefix="upops", batch_size=3)
    for i in range(4):
        for sensor in ("zone1_temp", "melt_temp"):
            batches.add(Reading("mk", "line-1", sensor, i, 200.0, "degC", i), now=0.1 * i)
    # Full batches leave at once, one sensor's readings never mix with another's.
    assert sink.sent == [
        ("upops/mk/line-1/zone1_temp", [0, 1, 2]),
        ("upops/mk/line-1/melt_temp", [0, 1, 2]),
    ]
    batches.flush_stale(now=0.3 + MAX_BATCH_AGE_S - 0.01)
    assert len(sink.sent) == 2  # the partial batches are not stale yet
    batches.flush_stale(now=0.3 + MAX_BATCH_AGE_S)
    assert sink.sent[2:] == [
        ("upops/mk/line-1/zone1_temp", [3]),
        ("upops/mk/line-1/melt_temp", [3]),
    ]
    assert batches.next_due == math.inf
