"""Decoding Modbus registers into engineering values.

A Modbus register holds 16 bits. Devices put 16-bit integers in one register and
32-bit integers or IEEE-754 floats in two; the standard fixes neither the byte order
inside a register nor the order of the two registers, so each point names both:

``byte_order``
    ``big``: the high byte first in each register (the Modbus standard, ``AB``);
    ``little``: byte-swapped registers (``BA``).
``word_order``
    ``big``: the register at the lower address holds the high word (``ABCD``);
    ``little``: it holds the low word (``CDAB``, common on energy meters).

The engineering value is ``raw * scale + offset`` in the point's unit.

>>> decode_registers([0x00E7], "int16", scale=0.1)  # 231 tenths of a degree
23.1
>>> decode_registers([0xFF9C], "int16")
-100.0
>>> decode_registers([0x4367, 0x8000], "float32")
231.5
>>> decode_registers([0x8000, 0x4367], "float32", word_order="little")
231.5
>>> decode_registers([0x0001, 0x86A0], "uint32", scale=0.01)  # 100000 hundredths of a kWh
1000.0
>>> encode_registers(231.5, "float32", word_order="little")
[32768, 17255]
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

from sensors.modbus.errors import RegisterError

__all__ = [
    "BYTE_ORDERS",
    "DATA_TYPES",
    "WORD_ORDERS",
    "decode_registers",
    "encode_registers",
    "register_count",
]

#: Data types: struct format (big-endian) and number of registers.
DATA_TYPES: dict[str, tuple[str, int]] = {
    "int16": (">h", 1),
    "uint16": (">H", 1),
    "int32": (">i", 2),
    "uint32": (">I", 2),
    "float32": (">f", 2),
}
BYTE_ORDERS: tuple[str, ...] = ("big", "little")
WORD_ORDERS: tuple[str, ...] = ("big", "little")


def register_count(data_type: str) -> int:
    """Registers a value of ``data_type`` occupies [-].

    >>> register_count("float32")
    2
    """
    return _format(data_type)[1]


def _format(data_type: str) -> tuple[str, int]:
    try:
        return DATA_TYPES[data_type]
    except KeyError:
        raise RegisterError(
            f"unknown data type {data_type!r}; use one of: {', '.join(DATA_TYPES)}"
        ) from None


def _check_orders(byte_order: str, word_order: str) -> None:
    if byte_order not in BYTE_ORDERS:
        raise RegisterError(f"byte_order {byte_order!r} must be 'big' or 'little'")
    if word_order not in WORD_ORDERS:
        raise RegisterError(f"word_order {word_order!r} must be 'big' or 'little'")


def _to_standard(words: Sequence[int], byte_order: str, word_order: str) -> bytes:
    """Bytes of ``words`` rearranged to big-endian bytes and words (``ABCD``)."""
    ordered = list(words) if word_order == "big" else list(reversed(words))
    out = bytearray()
    for word in ordered:
        high, low = word >> 8, word & 0xFF
        out += bytes((high, low) if byte_order == "big" else (low, high))
    return bytes(out)


def decode_registers(
    registers: Sequence[int],
    data_type: str,
    *,
    byte_order: str = "big",
    word_order: str = "big",
    scale: float = 1.0,
    offset: float = 0.0,
) -> float:
    """The engineering value of ``registers`` as read from the device.

    Parameters
    ----------
    registers
        Register contents in address order, each 0..65535.
    data_type
        One of :data:`DATA_TYPES`.
    byte_order, word_order
        ``big`` or ``little`` (see the module docstring).
    scale, offset
        ``value = raw * scale + offset`` [unit of the point].

    Raises
    ------
    RegisterError
        For a wrong register count, a register outside 0..65535, an unknown type or
        order, or a float register pair that is NaN or infinite (a device's "no value").
    """
    fmt, count = _format(data_type)
    _check_orders(byte_order, word_order)
    if len(registers) != count:
        raise RegisterError(
            f"{data_type} needs {count} register(s), got {len(registers)}; check the point's type"
        )
    if any(not 0 <= word <= 0xFFFF for word in registers):
        raise RegisterError(f"registers must be 16-bit values 0..65535, got {list(registers)}")
    raw = struct.unpack(fmt, _to_standard(registers, byte_order, word_order))[0]
    if not math.isfinite(raw):
        raise RegisterError(
            f"the device sent {raw} as a {data_type}: a sensor fault or an empty register; "
            "check the device and the point's address"
        )
    return float(raw) * scale + offset


def encode_registers(
    value: float,
    data_type: str,
    *,
    byte_order: str = "big",
    word_order: str = "big",
    scale: float = 1.0,
    offset: float = 0.0,
) -> list[int]:
    """Registers a device would hold for the engineering ``value`` (inverse of decoding).

    Integer types round ``(value - offset) / scale`` to the nearest integer. Used by the
    tests' simulated devices and to check a register map by hand.

    Raises
    ------
    RegisterError
        If the raw value does not fit the data type.
    """
    fmt, _ = _format(data_type)
    _check_orders(byte_order, word_order)
    raw: float | int = (value - offset) / scale
    if data_type != "float32":
        raw = round(raw)
    try:
        packed = struct.pack(fmt, raw)
    except (struct.error, OverflowError) as exc:
        raise RegisterError(
            f"{value} does not fit a {data_type} with scale {scale} and offset {offset}"
        ) from exc
    words = [(packed[i] << 8) | packed[i + 1] for i in range(0, len(packed), 2)]
    if byte_order == "little":
        words = [((w & 0xFF) << 8) | (w >> 8) for w in words]
    return words if word_order == "big" else list(reversed(words))
