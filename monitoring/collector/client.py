"""The collector's paho-mqtt client: fewer system calls per message (issue 15).

paho-mqtt 2's network thread reads each packet with about three ``recv`` calls (the
command byte, the length, the body) after one ``select`` per packet, and every
``ack()`` writes the PUBACK with its own ``send`` after waking the thread with another
``send`` through a socket pair. At tens of thousands of messages per second those
system calls, each releasing and retaking the GIL the worker needs, were most of a
collector's time (``strace -c -f``: 3.1 ``recvfrom``, 2.6 ``sendto`` and 1 ``pselect6``
per message, docs/performance.md).

:class:`CollectorClient` changes two things and nothing on the wire:

- reads: the socket is read in chunks of :data:`READ_CHUNK_BYTES` and paho's packet
  reader is served from that buffer; the thread reads every complete packet buffered
  before it waits in ``select`` again;
- acknowledgements: :meth:`CollectorClient.ack_many` queues the PUBACKs of a whole
  batch as one write (the same 4-byte packets back to back), so one wake-up and one
  ``send`` per batch.

It relies on paho-mqtt 2's internal ``_sock_recv``, ``_sock_close``, ``loop_read`` and
``_packet_queue`` (pinned ``paho-mqtt>=2.1,<3`` in pyproject.toml); when those are
missing, :meth:`ack_many` falls back to one ``ack()`` per message and reads are paho's.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any

import paho.mqtt.client as mqtt

__all__ = ["READ_CHUNK_BYTES", "CollectorClient"]

#: Bytes asked of the socket per read [B]: many small messages, or one large one.
READ_CHUNK_BYTES = 256 * 1024
_PUBACK = struct.Struct("!BBH")
_PUBACK_TYPE = 0x40
_INTERNALS = ("_sock_recv", "_sock_close", "_packet_queue")


class CollectorClient(mqtt.Client):
    """A paho-mqtt 2 client with buffered reads and batched acknowledgements."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_buffer = bytearray()
        self._internals_ok = all(hasattr(mqtt.Client, name) for name in _INTERNALS)

    # -- reads -------------------------------------------------------------------------

    def _sock_recv(self, bufsize: int) -> bytes:
        buffered = self._read_buffer
        if not buffered:
            data = super()._sock_recv(READ_CHUNK_BYTES)
            if len(data) <= bufsize:
                return data  # b"" (connection closed) included
            buffered += data
        out = bytes(buffered[:bufsize])
        del buffered[:bufsize]
        return out

    def loop_read(self, max_packets: int = 1) -> mqtt.MQTTErrorCode:
        rc = super().loop_read(max_packets)
        # Packets already in the buffer would otherwise wait for the next select().
        while rc == mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS and self._read_buffer and self._sock:
            rc = super().loop_read(max_packets)
        return rc

    def _sock_close(self) -> None:
        self._read_buffer.clear()  # bytes of the old connection are not the new one's
        super()._sock_close()

    # -- acknowledgements --------------------------------------------------------------

    def ack_many(self, mids: Iterable[int]) -> None:
        """Acknowledge QoS 1 messages ``mids`` in one write, in the order given.

        Only with ``manual_ack=True``; thread-safe as paho's own ``ack()`` is.
        """
        mids = list(mids)
        if not mids or not self._manual_ack:
            return
        if not self._internals_ok:
            for mid in mids:
                self.ack(mid, 1)
            return
        packet = b"".join([_PUBACK.pack(_PUBACK_TYPE, 2, mid) for mid in mids])
        self._packet_queue(_PUBACK_TYPE, packet, 0, 0)
