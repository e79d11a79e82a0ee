"""Fault counters of one Modbus device (its retry schedule is :mod:`sensors.backoff`).

A failed request is counted by kind and makes the device wait before its next try:
``base_s`` doubling per consecutive failure up to ``cap_s``, each wait spread by
±``jitter`` so that devices which failed together do not retry in step. The first
good reply resets the backoff.

>>> faults = DeviceFaults()
>>> faults.count("timeout"); faults.count("exception", code=2); faults.as_dict()["exceptions"]
{2: 1}
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

__all__ = ["FAULT_KINDS", "DeviceFaults"]

#: Fault kinds: no reply in time; a reply that failed its CRC or framing (pymodbus drops
#: it, so the request then times out); a Modbus exception response (with its code);
#: the TCP connection or serial port could not be opened or was lost.
FAULT_KINDS: tuple[str, ...] = ("timeout", "crc_error", "exception", "connection")


@dataclass
class DeviceFaults:
    """Counters of one device, safe to read from another thread.

    ``reads`` counts good replies; ``timeout``, ``crc_error``, ``connection`` and
    ``exception`` count failed requests (``exceptions`` per Modbus exception code);
    ``decode_errors`` counts replies whose registers could not be decoded (NaN floats).
    """

    reads: int = 0
    timeout: int = 0
    crc_error: int = 0
    exception: int = 0
    connection: int = 0
    decode_errors: int = 0
    exceptions: dict[int, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, kind: str, *, code: int | None = None) -> None:
        """Count one event of ``kind`` (a :data:`FAULT_KINDS` entry, ``reads`` or
        ``decode_errors``); ``code`` is the Modbus exception code of an ``exception``."""
        if kind not in (*FAULT_KINDS, "reads", "decode_errors"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            setattr(self, kind, getattr(self, kind) + 1)
            if kind == "exception" and code is not None:
                self.exceptions[code] = self.exceptions.get(code, 0) + 1

    @property
    def failures(self) -> int:
        """Failed requests of every kind [-]."""
        with self._lock:
            return self.timeout + self.crc_error + self.exception + self.connection

    def as_dict(self) -> dict[str, object]:
        """A snapshot, for logs and ``pilot agent`` statistics."""
        with self._lock:
            return {
                "reads": self.reads,
                "timeout": self.timeout,
                "crc_error": self.crc_error,
                "exception": self.exception,
                "connection": self.connection,
                "decode_errors": self.decode_errors,
                "exceptions": dict(self.exceptions),
            }
