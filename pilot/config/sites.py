"""``[[sites]]``, their households, ``[[sites.lines]]`` and each line's sensors.

A configured line builds :class:`sensors.lines.Line` directly, the one line type the
simulator and monitoring take; its ``households`` are the site's household ids and its
``timezone`` the deployment's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Self

from pydantic import AfterValidator, ValidationInfo, field_validator, model_validator

from pilot.config.declaration import Section, setting
from pilot.config.fields import (
    Boolean,
    Integer,
    Number,
    Problems,
    TemperatureWindow,
    Text,
    choice,
    ident,
    invalid,
    pair,
    refuse,
)
from pilot.config.rules import rule_unique_ids
from sensors.catalog import KINDS, SensorSpec
from sensors.lines import Line
from sensors.topics import RESERVED_SENSOR_IDS

__all__ = ["Household", "LineSection", "SensorSection", "Site", "SiteSection"]


@dataclass(frozen=True, slots=True)
class Household:
    """A household that delivers plastic to a pilot line (intake weighings carry its id)."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Site:
    """A craft village with its households and pilot lines (in configuration order)."""

    id: str
    name: str
    name_vi: str
    households: tuple[Household, ...]
    lines: tuple[Line, ...]


def rule_not_reserved(sensor_id: str) -> str:
    """``alarms`` is the line's alarm topic level, so no sensor may publish there."""
    if sensor_id in RESERVED_SENSOR_IDS:
        raise invalid(f"sensor id {sensor_id!r} is reserved for the line's alarm topic; rename it")
    return sensor_id


# One source: the catalogue's units, grouped ("``degC`` for barrel_temp, melt_temp...").
_UNITS_OF_KINDS = "; ".join(
    f"``{unit}`` for {', '.join(kind for kind in KINDS if KINDS[kind] == unit)}"
    for unit in dict.fromkeys(KINDS.values())
)
SensorId = Annotated[ident("sensor"), AfterValidator(rule_not_reserved)]
SensorKind = choice(KINDS, "sensor kind")
ValidRange = pair(None, names=("min", "max"))
LineId = ident("line")
HouseholdId = ident("household")
SiteId = ident("site")


class SensorSection(Section):
    """A sensor of a line: ``sensors = [ { id = "zone1_temp", ... }, ... ]``."""

    id: SensorId = setting(
        meaning="Sensor id, as site ids; unique in the line; not ``alarms`` (reserved for the "
        "line's alarm topic)."
    )
    kind: SensorKind = setting(meaning="What the sensor measures.")
    unit: Text = setting(meaning=f"The kind's canonical unit: {_UNITS_OF_KINDS}.")
    valid: ValidRange = setting(
        meaning="Plausible range, in ``unit``; readings outside are quarantined."
    )
    interval_s: Number = setting(
        unit="s",
        gt=0,
        meaning="Expected interval between readings; typical interval for event sensors.",
    )
    zone: Integer | None = setting(
        None,
        ge=1,
        meaning="Barrel zone, counted from the feed end: required for ``barrel_temp``, not "
        "allowed otherwise.",
    )
    setpoint: Number | None = setting(
        None, meaning="Controller setpoint, in ``unit``, inside ``valid``."
    )
    counter: Boolean = setting(False, meaning="The value is a running total (energy meter).")
    event: Boolean = setting(
        False,
        meaning="Readings come per event (intake weighings), not on a clock. Not with ``counter``.",
    )

    @field_validator("unit")
    @classmethod
    def check_unit(cls, unit: str, info: ValidationInfo) -> str:
        refuse(rule_canonical_unit(info.data.get("kind"), unit))
        return unit

    @field_validator("zone")
    @classmethod
    def check_zone(cls, zone: int | None, info: ValidationInfo) -> int | None:
        refuse(rule_zone(info.data.get("kind"), zone))
        return zone

    @field_validator("setpoint")
    @classmethod
    def check_setpoint(cls, setpoint: float | None, info: ValidationInfo) -> float | None:
        refuse(rule_setpoint_in_range(info.data.get("valid"), setpoint))
        return setpoint

    @field_validator("event")
    @classmethod
    def check_event(cls, event: bool, info: ValidationInfo) -> bool:
        refuse(rule_counter_or_event(info.data.get("counter"), event))
        return event

    def spec(self, site_id: str, line_id: str) -> SensorSpec:
        """The sensor's catalogue entry."""
        return SensorSpec(
            site=site_id,
            line=line_id,
            sensor=self.id,
            kind=self.kind,
            unit=self.unit,
            valid_min=self.valid[0],
            valid_max=self.valid[1],
            interval_s=self.interval_s,
            zone=self.zone,
            setpoint=self.setpoint,
            counter=self.counter,
            event=self.event,
        )


class LineSection(Section):
    """A pilot line of the site."""

    id: LineId = setting(meaning="Line id, as site ids; unique in the site.")
    name: Text = setting(meaning="Display name.")
    name_vi: Text | None = setting(
        None, shown_default="``name``", meaning="Vietnamese display name."
    )
    product: Text = setting(meaning="Free text: bricks, tiles, fences, trays...")
    process_window_c: TemperatureWindow = setting(
        unit="°C", meaning="Melt/process temperature window."
    )
    degradation_c: Number = setting(
        unit="°C", meaning="Polymer degradation threshold, above the window's high end."
    )
    nominal_throughput_kg_h: Number = setting(unit="kg/h", gt=0, meaning="Design throughput.")
    heater_kw: Number = setting(unit="kW", gt=0, meaning="Installed heater power.")
    sensors: tuple[SensorSection, ...] = setting(
        meaning="The line's sensors, at least one. A line has at most one sensor of each "
        "kind, except ``barrel_temp``: one per zone."
    )

    @field_validator("degradation_c")
    @classmethod
    def check_degradation(cls, degradation_c: float, info: ValidationInfo) -> float:
        refuse(rule_degradation_above_window(info.data.get("process_window_c"), degradation_c))
        return degradation_c

    @model_validator(mode="after")
    def check_rules(self) -> Self:
        problems = Problems()
        ids = [(("sensors", index, "id"), sensor.id) for index, sensor in enumerate(self.sensors)]
        rule_unique_ids(problems, ids, "sensor")
        rule_one_sensor_per_kind(problems, self.sensors)
        if not self.sensors:
            problems.add(("sensors",), "must not be empty")
        problems.raise_any("line")
        return self

    def line(self, site: SiteSection, timezone: str) -> Line:
        """The line as the simulator and monitoring take it."""
        return Line(
            site=site.id,
            line=self.id,
            name=self.name,
            process_window_c=self.process_window_c,
            degradation_c=self.degradation_c,
            nominal_throughput_kg_h=self.nominal_throughput_kg_h,
            heater_kw=self.heater_kw,
            sensors=tuple(sensor.spec(site.id, self.id) for sensor in self.sensors),
            households=tuple(household.id for household in site.households),
            name_vi=self.name_vi or self.name,
            product=self.product,
            timezone=timezone,
        )


class HouseholdSection(Section):
    """A household: ``households = [ { id = "mk-h01", name = "Hộ 01" }, ... ]``."""

    id: HouseholdId = setting(
        meaning="Household id, as site ids; unique in the site (intake readings carry it)."
    )
    name: Text = setting(meaning="Display name.")


class SiteSection(Section):
    """A craft village (at least one)."""

    id: SiteId = setting(
        meaning="Site id, used in topics: 1-64 characters of ``a-z``, ``0-9``, ``-``, ``_``, "
        "starting with a letter or digit; unique."
    )
    name: Text = setting(meaning="Display name.")
    name_vi: Text | None = setting(
        None, shown_default="``name``", meaning="Vietnamese display name, with diacritics."
    )
    households: tuple[HouseholdSection, ...] = setting((), meaning="The site's households.")
    lines: tuple[LineSection, ...] = setting(meaning="``[[sites.lines]]``, at least one.")

    @model_validator(mode="after")
    def check_rules(self) -> Self:
        problems = Problems()
        households = enumerate(self.households)
        rule_unique_ids(
            problems, [(("households", i, "id"), h.id) for i, h in households], "household"
        )
        rule_unique_ids(
            problems, [(("lines", i, "id"), ln.id) for i, ln in enumerate(self.lines)], "line"
        )
        if not self.lines:
            problems.add(("lines",), "must not be empty")
        problems.raise_any("site")
        return self

    def site(self, timezone: str) -> Site:
        """The site with its households and lines."""
        return Site(
            id=self.id,
            name=self.name,
            name_vi=self.name_vi or self.name,
            households=tuple(Household(id=h.id, name=h.name) for h in self.households),
            lines=tuple(line.line(self, timezone) for line in self.lines),
        )


# -- rules -------------------------------------------------------------------------------


def rule_degradation_above_window(
    window_c: tuple[float, float] | None, degradation_c: float
) -> str | None:
    """low < high < degradation: the line must be able to run without degrading polymer."""
    if window_c is not None and not window_c[1] < degradation_c:
        return (
            f"must be above the top of the process window ({window_c[1]:g} °C), got "
            f"{degradation_c:g} °C"
        )
    return None


def rule_canonical_unit(kind: str | None, unit: str) -> str | None:
    """The unit is the kind's canonical unit, so models never convert units."""
    if kind is not None and unit != KINDS[kind]:
        return f"unit {unit!r} is not the unit of kind {kind}; expected {KINDS[kind]!r}"
    return None


def rule_zone(kind: str | None, zone: int | None) -> str | None:
    """barrel_temp sensors need a zone; other kinds have none."""
    if kind == "barrel_temp" and zone is None:
        return "required key is missing; barrel_temp sensors need a zone"
    if kind is not None and kind != "barrel_temp" and zone is not None:
        return f"only barrel_temp sensors have a zone, not {kind}"
    return None


def rule_setpoint_in_range(valid: tuple[float, float] | None, setpoint: float | None) -> str | None:
    """A setpoint outside the plausible range would be quarantined if it were reached."""
    if valid is not None and setpoint is not None and not valid[0] <= setpoint <= valid[1]:
        return f"setpoint {setpoint:g} is outside the valid range [{valid[0]:g}, {valid[1]:g}]"
    return None


def rule_counter_or_event(counter: bool | None, event: bool) -> str | None:
    """A running total is read on a clock; event readings are amounts, not totals."""
    if counter and event:
        return "a sensor cannot be both a counter and an event sensor"
    return None


def rule_one_sensor_per_kind(problems: Problems, sensors: Sequence[SensorSection]) -> None:
    """At most one sensor of each kind per line, except barrel_temp: one per zone."""
    kinds: dict[str, str] = {}
    zones: dict[int, str] = {}
    for index, sensor in enumerate(sensors):
        if sensor.kind == "barrel_temp":
            if sensor.zone is None:
                continue
            if sensor.zone in zones:
                problems.add(
                    ("sensors", index, "zone"),
                    f"zone {sensor.zone} already has a barrel_temp sensor "
                    f"({zones[sensor.zone]}); barrel_temp sensors need distinct zones",
                )
            else:
                zones[sensor.zone] = sensor.id
        elif sensor.kind in kinds:
            problems.add(
                ("sensors", index, "kind"),
                f"the line already has a {sensor.kind} sensor ({kinds[sensor.kind]}); only "
                "barrel_temp may appear more than once",
            )
        else:
            kinds[sensor.kind] = sensor.id
