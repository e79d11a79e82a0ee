"""Stores of readings: embedded SQLite (default), InfluxDB v2 API, InfluxDB v1 API.

The InfluxDB stores are imported when first named (PEP 562 ``__getattr__``): the v2 client
library alone costs about 0.15 s at start-up, which every command on a SQLite store paid.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from monitoring.stores.base import Store
from monitoring.stores.sqlite import SQLiteStore

if TYPE_CHECKING:
    from monitoring.stores.influxdb1 import InfluxDB1Store
    from monitoring.stores.influxdb2 import InfluxDB2Store

__all__ = ["InfluxDB1Store", "InfluxDB2Store", "SQLiteStore", "Store"]

_LAZY = {
    "InfluxDB1Store": "monitoring.stores.influxdb1",
    "InfluxDB2Store": "monitoring.stores.influxdb2",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
