"""What the monitoring layer knows about a line: its limits and its sensors.

The configuration layer builds these from ``[[sites.lines]]``; alarms and the live view
read them. Monitoring never imports the configuration itself.

>>> from sensors.catalog import SensorSpec
>>> zone = SensorSpec("mk", "line-1", "zone1_temp", "barrel_temp", "degC", 0.0, 500.0, 1.0,
...                   zone=1, setpoint=160.0)
>>> info = LineInfo("mk", "line-1", "Line 1", (180.0, 230.0), 300.0, 60.0, (zone,))
>>> [spec.sensor for spec in info.zones()]
['zone1_temp']
"""

from __future__ import annotations

from dataclasses import dataclass

from sensors.catalog import SensorSpec

#: Sensor kinds that measure a temperature [°C].
TEMPERATURE_KINDS: tuple[str, ...] = ("barrel_temp", "melt_temp", "mould_temp", "furnace_temp")


@dataclass(frozen=True, slots=True)
class LineInfo:
    """One line as monitoring sees it.

    Parameters
    ----------
    site, line
        Identity, as in the topics.
    name
        Display name.
    process_window_c
        Process temperature window (low, high) [°C].
    degradation_c
        Polymer degradation threshold [°C].
    nominal_throughput_kg_h
        Design throughput [kg/h].
    sensors
        The line's sensors, in configuration order.
    """

    site: str
    line: str
    name: str
    process_window_c: tuple[float, float]
    degradation_c: float
    nominal_throughput_kg_h: float
    sensors: tuple[SensorSpec, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.site, self.line)

    def zones(self) -> list[SensorSpec]:
        """Barrel-zone sensors, from the feed end."""
        zones = [s for s in self.sensors if s.kind == "barrel_temp"]
        return sorted(zones, key=lambda s: s.zone or 0)

    def of_kind(self, kind: str) -> SensorSpec | None:
        """The line's sensor of ``kind`` (the first one for ``barrel_temp``), or None."""
        return next((s for s in self.sensors if s.kind == kind), None)

    def sensor(self, sensor: str) -> SensorSpec | None:
        return next((s for s in self.sensors if s.sensor == sensor), None)
