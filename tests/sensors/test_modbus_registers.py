"""Register decoding: known answers for every type and order, and a round-trip property."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensors.modbus.errors import RegisterError
from sensors.modbus.registers import DATA_TYPES, decode_registers, encode_registers

# 0x12345678 as int32 in the four layouts a device may use (bytes A=12 B=34 C=56 D=78).
LAYOUTS = {
    ("big", "big"): [0x1234, 0x5678],  # ABCD, the Modbus convention
    ("big", "little"): [0x5678, 0x1234],  # CDAB, low word first
    ("little", "big"): [0x3412, 0x7856],  # BADC, byte-swapped registers
    ("little", "little"): [0x7856, 0x3412],  # DCBA
}


@pytest.mark.parametrize(("byte_order", "word_order"), list(LAYOUTS))
def test_int32_in_every_byte_and_word_order(byte_order, word_order):
    words = LAYOUTS[(byte_order, word_order)]
    value = decode_registers(words, "int32", byte_order=byte_order, word_order=word_order)
    assert value == 0x12345678
    assert encode_registers(value, "int32", byte_order=byte_order, word_order=word_order) == words


@pytest.mark.parametrize(
    ("registers", "data_type", "kwargs", "expected"),
    [
        ([0x0000], "int16", {}, 0.0),
        ([0x7FFF], "int16", {}, 32767.0),
        ([0x8000], "int16", {}, -32768.0),
        ([0xFFFF], "int16", {}, -1.0),
        ([0xFFFF], "uint16", {}, 65535.0),
        ([0x0903], "int16", {"scale": 0.1}, 230.7),  # PID controller PV in 0.1 degC
        ([0xFF9C], "int16", {"scale": 0.1}, -10.0),
        ([0x0100], "int16", {"byte_order": "little"}, 1.0),
        ([0x03E8], "uint16", {"scale": 0.5, "offset": -20.0}, 480.0),  # 4-20 mA style
        ([0xFFFF, 0xFFFE], "int32", {}, -2.0),
        ([0xFFFE, 0xFFFF], "int32", {"word_order": "little"}, -2.0),
        ([0xFFFF, 0xFFFF], "uint32", {}, 4294967295.0),
        ([0x0001, 0xE240], "uint32", {"scale": 0.01}, 1234.56),  # 123456 hundredths of kWh
        ([0xE240, 0x0001], "uint32", {"scale": 0.01, "word_order": "little"}, 1234.56),
        ([0x42A8, 0x8000], "float32", {}, 84.25),
        ([0x8000, 0x42A8], "float32", {"word_order": "little"}, 84.25),
        ([0xA842, 0x0080], "float32", {"byte_order": "little"}, 84.25),
        ([0x0080, 0xA842], "float32", {"byte_order": "little", "word_order": "little"}, 84.25),
        ([0xC2C8, 0x0000], "float32", {"scale": 2.0, "offset": 1.0}, -199.0),
    ],
)
def test_known_answers(registers, data_type, kwargs, expected):
    assert decode_registers(registers, data_type, **kwargs) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("registers", "data_type", "kwargs", "message"),
    [
        ([1, 2], "int16", {}, "needs 1 register"),
        ([1], "float32", {}, "needs 2 register"),
        ([1], "int64", {}, "unknown data type"),
        ([70000], "uint16", {}, "16-bit"),
        ([1], "int16", {"byte_order": "middle"}, "byte_order"),
        ([1, 2], "int32", {"word_order": "ABCD"}, "word_order"),
        ([0x7FC0, 0x0000], "float32", {}, "nan"),
        ([0x7F80, 0x0000], "float32", {}, "inf"),
    ],
)
def test_bad_registers_raise_with_a_reason(registers, data_type, kwargs, message):
    with pytest.raises(RegisterError, match=message):
        decode_registers(registers, data_type, **kwargs)


def test_value_that_does_not_fit_is_refused():
    with pytest.raises(RegisterError, match="does not fit"):
        encode_registers(70000.0, "int16")


_ORDERS = st.sampled_from(["big", "little"])
_INT_RANGES = {
    "int16": (-(2**15), 2**15 - 1),
    "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
}


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    data_type=st.sampled_from(sorted(_INT_RANGES)),
    byte_order=_ORDERS,
    word_order=_ORDERS,
    data=st.data(),
)
def test_integer_round_trip(data_type, byte_order, word_order, data):
    low, high = _INT_RANGES[data_type]
    raw = data.draw(st.integers(low, high))
    scale = data.draw(st.sampled_from([1.0, 0.1, 0.01, 10.0]))
    offset = data.draw(st.sampled_from([0.0, -50.0, 273.15]))
    value = raw * scale + offset
    layout = {"byte_order": byte_order, "word_order": word_order, "scale": scale, "offset": offset}
    words = encode_registers(value, data_type, **layout)
    assert len(words) == struct.calcsize(DATA_TYPES[data_type][0]) // 2
    assert all(0 <= w <= 0xFFFF for w in words)
    assert decode_registers(words, data_type, **layout) == pytest.approx(value, abs=1e-9 * scale)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    value=st.floats(width=32, allow_nan=False, allow_infinity=False),
    byte_order=_ORDERS,
    word_order=_ORDERS,
)
def test_float32_round_trip_is_exact(value, byte_order, word_order):
    words = encode_registers(value, "float32", byte_order=byte_order, word_order=word_order)
    back = decode_registers(words, "float32", byte_order=byte_order, word_order=word_order)
    assert back == value or (math.copysign(1, back) == math.copysign(1, value) and back == 0)
