"""Sensor catalogue: what each configured sensor measures and which values are plausible.

The collector checks every decoded reading against the catalogue before it stores it:

>>> spec = SensorSpec("minh-khai", "line-1", "zone1_temp", kind="barrel_temp",
...                   unit="degC", valid_min=0.0, valid_max=450.0, interval_s=1.0)
>>> catalog = Catalog([spec])
>>> from sensors.schema import Reading
>>> catalog.check(Reading("minh-khai", "line-1", "zone1_temp", 0, 231.5, "degC", 1),
...               now_us=0)
>>> catalog.check(Reading("minh-khai", "line-1", "zone1_temp", 0, 900.0, "degC", 1), now_us=0)
Traceback (most recent call last):
...
sensors.errors.ValidationError: minh-khai/line-1/zone1_temp: value 900.0 degC is outside ...
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sensors.errors import ValidationError
from sensors.schema import Reading, format_ts

#: Sensor kinds the simulators and models understand, with their canonical unit.
KINDS: dict[str, str] = {
    "barrel_temp": "degC",
    "melt_temp": "degC",
    "mould_temp": "degC",
    "furnace_temp": "degC",
    "throughput": "kg/h",
    "energy": "kWh",
    "fuel": "kg",
    "intake": "kg",
    "residue": "kg",
}


@dataclass(frozen=True, slots=True)
class SensorSpec:
    """Configuration of one sensor.

    Parameters
    ----------
    site, line, sensor
        Identity, as in the topic.
    kind
        One of :data:`KINDS`.
    unit
        Unit symbol the device sends.
    valid_min, valid_max
        Physically plausible range [``unit``]; values outside are quarantined.
    interval_s
        Expected interval between readings [s]; event sensors (intake weighings)
        give their typical interval.
    zone
        Barrel zone number for ``barrel_temp`` sensors.
    setpoint
        Controller setpoint [``unit``], where the sensor has one.
    """

    site: str
    line: str
    sensor: str
    kind: str
    unit: str
    valid_min: float
    valid_max: float
    interval_s: float
    zone: int | None = None
    setpoint: float | None = None
    counter: bool = False
    event: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.site, self.line, self.sensor)


class Catalog:
    """Lookup of :class:`SensorSpec` by (site, line, sensor), with reading checks."""

    def __init__(self, specs: Iterable[SensorSpec], *, max_future_s: float = 300.0) -> None:
        self._specs: dict[tuple[str, str, str], SensorSpec] = {}
        for spec in specs:
            if spec.key in self._specs:
                raise ValueError(f"sensor {'/'.join(spec.key)} is configured twice")
            self._specs[spec.key] = spec
        self.max_future_s = max_future_s

    def __len__(self) -> int:
        return len(self._specs)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._specs.values())

    def get(self, site: str, line: str, sensor: str) -> SensorSpec | None:
        return self._specs.get((site, line, sensor))

    def lines(self) -> list[tuple[str, str]]:
        """Configured (site, line) pairs, in configuration order."""
        return list(dict.fromkeys((s.site, s.line) for s in self._specs.values()))

    def for_line(self, site: str, line: str) -> list[SensorSpec]:
        return [s for s in self._specs.values() if (s.site, s.line) == (site, line)]

    def check(self, reading: Reading, *, now_us: int) -> None:
        """Raise :class:`ValidationError` if ``reading`` must not be stored.

        Checks: the sensor is configured; the unit matches; the value is in the valid
        range; the device time is not more than ``max_future_s`` ahead of ``now_us``
        [µs since the epoch].
        """
        # Called for every reading: the name used in messages is built only for one.
        spec = self._specs.get((reading.site, reading.line, reading.sensor))
        if spec is None:
            raise ValidationError(
                f"{_where(reading)}: sensor is not in the configuration", reason="unknown_sensor"
            )
        if reading.unit != spec.unit:
            raise ValidationError(
                f"{_where(reading)}: unit {reading.unit!r} differs from the configured "
                f"{spec.unit!r}",
                reason="wrong_unit",
            )
        if not spec.valid_min <= reading.value <= spec.valid_max:
            raise ValidationError(
                f"{_where(reading)}: value {reading.value} {spec.unit} is outside the valid "
                f"range [{spec.valid_min}, {spec.valid_max}] {spec.unit}",
                reason="out_of_range",
            )
        if reading.ts_us > now_us + int(self.max_future_s * 1e6):
            raise ValidationError(
                f"{_where(reading)}: device time {format_ts(reading.ts_us)} is more than "
                f"{self.max_future_s:g} s in the future",
                reason="future_timestamp",
            )


def _where(reading: Reading) -> str:
    return f"{reading.site}/{reading.line}/{reading.sensor}"
