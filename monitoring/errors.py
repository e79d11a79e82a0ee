"""Exceptions of the monitoring layer (collector, stores, quarantine)."""

from __future__ import annotations


class MonitoringError(Exception):
    """Base class for errors of the monitoring layer."""


class StoreError(MonitoringError):
    """A store refused an operation for a reason that retrying will not fix
    (bad credentials, missing database or bucket, malformed query)."""

    def __init__(self, message: str, *, store: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.store = store
        self.status = status


class StoreUnavailable(StoreError):
    """The store cannot be reached or is overloaded; retry later (the collector does)."""
