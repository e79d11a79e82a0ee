"""Wiring: turn a :class:`~pilot.config.Config` into stores, collectors and simulators.

This is the only place that knows every layer; the layers themselves only know the
ones below them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from models.states import StateThresholds, StateTracker
from monitoring.alarms import (
    AlarmEngine,
    AlarmEvent,
    AlarmLog,
    AlarmPublisher,
    AlarmRules,
    AlarmService,
)
from monitoring.collector import Collector
from monitoring.notify import EmailSender, Notifier, NotifyQueue, WebhookSender
from monitoring.notify.senders import Sender
from monitoring.quarantine import Quarantine
from monitoring.spool import Spool
from monitoring.stores.base import Store
from monitoring.stores.sqlite import SQLiteStore
from pilot.config import Config, StoreSettings
from sensors.lines import Line
from sensors.mqtt import BrokerSettings
from sensors.outbox import Outbox
from sensors.schema import Reading

if TYPE_CHECKING:
    from sensors.modbus.agent import Agent


def make_store(settings: StoreSettings) -> Store:
    """The store that ``settings`` select."""
    if settings.kind == "sqlite":
        if settings.sqlite_path is None:
            raise ValueError("store.sqlite.path is required for kind = 'sqlite'")
        return SQLiteStore(settings.sqlite_path)
    if settings.kind == "influxdb2":
        # Imported here: the InfluxDB client libraries cost start-up time on a SQLite store.
        from monitoring.stores.influxdb2 import InfluxDB2Store

        return InfluxDB2Store(
            settings.url or "",
            org=settings.org or "",
            bucket=settings.bucket or "",
            token=settings.token or "",
            measurement=settings.measurement,
        )
    if settings.kind == "influxdb1":
        from monitoring.stores.influxdb1 import InfluxDB1Store

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
    spool_path: Path | None = None,
    on_stored: Callable[[list[Reading]], None] | None = None,
    share_group: str | None = None,
) -> Collector:
    """A collector for ``config``; ``store``, ``broker``, quarantine and spool files may be
    overridden. ``on_stored`` gets each stored batch (:meth:`AlarmService.on_stored`);
    ``share_group`` makes it one member of an MQTT shared subscription."""
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
        spool=Spool(
            spool_path or settings.spool_path, max_bytes=int(settings.spool_max_mb * 2**20)
        ),
        on_stored=on_stored,
        share_group=share_group,
    )


def make_outbox(config: Config, site_id: str, line_id: str) -> Outbox:
    """The simulated device's on-disk outbox of one line: ``<outbox_dir>/<site>.<line>.sqlite``."""
    settings = config.simulation
    return Outbox(
        settings.outbox_dir / f"{site_id}.{line_id}.sqlite",
        max_bytes=int(settings.outbox_max_mb * 2**20),
    )


def make_agent(
    config: Config, *, broker: BrokerSettings | None = None, outbox: Outbox | None = None
) -> Agent:
    """The Modbus device agent of ``[agent]``: its devices, the broker with the agent's
    client id, and its outbox (``outbox_path``); ``broker`` and ``outbox`` may be
    overridden.

    Raises
    ------
    ValueError
        If the configuration has no ``[agent]`` section.
    """
    # Imported here: pymodbus is only needed on a gateway, not by every command.
    from sensors.modbus.agent import Agent

    settings = config.agent
    if settings is None:
        raise ValueError("the configuration has no [agent] section")
    return Agent(
        settings.devices,
        settings=(broker or config.broker).with_client_id(settings.client_id),
        prefix=config.topic_prefix,
        outbox=outbox
        or Outbox(settings.outbox_path, max_bytes=int(settings.outbox_max_mb * 2**20)),
        batch_size=settings.batch_size,
        confirm=settings.confirm,
        confirm_resend_s=settings.confirm_resend_s,
        backoff_base_s=settings.backoff_base_s,
        backoff_cap_s=settings.backoff_cap_s,
        clock_tolerance_s=settings.clock_tolerance_s,
    )


def line_infos(config: Config) -> list[Line]:
    """Every configured line, in configuration order (the configuration builds the
    :class:`sensors.lines.Line` that the simulator and monitoring take)."""
    return list(config.lines())


def state_thresholds(config: Config) -> StateThresholds:
    """The line-state thresholds every part classifies with (live view, alarms, reports)."""
    return config.line_states


def line_state_tracker(config: Config) -> Callable[[Line], StateTracker]:
    """Makes the streaming line-state tracker of a line, with :func:`state_thresholds`."""
    thresholds = state_thresholds(config)
    return lambda line: StateTracker(line.process_window_c, thresholds)


def alarm_rules(config: Config) -> AlarmRules:
    """The ``[alarms]`` thresholds, with ``[line_states]`` deciding when a line runs."""
    a = config.alarms
    return AlarmRules(
        min_duration_s=a.min_duration_s,
        hysteresis_c=a.hysteresis_c,
        throughput_low_fraction=a.throughput_low_fraction,
        silent_intervals=a.silent_intervals,
        stuck_intervals=a.stuck_intervals,
        dioxin_window_c=a.dioxin_window_c,
        dioxin_dwell_s=a.dioxin_dwell_s,
        rule_min_duration_s={
            rule: t.min_duration_s for rule, t in a.tuning().items() if t.min_duration_s is not None
        },
        rule_hysteresis={
            rule: t.hysteresis for rule, t in a.tuning().items() if t.hysteresis is not None
        },
    )


def alarm_engine(
    config: Config, lines: list[Line] | None = None, *, active: list[AlarmEvent] | None = None
) -> AlarmEngine:
    """An alarm engine over ``lines`` (default: every configured line), with the alarms
    of ``active`` still raised; the line states come from ``[line_states]``."""
    return AlarmEngine(
        line_infos(config) if lines is None else lines,
        alarm_rules(config),
        state_tracker=line_state_tracker(config),
        active=active or [],
    )


def make_notifier(config: Config, *, poll_s: float = 1.0) -> Notifier | None:
    """The notifier of ``[notify]``, or None when no channel is configured."""
    settings = config.notify
    if settings is None or (settings.email is None and settings.webhook is None):
        return None
    senders: dict[str, Sender] = {}
    if (e := settings.email) is not None:
        senders["email"] = EmailSender(
            e.host,
            e.port,
            e.sender,
            e.to,
            security=e.security,  # type: ignore[arg-type]
            username=e.username,
            password=e.password,
            ca_file=e.ca_file,
        )
    if (w := settings.webhook) is not None:
        senders["webhook"] = WebhookSender(w.url, token=w.token, ca_file=w.ca_file)
    return Notifier(
        NotifyQueue(settings.queue_path),
        senders,
        line_names={line.key: (line.name, line.name_vi) for line in config.lines()},
        max_per_line=settings.max_per_line,
        reraise_max=settings.reraise_max,
        window_s=settings.window_s,
        retry_base_s=settings.retry_base_s,
        retry_cap_s=settings.retry_cap_s,
        poll_s=poll_s,
    )


def make_alarm_service(
    config: Config,
    *,
    broker: BrokerSettings | None = None,
    alarm_path: Path | None = None,
    tick_s: float = 1.0,
    publish: bool = True,
) -> AlarmService:
    """Alarm engine, log (``[alarms] path``) and publisher for ``config``; not yet started.

    The engine starts with the alarms the log still holds active, so a restart neither
    repeats nor forgets them. The publisher connects as ``<client_id>-alarms``, never
    taking over the collector's persistent session (none when not ``publish``).
    Notifications go out as ``[notify]`` says (:func:`make_notifier`).
    """
    settings = broker or config.broker
    alarm_log = AlarmLog(alarm_path or config.alarms.path)
    engine = alarm_engine(config, active=alarm_log.active())
    publisher = (
        AlarmPublisher(settings.with_client_id(f"{settings.client_id}-alarms"), config.topic_prefix)
        if publish
        else None
    )
    return AlarmService(
        engine,
        alarm_log=alarm_log,
        publisher=publisher,
        tick_s=tick_s,
        notifier=make_notifier(config),
    )
