"""Wiring: turn a :class:`~pilot.config.Config` into stores, collectors and simulators.

This is the only place that knows every layer; the layers themselves only know the
ones below them.
"""

from __future__ import annotations

from pathlib import Path

from monitoring.collector import Collector
from monitoring.quarantine import Quarantine
from monitoring.stores.base import Store
from monitoring.stores.influxdb1 import InfluxDB1Store
from monitoring.stores.influxdb2 import InfluxDB2Store
from monitoring.stores.sqlite import SQLiteStore
from pilot.config import Config, StoreSettings
from sensors.mqtt import BrokerSettings
from sensors.simulator import LineParams


def make_store(settings: StoreSettings) -> Store:
    """The store that ``settings`` select."""
    if settings.kind == "sqlite":
        if settings.sqlite_path is None:
            raise ValueError("store.sqlite.path is required for kind = 'sqlite'")
        return SQLiteStore(settings.sqlite_path)
    if settings.kind == "influxdb2":
        return InfluxDB2Store(
            settings.url or "",
            org=settings.org or "",
            bucket=settings.bucket or "",
            token=settings.token or "",
            measurement=settings.measurement,
        )
    if settings.kind == "influxdb1":
        return InfluxDB1Store(
            settings.url or "",
            database=settings.database or "",
            username=settings.username,
            password=settings.password,
            retention_policy=settings.retention_policy,
            measurement=settings.measurement,
        )
    raise ValueError(f"unknown store kind {settings.kind!r}")


def make_collector(
    config: Config,
    *,
    store: Store | None = None,
    broker: BrokerSettings | None = None,
    quarantine_path: Path | None = None,
) -> Collector:
    """A collector for ``config``; ``store``, ``broker`` and quarantine file may be overridden."""
    settings = config.collector
    return Collector(
        broker=broker or config.broker,
        prefix=config.topic_prefix,
        catalog=config.catalog(),
        store=store or make_store(config.store),
        quarantine=Quarantine(
            quarantine_path or settings.quarantine_path, max_rows=settings.quarantine_max_rows
        ),
        batch_max_readings=settings.batch_max_readings,
        batch_max_wait_s=settings.batch_max_wait_ms / 1000,
        max_payload_bytes=settings.max_payload_bytes,
        stats_interval_s=settings.stats_interval_s,
    )


def line_params(config: Config, site_id: str, line_id: str) -> LineParams:
    """Simulator parameters of one configured line."""
    site = config.site(site_id)
    line = config.line(site_id, line_id)
    return LineParams(
        site=site.id,
        line=line.id,
        sensors=tuple(line.sensors),
        process_window_c=line.process_window_c,
        degradation_c=line.degradation_c,
        nominal_throughput_kg_h=line.nominal_throughput_kg_h,
        heater_kw=line.heater_kw,
        households=tuple(h.id for h in site.households),
        timezone=config.timezone,
    )
