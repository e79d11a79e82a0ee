"""The optional ``[agent]`` section: Modbus devices a gateway polls (``pilot agent``).

Read by :func:`pilot.config.parse_config` like every other section, with the same
helpers and the same kind of problems (exact key paths, unknown keys refused). Each
point must feed a clocked sensor of the device's configured line, in that sensor's
unit, and no sensor may be fed by two points.

``[agent]`` (optional)
    ``client_id`` (string, default ``"upops-agent"``)
        MQTT client id of the gateway; distinct from the collector's.
    ``batch_size`` (integer, default ``10``)
        Readings per MQTT message, 1-5000; a partial batch leaves after 1 s.
    ``outbox_path`` (string, default ``"data/agent-outbox.sqlite"``)
        The gateway's on-disk outbox (SQLite): readings wait there until the broker
        acknowledges them.
    ``outbox_max_mb`` (float, default ``64.0``)
        Size bound of the outbox [MB of payload], > 0; when full the oldest unsent
        messages are dropped and counted.
    ``backoff_base_s``, ``backoff_cap_s`` (float, defaults ``0.5``, ``30.0``)
        Wait after a device's first failed request, doubling per failure up to the
        cap [s], 0 < base <= cap; ±20 % jitter.
    ``clock_tolerance_s`` (float, default ``2.0``)
        A wall-clock jump larger than this is logged as a warning [s], > 0.
    ``stats_interval_s`` (float, default ``60.0``)
        Interval between log lines with the fault counters [s], > 0.
    ``devices`` (array of tables, at least one)
        ``[[agent.devices]]`` below.

``[[agent.devices]]``
    ``name`` (string, required)
        Device name, as site ids; unique.
    ``site``, ``line`` (string, required)
        The configured line the device's points feed.
    ``transport`` (string, required)
        ``tcp`` (Modbus TCP) or ``rtu`` (Modbus RTU on a serial port).
    ``host`` (string, required for ``tcp``), ``port`` (integer, default ``502``)
        Address of the device or of its TCP gateway.
    ``serial_port`` (string, required for ``rtu``)
        e.g. ``/dev/ttyUSB0``. Devices on one port share the bus and need the same
        ``baudrate`` (default ``9600``), ``parity`` (``N``, ``E`` or ``O``, default
        ``N``), ``stopbits`` (1 or 2, default 1) and ``bytesize`` (7 or 8, default 8).
    ``unit_id`` (integer, default ``1``)
        Modbus unit (slave) id, 0-247, for points that do not give their own.
    ``timeout_s`` (float, default ``1.0``)
        Longest wait for one reply [s], > 0.
    ``points`` (array of tables, at least one)
        ``{ sensor = "zone1_temp", preset = "pid-temperature-controller.process_value" }``
        or the register keys in full:
        ``sensor`` (required; a clocked sensor of the line),
        ``preset`` (``"<preset>.<point>"`` of ``sensors/modbus/presets``; gives defaults
        for every key below),
        ``address`` (0-65535, zero-based as on the wire; required without preset),
        ``function`` (``holding`` or ``input``, default ``holding``),
        ``data_type`` (``int16``, ``uint16``, ``int32``, ``uint32``, ``float32``;
        required without preset),
        ``byte_order``, ``word_order`` (``big`` or ``little``, default ``big``),
        ``scale`` (default 1.0, not 0), ``offset`` (default 0.0):
        value = raw * scale + offset,
        ``unit`` (the sensor's unit; required without preset),
        ``unit_id`` (default the device's), ``interval_s`` (poll interval [s], > 0,
        default the sensor's ``interval_s``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pilot.config import (
    AgentSettings,
    Site,
    _Checker,
    _integer,
    _key,
    _number,
    _path,
    _rule_known_keys,
    _rule_unique_ids,
    _rule_valid_id,
    _string,
    _subtable,
    _tables,
)
from sensors.catalog import SensorSpec
from sensors.modbus.devices import FUNCTIONS, PARITIES, Device, Point, RtuTransport, TcpTransport
from sensors.modbus.errors import PresetError
from sensors.modbus.presets import PresetPoint, load_preset
from sensors.modbus.registers import BYTE_ORDERS, DATA_TYPES, WORD_ORDERS
from sensors.schema import MAX_BATCH

__all__ = ["parse_agent"]

_AGENT_KEYS = (
    "client_id",
    "batch_size",
    "outbox_path",
    "outbox_max_mb",
    "backoff_base_s",
    "backoff_cap_s",
    "clock_tolerance_s",
    "stats_interval_s",
    "devices",
)
_DEVICE_KEYS = (
    "name",
    "site",
    "line",
    "transport",
    "host",
    "port",
    "serial_port",
    "baudrate",
    "parity",
    "stopbits",
    "bytesize",
    "unit_id",
    "timeout_s",
    "points",
)
_TCP_ONLY = ("host", "port")
_RTU_ONLY = ("serial_port", "baudrate", "parity", "stopbits", "bytesize")
_POINT_KEYS = (
    "sensor",
    "preset",
    "address",
    "function",
    "data_type",
    "byte_order",
    "word_order",
    "scale",
    "offset",
    "unit",
    "unit_id",
    "interval_s",
)


def parse_agent(
    ck: _Checker, doc: dict[str, Any], sites: Sequence[Site] | None
) -> tuple[bool, AgentSettings | None]:
    """``(ok, settings)``: settings is None when ``[agent]`` is absent or has problems.

    ``sites`` are the checked sites (None when they had problems: the points' sensors
    are then not checked, since the sites' own problems are reported).
    """
    where = "agent"
    if where not in doc:
        return True, None
    table = _subtable(ck, doc, "", where, required=False)
    if table is None:
        return False, None
    mark = ck.mark()
    _rule_known_keys(ck, table, where, _AGENT_KEYS)
    client_id = _string(ck, table, where, "client_id", required=False, default="upops-agent")
    batch_size = _integer(
        ck, table, where, "batch_size", required=False, default=10, minimum=1, maximum=MAX_BATCH
    )
    outbox_path = _path(
        ck, table, where, "outbox_path", required=False, default="data/agent-outbox.sqlite"
    )
    outbox_mb = _number(
        ck, table, where, "outbox_max_mb", unit="MB", required=False, default=64.0, positive=True
    )
    base_s = _number(
        ck, table, where, "backoff_base_s", unit="s", required=False, default=0.5, positive=True
    )
    cap_s = _number(
        ck, table, where, "backoff_cap_s", unit="s", required=False, default=30.0, positive=True
    )
    _rule_backoff_ordered(ck, base_s, cap_s, _key(where, "backoff_cap_s"))
    tolerance_s = _number(
        ck, table, where, "clock_tolerance_s", unit="s", required=False, default=2.0, positive=True
    )
    stats_s = _number(
        ck, table, where, "stats_interval_s", unit="s", required=False, default=60.0, positive=True
    )
    devices = _devices(ck, table, where, sites)
    if (
        ck.failed_since(mark)
        or client_id is None
        or batch_size is None
        or outbox_path is None
        or outbox_mb is None
        or base_s is None
        or cap_s is None
        or tolerance_s is None
        or stats_s is None
        or devices is None
    ):
        return False, None
    return True, AgentSettings(
        client_id=client_id,
        batch_size=batch_size,
        outbox_path=outbox_path,
        outbox_max_mb=outbox_mb,
        backoff_base_s=base_s,
        backoff_cap_s=cap_s,
        clock_tolerance_s=tolerance_s,
        stats_interval_s=stats_s,
        devices=devices,
    )


def _devices(
    ck: _Checker, table: dict[str, Any], where: str, sites: Sequence[Site] | None
) -> tuple[Device, ...] | None:
    items = _tables(ck, table, where, "devices")
    if items is None:
        return None
    mark = ck.mark()
    placed: list[tuple[str, Device]] = []
    serial: list[tuple[str, str, RtuTransport]] = []
    names: list[tuple[str, str | None]] = []
    fed: list[tuple[str, str | None]] = []
    for device_where, device_table in items:
        name = _string(ck, device_table, device_where, "name")
        if name is not None:
            name = _rule_valid_id(ck, name, _key(device_where, "name"), "device")
        names.append((_key(device_where, "name"), name))
        device, transport = _device(ck, device_table, device_where, name, sites)
        if device is not None:
            placed.append((device_where, device))
        if isinstance(transport, RtuTransport):
            serial.append((device_where, name or device_where, transport))
        fed.extend(_fed_sensors(device_table, device_where))
    _rule_unique_ids(ck, names, "device")
    _rule_one_point_per_sensor(ck, fed)
    _rule_same_serial_settings(ck, serial)
    if ck.failed_since(mark):
        return None
    return tuple(device for _, device in placed)


def _fed_sensors(table: dict[str, Any], where: str) -> list[tuple[str, str | None]]:
    """(key path, "site/line/sensor") of each point as written, for the duplicate check."""
    points = table.get("points")
    if not isinstance(points, list):
        return []
    line = f"{table.get('site')}/{table.get('line')}"
    return [
        (_key(_key(where, "points"), index), f"{line}/{point['sensor']}")
        for index, point in enumerate(points)
        if isinstance(point, dict) and isinstance(point.get("sensor"), str)
    ]


def _device(
    ck: _Checker,
    table: dict[str, Any],
    where: str,
    name: str | None,
    sites: Sequence[Site] | None,
) -> tuple[Device | None, TcpTransport | RtuTransport | None]:
    """The device (None if anything is wrong) and its transport (for the bus checks)."""
    mark = ck.mark()
    _rule_known_keys(ck, table, where, _DEVICE_KEYS)
    site_id = _string(ck, table, where, "site")
    line_id = _string(ck, table, where, "line")
    sensors = _rule_line_configured(ck, sites, site_id, line_id, _key(where, "line"))
    transport = _transport(ck, table, where)
    unit_id = _integer(
        ck, table, where, "unit_id", required=False, default=1, minimum=0, maximum=247
    )
    timeout_s = _number(
        ck, table, where, "timeout_s", unit="s", required=False, default=1.0, positive=True
    )
    points = []
    for point_where, point_table in _tables(ck, table, where, "points") or []:
        points.append(_point(ck, point_table, point_where, sensors, unit_id))
    if (
        ck.failed_since(mark)
        or name is None
        or site_id is None
        or line_id is None
        or transport is None
        or timeout_s is None
    ):
        return None, transport
    device = Device(
        name=name,
        site=site_id,
        line=line_id,
        transport=transport,
        points=tuple(point for point in points if point is not None),
        timeout_s=timeout_s,
    )
    return device, transport


def _transport(
    ck: _Checker, table: dict[str, Any], where: str
) -> TcpTransport | RtuTransport | None:
    kind = _string(ck, table, where, "transport")
    if kind is None:
        return None
    if kind not in ("tcp", "rtu"):
        ck.add(_key(where, "transport"), f"unknown transport {kind!r}; expected 'tcp' or 'rtu'")
        return None
    _rule_transport_keys(ck, table, where, kind)
    if kind == "tcp":
        host = _string(ck, table, where, "host")
        port = _integer(
            ck, table, where, "port", required=False, default=502, minimum=1, maximum=65535
        )
        return None if host is None or port is None else TcpTransport(host=host, port=port)
    serial_port = _string(ck, table, where, "serial_port")
    baudrate = _integer(ck, table, where, "baudrate", required=False, default=9600, minimum=300)
    parity = _choice(ck, table, where, "parity", PARITIES, default="N")
    stopbits = _integer(
        ck, table, where, "stopbits", required=False, default=1, minimum=1, maximum=2
    )
    bytesize = _integer(
        ck, table, where, "bytesize", required=False, default=8, minimum=7, maximum=8
    )
    if (
        serial_port is None
        or baudrate is None
        or parity is None
        or stopbits is None
        or bytesize is None
    ):
        return None
    return RtuTransport(
        port=serial_port, baudrate=baudrate, parity=parity, stopbits=stopbits, bytesize=bytesize
    )


def _choice(
    ck: _Checker,
    table: dict[str, Any],
    where: str,
    name: str,
    allowed: Sequence[str],
    *,
    default: str | None = None,
    required: bool = False,
) -> str | None:
    value = _string(ck, table, where, name, required=required, default=default)
    if value is not None and value not in allowed:
        ck.add(_key(where, name), f"{value!r} is not one of: {', '.join(allowed)}")
        return None
    return value


def _point(
    ck: _Checker,
    table: dict[str, Any],
    where: str,
    sensors: dict[str, SensorSpec] | None,
    device_unit_id: int | None,
) -> Point | None:
    mark = ck.mark()
    _rule_known_keys(ck, table, where, _POINT_KEYS)
    sensor_id = _string(ck, table, where, "sensor")
    spec = _rule_sensor_clocked(ck, sensors, sensor_id, _key(where, "sensor"))
    preset = _preset_point(ck, table, where)
    # A preset gives the defaults; without one the register layout must be written out.
    base = preset or PresetPoint("", "holding", 0, "", "")
    # A wrong preset name is its own problem; the keys it would supply are not missing.
    needed = "preset" not in table
    address = _integer(
        ck, table, where, "address", required=needed, default=base.address, minimum=0, maximum=65535
    )
    function = _choice(ck, table, where, "function", tuple(FUNCTIONS), default=base.function)
    data_type = _choice(
        ck,
        table,
        where,
        "data_type",
        tuple(DATA_TYPES),
        default=base.data_type or None,
        required=needed,
    )
    byte_order = _choice(ck, table, where, "byte_order", BYTE_ORDERS, default=base.byte_order)
    word_order = _choice(ck, table, where, "word_order", WORD_ORDERS, default=base.word_order)
    scale = _number(ck, table, where, "scale", unit="-", required=False, default=base.scale)
    _rule_scale_not_zero(ck, scale, _key(where, "scale"))
    offset = _number(ck, table, where, "offset", unit="unit", required=False, default=base.offset)
    unit = _string(ck, table, where, "unit", required=needed, default=base.unit or None)
    _rule_point_unit(ck, spec, unit, _key(where, "unit"))
    unit_id = _integer(
        ck, table, where, "unit_id", required=False, default=device_unit_id, minimum=0, maximum=247
    )
    interval_s = _number(
        ck,
        table,
        where,
        "interval_s",
        unit="s",
        required=False,
        default=spec.interval_s if spec is not None else None,
        positive=True,
    )
    if (
        ck.failed_since(mark)
        or spec is None
        or address is None
        or function is None
        or data_type is None
        or byte_order is None
        or word_order is None
        or scale is None
        or offset is None
        or unit is None
        or unit_id is None
        or interval_s is None
    ):
        return None
    return Point(
        sensor=spec.sensor,
        unit=unit,
        unit_id=unit_id,
        address=address,
        function=function,
        data_type=data_type,
        byte_order=byte_order,
        word_order=word_order,
        scale=scale,
        offset=offset,
        interval_s=interval_s,
    )


def _preset_point(ck: _Checker, table: dict[str, Any], where: str) -> PresetPoint | None:
    name = _string(ck, table, where, "preset", required=False)
    if name is None:
        return None
    key = _key(where, "preset")
    preset_name, _, point_name = name.partition(".")
    try:
        preset = load_preset(preset_name)
    except PresetError as err:
        ck.add(key, str(err))
        return None
    if point_name not in preset.points:
        ck.add(
            key,
            f"expected '<preset>.<point>'; preset {preset_name!r} has the points: "
            f"{', '.join(preset.points)}",
        )
        return None
    return preset.points[point_name]


# -- rules ---------------------------------------------------------------------------


def _rule_backoff_ordered(
    ck: _Checker, base_s: float | None, cap_s: float | None, key: str
) -> None:
    if base_s is not None and cap_s is not None and cap_s < base_s:
        ck.add(key, f"must be at least backoff_base_s ({base_s:g} s), got {cap_s:g} s")


def _rule_line_configured(
    ck: _Checker, sites: Sequence[Site] | None, site_id: str | None, line_id: str | None, key: str
) -> dict[str, SensorSpec] | None:
    """The device's line is configured; its sensors by id (None if unknown)."""
    if sites is None or site_id is None or line_id is None:
        return None
    for site in sites:
        if site.id != site_id:
            continue
        for line in site.lines:
            if line.id == line_id:
                return {spec.sensor: spec for spec in line.sensors}
        known = ", ".join(line.id for line in site.lines)
        ck.add(key, f"no line {line_id!r} at site {site_id!r} in [[sites]]; configured: {known}")
        return None
    known = ", ".join(site.id for site in sites)
    ck.add(
        key.rsplit(".", 1)[0] + ".site", f"no site {site_id!r} in [[sites]]; configured: {known}"
    )
    return None


def _rule_sensor_clocked(
    ck: _Checker, sensors: dict[str, SensorSpec] | None, sensor_id: str | None, key: str
) -> SensorSpec | None:
    """The point feeds a configured sensor of the line that is read on a clock."""
    if sensors is None or sensor_id is None:
        return None
    spec = sensors.get(sensor_id)
    if spec is None:
        ck.add(
            key,
            f"no sensor {sensor_id!r} on the device's line; configured: {', '.join(sensors)}",
        )
        return None
    if spec.event:
        ck.add(
            key,
            f"sensor {sensor_id!r} is an event sensor (one reading per weighing); "
            "a polled point must feed a clocked sensor",
        )
        return None
    return spec


def _rule_point_unit(ck: _Checker, spec: SensorSpec | None, unit: str | None, key: str) -> None:
    """The point's unit is its sensor's, so the collector does not refuse every reading."""
    if spec is not None and unit is not None and unit != spec.unit:
        ck.add(
            key,
            f"unit {unit!r} differs from the unit of sensor {spec.sensor!r} ({spec.unit!r}); "
            "convert with scale and offset and give the sensor's unit",
        )


def _rule_scale_not_zero(ck: _Checker, scale: float | None, key: str) -> None:
    if scale == 0:
        ck.add(key, "must not be 0 (every reading would be the offset)")


def _rule_one_point_per_sensor(ck: _Checker, fed: Sequence[tuple[str, str | None]]) -> None:
    """Two points feeding one sensor would interleave two series under one sequence."""
    first: dict[str, str] = {}
    for key, sensor in fed:
        if sensor is None:
            continue
        if sensor in first:
            ck.add(key, f"sensor {sensor} is already fed by {first[sensor]}; one point per sensor")
        else:
            first[sensor] = key


def _rule_transport_keys(ck: _Checker, table: dict[str, Any], where: str, kind: str) -> None:
    """Serial keys only on RTU devices, network keys only on TCP ones."""
    wrong = _RTU_ONLY if kind == "tcp" else _TCP_ONLY
    for name in wrong:
        if name in table:
            ck.add(_key(where, name), f"not used with transport = {kind!r}; remove it")


def _rule_same_serial_settings(
    ck: _Checker, serial: Sequence[tuple[str, str, RtuTransport]]
) -> None:
    """Units on one RS-485 line share its baud rate, parity and framing.

    ``serial`` holds (key path, device name, transport) of each RTU device.
    """
    first: dict[str, tuple[str, RtuTransport]] = {}
    for where, name, transport in serial:
        seen = first.setdefault(transport.port, (name, transport))
        if seen[1] != transport:
            ck.add(
                _key(where, "serial_port"),
                f"device {name} on {transport.port} has other serial settings than "
                f"{seen[0]} on the same port; units of one RS-485 line share baudrate, "
                "parity, stopbits and bytesize",
            )
