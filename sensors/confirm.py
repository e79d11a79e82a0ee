"""Stored-message confirmations: what the collector tells a device it may forget.

The broker's PUBACK only says that the broker has a message; a broker that dies
without a clean stop loses what it had not yet written to disk. So the collector, once
the readings of a message are in the store, publishes a *confirmation* naming that
message on ``<prefix>/<site>/<line>/_confirm/<sensor>``
(:func:`sensors.topics.confirm_topic`), and a device that subscribes to its line's
confirmations (:func:`sensors.topics.confirm_filter`) keeps each message in its outbox
until it is confirmed, sending again what stays unconfirmed (:mod:`sensors.confirming`).

A message is named by the digest of its payload (BLAKE2b, 8 bytes, in hex), so the
payload schema is unchanged and a device needs no message ids: the payload carries the
device times and sequence numbers of its readings, so two different messages of one
sensor never share a digest (short of a 64-bit collision), and two equal payloads are
the same readings, stored once. Per-message confirmations rather than a per-sensor
watermark: several collectors of a shared subscription store one sensor's messages out
of order, and a message quarantined or spooled must not confirm the ones before it.

A confirmation payload is UTF-8 JSON, schema version 1::

    {"v": 1, "stored": ["a3f2c4d5e6f70812", "..."]}

Confirmations are published at QoS 0 and never retained: a lost one only makes the
device send the message again, which the store keeps once (its key is the reading's
identity).

>>> d = message_digest(b'{"v": 1}')
>>> len(d)
16
>>> decode_confirmation(encode_confirmation([d])) == [d]
True
>>> decode_confirmation(b"not json")
[]
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable

__all__ = [
    "CONFIRM_QOS",
    "DIGEST_BYTES",
    "decode_confirmation",
    "encode_confirmation",
    "message_digest",
]

#: Bytes of the payload digest that names a message [B]: 2**64 values, so a collision
#: among the at most a million messages an outbox holds has odds below 1e-7.
DIGEST_BYTES = 8
#: QoS of confirmations: a lost one costs a resend, never a reading.
CONFIRM_QOS = 0
_DIGEST = re.compile(rf"^[0-9a-f]{{{2 * DIGEST_BYTES}}}$")


def message_digest(payload: bytes) -> str:
    """The name of a message in confirmations: BLAKE2b of its payload, hex."""
    return hashlib.blake2b(payload, digest_size=DIGEST_BYTES).hexdigest()


def encode_confirmation(digests: Iterable[str]) -> bytes:
    """Confirmation payload naming the messages ``digests``."""
    return json.dumps({"v": 1, "stored": list(digests)}, separators=(",", ":")).encode()


def decode_confirmation(payload: bytes) -> list[str]:
    """The digests a confirmation names; ``[]`` for anything malformed (it is ignored:
    the device then simply sends the message again)."""
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(doc, dict) or doc.get("v") != 1 or not isinstance(doc.get("stored"), list):
        return []
    return [d for d in doc["stored"] if isinstance(d, str) and _DIGEST.match(d)]
