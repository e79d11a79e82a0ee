"""What the agent polls: devices (a Modbus TCP server or a unit on an RS-485 line) and
their points (one value each, feeding one configured sensor).

>>> point = Point(sensor="zone1_temp", unit="degC", unit_id=1, address=0x1000,
...               function="holding", data_type="int16", scale=0.1, interval_s=1.0)
>>> point.count
1
>>> device = Device(name="zone1-pid", site="minh-khai", line="line-1",
...                 transport=TcpTransport(host="192.168.1.50"), points=(point,))
>>> device.bus
'tcp://192.168.1.50:502#zone1-pid'
"""

from __future__ import annotations

from dataclasses import dataclass

from sensors.modbus.registers import register_count

__all__ = ["FUNCTIONS", "PARITIES", "Device", "Point", "RtuTransport", "TcpTransport"]

#: Register functions: holding registers (function code 3) and input registers (4).
FUNCTIONS: dict[str, int] = {"holding": 3, "input": 4}
#: Serial parities: none, even, odd.
PARITIES: tuple[str, ...] = ("N", "E", "O")


@dataclass(frozen=True, slots=True)
class Point:
    """One value read from a device.

    Parameters
    ----------
    sensor
        Configured sensor id (of the device's line) the value feeds.
    unit
        Unit of the engineering value; equal to the sensor's unit.
    unit_id
        Modbus unit (slave) id, 0-247.
    address
        Zero-based register address, as sent on the wire (register 40001 of a
        manual's 1-based numbering is address 0).
    function
        ``holding`` (code 3) or ``input`` (code 4).
    data_type
        ``int16``, ``uint16``, ``int32``, ``uint32`` or ``float32``.
    byte_order, word_order
        ``big`` or ``little`` (see :mod:`sensors.modbus.registers`).
    scale, offset
        Engineering value = raw * scale + offset [``unit``].
    interval_s
        Poll interval [s].
    """

    sensor: str
    unit: str
    unit_id: int
    address: int
    function: str = "holding"
    data_type: str = "int16"
    byte_order: str = "big"
    word_order: str = "big"
    scale: float = 1.0
    offset: float = 0.0
    interval_s: float = 1.0

    @property
    def count(self) -> int:
        """Registers read for this point [-]."""
        return register_count(self.data_type)


@dataclass(frozen=True, slots=True)
class TcpTransport:
    """Modbus TCP: ``host`` and ``port``."""

    host: str
    port: int = 502

    @property
    def bus(self) -> str:
        return f"tcp://{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class RtuTransport:
    """Modbus RTU over a serial port (RS-485 adapter): port name and line settings.

    Parameters
    ----------
    port
        Serial device, e.g. ``/dev/ttyUSB0``.
    baudrate
        [bit/s].
    parity
        ``N``, ``E`` or ``O``.
    stopbits, bytesize
        [bit].
    """

    port: str
    baudrate: int = 9600
    parity: str = "N"
    stopbits: int = 1
    bytesize: int = 8

    @property
    def bus(self) -> str:
        return f"rtu://{self.port}"


@dataclass(frozen=True, slots=True)
class Device:
    """One Modbus device and the points read from it.

    Parameters
    ----------
    name
        Device name, unique in the agent; used in logs and fault counters.
    site, line
        The configured line its points feed (their topics are that line's).
    transport
        :class:`TcpTransport` or :class:`RtuTransport`. Devices on the same serial
        port share one bus and are polled in turn by one thread.
    points
        At least one.
    timeout_s
        Longest wait for one reply [s].
    """

    name: str
    site: str
    line: str
    transport: TcpTransport | RtuTransport
    points: tuple[Point, ...]
    timeout_s: float = 1.0

    @property
    def bus(self) -> str:
        """Key of the bus: devices with equal keys are polled by the same thread."""
        if isinstance(self.transport, TcpTransport):
            # One connection (and thread) per TCP device, so a dead device cannot delay
            # another one behind the same gateway address.
            return f"{self.transport.bus}#{self.name}"
        return self.transport.bus
