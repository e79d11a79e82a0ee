"""Publish each line's alarm state to ``<prefix>/<site>/<line>/alarms``, retained, QoS 1.

The payload is the whole current state, not the event alone, so a viewer that connects
later gets the active alarms from the retained message at once::

    {"v": 1, "site": "minh-khai", "line": "line-1", "time": "2020-10-05T02:10:11.000000Z",
     "active": [{"event": "raised", "rule": "overheat", "sensor": "zone4_temp", ...}],
     "last_event": {"event": "raised", "rule": "overheat", ...}}

``time`` is the device time of the state; ``last_event`` is None when the state was
published without a change (at start-up).

>>> json.loads(state_payload("mk", "line-1", [], None, 0))["time"]
'1970-01-01T00:00:00.000000Z'
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence

import paho.mqtt.client as mqtt

from monitoring.alarms.rules import AlarmEvent
from monitoring.errors import MonitoringError
from sensors.mqtt import BrokerSettings, make_client
from sensors.schema import format_ts
from sensors.topics import alarm_topic

log = logging.getLogger("upops.alarms")

#: Version of the alarm-state payload.
STATE_VERSION = 1


def state_payload(
    site: str, line: str, active: Sequence[AlarmEvent], last: AlarmEvent | None, ts_us: int
) -> bytes:
    """The retained alarm-state message of one line (UTF-8 JSON)."""
    doc = {
        "v": STATE_VERSION,
        "site": site,
        "line": line,
        "time": format_ts(ts_us),
        "active": [event.as_dict() for event in active],
        "last_event": last.as_dict() if last is not None else None,
    }
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


class AlarmPublisher:
    """An MQTT client of its own that publishes alarm states.

    Parameters
    ----------
    broker
        Connection settings; give it a client id different from the collector's.
    prefix
        Topic prefix.
    """

    def __init__(self, broker: BrokerSettings, prefix: str) -> None:
        self.broker = broker
        self.prefix = prefix
        # A clean session: the retained messages on the broker are the state, the
        # publisher's session holds nothing worth keeping.
        self._client = make_client(broker, clean_session=True)
        self._client.on_connect = self._on_connect
        self._connected = threading.Event()
        self._pending: list[mqtt.MQTTMessageInfo] = []
        self._pending_lock = threading.Lock()

    def start(self, *, connect_timeout_s: float = 30.0) -> None:
        """Connect; returns once connected.

        Raises
        ------
        MonitoringError
            If the broker cannot be reached within ``connect_timeout_s``.
        """
        try:
            self._client.connect_async(self.broker.host, self.broker.port, self.broker.keepalive_s)
        except (OSError, ValueError) as exc:
            raise MonitoringError(f"alarm publisher cannot connect to the broker: {exc}") from exc
        self._client.loop_start()
        if not self._connected.wait(connect_timeout_s):
            self.stop()
            raise MonitoringError(
                f"alarm publisher: no connection to {self.broker.host}:{self.broker.port} "
                f"within {connect_timeout_s:g} s"
            )

    def publish(
        self,
        site: str,
        line: str,
        active: Sequence[AlarmEvent],
        last: AlarmEvent | None,
        ts_us: int,
        *,
        wait_s: float = 0.0,
    ) -> None:
        """Publish the state of ``site``/``line``; wait up to ``wait_s`` for the broker [s].

        Without waiting, paho keeps the QoS 1 message and sends it once connected.
        """
        info = self._client.publish(
            alarm_topic(self.prefix, site, line),
            state_payload(site, line, active, last, ts_us),
            qos=1,
            retain=True,
        )
        with self._pending_lock:
            self._pending = [i for i in self._pending if not i.is_published()]
            self._pending.append(info)
        if wait_s > 0:
            try:
                info.wait_for_publish(wait_s)
            except (RuntimeError, ValueError) as exc:
                log.warning("alarm state of %s/%s not yet published: %s", site, line, exc)

    def stop(self, *, flush_timeout_s: float = 5.0) -> None:
        """Wait up to ``flush_timeout_s`` [s] for unsent states, then disconnect."""
        with self._pending_lock:
            pending = list(self._pending)
        for info in pending:
            try:
                info.wait_for_publish(flush_timeout_s)
            except (RuntimeError, ValueError):
                break  # not connected: the broker keeps the last state it did get
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        if reason_code.is_failure:
            log.error("alarm publisher: broker refused the connection: %s", reason_code)
            return
        self._connected.set()
