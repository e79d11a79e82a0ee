"""``[agent]``: the Modbus devices a gateway polls (``pilot agent``).

Each point must feed a clocked sensor of the device's configured line, in that sensor's
unit, and no sensor may be fed by two points. A point may name a preset
(``"<preset>.<point>"`` of ``sensors/modbus/presets``) that gives the defaults of its
register keys; without one the register layout is written out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from pydantic import ValidationInfo, field_validator, model_validator

from pilot.config.declaration import Section, setting
from pilot.config.fields import (
    Boolean,
    ConfigPath,
    Integer,
    Number,
    Problems,
    Text,
    choice,
    ident,
    refuse,
)
from pilot.config.publishing import confirm_resend_setting, confirm_setting, outbox_max_mb_setting
from pilot.config.rules import rule_unique_ids
from sensors.lines import Line
from sensors.modbus.devices import FUNCTIONS, PARITIES, Device, Point, RtuTransport, TcpTransport
from sensors.modbus.errors import PresetError
from sensors.modbus.presets import load_preset
from sensors.modbus.registers import BYTE_ORDERS, DATA_TYPES, WORD_ORDERS
from sensors.schema import MAX_BATCH

__all__ = ["AgentSection", "AgentSettings", "DeviceSection", "PointSection"]

_TCP_ONLY = ("host", "port")
_RTU_ONLY = ("serial_port", "baudrate", "parity", "stopbits", "bytesize")
_FROM_PRESET = "from ``preset``"


Function = choice(tuple(FUNCTIONS))
DataType = choice(tuple(DATA_TYPES))
ByteOrder = choice(BYTE_ORDERS)
WordOrder = choice(WORD_ORDERS)
DeviceName = ident("device")
Transport = choice(("tcp", "rtu"), "transport")
Parity = choice(PARITIES)


@dataclass(frozen=True, slots=True)
class AgentSettings:
    """The Modbus device agent of a gateway, as :func:`pilot.wiring.make_agent` takes it;
    the fields are the keys of ``[agent]`` (see :class:`AgentSection`)."""

    devices: tuple[Device, ...]
    client_id: str
    batch_size: int
    outbox_path: Path
    outbox_max_mb: float
    confirm: bool
    confirm_resend_s: float
    backoff_base_s: float
    backoff_cap_s: float
    clock_tolerance_s: float
    stats_interval_s: float


class PointSection(Section):
    """A value read from a device:
    ``{ sensor = "zone1_temp", preset = "pid-temperature-controller.process_value" }``
    or the register keys in full. value = raw * scale + offset."""

    sensor: Text = setting(meaning="The clocked sensor of the device's line it feeds.")
    preset: Text | None = setting(
        None, meaning="``<preset>.<point>``: gives the defaults of every key below."
    )
    address: Integer = setting(
        ge=0, le=65535, shown_default=_FROM_PRESET, meaning="Register, zero-based as on the wire."
    )
    function: Function = setting("holding", meaning="Register kind.")
    data_type: DataType = setting(shown_default=_FROM_PRESET, meaning="Register data type.")
    byte_order: ByteOrder = setting("big", meaning="Byte order in a register.")
    word_order: WordOrder = setting("big", meaning="Register order of 32-bit values.")
    scale: Number = setting(1.0, unit="-", meaning="Factor on the raw value; not 0.")
    offset: Number = setting(0.0, meaning="Added after scaling, in ``unit``.")
    unit: Text = setting(shown_default=_FROM_PRESET, meaning="The sensor's unit.")
    unit_id: Integer | None = setting(
        None, ge=0, le=247, shown_default="the device's", meaning="Modbus unit (slave) id."
    )
    interval_s: Number | None = setting(
        None, unit="s", gt=0, shown_default="the sensor's", meaning="Poll interval."
    )

    @model_validator(mode="before")
    @classmethod
    def preset_defaults(cls, data: Any) -> Any:
        """The named preset's register layout under the keys the point leaves out."""
        if not isinstance(data, dict) or not isinstance(data.get("preset"), str):
            return data
        problems = Problems()
        preset = rule_preset_known(problems, data["preset"])
        problems.raise_any("point")
        defaults = {
            name: getattr(preset, name)
            for name in ("address", "function", "data_type", "byte_order", "word_order")
        }
        defaults |= {"scale": preset.scale, "offset": preset.offset, "unit": preset.unit}
        return defaults | data

    @field_validator("scale")
    @classmethod
    def check_scale(cls, scale: float) -> float:
        """A zero scale would make every reading the offset."""
        if scale == 0:
            refuse("must not be 0 (every reading would be the offset)")
        return scale


class DeviceSection(Section):
    """A polled device (``[[agent.devices]]``, at least one)."""

    name: DeviceName = setting(meaning="Device name, as site ids; unique.")
    site: Text = setting(meaning="Site of the configured line the device's points feed.")
    line: Text = setting(meaning="That line.")
    transport: Transport = setting(meaning="Modbus TCP, or Modbus RTU on a serial port.")
    host: Text | None = setting(
        None, shown_default="required for tcp", meaning="Address of the device or its gateway."
    )
    port: Integer = setting(502, ge=1, le=65535, meaning="TCP port (tcp).")
    serial_port: Text | None = setting(
        None,
        shown_default="required for rtu",
        meaning="e.g. ``/dev/ttyUSB0``. Devices on one port share the bus and need the same "
        "baudrate, parity, stopbits and bytesize.",
    )
    baudrate: Integer = setting(9600, ge=300, unit="bit/s", meaning="Serial speed (rtu).")
    parity: Parity = setting("N", meaning="Serial parity (rtu).")
    stopbits: Integer = setting(1, ge=1, le=2, meaning="Stop bits (rtu).")
    bytesize: Integer = setting(8, ge=7, le=8, meaning="Data bits (rtu).")
    unit_id: Integer = setting(
        1, ge=0, le=247, meaning="Modbus unit (slave) id of points that give none."
    )
    timeout_s: Number = setting(1.0, unit="s", gt=0, meaning="Longest wait for one reply.")
    points: tuple[PointSection, ...] = setting(meaning="The values read, at least one.")

    @model_validator(mode="after")
    def check_rules(self, info: ValidationInfo) -> Self:
        problems = Problems()
        rule_transport_keys(problems, self)
        if not self.points:
            problems.add(("points",), "must not be empty")
        lines = (info.context or {}).get("lines")
        if lines is not None:
            line = rule_line_configured(problems, lines, self)
            for index, point in enumerate(self.points):
                rule_point_feeds_clocked_sensor(problems, line, point, ("points", index))
        problems.raise_any("device")
        return self

    def transport_settings(self) -> TcpTransport | RtuTransport:
        """The device's transport."""
        if self.transport == "tcp":
            return TcpTransport(host=self.host or "", port=self.port)
        return RtuTransport(
            port=self.serial_port or "",
            baudrate=self.baudrate,
            parity=self.parity,
            stopbits=self.stopbits,
            bytesize=self.bytesize,
        )

    def device(self, line: Line) -> Device:
        """The device with its points; ``line`` is its configured line."""
        specs = {spec.sensor: spec for spec in line.sensors}
        points = tuple(
            Point(
                sensor=point.sensor,
                unit=point.unit,
                unit_id=self.unit_id if point.unit_id is None else point.unit_id,
                address=point.address,
                function=point.function,
                data_type=point.data_type,
                byte_order=point.byte_order,
                word_order=point.word_order,
                scale=point.scale,
                offset=point.offset,
                interval_s=point.interval_s or specs[point.sensor].interval_s,
            )
            for point in self.points
        )
        return Device(
            name=self.name,
            site=self.site,
            line=self.line,
            transport=self.transport_settings(),
            points=points,
            timeout_s=self.timeout_s,
        )


class AgentSection(Section):
    """The Modbus devices a gateway polls (``pilot agent``). Each point feeds a clocked
    sensor of its device's configured line, in that sensor's unit; no sensor is fed by
    two points."""

    client_id: Text = setting(
        "upops-agent", meaning="MQTT client id of the gateway; distinct from the collector's."
    )
    batch_size: Integer = setting(
        10,
        ge=1,
        le=MAX_BATCH,
        meaning="Readings per MQTT message, at most; a partial batch leaves after 1 s.",
    )
    outbox_path: ConfigPath = setting(
        Path("data/agent-outbox.sqlite"),
        meaning="The gateway's on-disk outbox (SQLite): readings wait there until the "
        "collector confirms them stored (the broker's PUBACK with ``confirm = false``).",
    )
    outbox_max_mb: Number = outbox_max_mb_setting("the outbox")
    confirm: Boolean = confirm_setting()
    confirm_resend_s: Number = confirm_resend_setting()
    backoff_base_s: Number = setting(
        0.5,
        unit="s",
        gt=0,
        meaning="Wait after a device's first failed request, doubling per failure up to "
        "``backoff_cap_s``; ±20 % jitter.",
    )
    backoff_cap_s: Number = setting(
        30.0, unit="s", gt=0, meaning="Longest wait between retries, >= ``backoff_base_s``."
    )
    clock_tolerance_s: Number = setting(
        2.0, unit="s", gt=0, meaning="A wall-clock jump larger than this is logged as a warning."
    )
    stats_interval_s: Number = setting(
        60.0, unit="s", gt=0, meaning="Interval between log lines with the fault counters."
    )
    devices: tuple[DeviceSection, ...] = setting(meaning="``[[agent.devices]]``, below.")

    @field_validator("backoff_cap_s")
    @classmethod
    def check_backoff(cls, cap_s: float, info: ValidationInfo) -> float:
        base_s = info.data.get("backoff_base_s")
        if base_s is not None and cap_s < base_s:
            refuse(f"must be at least backoff_base_s ({base_s:g} s), got {cap_s:g} s")
        return cap_s

    @model_validator(mode="after")
    def check_rules(self) -> Self:
        problems = Problems()
        if not self.devices:
            problems.add(("devices",), "must not be empty")
        names = [(("devices", i, "name"), device.name) for i, device in enumerate(self.devices)]
        rule_unique_ids(problems, names, "device")
        rule_one_point_per_sensor(problems, self.devices)
        rule_same_serial_settings(problems, self.devices)
        problems.raise_any("agent")
        return self

    def settings(self, lines: Mapping[tuple[str, str], Line]) -> AgentSettings:
        """The agent's settings; ``lines`` are the configured lines by (site, line)."""
        return AgentSettings(
            devices=tuple(
                device.device(lines[device.site, device.line]) for device in self.devices
            ),
            client_id=self.client_id,
            batch_size=self.batch_size,
            outbox_path=self.outbox_path,
            outbox_max_mb=self.outbox_max_mb,
            confirm=self.confirm,
            confirm_resend_s=self.confirm_resend_s,
            backoff_base_s=self.backoff_base_s,
            backoff_cap_s=self.backoff_cap_s,
            clock_tolerance_s=self.clock_tolerance_s,
            stats_interval_s=self.stats_interval_s,
        )


# -- rules ---------------------------------------------------------------------------


def rule_preset_known(problems: Problems, name: str) -> Any:
    """``preset`` names a point of a bundled preset; returns it (None if unknown)."""
    preset_name, _, point_name = name.partition(".")
    try:
        preset = load_preset(preset_name)
    except PresetError as err:
        problems.add(("preset",), str(err))
        return None
    if point_name not in preset.points:
        problems.add(
            ("preset",),
            f"expected '<preset>.<point>'; preset {preset_name!r} has the points: "
            f"{', '.join(preset.points)}",
        )
        return None
    return preset.points[point_name]


def rule_transport_keys(problems: Problems, device: DeviceSection) -> None:
    """Serial keys only on RTU devices, network keys only on TCP ones; each has its
    address."""
    wrong = _RTU_ONLY if device.transport == "tcp" else _TCP_ONLY
    for name in wrong:
        if name in device.model_fields_set:
            problems.add((name,), f"not used with transport = {device.transport!r}; remove it")
    needed = "host" if device.transport == "tcp" else "serial_port"
    if getattr(device, needed) is None:
        problems.add((needed,), f"required key is missing; transport {device.transport!r} needs it")


def rule_line_configured(
    problems: Problems, lines: Mapping[tuple[str, str], Line], device: DeviceSection
) -> Line | None:
    """The device's line is configured; returns it (None if not)."""
    line = lines.get((device.site, device.line))
    if line is not None:
        return line
    site_lines = [key[1] for key in lines if key[0] == device.site]
    if site_lines:
        known = ", ".join(site_lines)
        problems.add(
            ("line",),
            f"no line {device.line!r} at site {device.site!r} in [[sites]]; configured: {known}",
        )
    else:
        known = ", ".join(dict.fromkeys(key[0] for key in lines))
        problems.add(("site",), f"no site {device.site!r} in [[sites]]; configured: {known}")
    return None


def rule_point_feeds_clocked_sensor(
    problems: Problems, line: Line | None, point: PointSection, at: tuple[str | int, ...]
) -> None:
    """The point feeds a configured, clocked sensor of the line, in that sensor's unit, so
    the collector does not refuse every reading."""
    if line is None:
        return
    spec = next((s for s in line.sensors if s.sensor == point.sensor), None)
    if spec is None:
        known = ", ".join(s.sensor for s in line.sensors)
        problems.add(
            (*at, "sensor"), f"no sensor {point.sensor!r} on the device's line; configured: {known}"
        )
    elif spec.event:
        problems.add(
            (*at, "sensor"),
            f"sensor {point.sensor!r} is an event sensor (one reading per weighing); a polled "
            "point must feed a clocked sensor",
        )
    elif point.unit != spec.unit:
        problems.add(
            (*at, "unit"),
            f"unit {point.unit!r} differs from the unit of sensor {spec.sensor!r} "
            f"({spec.unit!r}); convert with scale and offset and give the sensor's unit",
        )


def rule_one_point_per_sensor(problems: Problems, devices: Sequence[DeviceSection]) -> None:
    """Two points feeding one sensor would interleave two series under one sequence."""
    first: dict[tuple[str, str, str], str] = {}
    for d, device in enumerate(devices):
        for p, point in enumerate(device.points):
            sensor = (device.site, device.line, point.sensor)
            where = f"agent.devices[{d}].points[{p}]"
            if sensor in first:
                problems.add(
                    ("devices", d, "points", p),
                    f"sensor {'/'.join(sensor)} is already fed by {first[sensor]}; one point "
                    "per sensor",
                )
            else:
                first[sensor] = where


def rule_same_serial_settings(problems: Problems, devices: Sequence[DeviceSection]) -> None:
    """Units on one RS-485 line share its baud rate, parity and framing."""
    first: dict[str, tuple[str, RtuTransport]] = {}
    for index, device in enumerate(devices):
        transport = device.transport_settings()
        if not isinstance(transport, RtuTransport):
            continue
        seen = first.setdefault(transport.port, (device.name, transport))
        if seen[1] != transport:
            problems.add(
                ("devices", index, "serial_port"),
                f"device {device.name} on {transport.port} has other serial settings than "
                f"{seen[0]} on the same port; units of one RS-485 line share baudrate, "
                "parity, stopbits and bytesize",
            )
