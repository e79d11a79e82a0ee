"""Stores of readings: embedded SQLite (default), InfluxDB v2 API, InfluxDB v1 API."""

from monitoring.stores.base import Store
from monitoring.stores.sqlite import SQLiteStore

__all__ = ["SQLiteStore", "Store"]
