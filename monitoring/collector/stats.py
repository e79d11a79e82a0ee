"""The collector's counters, shared by its worker, its writer and whoever asks."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from monitoring.quarantine import Entry

__all__ = ["CollectorStats", "Counters"]


@dataclass
class CollectorStats:
    """Counters since the collector started.

    ``lag_s`` is the time from receiving the newest stored message to its
    acknowledgement [s]; ``device_lag_s`` the receive time minus the device time of the
    newest stored reading [s] (large for replayed or accelerated data).
    """

    received: int = 0
    readings_stored: int = 0
    batches_written: int = 0
    quarantined: int = 0
    write_retries: int = 0
    acked: int = 0
    spooled: int = 0
    replayed: int = 0
    spool_pending: int = 0
    queue_depth: int = 0
    lag_s: float = 0.0
    device_lag_s: float = 0.0
    connected: bool = False
    quarantine_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class Counters:
    """:class:`CollectorStats` behind a lock: the worker writes, any thread reads.

    Update under the lock (``with counters.lock: counters.values.received += 1``).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values = CollectorStats()

    def snapshot(self) -> CollectorStats:
        """A copy of the counters."""
        with self.lock:
            copy = CollectorStats(**self.values.as_dict())
            copy.quarantine_reasons = dict(self.values.quarantine_reasons)
        return copy

    def quarantined(self, entries: Iterable[Entry]) -> None:
        """Count entries written to the quarantine, by reason."""
        with self.lock:
            reasons = self.values.quarantine_reasons
            for entry in entries:
                self.values.quarantined += 1
                reasons[entry.reason] = reasons.get(entry.reason, 0) + 1
