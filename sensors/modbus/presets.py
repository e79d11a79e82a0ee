"""Device presets: register layouts of common device kinds, kept as data files.

Each file in ``sensors/modbus/presets/`` describes one device kind: the manual or
convention it follows (``convention``), a reminder to check the register map against
the real device (``check``), and named points with their register address, function,
data type, orders, scale, offset and unit. A configured point names a preset point as
``"<preset>.<point>"`` and may override any of its register keys.

>>> sorted(available_presets())
['energy-meter-1ph', 'energy-meter-3ph', 'pid-temperature-controller', 'weighing-indicator']
>>> preset = load_preset("weighing-indicator")
>>> preset.points["rate"].data_type, preset.points["rate"].unit
('float32', 'kg/h')
>>> load_preset("pid-temperature-controller").points["process_value"].scale
0.1
>>> load_preset("boiler")
Traceback (most recent call last):
...
sensors.modbus.errors.PresetError: unknown device preset 'boiler'; available: ...
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sensors.modbus.devices import FUNCTIONS
from sensors.modbus.errors import PresetError
from sensors.modbus.registers import BYTE_ORDERS, DATA_TYPES, WORD_ORDERS

__all__ = ["Preset", "PresetPoint", "available_presets", "load_preset"]

_FOLDER = "presets"
_PRESET_KEYS = ("name", "description", "convention", "check", "points")
_POINT_KEYS = (
    "description",
    "function",
    "address",
    "data_type",
    "byte_order",
    "word_order",
    "scale",
    "offset",
    "unit",
)


@dataclass(frozen=True, slots=True)
class PresetPoint:
    """Register layout of one value of a preset (see :class:`sensors.modbus.devices.Point`)."""

    description: str
    function: str
    address: int
    data_type: str
    unit: str
    byte_order: str = "big"
    word_order: str = "big"
    scale: float = 1.0
    offset: float = 0.0


@dataclass(frozen=True, slots=True)
class Preset:
    """A device kind's register layout.

    Parameters
    ----------
    name
        File name without ``.toml``.
    description
        What the device is.
    convention
        The manual or register-map convention the layout follows.
    check
        What users must check against their own device.
    points
        Named points.
    """

    name: str
    description: str
    convention: str
    check: str
    points: dict[str, PresetPoint]


def _files() -> dict[str, Any]:
    folder = resources.files("sensors.modbus").joinpath(_FOLDER)
    return {
        entry.name.removesuffix(".toml"): entry
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


def available_presets() -> list[str]:
    """Names of the shipped presets."""
    return sorted(_files())


def load_preset(name: str) -> Preset:
    """The preset ``name``.

    Raises
    ------
    PresetError
        If there is no such preset, or its file is malformed (naming the key).
    """
    files = _files()
    if name not in files:
        raise PresetError(f"unknown device preset {name!r}; available: {', '.join(sorted(files))}")
    where = f"preset file {name}.toml"
    try:
        doc = tomllib.loads(files[name].read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PresetError(f"{where} cannot be read: {exc}; reinstall upops-pilot") from exc
    unknown = sorted(set(doc) - set(_PRESET_KEYS))
    if unknown:
        raise PresetError(f"{where}: unknown keys {unknown}; expected {list(_PRESET_KEYS)}")
    texts = {key: doc.get(key) for key in ("description", "convention", "check")}
    for key, value in texts.items():
        if not isinstance(value, str) or not value.strip():
            raise PresetError(f"{where}: {key} must be a non-empty string")
    points = doc.get("points")
    if not isinstance(points, dict) or not points:
        raise PresetError(f"{where}: needs at least one [points.NAME] table")
    return Preset(
        name=name,
        description=texts["description"],
        convention=texts["convention"],
        check=texts["check"],
        points={key: _point(value, f"{where}: points.{key}") for key, value in points.items()},
    )


def _point(table: Any, where: str) -> PresetPoint:
    if not isinstance(table, dict):
        raise PresetError(f"{where} must be a table")
    unknown = sorted(set(table) - set(_POINT_KEYS))
    if unknown:
        raise PresetError(f"{where}: unknown keys {unknown}; expected {list(_POINT_KEYS)}")
    choices = {
        "function": tuple(FUNCTIONS),
        "data_type": tuple(DATA_TYPES),
        "byte_order": BYTE_ORDERS,
        "word_order": WORD_ORDERS,
    }
    for key, allowed in choices.items():
        if key in table and table[key] not in allowed:
            raise PresetError(f"{where}.{key} must be one of {', '.join(allowed)}")
    address = table.get("address")
    if isinstance(address, bool) or not isinstance(address, int) or not 0 <= address <= 0xFFFF:
        raise PresetError(f"{where}.address must be an integer 0..65535")
    for key in ("scale", "offset"):
        value = table.get(key, 0.0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PresetError(f"{where}.{key} must be a number")
    for key in ("unit", "description", "function", "data_type"):
        if not isinstance(table.get(key), str):
            raise PresetError(f"{where}.{key} is required (a string)")
    return PresetPoint(
        description=table["description"],
        function=table["function"],
        address=address,
        data_type=table["data_type"],
        unit=table["unit"],
        byte_order=table.get("byte_order", "big"),
        word_order=table.get("word_order", "big"),
        scale=float(table.get("scale", 1.0)),
        offset=float(table.get("offset", 0.0)),
    )
