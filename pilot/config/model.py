"""The checked configuration (:class:`Config`) and its lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from models.states import StateThresholds
from pilot.config.agent import AgentSettings
from pilot.config.assumptions import AssumptionSettings
from pilot.config.notify import NotifySettings
from pilot.config.periods import PERIOD_KINDS, Period
from pilot.config.serve import ServeSettings
from pilot.config.services import (
    AlarmSettings,
    CollectorSettings,
    SimulationSettings,
    SurveySettings,
)
from pilot.config.sites import Site
from pilot.config.store import StoreSettings
from sensors.catalog import Catalog
from sensors.lines import Line
from sensors.mqtt import BrokerSettings

__all__ = ["Config"]


@dataclass(frozen=True, slots=True)
class Config:
    """A checked deployment configuration. Build it with :func:`pilot.config.load_config`.

    Parameters
    ----------
    path
        The file it was read from, or ``None`` for :func:`pilot.config.parse_config`.
    name
        Deployment name.
    topic_prefix
        MQTT topic prefix.
    timezone
        IANA time-zone name for reports; :attr:`tzinfo` gives the zone.
    broker, store, collector, simulation, alarms, survey, assumptions, line_states
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
    #: ``[serve]``: the dashboard in the browser (``pilot serve``).
    serve: ServeSettings = field(default_factory=ServeSettings)
    #: ``[assumptions]``: assumed shares, fuels and the evidence per period.
    assumptions: AssumptionSettings = field(default_factory=AssumptionSettings)
    #: ``[[factors]]``: site-measured emission factors, checked mappings of the
    #: ``emission_factors.library`` columns.
    factors: tuple[dict[str, Any], ...] = ()
    #: ``[agent]``: the Modbus devices a gateway polls; ``None`` without the section.
    agent: AgentSettings | None = None
    #: ``[notify]``: alarm notifications by e-mail and webhook.
    notify: NotifySettings | None = None
    #: ``[line_states]``: when a line counts as heating, running or idle.
    line_states: StateThresholds = field(default_factory=StateThresholds)

    @property
    def tzinfo(self) -> ZoneInfo:
        """The report time zone."""
        return ZoneInfo(self.timezone)

    def catalog(self) -> Catalog:
        """Sensor catalogue of every line, with ``max_future_s`` from ``[collector]``."""
        specs = [spec for line in self.lines() for spec in line.sensors]
        return Catalog(specs, max_future_s=self.collector.max_future_s)

    def site(self, site_id: str) -> Site:
        """The site ``site_id``; :class:`KeyError` naming the configured ids if unknown."""
        for site in self.sites:
            if site.id == site_id:
                return site
        known = ", ".join(site.id for site in self.sites)
        raise KeyError(f"no site {site_id!r} in the configuration; configured: {known}")

    def lines(self) -> tuple[Line, ...]:
        """Every configured line, in configuration order."""
        return tuple(line for site in self.sites for line in site.lines)

    def line(self, site_id: str, line_id: str) -> Line:
        """The line ``line_id`` of site ``site_id``; :class:`KeyError` if unknown."""
        site = self.site(site_id)
        for line in site.lines:
            if line.id == line_id:
                return line
        known = ", ".join(line.id for line in site.lines)
        raise KeyError(f"no line {line_id!r} at site {site_id!r}; configured: {known}")

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
