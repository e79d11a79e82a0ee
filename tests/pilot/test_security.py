"""Security against a real Mosquitto run with the output of ``pilot broker-config``.

The broker uses the generated ``mosquitto.conf`` and ACL, a password file made with
``mosquitto_passwd -b`` and TLS certificates generated here (a test CA, a server
certificate for 127.0.0.1 and a client certificate); nothing is committed.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from monitoring.collector import Collector
from monitoring.errors import MonitoringError
from monitoring.quarantine import Quarantine
from monitoring.stores.sqlite import SQLiteStore
from pilot.cli import main
from pilot.cmd_broker import device_user
from pilot.config import load_config
from sensors.errors import PublishError
from sensors.mqtt import BrokerSettings, make_client
from sensors.outbox import Outbox
from sensors.publisher import publish
from sensors.schema import Reading, encode_payload
from sensors.topics import build_topic
from tests.configs import example_config
from tests.fixtures_mosquitto import MosquittoServer
from tests.servers import free_port, require_binary
from tests.tls_ca import CertFiles, make_test_pki

pytestmark = pytest.mark.mosquitto

T0_US = 1_601_863_200_000_000  # 2020-10-05T02:00:00Z
COLLECTOR_PASSWORD = "collector-s3cret-" + uuid.uuid4().hex[:8]
DEVICE_PASSWORD = "device-s3cret-" + uuid.uuid4().hex[:8]


# -- the broker ------------------------------------------------------------------------


@dataclass
class SecureBroker:
    server: MosquittoServer
    pki: CertFiles
    prefix: str
    config_path: Path

    def settings(
        self, client_id: str, username: str | None, password: str | None
    ) -> BrokerSettings:
        return BrokerSettings(
            url=self.server.url,
            client_id=client_id,
            username=username,
            password=password,
            ca_file=self.pki.ca,
            cert_file=self.pki.client_cert,
            key_file=self.pki.client_key,
        )


@pytest.fixture
def secure_broker(tmp_path: Path) -> Iterator[SecureBroker]:
    binary = require_binary("mosquitto")
    # Under CI a missing tool fails the test instead of skipping it.
    passwd_tool = require_binary("mosquitto_passwd")
    pki = make_test_pki(tmp_path / "pki")
    prefix = f"sec{uuid.uuid4().hex[:6]}"
    port = free_port()
    config_path = example_config(
        tmp_path,
        broker_url=f"mqtts://127.0.0.1:{port}",
        prefix=prefix,
        client_id=f"collector-{prefix}",
    )
    out = tmp_path / "broker"
    data = tmp_path / "mosquitto-data"
    data.mkdir()
    args = ["--config", str(config_path), "broker-config", "--out", str(out)]
    args += ["--port", str(port), "--bind", "127.0.0.1", "--data-dir", str(data)]
    args += ["--cafile", str(pki.ca), "--certfile", str(pki.server_cert)]
    args += ["--keyfile", str(pki.server_key), "--require-certificate"]
    if os.geteuid() == 0:
        args += ["--run-as", "root"]  # the default 'mosquitto' user cannot read tmp_path
    assert main(args) == 0
    passwd = out / "passwd"
    users = [("upops-collector", COLLECTOR_PASSWORD)] + [
        (device_user(site, line), DEVICE_PASSWORD)
        for site, line in load_config(config_path).catalog().lines()
    ]
    for index, (user, password) in enumerate(users):
        flags = ["-c", "-b"] if index == 0 else ["-b"]
        subprocess.run([passwd_tool, *flags, str(passwd), user, password], check=True)
    server = MosquittoServer(
        binary, data, config_text=(out / "mosquitto.conf").read_text(), port=port, tls=True
    )
    server.start()
    try:
        yield SecureBroker(server, pki, prefix, config_path)
    finally:
        server.stop()


def _reading(site: str, sensor: str, n: int) -> Reading:
    return Reading(site, "line-1", sensor, T0_US + n * 1_000_000, 230.0 + n, "degC", n)


def _client(settings: BrokerSettings) -> mqtt.Client:
    """A connected paho client; fails the test if the broker refuses it."""
    client = make_client(settings, clean_session=True)
    answer: dict[str, object] = {}
    done = threading.Event()

    def on_connect(_c, _u, _f, reason_code, _p) -> None:  # type: ignore[no-untyped-def]
        answer["rc"] = reason_code
        done.set()

    client.on_connect = on_connect
    client.connect(settings.host, settings.port)
    client.loop_start()
    assert done.wait(20), "no CONNACK"
    assert not answer["rc"].is_failure, answer["rc"]  # type: ignore[attr-defined]
    return client


def _collector(broker: SecureBroker, tmp_path: Path) -> Collector:
    config = load_config(broker.config_path)
    return Collector(
        broker=broker.settings(f"collector-{broker.prefix}", "upops-collector", COLLECTOR_PASSWORD),
        prefix=broker.prefix,
        catalog=config.catalog(),
        store=SQLiteStore(tmp_path / "readings.sqlite"),
        quarantine=Quarantine(tmp_path / "quarantine.sqlite"),
        stats_interval_s=0,
    )


# -- the tests -------------------------------------------------------------------------


def test_unauthenticated_and_wrong_password_clients_are_refused(secure_broker, caplog):
    caplog.set_level(logging.DEBUG)
    readings = [_reading("minh-khai", "zone1_temp", 0)]
    for username, password in ((None, None), ("minh-khai.line-1", "wrong-" + DEVICE_PASSWORD)):
        with pytest.raises(PublishError) as caught:
            publish(
                readings,
                settings=secure_broker.settings(f"anon-{uuid.uuid4().hex[:6]}", username, password),
                prefix=secure_broker.prefix,
            )
        assert caught.value.reason == "connect_refused"
        assert DEVICE_PASSWORD not in str(caught.value)
    assert DEVICE_PASSWORD not in caplog.text


def test_plaintext_connection_is_refused_where_tls_is_required(secure_broker):
    # An MQTT 3.1.1 CONNECT (clean session, client id "x") sent without TLS.
    connect = bytes.fromhex("100d00044d5154540402003c000178")
    received = b""
    with socket.create_connection(("127.0.0.1", secure_broker.server.port), timeout=20) as sock:
        sock.sendall(connect)
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except ConnectionResetError:
            pass
    # The broker closes the connection; it never answers with a CONNACK (packet type 2).
    assert not received.startswith(b"\x20")


def test_devices_publish_only_their_own_topics_and_the_collector_only_reads(
    secure_broker, tmp_path
):
    collector = _collector(secure_broker, tmp_path)
    collector.start()
    try:
        prefix = secure_broker.prefix
        device = _client(
            secure_broker.settings(f"dev-{prefix}", "minh-khai.line-1", DEVICE_PASSWORD)
        )
        reader = _client(
            secure_broker.settings(f"rd-{prefix}", "upops-collector", COLLECTOR_PASSWORD)
        )
        other_line = build_topic(prefix, "phan-boi", "line-1", "zone1_temp")
        forbidden = [
            (device, other_line, _reading("phan-boi", "zone1_temp", 1)),
            (reader, other_line, _reading("phan-boi", "zone1_temp", 2)),
            (
                reader,
                build_topic(prefix, "minh-khai", "line-1", "zone1_temp"),
                _reading("minh-khai", "zone1_temp", 3),
            ),
        ]
        for client, topic, reading in forbidden:
            # QoS 1: once the PUBACK is back, the broker has decided (and dropped) it.
            client.publish(topic, encode_payload([reading]), qos=1).wait_for_publish(20)
        sentinel = _reading("minh-khai", "zone1_temp", 4)
        device.publish(
            build_topic(prefix, "minh-khai", "line-1", "zone1_temp"),
            encode_payload([sentinel]),
            qos=1,
        ).wait_for_publish(20)
        assert collector.wait_until(lambda s: s.acked >= 1, 30), collector.format_stats()
        stats = collector.stats()
        # The sentinel came after the forbidden messages: had any passed, it came first.
        assert stats.received == 1, stats
        assert stats.readings_stored == 1
        frame = collector.store.count(site="phan-boi")
        assert frame == 0
        for client in (device, reader):
            client.disconnect()
            client.loop_stop()
    finally:
        collector.stop()


def test_collector_and_publisher_work_over_tls_with_credentials(secure_broker, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    collector = _collector(secure_broker, tmp_path)
    collector.start()
    try:
        readings = [_reading("phan-boi", "zone2_temp", n) for n in range(200)]
        outbox = Outbox(tmp_path / "outbox.sqlite")
        try:
            stats = publish(
                readings,
                settings=secure_broker.settings(
                    f"dev-{secure_broker.prefix}", "phan-boi.line-1", DEVICE_PASSWORD
                ),
                prefix=secure_broker.prefix,
                batch_size=10,
                outbox=outbox,
                confirm=True,
            )
            # Emptied by the collector's confirmations, which the ACL lets it write and
            # this line's device read.
            assert outbox.pending_messages == 0
        finally:
            outbox.close()
        assert stats.readings == 200
        assert collector.wait_until(lambda s: s.readings_stored >= 200, 60)
        assert collector.store.count(site="phan-boi") == 200
    finally:
        collector.stop()
    for secret in (COLLECTOR_PASSWORD, DEVICE_PASSWORD):
        assert secret not in caplog.text
        assert secret not in repr(collector.broker)


@pytest.mark.slow
def test_collector_refused_with_a_wrong_password_names_no_secret(secure_broker, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-" + COLLECTOR_PASSWORD
    collector = Collector(
        broker=secure_broker.settings(f"c-{secure_broker.prefix}", "upops-collector", wrong),
        prefix=secure_broker.prefix,
        catalog=load_config(secure_broker.config_path).catalog(),
        store=SQLiteStore(tmp_path / "readings.sqlite"),
        quarantine=Quarantine(tmp_path / "quarantine.sqlite"),
        stats_interval_s=0,
    )
    with pytest.raises(MonitoringError) as caught:
        collector.start(connect_timeout_s=5)
    assert "refused" in str(caught.value)
    assert wrong not in str(caught.value)
    assert wrong not in caplog.text


def test_confirmations_reach_only_the_device_of_their_line(secure_broker, tmp_path):
    prefix = secure_broker.prefix
    collector = _collector(secure_broker, tmp_path)
    collector.start()
    seen: dict[str, list[str]] = {"minh-khai.line-1": [], "phan-boi.line-1": []}
    clients = []
    try:
        for user in seen:
            client = _client(secure_broker.settings(f"l-{user}-{prefix}", user, DEVICE_PASSWORD))
            client.on_message = lambda _c, _u, m, user=user: seen[user].append(m.topic)
            subscribed = threading.Event()
            client.on_subscribe = lambda *_a, ev=subscribed: ev.set()
            client.subscribe(f"{prefix}/+/+/_confirm/+", qos=1)
            assert subscribed.wait(20)
            clients.append(client)
        clients[0].publish(
            build_topic(prefix, "minh-khai", "line-1", "zone1_temp"),
            encode_payload([_reading("minh-khai", "zone1_temp", 1)]),
            qos=1,
        ).wait_for_publish(20)
        deadline = time.monotonic() + 20
        while not seen["minh-khai.line-1"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen["minh-khai.line-1"] == [f"{prefix}/minh-khai/line-1/_confirm/zone1_temp"]
        # A later confirmation of phan-boi's own line, which its device may read, shows
        # that minh-khai's had been withheld from it, not merely late.
        clients[1].publish(
            build_topic(prefix, "phan-boi", "line-1", "zone1_temp"),
            encode_payload([_reading("phan-boi", "zone1_temp", 2)]),
            qos=1,
        ).wait_for_publish(20)
        deadline = time.monotonic() + 20
        while not seen["phan-boi.line-1"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen["phan-boi.line-1"] == [f"{prefix}/phan-boi/line-1/_confirm/zone1_temp"]
    finally:
        for client in clients:
            client.disconnect()
            client.loop_stop()
        collector.stop()


def test_a_share_group_of_collectors_works_under_the_generated_acl(secure_broker, tmp_path):
    prefix = secure_broker.prefix
    config = load_config(secure_broker.config_path)
    members = []
    for n in range(2):
        folder = tmp_path / f"c{n}"
        folder.mkdir()
        members.append(
            Collector(
                broker=secure_broker.settings(
                    f"collector-{prefix}-{n}", "upops-collector", COLLECTOR_PASSWORD
                ),
                prefix=prefix,
                catalog=config.catalog(),
                store=SQLiteStore(tmp_path / "readings.sqlite"),
                quarantine=Quarantine(folder / "quarantine.sqlite"),
                stats_interval_s=0,
                share_group="collectors",
            )
        )
    for member in members:
        member.start()
    try:
        readings = [
            Reading("minh-khai", "line-1", "zone1_temp", T0_US + n * 1_000_000, 230.0, "degC", n)
            for n in range(400)
        ]
        outbox = Outbox(tmp_path / "outbox.sqlite")
        try:
            publish(
                readings,
                settings=secure_broker.settings(
                    f"dev-{prefix}", "minh-khai.line-1", DEVICE_PASSWORD
                ),
                prefix=prefix,
                batch_size=5,
                outbox=outbox,
                confirm=True,
            )
            assert outbox.pending_messages == 0
        finally:
            outbox.close()
        received = [m.stats().received for m in members]
        # Each member took a share, and no message went to both.
        assert sum(received) == 80, received
        assert min(received) > 0, received
        assert members[0].store.count(site="minh-khai") == 400
    finally:
        for member in members:
            member.stop()
