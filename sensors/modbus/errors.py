"""Exceptions of the Modbus device agent.

Each says what was wrong and what to do next; ``reason`` is a short machine-readable
code, as for every :class:`~sensors.errors.SensorsError`.
"""

from __future__ import annotations

from sensors.errors import SensorsError


class ModbusError(SensorsError):
    """Base class of the Modbus agent's errors."""

    reason = "modbus_error"


class RegisterError(ModbusError):
    """Registers cannot be decoded (wrong count, unknown data type or order)."""

    reason = "bad_registers"


class PresetError(ModbusError):
    """A device preset is unknown or its data file is malformed."""

    reason = "bad_preset"
