"""Stores of readings: embedded SQLite (default), InfluxDB v2 API, InfluxDB v1 API."""

from monitoring.stores.base import Store
from monitoring.stores.influxdb1 import InfluxDB1Store
from monitoring.stores.influxdb2 import InfluxDB2Store
from monitoring.stores.sqlite import SQLiteStore

__all__ = ["InfluxDB1Store", "InfluxDB2Store", "SQLiteStore", "Store"]
