"""Broker connection settings and a configured paho-mqtt client.

Secrets (password, TLS key) are passed in from the environment or files by the
configuration layer; :class:`BrokerSettings` never prints them.

>>> s = BrokerSettings(url="mqtts://broker.example:8883", client_id="c1", password="hunter2")
>>> s.host, s.port, s.tls
('broker.example', 8883, True)
>>> "hunter2" in repr(s)
False
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt

_DEFAULT_PORTS = {"mqtt": 1883, "tcp": 1883, "mqtts": 8883, "ssl": 8883}

#: First and longest wait between automatic reconnects of every MQTT client [s]. paho
#: doubles the wait from one to the other inside its own network thread, so this
#: schedule is paho's, not :class:`sensors.backoff.Backoff` (which drives the retries
#: that our code makes itself).
RECONNECT_MIN_S, RECONNECT_MAX_S = 1, 30


@dataclass(frozen=True)
class BrokerSettings:
    """Where and how to connect to the MQTT broker.

    Parameters
    ----------
    url
        ``mqtt://host[:port]`` or ``mqtts://host[:port]`` (TLS).
    client_id
        Stable client id; the collector's persistent session is bound to it.
    username, password
        Credentials, or ``None``.
    ca_file, cert_file, key_file
        TLS trust anchor and client certificate; ``ca_file=None`` uses the system store.
    keepalive_s
        MQTT keepalive [s].
    """

    url: str = "mqtt://127.0.0.1:1883"
    client_id: str = "upops-collector"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = field(default=None, repr=False)
    tls_insecure: bool = False
    keepalive_s: int = 30

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(
                f"broker url {self.url!r} must look like mqtt://host:1883 or mqtts://host:8883"
            )
        if parts.username or parts.password:
            raise ValueError(
                "broker url must not carry credentials; give username and password_env instead"
            )

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or _DEFAULT_PORTS[parts.scheme]

    @property
    def tls(self) -> bool:
        return urlsplit(self.url).scheme in ("mqtts", "ssl") or self.ca_file is not None

    def with_client_id(self, client_id: str) -> BrokerSettings:
        from dataclasses import replace

        return replace(self, client_id=client_id)


def make_client(
    settings: BrokerSettings,
    *,
    clean_session: bool,
    manual_ack: bool = False,
    client_class: type[mqtt.Client] = mqtt.Client,
) -> mqtt.Client:
    """A paho-mqtt 2 client (MQTT 3.1.1) configured from ``settings``; not yet connected.

    ``client_class`` is ``paho.mqtt.client.Client`` or a subclass of it (the collector's
    buffered client).

    The automatic reconnect of ``loop_start`` uses exponential backoff from
    :data:`RECONNECT_MIN_S` to :data:`RECONNECT_MAX_S`.
    """
    client = client_class(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=settings.client_id,
        clean_session=clean_session,
        protocol=mqtt.MQTTv311,
        manual_ack=manual_ack,
    )
    if settings.username is not None:
        client.username_pw_set(settings.username, settings.password)
    if settings.tls:
        client.tls_set(
            ca_certs=str(settings.ca_file) if settings.ca_file else None,
            certfile=str(settings.cert_file) if settings.cert_file else None,
            keyfile=str(settings.key_file) if settings.key_file else None,
            cert_reqs=ssl.CERT_REQUIRED,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
        if settings.tls_insecure:
            client.tls_insecure_set(True)
    client.reconnect_delay_set(min_delay=RECONNECT_MIN_S, max_delay=RECONNECT_MAX_S)
    return client
