"""A pilot line as every layer below the configuration sees it.

The configuration (``[[sites.lines]]``) builds one :class:`Line` per pilot line; the
simulator drives it, and monitoring (collector, live view, alarms) reads its limits and
sensors. The emission model has its own, narrower parameters, built from this type in
one place (:mod:`pilot.lines`).

>>> from sensors.catalog import SensorSpec
>>> zone = SensorSpec("mk", "line-1", "zone1_temp", "barrel_temp", "degC", 0.0, 500.0, 1.0,
...                   zone=1, setpoint=160.0)
>>> line = Line("mk", "line-1", "Line 1", (180.0, 230.0), 300.0, 60.0, 40.0, (zone,))
>>> [spec.sensor for spec in line.zones()], line.key
(['zone1_temp'], ('mk', 'line-1'))
"""

from __future__ import annotations

from dataclasses import dataclass

from sensors.catalog import SensorSpec

__all__ = ["TEMPERATURE_KINDS", "Line"]

#: Sensor kinds that measure a temperature [°C].
TEMPERATURE_KINDS: tuple[str, ...] = ("barrel_temp", "melt_temp", "mould_temp", "furnace_temp")


@dataclass(frozen=True, slots=True)
class Line:
    """One pilot line.

    Parameters
    ----------
    site, line
        Site id and line id, as in the MQTT topic.
    name
        Display name (English).
    process_window_c
        Melt/process temperature window (low, high) [°C].
    degradation_c
        Onset of thermal decomposition of the feed [°C].
    nominal_throughput_kg_h
        Design throughput while running continuously [kg/h].
    heater_kw
        Installed barrel heater power [kW]; in the baseline, the heat the furnace must
        deliver for the same duty.
    sensors
        The line's sensors, in configuration order.
    households
        Codes of the households that deliver plastic to the line's site.
    name_vi
        Display name (Vietnamese); the English name when not given.
    product
        Free text: what the line makes.
    timezone
        IANA zone of the line's working day.
    """

    site: str
    line: str
    name: str
    process_window_c: tuple[float, float]
    degradation_c: float
    nominal_throughput_kg_h: float
    heater_kw: float
    sensors: tuple[SensorSpec, ...]
    households: tuple[str, ...] = ()
    name_vi: str = ""
    product: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"

    @property
    def id(self) -> str:
        """The line id (``line``), as the configuration names it."""
        return self.line

    @property
    def key(self) -> tuple[str, str]:
        """``(site, line)``."""
        return (self.site, self.line)

    def zones(self) -> list[SensorSpec]:
        """Barrel-zone sensors, from the feed end."""
        zones = [s for s in self.sensors if s.kind == "barrel_temp"]
        return sorted(zones, key=lambda s: s.zone or 0)

    def of_kind(self, kind: str) -> SensorSpec | None:
        """The line's sensor of ``kind`` (the first one for ``barrel_temp``), or None."""
        return next((s for s in self.sensors if s.kind == kind), None)
