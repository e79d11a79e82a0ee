"""Decoding: an MQTT message becomes readings, or quarantine entries with their reason.

The collector decodes every message it receives here, and ``pilot watch`` decodes with
the same :class:`Decoder`, so both agree on what a valid message is.

>>> from sensors.schema import encode_payload
>>> decoder = Decoder(prefix="upops")
>>> r = Reading("mk", "line-1", "zone1_temp", 1_559_523_600_250_000, 231.5, "degC", 17)
>>> good, bad = decoder.decode("upops/mk/line-1/zone1_temp", encode_payload([r]), received_us=0)
>>> good == [r], bad
(True, [])
>>> good, bad = decoder.decode("upops/mk/line-1/zone1_temp", b"{", received_us=0)
>>> good, [entry.reason for entry in bad]
([], ['bad_json'])
>>> decoder.decode("upops/mk/line-1/alarms", b"{}", received_us=0)
([], [])
"""

from __future__ import annotations

from typing import NamedTuple

from monitoring.quarantine import Entry
from sensors.catalog import Catalog
from sensors.errors import SensorsError
from sensors.schema import MAX_PAYLOAD_BYTES, Reading, decode_payload, encode_payload
from sensors.topics import RESERVED_SENSOR_IDS, TopicParts, parse_topic

__all__ = ["TOPIC_CACHE_MAX", "Decoder", "Message"]

#: Distinct topics remembered as parsed: far more than the sensors of many villages.
TOPIC_CACHE_MAX = 100_000


class Message(NamedTuple):
    """One received MQTT message.

    A tuple, because one is made for every message on paho's network thread and a
    frozen dataclass took several times longer to build. ``received_us`` is the
    receive time [µs since the epoch, UTC]; ``mid`` and ``qos`` are what the
    acknowledgement needs.
    """

    topic: str
    payload: bytes
    mid: int
    qos: int
    received_us: int


class Decoder:
    """Topic, payload schema and (optionally) catalogue checks of reading messages.

    Parameters
    ----------
    prefix
        Topic prefix; other topics are rejected.
    catalog
        Configured sensors; when given, readings it refuses (unknown sensor, wrong unit,
        out of range, from the future) are rejected one by one. ``None`` accepts every
        well-formed reading (``pilot watch`` shows what arrives).
    max_payload_bytes
        Larger payloads are rejected unread [bytes].
    """

    def __init__(
        self,
        *,
        prefix: str,
        catalog: Catalog | None = None,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
    ) -> None:
        self.prefix = prefix
        self.catalog = catalog
        self.max_payload_bytes = max_payload_bytes
        # Parsed reading topics; only valid ones are kept, bounded by TOPIC_CACHE_MAX.
        self._topics: dict[str, TopicParts] = {}

    def topic(self, topic: str) -> TopicParts:
        """Site, line and sensor of ``topic``, parsed once and remembered.

        Raises
        ------
        TopicError
            If the topic is not ``<prefix>/<site>/<line>/<sensor>``.
        """
        parts = self._topics.get(topic)
        if parts is None:
            parts = parse_topic(topic, prefix=self.prefix)
            if len(self._topics) >= TOPIC_CACHE_MAX:
                self._topics.clear()  # a flood of distinct topics must not grow it
            self._topics[topic] = parts
        return parts

    def decode(
        self, topic: str, payload: bytes, *, received_us: int, now_us: int | None = None
    ) -> tuple[list[Reading], list[Entry]]:
        """The valid readings of one message, and quarantine entries for the rest.

        ``now_us`` is the time the catalogue judges future readings against [µs since the
        epoch]; ``received_us`` when not given. The retained alarm state
        (``<line>/alarms``) gives neither readings nor entries: it is not bad input.
        """
        try:
            parts = self.topic(topic)
            if parts.sensor in RESERVED_SENSOR_IDS:
                return [], []
            readings = decode_payload(
                payload,
                site=parts.site,
                line=parts.line,
                sensor=parts.sensor,
                max_bytes=self.max_payload_bytes,
            )
        except SensorsError as exc:
            return [], [Entry(topic, payload, exc.reason, str(exc), received_us)]
        catalog = self.catalog
        if catalog is None:
            return readings, []
        now = received_us if now_us is None else now_us
        good: list[Reading] = []
        bad: list[Entry] = []
        for reading in readings:
            try:
                catalog.check(reading, now_us=now)
            except SensorsError as exc:
                # Keep the rejected reading alone, so the rest of its batch is stored.
                one = encode_payload([reading]) if len(readings) > 1 else payload
                bad.append(Entry(topic, one, exc.reason, str(exc), received_us))
            else:
                good.append(reading)
        return good, bad
