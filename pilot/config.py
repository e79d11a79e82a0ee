"""Deployment configuration: one TOML file describes the sites, lines, sensors and periods.

:func:`load_config` reads and checks a file and returns a frozen :class:`Config`;
:func:`check_config` returns every problem of a file instead of stopping at the first;
:func:`parse_config` does the same for text already in memory. Every problem names the
file, the key path (``sites[0].lines[1].sensors[3].valid``) and what is expected.

>>> config = load_config(default_config_path())
>>> [site.id for site in config.sites]
['minh-khai', 'phan-boi']
>>> len(config.catalog())
18
>>> config.period("baseline-2019").start.isoformat()
'2019-06-02T17:00:00+00:00'
>>> try:
...     parse_config('[broker]\\nurl = "http://h"\\npassword = "x"\\n', base_dir=Path("."))
... except ConfigError as err:
...     print([problem.key for problem in err.problems])
['deployment', 'broker.password', 'broker.url', 'store', 'sites']

Secrets (MQTT password, InfluxDB token or password) never appear in the file: the file
names an environment variable (``password_env``) or a file holding the secret
(``password_file``). A literal ``password`` or ``token`` key is refused. Secret values
appear in no message and no ``repr``.

Reference
---------
Relative paths are relative to the folder of the configuration file (``~`` is expanded).
``*_env`` keys are looked up in ``environ`` (:data:`os.environ` unless the caller passes
another mapping); ``*_file`` keys name a UTF-8 file whose trailing newline is stripped.
``[collector]``, ``[alarms]``, ``[survey]``, ``[simulation]`` and ``[[periods]]`` may be left
out; the other sections are required. Unknown keys are errors, so a typo cannot silently drop a
setting.

``[deployment]``
    ``name`` (string, required)
        Free-text name of the deployment, for reports.
    ``topic_prefix`` (string, default ``"upops"``)
        MQTT topic prefix: ``/``-separated levels of letters, digits, ``.``, ``-``, ``_``.
    ``timezone`` (string, default ``"Asia/Ho_Chi_Minh"``)
        IANA time-zone name used by reports.

``[broker]``
    ``url`` (string, required)
        ``mqtt://host[:port]`` or ``mqtts://host[:port]`` (TLS); no credentials in it.
    ``client_id`` (string, default ``"upops-collector"``)
        Stable MQTT client id; the collector's persistent session is bound to it.
    ``username`` or ``username_env`` (string, optional)
        MQTT user name, or the environment variable holding it.
    ``password_env`` or ``password_file`` (string, optional)
        Environment variable or file holding the MQTT password; needs a user name.
        A literal ``password`` key is refused.
    ``keepalive_s`` (integer, default ``30``)
        MQTT keepalive [s], 1-65535.
    ``ca_file`` (string, optional)
        CA certificate (PEM), must exist; without it TLS uses the system trust store.
    ``cert_file``, ``key_file`` (string, optional)
        Client certificate and key (PEM), must exist; ``key_file`` needs ``cert_file``.
    ``tls_insecure`` (boolean, default ``false``)
        Skip the broker host-name check (test brokers only).

``[store]``
    ``kind`` (string, required)
        ``sqlite``, ``influxdb2`` or ``influxdb1``; the section of that kind is required.
        Other store sections may stay in the file; they are checked for unknown keys and
        types only, and their secrets are not read.
    ``measurement`` (string, default ``"readings"``)
        Measurement (table) name: 1-64 letters, digits or ``_``, not starting with a digit.

``[store.sqlite]``
    ``path`` (string, required)
        SQLite database file.

``[store.influxdb2]``
    ``url`` (string, required)
        ``http://host:8086`` or ``https://host:8086``.
    ``org``, ``bucket`` (string, required)
        Organisation and bucket.
    ``token_env`` or ``token_file`` (string, one required)
        Environment variable or file holding the API token. A literal ``token`` is refused.

``[store.influxdb1]``
    ``url`` (string, required)
        ``http://host:8086`` or ``https://host:8086``.
    ``database`` (string, required)
        Database.
    ``retention_policy`` (string, optional)
        Retention policy; the database default if left out.
    ``username`` (string, optional)
        User name.
    ``password_env`` or ``password_file`` (string, optional)
        Environment variable or file holding the password; needs ``username``.

``[collector]`` (optional)
    ``quarantine_path`` (string, default ``"data/quarantine.sqlite"``)
        SQLite file for refused messages.
    ``quarantine_max_rows`` (integer, default ``100000``)
        Rows kept in quarantine before the oldest are evicted [-], >= 1.
    ``batch_max_readings`` (integer, default ``5000``)
        Readings per store write, at most [-], >= 1.
    ``batch_max_wait_ms`` (integer, default ``0``)
        Longest wait for more messages before a partial batch is written [ms], >= 0.
        0 writes as soon as the queue is empty: the collector acknowledges only after
        writing and the broker sends only a few unacknowledged messages at a time, so
        waiting adds latency, not batch size.
    ``max_payload_bytes`` (integer, default ``262144``)
        Larger MQTT payloads are quarantined [B], >= 1.
    ``max_future_s`` (float, default ``300.0``)
        Device times further ahead of the clock are refused [s], > 0.
    ``stats_interval_s`` (float, default ``30.0``)
        Interval between statistics log lines [s], > 0.
    ``spool_path`` (string, default ``"data/spool.sqlite"``)
        SQLite file where readings wait while the store is unreachable; they are
        acknowledged to the broker once there and replayed in order when it returns.
    ``spool_max_mb`` (float, default ``1024.0``)
        Size bound of the spooled readings [MB], > 0. When full, the collector stops
        acknowledging and the broker keeps the rest.

``[alarms]`` (optional)
    Alarm rules of every line; the thresholds come from the line (``degradation_c``,
    ``process_window_c``, ``nominal_throughput_kg_h``) and the sensor (``interval_s``).
    ``path`` (string, default ``"data/alarms.sqlite"``)
        SQLite file of alarm events (raised, cleared).
    ``min_duration_s`` (float, default ``30.0``)
        A condition must hold this long before an alarm is raised, and its end this
        long before it is cleared [s] of device time, >= 0.
    ``hysteresis_c`` (float, default ``5.0``)
        A temperature alarm clears this far back inside its threshold [°C], >= 0.
    ``running_min_kg_h`` (float, default ``1.0``)
        The line counts as running from this throughput [kg/h], > 0.
    ``throughput_low_fraction`` (float, default ``0.5``)
        Throughput drop: running below this share of the nominal throughput [-], 0-1.
    ``silent_intervals`` (float, default ``30.0``)
        A clocked sensor is silent after this many expected intervals without a
        reading [-], >= 1.
    ``stuck_intervals`` (integer, default ``120``)
        A temperature sensor is stuck when its value has not changed for this many
        expected intervals [-], >= 2.
    ``dioxin_window_c`` (array of two floats, default ``[200.0, 450.0]``)
        PCDD/F de novo formation window [low, high] [°C] for ``furnace_temp`` sensors.
    ``dioxin_dwell_s`` (float, default ``300.0``)
        A furnace temperature dwelling in that window this long raises an alarm [s], > 0.

``[survey]`` (optional)
    ``path`` (string, default ``"data/survey.sqlite"``)
        SQLite file where ``pilot import`` stores survey and manual-log rows, and the
        rows it refused with their reasons.

``[simulation]`` (optional)
    ``seed`` (integer, default ``2019``)
        Random seed of the line simulators, >= 0.
    ``batch_size`` (integer, default ``10``)
        Readings per MQTT message, 1-5000.
    ``outbox_dir`` (string, default ``"data/outbox"``)
        Folder of the simulators' on-disk outboxes (one SQLite file per line): messages
        wait there until the broker acknowledges them, and are resent in order after
        an outage.
    ``outbox_max_mb`` (float, default ``64.0``)
        Size bound of each outbox [MB of payload], > 0. When full, the oldest messages
        not yet sent are dropped and counted.

``[[sites]]`` (at least one)
    ``id`` (string, required)
        Site id, used in topics: 1-64 characters of ``a-z``, ``0-9``, ``-``, ``_``,
        starting with a letter or digit; unique.
    ``name`` (string, required)
        Display name.
    ``name_vi`` (string, default ``name``)
        Vietnamese display name, with diacritics.
    ``households`` (array of tables, default ``[]``)
        ``{ id = "mk-h01", name = "Hộ 01" }``: ``id`` follows the site-id rules and is
        unique in the site (intake readings carry it); ``name`` is required.
    ``lines`` (array of tables, required)
        ``[[sites.lines]]``, at least one.

``[[sites.lines]]``
    ``id`` (string, required)
        Line id, as site ids; unique in the site.
    ``name`` (string, required), ``name_vi`` (string, default ``name``)
        Display names.
    ``product`` (string, required)
        Free text: bricks, tiles, fences, trays...
    ``process_window_c`` (array of two floats, required)
        Melt/process temperature window [low, high] [°C]; low < high.
    ``degradation_c`` (float, required)
        Polymer degradation threshold [°C], above the window's high end.
    ``nominal_throughput_kg_h`` (float, required)
        Design throughput [kg/h], > 0.
    ``heater_kw`` (float, required)
        Installed heater power [kW], > 0.
    ``sensors`` (array of tables, required)
        The line's sensors, at least one (below). A line has at most one sensor of each
        kind, except ``barrel_temp``: one per zone.

Sensor tables, ``sensors = [ { id = "zone1_temp", ... }, ... ]``
    ``id`` (string, required)
        Sensor id, as site ids; unique in the line; not ``alarms`` (reserved for the
        line's alarm topic).
    ``kind`` (string, required)
        One of :data:`sensors.catalog.KINDS`.
    ``unit`` (string, required)
        The kind's canonical unit: ``degC``, ``kg/h``, ``kWh`` or ``kg``.
    ``valid`` (array of two floats, required)
        Plausible range [min, max] [``unit``]; min < max. Readings outside are quarantined.
    ``interval_s`` (float, required)
        Expected interval between readings [s], > 0; typical interval for event sensors.
    ``zone`` (integer, required for ``barrel_temp``, not allowed otherwise)
        Barrel zone, >= 1, counted from the feed end.
    ``setpoint`` (float, optional)
        Controller setpoint [``unit``], inside ``valid``.
    ``counter`` (boolean, default ``false``)
        The value is a running total (energy meter).
    ``event`` (boolean, default ``false``)
        Readings come per event (intake weighings), not on a clock. Not with ``counter``.

``[[periods]]`` (optional)
    ``id`` (string, required)
        Period id, as site ids; unique.
    ``kind`` (string, required)
        ``baseline`` or ``post``.
    ``start``, ``end`` (offset date-time, required)
        e.g. ``2019-06-03T00:00:00+07:00``; a date-time without offset is an error.
        Converted to UTC; ``end`` is exclusive and after ``start``.
    ``sites`` (array of strings, default all sites)
        Ids of the sites the period covers; each must be a ``[[sites]]`` id.

``[agent]`` and ``[[agent.devices]]`` (optional)
    Modbus devices a gateway polls with ``pilot agent``; see :mod:`pilot.config_agent`.

``[[factors]]`` (optional)
    Site-measured emission factors, added to the bundled library (``pilot factors
    list``). Keys are the columns of :mod:`emission_factors.library`: ``id``,
    ``source_category``, ``toolkit_class``, ``pollutant``, ``vector``, ``value``,
    ``unit``, ``activity_basis``, ``confidence``, ``verification``, ``document``,
    ``edition``, ``table`` (required: provenance is required as for the bundled
    factors), ``description``, ``teq_scheme`` (required for TEQ units), ``url``, ``note``.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sensors.catalog import KINDS, Catalog, SensorSpec
from sensors.errors import TopicError
from sensors.modbus.devices import Device
from sensors.mqtt import BrokerSettings
from sensors.schema import MAX_BATCH
from sensors.topics import RESERVED_SENSOR_IDS, check_id, check_prefix

__all__ = [
    "PERIOD_KINDS",
    "STORE_KINDS",
    "AgentSettings",
    "AlarmSettings",
    "CollectorSettings",
    "Config",
    "ConfigError",
    "ConfigProblem",
    "Household",
    "Line",
    "Period",
    "SimulationSettings",
    "Site",
    "StoreSettings",
    "SurveySettings",
    "check_config",
    "default_config_path",
    "load_config",
    "parse_config",
]

#: Store back-ends a configuration may select with ``[store] kind``.
STORE_KINDS: tuple[str, ...] = ("sqlite", "influxdb2", "influxdb1")
#: Period kinds: before the pilot lines (``baseline``) and after them (``post``).
PERIOD_KINDS: tuple[str, ...] = ("baseline", "post")

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_MEASUREMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)$")
# MQTT 3.1.1 cannot carry a larger packet (remaining length is at most 268,435,455 bytes).
_MQTT_MAX_PACKET = 268_435_455


# ---------------------------------------------------------------------------------------
# Problems and errors


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with a configuration.

    Parameters
    ----------
    path
        The configuration file (or the ``source`` given to :func:`parse_config`).
    key
        Key path of the offending value, e.g. ``sites[0].lines[1].sensors[3].valid``;
        empty for problems of the whole document (unreadable file, TOML syntax).
    message
        What is wrong and what is expected. Never contains a secret.
    line, column
        Position in the file [1-based], for TOML syntax errors only.
    """

    path: str
    key: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if not self.key:
            return f"{self.path}: {self.message}"
        return f"{self.path}: {self.key}: {self.message}"


class ConfigError(Exception):
    """A configuration has problems; ``problems`` lists all of them.

    Parameters
    ----------
    problems
        Every problem found, in file order as far as the checks allow.
    """

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems: list[ConfigProblem] = list(problems)
        count = len(self.problems)
        head = f"{count} configuration problem{'' if count == 1 else 's'}:"
        super().__init__("\n".join([head, *(f"  {problem}" for problem in self.problems)]))


# ---------------------------------------------------------------------------------------
# Configuration objects


@dataclass(frozen=True, slots=True)
class Household:
    """A household that delivers plastic to a pilot line (intake weighings carry its id)."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Line:
    """One pilot line.

    Parameters
    ----------
    site, id
        Site id and line id, as in the MQTT topic.
    name, name_vi
        Display names, English and Vietnamese.
    product
        Free text: what the line makes.
    process_window_c
        Melt/process temperature window (low, high) [°C].
    degradation_c
        Polymer degradation threshold [°C].
    nominal_throughput_kg_h
        Design throughput [kg/h].
    heater_kw
        Installed heater power [kW].
    sensors
        The line's sensors, in configuration order.
    """

    site: str
    id: str
    name: str
    name_vi: str
    product: str
    process_window_c: tuple[float, float]
    degradation_c: float
    nominal_throughput_kg_h: float
    heater_kw: float
    sensors: tuple[SensorSpec, ...]


@dataclass(frozen=True, slots=True)
class Site:
    """A craft village with its households and pilot lines."""

    id: str
    name: str
    name_vi: str
    households: tuple[Household, ...]
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Period:
    """A measurement campaign.

    Parameters
    ----------
    id
        Period id.
    kind
        ``baseline`` or ``post``.
    start, end
        Aware UTC datetimes; ``start <= t < end``.
    sites
        Ids of the sites the period covers.
    """

    id: str
    kind: str
    start: datetime
    end: datetime
    sites: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Where the collector writes readings; fields of other kinds are ``None``.

    Parameters
    ----------
    kind
        One of :data:`STORE_KINDS`.
    measurement
        Measurement (table) name.
    sqlite_path
        SQLite file (``sqlite``).
    url
        InfluxDB HTTP URL (``influxdb2``, ``influxdb1``).
    org, bucket, token
        InfluxDB 2 organisation, bucket and API token.
    database, retention_policy, username, password
        InfluxDB 1 database, retention policy and credentials.
    """

    kind: str
    measurement: str = "readings"
    sqlite_path: Path | None = None
    url: str | None = None
    org: str | None = None
    bucket: str | None = None
    token: str | None = field(default=None, repr=False)
    database: str | None = None
    retention_policy: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class CollectorSettings:
    """Limits and timing of the collector.

    Parameters
    ----------
    quarantine_path
        SQLite file for refused messages.
    quarantine_max_rows
        Rows kept before the oldest are evicted [-].
    batch_max_readings
        Readings per store write, at most [-].
    batch_max_wait_ms
        Longest wait before a partial batch is written [ms].
    max_payload_bytes
        Larger payloads are quarantined [B].
    max_future_s
        Device times further ahead of the clock are refused [s].
    stats_interval_s
        Interval between statistics log lines [s].
    spool_path
        SQLite file of readings waiting for an unreachable store.
    spool_max_mb
        Size bound of the spool [MB].
    """

    quarantine_path: Path
    quarantine_max_rows: int = 100_000
    batch_max_readings: int = 5000
    batch_max_wait_ms: int = 0
    max_payload_bytes: int = 262_144
    max_future_s: float = 300.0
    stats_interval_s: float = 30.0
    spool_path: Path = Path("data/spool.sqlite")
    spool_max_mb: float = 1024.0


@dataclass(frozen=True, slots=True)
class AlarmSettings:
    """Alarm rules shared by every line (see ``[alarms]`` in the module docstring).

    Parameters
    ----------
    path
        SQLite file of alarm events.
    min_duration_s
        Time a condition (or its end) must hold before raising (or clearing) [s].
    hysteresis_c
        Clearing margin of temperature alarms [°C].
    running_min_kg_h
        Throughput from which the line counts as running [kg/h].
    throughput_low_fraction
        Throughput drop threshold as a share of the nominal throughput [-].
    silent_intervals
        Expected intervals without a reading before a sensor is silent [-].
    stuck_intervals
        Expected intervals of an unchanged temperature before a sensor is stuck [-].
    dioxin_window_c
        PCDD/F formation window (low, high) [°C].
    dioxin_dwell_s
        Dwell in that window that raises an alarm [s].
    """

    path: Path = Path("data/alarms.sqlite")
    min_duration_s: float = 30.0
    hysteresis_c: float = 5.0
    running_min_kg_h: float = 1.0
    throughput_low_fraction: float = 0.5
    silent_intervals: float = 30.0
    stuck_intervals: int = 120
    dioxin_window_c: tuple[float, float] = (200.0, 450.0)
    dioxin_dwell_s: float = 300.0


@dataclass(frozen=True, slots=True)
class SurveySettings:
    """Survey and manual-log import (``pilot import``): the SQLite file of imported and
    refused rows."""

    path: Path = Path("data/survey.sqlite")


@dataclass(frozen=True, slots=True)
class SimulationSettings:
    """Line simulators: random seed [-], readings per MQTT message [-], outbox folder and
    bound of each outbox [MB]."""

    seed: int = 2019
    batch_size: int = 10
    outbox_dir: Path = Path("data/outbox")
    outbox_max_mb: float = 64.0


@dataclass(frozen=True, slots=True)
class AgentSettings:
    """Modbus device agent of a gateway (``pilot agent``; ``[agent]``, read by
    :mod:`pilot.config_agent`).

    Parameters
    ----------
    client_id
        MQTT client id of the gateway.
    batch_size
        Readings per MQTT message, at most [-].
    outbox_path
        The gateway's on-disk outbox (SQLite file).
    outbox_max_mb
        Size bound of the outbox [MB].
    backoff_base_s, backoff_cap_s
        Retry backoff of a failing device: first wait and longest wait [s].
    clock_tolerance_s
        Wall-clock jump that is logged as a warning [s].
    stats_interval_s
        Interval between log lines with the fault counters [s].
    devices
        The polled devices with their points.
    """

    devices: tuple[Device, ...]
    client_id: str = "upops-agent"
    batch_size: int = 10
    outbox_path: Path = Path("data/agent-outbox.sqlite")
    outbox_max_mb: float = 64.0
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    clock_tolerance_s: float = 2.0
    stats_interval_s: float = 60.0


@dataclass(frozen=True, slots=True)
class Config:
    """A checked deployment configuration. Build it with :func:`load_config`.

    Parameters
    ----------
    path
        The file it was read from, or ``None`` for :func:`parse_config`.
    name
        Deployment name.
    topic_prefix
        MQTT topic prefix.
    timezone
        IANA time-zone name for reports; :attr:`tzinfo` gives the zone.
    broker, store, collector, simulation, alarms, survey
        Section settings.
    sites, periods
        In configuration order.
    """

    path: Path | None
    name: str
    topic_prefix: str
    timezone: str
    broker: BrokerSettings
    store: StoreSettings
    collector: CollectorSettings
    simulation: SimulationSettings
    sites: tuple[Site, ...]
    periods: tuple[Period, ...]
    alarms: AlarmSettings = field(default_factory=AlarmSettings)
    survey: SurveySettings = field(default_factory=SurveySettings)
    #: ``[[factors]]``: site-measured emission factors, checked mappings of the
    #: ``emission_factors.library`` columns.
    factors: tuple[dict[str, Any], ...] = ()
    #: ``[agent]``: the Modbus devices a gateway polls; ``None`` without the section.
    agent: AgentSettings | None = None

    @property
    def tzinfo(self) -> ZoneInfo:
        """The report time zone."""
        return ZoneInfo(self.timezone)

    def catalog(self) -> Catalog:
        """Sensor catalogue of every line, with ``max_future_s`` from ``[collector]``."""
        specs = [spec for site in self.sites for line in site.lines for spec in line.sensors]
        return Catalog(specs, max_future_s=self.collector.max_future_s)

    def site(self, site_id: str) -> Site:
        """The site ``site_id``; :class:`KeyError` naming the configured ids if unknown."""
        for site in self.sites:
            if site.id == site_id:
                return site
        known = ", ".join(site.id for site in self.sites)
        raise KeyError(f"no site {site_id!r} in the configuration; configured: {known}")

    def line(self, site_id: str, line_id: str) -> Line:
        """The line ``line_id`` of site ``site_id``; :class:`KeyError` if unknown."""
        site = self.site(site_id)
        for line in site.lines:
            if line.id == line_id:
                return line
        known = ", ".join(line.id for line in site.lines)
        raise KeyError(f"no line {line_id!r} at site {site_id!r}; configured: {known}")

    def lines(self):  # type: ignore[no-untyped-def]
        """TEMPORARY shim until the configuration package lands."""
        from pilot.wiring import line_infos

        return line_infos(self)

    @property
    def line_states(self):  # type: ignore[no-untyped-def]
        from models.states import StateThresholds

        return StateThresholds(running_min_kg_h=self.alarms.running_min_kg_h)

    def period(self, period_id: str) -> Period:
        """The period ``period_id``; :class:`KeyError` naming the configured ids if unknown."""
        for period in self.periods:
            if period.id == period_id:
                return period
        known = ", ".join(period.id for period in self.periods) or "none"
        raise KeyError(f"no period {period_id!r} in the configuration; configured: {known}")

    def periods_of(self, kind: str) -> tuple[Period, ...]:
        """Periods of ``kind`` (``baseline`` or ``post``), in configuration order.

        Raises
        ------
        ValueError
            If ``kind`` is not one of :data:`PERIOD_KINDS`.
        """
        if kind not in PERIOD_KINDS:
            raise ValueError(f"period kind {kind!r} must be one of {', '.join(PERIOD_KINDS)}")
        return tuple(period for period in self.periods if period.kind == kind)


# ---------------------------------------------------------------------------------------
# Public functions


def default_config_path() -> Path:
    """Path of the example configuration shipped in the package (``pilot/examples``)."""
    # A real path, not an importlib.resources Traversable, because relative paths in the
    # file are resolved against its folder.
    return Path(__file__).resolve().parent / "examples" / "pilot-lines.toml"


def load_config(path: str | Path, *, environ: Mapping[str, str] | None = None) -> Config:
    """Read and check a configuration file.

    Parameters
    ----------
    path
        TOML file; relative paths inside it are relative to its folder.
    environ
        Where ``*_env`` secrets are looked up; :data:`os.environ` if ``None``.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        Listing every problem found.
    """
    config, problems = _check_file(Path(path), environ)
    if config is None:
        raise ConfigError(problems)
    return config


def check_config(
    path: str | Path, *, environ: Mapping[str, str] | None = None
) -> list[ConfigProblem]:
    """Every problem of a configuration file; an empty list when it is valid.

    Parameters
    ----------
    path
        TOML file.
    environ
        Where ``*_env`` secrets are looked up; :data:`os.environ` if ``None``.

    Returns
    -------
    list of ConfigProblem
    """
    return _check_file(Path(path), environ)[1]


def parse_config(
    text: str,
    *,
    base_dir: Path,
    environ: Mapping[str, str] | None = None,
    source: str = "<string>",
) -> Config:
    """Check a configuration given as TOML text.

    Parameters
    ----------
    text
        The TOML document.
    base_dir
        Folder relative paths are resolved against.
    environ
        Where ``*_env`` secrets are looked up; :data:`os.environ` if ``None``.
    source
        Name used as ``path`` in problems.

    Returns
    -------
    Config
        With ``path=None``.

    Raises
    ------
    ConfigError
        Listing every problem found.
    """
    checker = _Checker(source, Path(base_dir), os.environ if environ is None else environ)
    config = _check_text(checker, text, None)
    if config is None:
        raise ConfigError(checker.problems)
    return config


# ---------------------------------------------------------------------------------------
# Driver


class _Checker:
    """Collects problems while the sections are read."""

    def __init__(self, source: str, base_dir: Path, environ: Mapping[str, str]) -> None:
        self.source = source
        self.base_dir = base_dir
        self.environ = environ
        self.problems: list[ConfigProblem] = []

    def add(
        self, key: str, message: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        self.problems.append(ConfigProblem(self.source, key, message, line, column))

    def mark(self) -> int:
        return len(self.problems)

    def failed_since(self, mark: int) -> bool:
        return len(self.problems) > mark


def _check_file(
    path: Path, environ: Mapping[str, str] | None
) -> tuple[Config | None, list[ConfigProblem]]:
    absolute = path.absolute()
    checker = _Checker(str(path), absolute.parent, os.environ if environ is None else environ)
    try:
        raw = absolute.read_bytes()
    except (OSError, ValueError) as err:
        # ValueError: a NUL character in the path.
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        checker.add("", f"cannot read the configuration file: {reason}")
        return None, checker.problems
    try:
        # utf-8-sig: Windows editors (Notepad) may save a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        checker.add("", f"the file is not UTF-8 text (byte {err.start} is invalid)")
        return None, checker.problems
    config = _check_text(checker, text, absolute)
    return config, checker.problems


def _check_text(checker: _Checker, text: str, path: Path | None) -> Config | None:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        _report_syntax_error(checker, text, str(err))
        return None
    except RecursionError:
        checker.add("", "TOML syntax error: arrays or tables are nested too deeply")
        return None
    return _build_config(checker, doc, path)


def _report_syntax_error(checker: _Checker, text: str, message: str) -> None:
    match = _TOML_POSITION.search(message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        reason = message[: match.start()].rstrip()
    elif message.endswith("(at end of document)"):
        # Unclosed arrays and strings: point at the end, where an editor can find it.
        line, column = text.count("\n") + 1, len(text.rsplit("\n", 1)[-1]) + 1
        reason = message
    else:
        checker.add("", f"TOML syntax error: {message}")
        return
    checker.add(
        "",
        f"TOML syntax error at line {line}, column {column}: {reason}",
        line=line,
        column=column,
    )


_TOP_KEYS = (
    "deployment",
    "broker",
    "store",
    "collector",
    "alarms",
    "survey",
    "simulation",
    "sites",
    "periods",
    "factors",
    "agent",
)


def _build_config(ck: _Checker, doc: dict[str, Any], path: Path | None) -> Config | None:
    _rule_known_keys(ck, doc, "", _TOP_KEYS)
    name, topic_prefix, timezone = _deployment(ck, doc)
    broker = _broker(ck, doc)
    store = _store(ck, doc)
    collector = _collector(ck, doc)
    alarms = _alarms(ck, doc)
    simulation = _simulation(ck, doc)
    survey = _survey(ck, doc)
    sites, site_ids = _sites(ck, doc)
    periods = _periods(ck, doc, site_ids)
    factors = _factors(ck, doc)
    # Read by its own module (the devices and their register points); imported here
    # because it builds on this module's readers.
    from pilot.config_agent import parse_agent

    agent_ok, agent = parse_agent(ck, doc, sites)
    if (
        ck.problems
        or name is None
        or topic_prefix is None
        or timezone is None
        or broker is None
        or store is None
        or collector is None
        or alarms is None
        or simulation is None
        or survey is None
        or sites is None
        or periods is None
        or factors is None
        or not agent_ok
    ):
        return None
    return Config(
        path=path,
        name=name,
        topic_prefix=topic_prefix,
        timezone=timezone,
        broker=broker,
        store=store,
        collector=collector,
        simulation=simulation,
        sites=sites,
        periods=periods,
        alarms=alarms,
        survey=survey,
        factors=factors,
        agent=agent,
    )


# ---------------------------------------------------------------------------------------
# Value readers: each returns the value or None, and records a problem when the value is
# present but wrong (or required and missing).


def _key(where: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{where}[{name}]"
    # Quote names that TOML could not write bare, so the key path stays unambiguous.
    text = name if _BARE_KEY.match(name) else json.dumps(name)
    return f"{where}.{text}" if where else text


def _type_name(value: object) -> str:
    # TOML's own names, since the reader is editing a TOML file.
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime):
        return "an offset date-time" if value.tzinfo else "a local date-time"
    if isinstance(value, date):
        return "a local date"
    if isinstance(value, time):
        return "a local time"
    return type(value).__name__


def _lookup(
    ck: _Checker, table: dict[str, Any], where: str, name: str, expected: str, required: bool
) -> tuple[bool, Any]:
    if name in table:
        return True, table[name]
    if required:
        ck.add(_key(where, name), f"required key is missing; expected {expected}")
    return False, None


def _string(
    ck: _Checker,
    table: dict[str, Any],
    where: str,
    name: str,
    *,
    required: bool = True,
    default: str | None = None,
) -> str | None:
    found, value = _lookup(ck, table, where, name, "a string", required)
    if not found:
        return default
    if not isinstance(value, str):
        ck.add(_key(where, name), f"expected a string, got {_type_name(value)}")
        return None
    if not value.strip():
        ck.add(_key(where, name), "must not be empty")
        return None
    return value


def _integer(
    ck: _Checker,
    table: dict[str, Any],
    where: str,
    name: str,
    *,
    required: bool = True,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    found, value = _lookup(ck, table, where, name, "an integer", required)
    if not found:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        ck.add(_key(where, name), f"expected an integer, got {_type_name(value)}")
        return None
    if minimum is not None and value < minimum:
        ck.add(_key(where, name), f"must be at least {minimum}, got {value}")
        return None
    if maximum is not None and value > maximum:
        ck.add(_key(where, name), f"must be at most {maximum}, got {value}")
        return None
    return value


def _as_float(value: object) -> float | None:
    """``value`` as a finite float, or None if it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _number(
    ck: _Checker,
    table: dict[str, Any],
    where: str,
    name: str,
    *,
    unit: str,
    required: bool = True,
    default: float | None = None,
    positive: bool = False,
) -> float | None:
    found, value = _lookup(ck, table, where, name, f"a number [{unit}]", required)
    if not found:
        return default
    number = _as_float(value)
    if number is None:
        if isinstance(value, int) and not isinstance(value, bool):
            got = "an integer too large for a float"
        elif isinstance(value, float):
            got = "a non-finite number"
        else:
            got = _type_name(value)
        ck.add(_key(where, name), f"expected a finite number [{unit}], got {got}")
        return None
    if positive and number <= 0:
        ck.add(_key(where, name), f"must be greater than 0 [{unit}], got {number:g}")
        return None
    return number


def _boolean(
    ck: _Checker, table: dict[str, Any], where: str, name: str, *, default: bool
) -> bool | None:
    found, value = _lookup(ck, table, where, name, "true or false", False)
    if not found:
        return default
    if not isinstance(value, bool):
        ck.add(_key(where, name), f"expected true or false, got {_type_name(value)}")
        return None
    return value


def _pair(
    ck: _Checker, table: dict[str, Any], where: str, name: str, *, unit: str
) -> tuple[float, float] | None:
    expected = f"an array of two numbers [low, high] [{unit}]"
    found, value = _lookup(ck, table, where, name, expected, True)
    if not found:
        return None
    numbers = [_as_float(item) for item in value] if isinstance(value, list) else []
    if len(numbers) != 2 or numbers[0] is None or numbers[1] is None:
        ck.add(_key(where, name), f"expected {expected}")
        return None
    return (numbers[0], numbers[1])


def _path(
    ck: _Checker,
    table: dict[str, Any],
    where: str,
    name: str,
    *,
    required: bool = True,
    default: str | None = None,
) -> Path | None:
    value = _string(ck, table, where, name, required=required, default=default)
    if value is None:
        return None
    if "\0" in value:
        ck.add(_key(where, name), "a path must not contain a NUL character")
        return None
    try:
        path = Path(value).expanduser()
    except RuntimeError:
        ck.add(_key(where, name), "cannot expand '~': the home folder is unknown")
        return None
    return path if path.is_absolute() else ck.base_dir / path


def _subtable(
    ck: _Checker, table: dict[str, Any], where: str, name: str, *, required: bool = True
) -> dict[str, Any] | None:
    found, value = _lookup(ck, table, where, name, f"a [{_key(where, name)}] table", False)
    if not found:
        if required:
            ck.add(_key(where, name), f"required section [{_key(where, name)}] is missing")
        return None
    if not isinstance(value, dict):
        ck.add(_key(where, name), f"expected a table, got {_type_name(value)}")
        return None
    return value


def _tables(
    ck: _Checker, table: dict[str, Any], where: str, name: str, *, required: bool = True
) -> list[tuple[str, dict[str, Any]]] | None:
    """The tables of an array of tables, each with its key path, or None."""
    key = _key(where, name)
    found, value = _lookup(ck, table, where, name, "an array of tables", required)
    if not found:
        return [] if not required else None
    if not isinstance(value, list):
        ck.add(key, f"expected an array of tables, got {_type_name(value)}")
        return None
    if required and not value:
        ck.add(key, "must not be empty")
        return None
    items = []
    for index, item in enumerate(value):
        if isinstance(item, dict):
            items.append((_key(key, index), item))
        else:
            ck.add(_key(key, index), f"expected a table, got {_type_name(item)}")
    return items


def _offset_datetime(ck: _Checker, table: dict[str, Any], where: str, name: str) -> datetime | None:
    example = "2019-06-03T00:00:00+07:00"
    found, value = _lookup(ck, table, where, name, f"an offset date-time such as {example}", True)
    if not found:
        return None
    if not isinstance(value, datetime):
        ck.add(
            _key(where, name),
            f"expected an offset date-time such as {example}, got {_type_name(value)}",
        )
        return None
    if value.tzinfo is None:
        ck.add(
            _key(where, name),
            f"has no UTC offset; write it with one, e.g. {example} for Vietnam time",
        )
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:
        ck.add(_key(where, name), "is out of the representable range once converted to UTC")
        return None


def _ident(ck: _Checker, table: dict[str, Any], where: str, what: str) -> str | None:
    value = _string(ck, table, where, "id")
    if value is None:
        return None
    return _rule_valid_id(ck, value, _key(where, "id"), what)


# ---------------------------------------------------------------------------------------
# Rules: one function per invariant.


def _rule_known_keys(
    ck: _Checker,
    table: dict[str, Any],
    where: str,
    allowed: Sequence[str],
    *,
    literal_secrets: Sequence[str] = (),
) -> None:
    """Every key is one the section knows; a literal secret gets its own message."""
    for name in table:
        if name in allowed:
            continue
        key = _key(where, name)
        if name in literal_secrets:
            ck.add(
                key,
                f"a literal {name} is not allowed in the file; give {name}_env (name of an "
                f"environment variable holding it) or {name}_file (path to a file holding it)",
            )
            continue
        close = difflib.get_close_matches(name, allowed, n=1)
        if close:
            ck.add(key, f"unknown key; did you mean {close[0]!r}?")
        else:
            ck.add(key, f"unknown key; expected one of: {', '.join(allowed)}")


def _rule_valid_id(ck: _Checker, value: str, key: str, what: str) -> str | None:
    """Ids become MQTT topic levels, so they follow :func:`sensors.topics.check_id`."""
    try:
        return check_id(value, what)
    except TopicError as err:
        ck.add(key, str(err))
        return None


def _rule_not_reserved(ck: _Checker, sensor_id: str | None, key: str) -> str | None:
    """``alarms`` is the line's alarm topic level, so no sensor may publish there."""
    if sensor_id is not None and sensor_id in RESERVED_SENSOR_IDS:
        ck.add(key, f"sensor id {sensor_id!r} is reserved for the line's alarm topic; rename it")
        return None
    return sensor_id


def _rule_unique_ids(ck: _Checker, entries: Sequence[tuple[str, str | None]], what: str) -> None:
    """No id appears twice among ``entries`` of (key path, id)."""
    first: dict[str, str] = {}
    for key, value in entries:
        if value is None:
            continue
        if value in first:
            ck.add(key, f"duplicate {what} id {value!r}; first used at {first[value]}")
        else:
            first[value] = key


def _rule_range_ordered(
    ck: _Checker, pair: tuple[float, float] | None, key: str, unit: str
) -> tuple[float, float] | None:
    """A [min, max] range has min < max."""
    if pair is None:
        return None
    if not pair[0] < pair[1]:
        ck.add(key, f"min must be less than max, got [{pair[0]:g}, {pair[1]:g}] [{unit}]")
        return None
    return pair


def _rule_process_window(
    ck: _Checker, window: tuple[float, float] | None, degradation_c: float | None, where: str
) -> None:
    """low < high < degradation: the line must be able to run without degrading polymer."""
    if window is None:
        return
    low, high = window
    if not low < high:
        ck.add(
            _key(where, "process_window_c"),
            f"low must be less than high, got [{low:g}, {high:g}] [°C]",
        )
    elif degradation_c is not None and not high < degradation_c:
        ck.add(
            _key(where, "degradation_c"),
            f"must be above the top of the process window ({high:g} °C), got {degradation_c:g} °C",
        )


def _rule_kind_known(ck: _Checker, kind: str | None, key: str) -> str | None:
    if kind is None:
        return None
    if kind not in KINDS:
        ck.add(key, f"unknown sensor kind {kind!r}; expected one of: {', '.join(KINDS)}")
        return None
    return kind


def _rule_canonical_unit(ck: _Checker, kind: str | None, unit: str | None, key: str) -> None:
    """The unit is the kind's canonical unit, so models never convert units."""
    if kind is None or unit is None:
        return
    if unit != KINDS[kind]:
        ck.add(key, f"unit {unit!r} is not the unit of kind {kind}; expected {KINDS[kind]!r}")


def _rule_zone(ck: _Checker, kind: str | None, table: dict[str, Any], where: str) -> None:
    """barrel_temp sensors need a zone; other kinds have none."""
    if kind is None:
        return
    if kind == "barrel_temp" and "zone" not in table:
        ck.add(_key(where, "zone"), "required key is missing; barrel_temp sensors need a zone")
    elif kind != "barrel_temp" and "zone" in table:
        ck.add(_key(where, "zone"), f"only barrel_temp sensors have a zone, not {kind}")


def _rule_setpoint_in_range(
    ck: _Checker, setpoint: float | None, valid: tuple[float, float] | None, key: str
) -> None:
    if setpoint is None or valid is None:
        return
    if not valid[0] <= setpoint <= valid[1]:
        ck.add(
            key,
            f"setpoint {setpoint:g} is outside the valid range [{valid[0]:g}, {valid[1]:g}]",
        )


def _rule_counter_or_event(
    ck: _Checker, counter: bool | None, event: bool | None, where: str
) -> None:
    """A running total is read on a clock; event readings are amounts, not totals."""
    if counter and event:
        ck.add(_key(where, "event"), "a sensor cannot be both a counter and an event sensor")


def _rule_one_sensor_per_kind(
    ck: _Checker, entries: Sequence[tuple[str, str, str | None, int | None]]
) -> None:
    """At most one sensor of each kind per line, except barrel_temp: one per zone.

    ``entries`` holds (key path, sensor id, kind, zone) of each sensor.
    """
    kinds: dict[str, str] = {}
    zones: dict[int, str] = {}
    for where, sensor_id, kind, zone in entries:
        if kind is None:
            continue
        if kind == "barrel_temp":
            if zone is None:
                continue
            if zone in zones:
                ck.add(
                    _key(where, "zone"),
                    f"zone {zone} already has a barrel_temp sensor ({zones[zone]}); "
                    "barrel_temp sensors need distinct zones",
                )
            else:
                zones[zone] = sensor_id
        elif kind in kinds:
            ck.add(
                _key(where, "kind"),
                f"the line already has a {kind} sensor ({kinds[kind]}); only barrel_temp "
                "may appear more than once",
            )
        else:
            kinds[kind] = sensor_id


def _rule_timezone(ck: _Checker, name: str | None, key: str) -> str | None:
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        ck.add(key, f"unknown time zone {name!r}; expected an IANA name such as Asia/Ho_Chi_Minh")
        return None
    return name


def _rule_topic_prefix(ck: _Checker, prefix: str | None, key: str) -> str | None:
    if prefix is None:
        return None
    try:
        return check_prefix(prefix)
    except TopicError as err:
        ck.add(key, str(err))
        return None


def _rule_broker_url(ck: _Checker, url: str | None, key: str) -> str | None:
    """The URL is one :class:`BrokerSettings` accepts, with a usable port."""
    if url is None:
        return None
    try:
        parts = urlsplit(url)
    except ValueError as err:
        ck.add(key, f"broker url is malformed: {err}")
        return None
    if "@" in parts.netloc:
        # Checked here, before BrokerSettings, whose message would repeat the URL and so
        # any password written into it.
        ck.add(key, "broker url must not carry credentials; give username and password_env")
        return None
    try:
        BrokerSettings(url=url)
        _ = parts.port
    except ValueError as err:
        ck.add(key, str(err))
        return None
    return url


def _rule_http_url(ck: _Checker, url: str | None, key: str) -> str | None:
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError as err:
        ck.add(key, f"url is malformed: {err}")
        return None
    if "@" in parts.netloc:
        ck.add(key, "url must not carry credentials; use the username and secret keys")
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        ck.add(key, f"url {url!r} must look like http://host:8086 or https://host:8086")
        return None
    return url


def _rule_file_exists(ck: _Checker, path: Path | None, key: str) -> Path | None:
    """Files named for TLS are checked now, not when the first connection fails."""
    if path is None:
        return None
    try:
        if not path.is_file():
            ck.add(key, f"file {str(path)!r} does not exist or is not a file")
            return None
    except (OSError, ValueError) as err:
        ck.add(key, f"cannot check file {str(path)!r}: {err}")
        return None
    return path


def _rule_not_both(
    ck: _Checker, table: dict[str, Any], where: str, first: str, second: str
) -> bool:
    """Only one of two alternative keys; returns False (and reports) if both are given."""
    if first in table and second in table:
        ck.add(_key(where, second), f"give either {first} or {second}, not both")
        return False
    return True


def _rule_env_name(ck: _Checker, name: str, key: str) -> bool:
    # Do not echo a malformed name: it may be the secret itself pasted in by mistake.
    if not _ENV_NAME.match(name):
        ck.add(
            key,
            "must be the name of an environment variable (letters, digits and '_', not "
            "starting with a digit), not the secret itself",
        )
        return False
    return True


def _rule_needs_username(ck: _Checker, table: dict[str, Any], where: str) -> None:
    """A password without a user name would be silently ignored by the clients."""
    has_secret = any(name in table for name in ("password_env", "password_file"))
    has_username = any(name in table for name in ("username", "username_env"))
    if has_secret and not has_username:
        ck.add(_key(where, "username"), "required key is missing; a password needs a username")


def _rule_key_needs_cert(ck: _Checker, table: dict[str, Any], where: str) -> None:
    if "key_file" in table and "cert_file" not in table:
        ck.add(_key(where, "cert_file"), "required key is missing; key_file needs cert_file")


# ---------------------------------------------------------------------------------------
# Secrets


def _from_env(ck: _Checker, name: str, key: str, what: str) -> str | None:
    if not _rule_env_name(ck, name, key):
        return None
    value = ck.environ.get(name)
    if value is None:
        ck.add(key, f"environment variable {name} is not set; set it to the {what}")
        return None
    if not value:
        ck.add(key, f"environment variable {name} is set but empty; set it to the {what}")
        return None
    return value


def _from_file(ck: _Checker, path: Path, key: str, what: str) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        ck.add(key, f"file {str(path)!r} does not exist; it should hold the {what}")
        return None
    except OSError as err:
        ck.add(key, f"cannot read file {str(path)!r}: {err.strerror or type(err).__name__}")
        return None
    except (UnicodeDecodeError, ValueError):
        ck.add(key, f"file {str(path)!r} is not UTF-8 text")
        return None
    # Editors and `echo secret > file` add a final newline that is not part of the secret.
    value = text.rstrip("\r\n")
    if not value:
        ck.add(key, f"file {str(path)!r} is empty; it should hold the {what}")
        return None
    return value


def _secret(
    ck: _Checker,
    table: dict[str, Any],
    where: str,
    base: str,
    *,
    what: str,
    required: bool,
    resolve: bool,
) -> str | None:
    """The secret named by ``<base>_env`` or ``<base>_file``, or None.

    With ``resolve`` false only the keys are checked (a store section that is not
    selected must not need its secrets to be set).
    """
    env_key, file_key = f"{base}_env", f"{base}_file"
    if not _rule_not_both(ck, table, where, env_key, file_key):
        return None
    if env_key in table:
        name = _string(ck, table, where, env_key)
        if name is None:
            return None
        if not resolve:
            _rule_env_name(ck, name, _key(where, env_key))
            return None
        return _from_env(ck, name, _key(where, env_key), what)
    if file_key in table:
        path = _path(ck, table, where, file_key)
        if path is None or not resolve:
            return None
        return _from_file(ck, path, _key(where, file_key), what)
    if required:
        ck.add(
            _key(where, env_key),
            f"required key is missing; give {env_key} (environment variable holding the "
            f"{what}) or {file_key} (file holding it)",
        )
    return None


def _username(ck: _Checker, table: dict[str, Any], where: str, *, resolve: bool) -> str | None:
    if not _rule_not_both(ck, table, where, "username", "username_env"):
        return None
    if "username_env" in table:
        name = _string(ck, table, where, "username_env")
        if name is None or not resolve:
            return None
        return _from_env(ck, name, _key(where, "username_env"), "user name")
    return _string(ck, table, where, "username", required=False)


# ---------------------------------------------------------------------------------------
# Sections


def _deployment(ck: _Checker, doc: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    where = "deployment"
    table = _subtable(ck, doc, "", where)
    if table is None:
        return None, None, None
    _rule_known_keys(ck, table, where, ("name", "topic_prefix", "timezone"))
    name = _string(ck, table, where, "name")
    prefix = _string(ck, table, where, "topic_prefix", required=False, default="upops")
    prefix = _rule_topic_prefix(ck, prefix, _key(where, "topic_prefix"))
    zone = _string(ck, table, where, "timezone", required=False, default="Asia/Ho_Chi_Minh")
    zone = _rule_timezone(ck, zone, _key(where, "timezone"))
    return name, prefix, zone


_BROKER_KEYS = (
    "url",
    "client_id",
    "username",
    "username_env",
    "password_env",
    "password_file",
    "keepalive_s",
    "ca_file",
    "cert_file",
    "key_file",
    "tls_insecure",
)


def _broker(ck: _Checker, doc: dict[str, Any]) -> BrokerSettings | None:
    where = "broker"
    table = _subtable(ck, doc, "", where)
    if table is None:
        return None
    mark = ck.mark()
    _rule_known_keys(ck, table, where, _BROKER_KEYS, literal_secrets=("password",))
    url = _rule_broker_url(ck, _string(ck, table, where, "url"), _key(where, "url"))
    client_id = _string(ck, table, where, "client_id", required=False, default="upops-collector")
    username = _username(ck, table, where, resolve=True)
    password = _secret(
        ck, table, where, "password", what="MQTT password", required=False, resolve=True
    )
    _rule_needs_username(ck, table, where)
    keepalive_s = _integer(
        ck, table, where, "keepalive_s", required=False, default=30, minimum=1, maximum=65535
    )
    files = {}
    for name in ("ca_file", "cert_file", "key_file"):
        path = _path(ck, table, where, name, required=False)
        files[name] = _rule_file_exists(ck, path, _key(where, name))
    _rule_key_needs_cert(ck, table, where)
    tls_insecure = _boolean(ck, table, where, "tls_insecure", default=False)
    if (
        ck.failed_since(mark)
        or url is None
        or client_id is None
        or keepalive_s is None
        or tls_insecure is None
    ):
        return None
    return BrokerSettings(
        url=url,
        client_id=client_id,
        username=username,
        password=password,
        ca_file=files["ca_file"],
        cert_file=files["cert_file"],
        key_file=files["key_file"],
        tls_insecure=tls_insecure,
        keepalive_s=keepalive_s,
    )


def _store(ck: _Checker, doc: dict[str, Any]) -> StoreSettings | None:
    where = "store"
    table = _subtable(ck, doc, "", where)
    if table is None:
        return None
    mark = ck.mark()
    _rule_known_keys(ck, table, where, ("kind", "measurement", *STORE_KINDS))
    kind = _string(ck, table, where, "kind")
    if kind is not None and kind not in STORE_KINDS:
        ck.add(
            _key(where, "kind"),
            f"unknown store kind {kind!r}; expected one of: {', '.join(STORE_KINDS)}",
        )
        kind = None
    measurement = _string(ck, table, where, "measurement", required=False, default="readings")
    if measurement is not None and not _MEASUREMENT.match(measurement):
        # It becomes an SQL table name and an InfluxDB measurement: keep it an identifier.
        ck.add(
            _key(where, "measurement"),
            f"measurement {measurement!r} must be 1-64 letters, digits or '_', not starting "
            "with a digit",
        )
    if kind is not None and kind not in table:
        ck.add(
            _key(where, kind),
            f"store kind is {kind!r} but the [store.{kind}] section is missing",
        )
    settings: dict[str, Any] = {}
    for section in STORE_KINDS:
        sub = _subtable(ck, table, where, section, required=False)
        if sub is not None:
            values = _STORE_SECTIONS[section](ck, sub, _key(where, section), section == kind)
            if section == kind:
                settings = values
    if ck.failed_since(mark) or kind is None or measurement is None:
        return None
    return StoreSettings(kind=kind, measurement=measurement, **settings)


def _store_sqlite(
    ck: _Checker, table: dict[str, Any], where: str, selected: bool
) -> dict[str, Any]:
    """``selected`` false: the section is kept for later and need not be complete."""
    _rule_known_keys(ck, table, where, ("path",))
    return {"sqlite_path": _path(ck, table, where, "path", required=selected)}


def _store_influxdb2(
    ck: _Checker, table: dict[str, Any], where: str, selected: bool
) -> dict[str, Any]:
    _rule_known_keys(
        ck,
        table,
        where,
        ("url", "org", "bucket", "token_env", "token_file"),
        literal_secrets=("token",),
    )
    return {
        "url": _rule_http_url(
            ck, _string(ck, table, where, "url", required=selected), _key(where, "url")
        ),
        "org": _string(ck, table, where, "org", required=selected),
        "bucket": _string(ck, table, where, "bucket", required=selected),
        "token": _secret(
            ck, table, where, "token", what="InfluxDB token", required=selected, resolve=selected
        ),
    }


def _store_influxdb1(
    ck: _Checker, table: dict[str, Any], where: str, selected: bool
) -> dict[str, Any]:
    _rule_known_keys(
        ck,
        table,
        where,
        ("url", "database", "retention_policy", "username", "password_env", "password_file"),
        literal_secrets=("password",),
    )
    username = _string(ck, table, where, "username", required=False)
    password = _secret(
        ck, table, where, "password", what="InfluxDB password", required=False, resolve=selected
    )
    _rule_needs_username(ck, table, where)
    return {
        "url": _rule_http_url(
            ck, _string(ck, table, where, "url", required=selected), _key(where, "url")
        ),
        "database": _string(ck, table, where, "database", required=selected),
        "retention_policy": _string(ck, table, where, "retention_policy", required=False),
        "username": username,
        "password": password,
    }


_STORE_SECTIONS = {
    "sqlite": _store_sqlite,
    "influxdb2": _store_influxdb2,
    "influxdb1": _store_influxdb1,
}

_COLLECTOR_KEYS = (
    "quarantine_path",
    "quarantine_max_rows",
    "batch_max_readings",
    "batch_max_wait_ms",
    "max_payload_bytes",
    "max_future_s",
    "stats_interval_s",
    "spool_path",
    "spool_max_mb",
)


def _collector(ck: _Checker, doc: dict[str, Any]) -> CollectorSettings | None:
    where = "collector"
    table = _subtable(ck, doc, "", where, required=False)
    if table is None:
        if where in doc:
            return None
        table = {}
    _rule_known_keys(ck, table, where, _COLLECTOR_KEYS)
    quarantine_path = _path(
        ck, table, where, "quarantine_path", required=False, default="data/quarantine.sqlite"
    )
    rows = _integer(
        ck, table, where, "quarantine_max_rows", required=False, default=100_000, minimum=1
    )
    batch = _integer(
        ck, table, where, "batch_max_readings", required=False, default=5000, minimum=1
    )
    wait_ms = _integer(ck, table, where, "batch_max_wait_ms", required=False, default=0, minimum=0)
    payload = _integer(
        ck,
        table,
        where,
        "max_payload_bytes",
        required=False,
        default=262_144,
        minimum=1,
        maximum=_MQTT_MAX_PACKET,
    )
    future_s = _number(
        ck, table, where, "max_future_s", unit="s", required=False, default=300.0, positive=True
    )
    stats_s = _number(
        ck, table, where, "stats_interval_s", unit="s", required=False, default=30.0, positive=True
    )
    spool_path = _path(ck, table, where, "spool_path", required=False, default="data/spool.sqlite")
    spool_mb = _number(
        ck, table, where, "spool_max_mb", unit="MB", required=False, default=1024.0, positive=True
    )
    if (
        spool_path is None
        or spool_mb is None
        or quarantine_path is None
        or rows is None
        or batch is None
        or wait_ms is None
        or payload is None
        or future_s is None
        or stats_s is None
    ):
        return None
    return CollectorSettings(
        quarantine_path=quarantine_path,
        quarantine_max_rows=rows,
        batch_max_readings=batch,
        batch_max_wait_ms=wait_ms,
        max_payload_bytes=payload,
        max_future_s=future_s,
        stats_interval_s=stats_s,
        spool_path=spool_path,
        spool_max_mb=spool_mb,
    )


_ALARM_KEYS = (
    "path",
    "min_duration_s",
    "hysteresis_c",
    "running_min_kg_h",
    "throughput_low_fraction",
    "silent_intervals",
    "stuck_intervals",
    "dioxin_window_c",
    "dioxin_dwell_s",
)


def _alarms(ck: _Checker, doc: dict[str, Any]) -> AlarmSettings | None:
    where = "alarms"
    table = _subtable(ck, doc, "", where, required=False)
    if table is None:
        if where in doc:
            return None
        table = {}
    mark = ck.mark()
    _rule_known_keys(ck, table, where, _ALARM_KEYS)
    path = _path(ck, table, where, "path", required=False, default="data/alarms.sqlite")

    def number(name: str, default: float, *, unit: str, positive: bool = False) -> float | None:
        value = _number(
            ck, table, where, name, unit=unit, required=False, default=default, positive=positive
        )
        if value is not None and value < 0:
            ck.add(_key(where, name), f"must be at least 0 [{unit}], got {value:g}")
        return value

    min_duration_s = number("min_duration_s", 30.0, unit="s")
    hysteresis_c = number("hysteresis_c", 5.0, unit="°C")
    running_min = number("running_min_kg_h", 1.0, unit="kg/h", positive=True)
    low_fraction = number("throughput_low_fraction", 0.5, unit="-", positive=True)
    if low_fraction is not None and low_fraction >= 1:
        ck.add(_key(where, "throughput_low_fraction"), f"must be below 1, got {low_fraction:g}")
    silent = number("silent_intervals", 30.0, unit="-")
    if silent is not None and silent < 1:
        ck.add(_key(where, "silent_intervals"), f"must be at least 1, got {silent:g}")
    stuck = _integer(ck, table, where, "stuck_intervals", required=False, default=120, minimum=2)
    window: tuple[float, float] | None = (200.0, 450.0)
    if "dioxin_window_c" in table:
        window = _rule_range_ordered(
            ck,
            _pair(ck, table, where, "dioxin_window_c", unit="°C"),
            _key(where, "dioxin_window_c"),
            "°C",
        )
    dwell_s = number("dioxin_dwell_s", 300.0, unit="s", positive=True)
    if (
        ck.failed_since(mark)
        or path is None
        or min_duration_s is None
        or hysteresis_c is None
        or running_min is None
        or low_fraction is None
        or silent is None
        or stuck is None
        or window is None
        or dwell_s is None
    ):
        return None
    return AlarmSettings(
        path=path,
        min_duration_s=min_duration_s,
        hysteresis_c=hysteresis_c,
        running_min_kg_h=running_min,
        throughput_low_fraction=low_fraction,
        silent_intervals=silent,
        stuck_intervals=stuck,
        dioxin_window_c=window,
        dioxin_dwell_s=dwell_s,
    )


def _simulation(ck: _Checker, doc: dict[str, Any]) -> SimulationSettings | None:
    where = "simulation"
    table = _subtable(ck, doc, "", where, required=False)
    if table is None:
        if where in doc:
            return None
        table = {}
    _rule_known_keys(ck, table, where, ("seed", "batch_size", "outbox_dir", "outbox_max_mb"))
    # numpy's default_rng takes seeds >= 0 only.
    seed = _integer(ck, table, where, "seed", required=False, default=2019, minimum=0)
    # The payload schema refuses messages with more than MAX_BATCH readings.
    batch_size = _integer(
        ck, table, where, "batch_size", required=False, default=10, minimum=1, maximum=MAX_BATCH
    )
    outbox_dir = _path(ck, table, where, "outbox_dir", required=False, default="data/outbox")
    outbox_mb = _number(
        ck, table, where, "outbox_max_mb", unit="MB", required=False, default=64.0, positive=True
    )
    if seed is None or batch_size is None or outbox_dir is None or outbox_mb is None:
        return None
    return SimulationSettings(
        seed=seed, batch_size=batch_size, outbox_dir=outbox_dir, outbox_max_mb=outbox_mb
    )


def _survey(ck: _Checker, doc: dict[str, Any]) -> SurveySettings | None:
    where = "survey"
    table = _subtable(ck, doc, "", where, required=False)
    if table is None:
        if where in doc:
            return None
        table = {}
    _rule_known_keys(ck, table, where, ("path",))
    path = _path(ck, table, where, "path", required=False, default="data/survey.sqlite")
    return None if path is None else SurveySettings(path=path)


def _sites(ck: _Checker, doc: dict[str, Any]) -> tuple[tuple[Site, ...] | None, list[str]]:
    """The sites, and every site id written in the file (for the period checks)."""
    items = _tables(ck, doc, "", "sites")
    if items is None:
        return None, []
    mark = ck.mark()
    sites = []
    ids: list[tuple[str, str | None]] = []
    written: list[str] = []
    for where, table in items:
        raw_id = table.get("id")
        if isinstance(raw_id, str):
            written.append(raw_id)
        site_id = _ident(ck, table, where, "site")
        ids.append((_key(where, "id"), site_id))
        sites.append(_site(ck, table, where, site_id))
    _rule_unique_ids(ck, ids, "site")
    if ck.failed_since(mark):
        return None, written
    return tuple(site for site in sites if site is not None), written


def _site(ck: _Checker, table: dict[str, Any], where: str, site_id: str | None) -> Site | None:
    mark = ck.mark()
    _rule_known_keys(ck, table, where, ("id", "name", "name_vi", "households", "lines"))
    name = _string(ck, table, where, "name")
    name_vi = _string(ck, table, where, "name_vi", required=False, default=name)
    households = []
    household_ids: list[tuple[str, str | None]] = []
    for item_where, item in _tables(ck, table, where, "households", required=False) or []:
        _rule_known_keys(ck, item, item_where, ("id", "name"))
        household_id = _ident(ck, item, item_where, "household")
        household_ids.append((_key(item_where, "id"), household_id))
        household_name = _string(ck, item, item_where, "name")
        if household_id is not None and household_name is not None:
            households.append(Household(id=household_id, name=household_name))
    _rule_unique_ids(ck, household_ids, "household")
    lines = []
    line_ids: list[tuple[str, str | None]] = []
    for line_where, line_table in _tables(ck, table, where, "lines") or []:
        line_id = _ident(ck, line_table, line_where, "line")
        line_ids.append((_key(line_where, "id"), line_id))
        lines.append(_line(ck, line_table, line_where, site_id, line_id))
    _rule_unique_ids(ck, line_ids, "line")
    if ck.failed_since(mark) or site_id is None or name is None or name_vi is None:
        return None
    return Site(
        id=site_id,
        name=name,
        name_vi=name_vi,
        households=tuple(households),
        lines=tuple(line for line in lines if line is not None),
    )


_LINE_KEYS = (
    "id",
    "name",
    "name_vi",
    "product",
    "process_window_c",
    "degradation_c",
    "nominal_throughput_kg_h",
    "heater_kw",
    "sensors",
)


def _line(
    ck: _Checker,
    table: dict[str, Any],
    where: str,
    site_id: str | None,
    line_id: str | None,
) -> Line | None:
    mark = ck.mark()
    _rule_known_keys(ck, table, where, _LINE_KEYS)
    name = _string(ck, table, where, "name")
    name_vi = _string(ck, table, where, "name_vi", required=False, default=name)
    product = _string(ck, table, where, "product")
    window = _pair(ck, table, where, "process_window_c", unit="°C")
    degradation_c = _number(ck, table, where, "degradation_c", unit="°C")
    _rule_process_window(ck, window, degradation_c, where)
    throughput = _number(ck, table, where, "nominal_throughput_kg_h", unit="kg/h", positive=True)
    heater_kw = _number(ck, table, where, "heater_kw", unit="kW", positive=True)
    specs = []
    sensor_ids: list[tuple[str, str | None]] = []
    kinds: list[tuple[str, str, str | None, int | None]] = []
    for sensor_where, sensor_table in _tables(ck, table, where, "sensors") or []:
        sensor_id = _rule_not_reserved(
            ck, _ident(ck, sensor_table, sensor_where, "sensor"), _key(sensor_where, "id")
        )
        sensor_ids.append((_key(sensor_where, "id"), sensor_id))
        spec, kind, zone = _sensor(ck, sensor_table, sensor_where, site_id, line_id, sensor_id)
        specs.append(spec)
        kinds.append((sensor_where, sensor_id or sensor_where, kind, zone))
    _rule_unique_ids(ck, sensor_ids, "sensor")
    _rule_one_sensor_per_kind(ck, kinds)
    if (
        ck.failed_since(mark)
        or site_id is None
        or line_id is None
        or name is None
        or name_vi is None
        or product is None
        or window is None
        or degradation_c is None
        or throughput is None
        or heater_kw is None
    ):
        return None
    return Line(
        site=site_id,
        id=line_id,
        name=name,
        name_vi=name_vi,
        product=product,
        process_window_c=window,
        degradation_c=degradation_c,
        nominal_throughput_kg_h=throughput,
        heater_kw=heater_kw,
        sensors=tuple(spec for spec in specs if spec is not None),
    )


_SENSOR_KEYS = (
    "id",
    "kind",
    "unit",
    "valid",
    "interval_s",
    "zone",
    "setpoint",
    "counter",
    "event",
)


def _sensor(
    ck: _Checker,
    table: dict[str, Any],
    where: str,
    site_id: str | None,
    line_id: str | None,
    sensor_id: str | None,
) -> tuple[SensorSpec | None, str | None, int | None]:
    """The sensor spec (None if anything is wrong), its kind and its zone."""
    mark = ck.mark()
    _rule_known_keys(ck, table, where, _SENSOR_KEYS)
    kind = _rule_kind_known(ck, _string(ck, table, where, "kind"), _key(where, "kind"))
    unit = _string(ck, table, where, "unit")
    _rule_canonical_unit(ck, kind, unit, _key(where, "unit"))
    shown_unit = unit or "unit"
    valid = _pair(ck, table, where, "valid", unit=shown_unit)
    valid = _rule_range_ordered(ck, valid, _key(where, "valid"), shown_unit)
    interval_s = _number(ck, table, where, "interval_s", unit="s", positive=True)
    zone = _integer(ck, table, where, "zone", required=False, minimum=1)
    _rule_zone(ck, kind, table, where)
    setpoint = _number(ck, table, where, "setpoint", unit=shown_unit, required=False)
    _rule_setpoint_in_range(ck, setpoint, valid, _key(where, "setpoint"))
    counter = _boolean(ck, table, where, "counter", default=False)
    event = _boolean(ck, table, where, "event", default=False)
    _rule_counter_or_event(ck, counter, event, where)
    if (
        ck.failed_since(mark)
        or site_id is None
        or line_id is None
        or sensor_id is None
        or kind is None
        or unit is None
        or valid is None
        or interval_s is None
        or counter is None
        or event is None
    ):
        return None, kind, zone
    spec = SensorSpec(
        site=site_id,
        line=line_id,
        sensor=sensor_id,
        kind=kind,
        unit=unit,
        valid_min=valid[0],
        valid_max=valid[1],
        interval_s=interval_s,
        zone=zone,
        setpoint=setpoint,
        counter=counter,
        event=event,
    )
    return spec, kind, zone


def _factors(ck: _Checker, doc: dict[str, Any]) -> tuple[dict[str, Any], ...] | None:
    """``[[factors]]``: each checked by the emission-factor library's own rules."""
    from emission_factors.errors import FactorError
    from emission_factors.library import factor_from_mapping

    items = _tables(ck, doc, "", "factors", required=False)
    if items is None:
        return None
    mark = ck.mark()
    ids: list[tuple[str, str | None]] = []
    for where, table in items:
        try:
            factor = factor_from_mapping(table)
        except FactorError as err:
            ck.add(_key(where, err.field) if err.field else where, err.reason)
            continue
        ids.append((_key(where, "id"), factor.id))
    _rule_unique_ids(ck, ids, "factor")
    if ck.failed_since(mark):
        return None
    return tuple(dict(table) for _, table in items)


def _periods(
    ck: _Checker, doc: dict[str, Any], site_ids: Sequence[str]
) -> tuple[Period, ...] | None:
    items = _tables(ck, doc, "", "periods", required=False)
    if items is None:
        return None
    mark = ck.mark()
    periods = []
    ids: list[tuple[str, str | None]] = []
    for where, table in items:
        period_id = _ident(ck, table, where, "period")
        ids.append((_key(where, "id"), period_id))
        periods.append(_period(ck, table, where, period_id, site_ids))
    _rule_unique_ids(ck, ids, "period")
    if ck.failed_since(mark):
        return None
    return tuple(period for period in periods if period is not None)


def _period(
    ck: _Checker,
    table: dict[str, Any],
    where: str,
    period_id: str | None,
    site_ids: Sequence[str],
) -> Period | None:
    mark = ck.mark()
    _rule_known_keys(ck, table, where, ("id", "kind", "start", "end", "sites"))
    kind = _string(ck, table, where, "kind")
    if kind is not None and kind not in PERIOD_KINDS:
        ck.add(
            _key(where, "kind"),
            f"unknown period kind {kind!r}; expected one of: {', '.join(PERIOD_KINDS)}",
        )
    start = _offset_datetime(ck, table, where, "start")
    end = _offset_datetime(ck, table, where, "end")
    _rule_period_order(ck, start, end, where)
    sites = _period_sites(ck, table, where, site_ids)
    if ck.failed_since(mark) or period_id is None or kind is None or start is None or end is None:
        return None
    return Period(id=period_id, kind=kind, start=start, end=end, sites=sites)


def _rule_period_order(
    ck: _Checker, start: datetime | None, end: datetime | None, where: str
) -> None:
    if start is not None and end is not None and not start < end:
        ck.add(
            _key(where, "end"),
            f"end {end.isoformat()} must be after start {start.isoformat()} (both in UTC)",
        )


def _period_sites(
    ck: _Checker, table: dict[str, Any], where: str, site_ids: Sequence[str]
) -> tuple[str, ...]:
    key = _key(where, "sites")
    if "sites" not in table:
        return tuple(dict.fromkeys(site_ids))
    value = table["sites"]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        ck.add(key, f"expected an array of site ids, got {_type_name(value)}")
        return ()
    if not value:
        ck.add(key, "must not be empty; leave the key out to cover every site")
        return ()
    _rule_period_sites_exist(ck, value, site_ids, key)
    return tuple(value)


def _rule_period_sites_exist(
    ck: _Checker, listed: Sequence[str], site_ids: Sequence[str], key: str
) -> None:
    seen: set[str] = set()
    for index, site_id in enumerate(listed):
        if site_id in seen:
            ck.add(_key(key, index), f"site {site_id!r} is listed twice")
        elif site_id not in site_ids:
            known = ", ".join(site_ids) or "none"
            ck.add(_key(key, index), f"no site {site_id!r} in [[sites]]; configured: {known}")
        seen.add(site_id)
