"""Exceptions raised by the sensors layer.

Every error carries a short machine-readable ``reason`` (used as the quarantine
reason and in counters) and a human message that says what was wrong and where.
"""

from __future__ import annotations


class SensorsError(Exception):
    """Base class for errors of the sensors layer."""

    reason: str = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class TopicError(SensorsError):
    """A topic does not follow ``<prefix>/<site>/<line>/<sensor>``."""

    reason = "bad_topic"


class PayloadError(SensorsError):
    """A payload cannot be decoded as a reading message of a known schema version."""

    reason = "bad_payload"


class ValidationError(SensorsError):
    """A decoded reading disagrees with the sensor catalogue (unknown sensor, range, unit, time)."""

    reason = "invalid_reading"


class PublishError(SensorsError):
    """Readings could not be published: no connection, no CONNACK, or no acknowledgement."""

    reason = "publish_failed"


class SimulationError(SensorsError, ValueError):
    """A simulation cannot run as asked: a line, regime parameter or period is invalid.

    Also a :class:`ValueError`, so callers that check arguments that way still catch it.
    """

    reason = "bad_simulation"
