"""Fault counters and retry backoff of one Modbus device.

A failed request is counted by kind and makes the device wait before its next try:
``base_s`` doubling per consecutive failure up to ``cap_s``, each wait spread by
±``jitter`` so that devices which failed together do not retry in step. The first
good reply resets the backoff.

>>> backoff = Backoff(base_s=0.5, cap_s=30.0, jitter=0.0)
>>> [backoff.failed() for _ in range(8)]
[0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
>>> backoff.succeeded(); backoff.failed()
0.5
>>> faults = DeviceFaults()
>>> faults.count("timeout"); faults.count("exception", code=2); faults.as_dict()["exceptions"]
{2: 1}
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

__all__ = ["FAULT_KINDS", "Backoff", "DeviceFaults"]

#: Fault kinds: no reply in time; a reply that failed its CRC or framing (pymodbus drops
#: it, so the request then times out); a Modbus exception response (with its code);
#: the TCP connection or serial port could not be opened or was lost.
FAULT_KINDS: tuple[str, ...] = ("timeout", "crc_error", "exception", "connection")


class Backoff:
    """Capped exponential backoff with jitter.

    Parameters
    ----------
    base_s
        Wait after the first failure [s], > 0.
    cap_s
        Longest wait [s], >= ``base_s``.
    jitter
        Relative spread of each wait, 0 <= jitter < 1 [-]: the wait is multiplied by a
        uniform factor in [1 - jitter, 1 + jitter].
    rng
        Random source (seeded in tests).
    """

    def __init__(
        self,
        *,
        base_s: float = 0.5,
        cap_s: float = 30.0,
        jitter: float = 0.2,
        rng: random.Random | None = None,
    ) -> None:
        if not 0 < base_s <= cap_s:
            raise ValueError(f"need 0 < base_s <= cap_s, got {base_s} and {cap_s}")
        if not 0 <= jitter < 1:
            raise ValueError(f"jitter must lie in [0, 1), got {jitter}")
        self.base_s = base_s
        self.cap_s = cap_s
        self.jitter = jitter
        self.failures = 0
        self._rng = rng or random.Random()

    def failed(self) -> float:
        """Record a failure; the wait before the next try [s]."""
        self.failures += 1
        wait = min(self.cap_s, self.base_s * 2.0 ** min(self.failures - 1, 62))
        if self.jitter:
            wait *= self._rng.uniform(1 - self.jitter, 1 + self.jitter)
        return wait

    def succeeded(self) -> None:
        """Record a good reply: the next failure waits ``base_s`` again."""
        self.failures = 0


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
