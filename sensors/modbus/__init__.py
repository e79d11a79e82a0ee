"""Modbus device agent: read the lines' controllers, scales and meters and publish them.

The agent runs on a gateway at the line. It polls the configured devices over Modbus
TCP or Modbus RTU (RS-485) with pymodbus, decodes each point's registers into an
engineering value (:mod:`sensors.modbus.registers`), stamps it with the gateway's clock
and publishes batched readings through the same on-disk outbox and publisher as the
simulators (:mod:`sensors.outbox`, :mod:`sensors.publisher`), so a broker outage loses
nothing. Each bus has its own thread: a device that stops answering is retried with
capped backoff and never delays devices on other buses (:mod:`sensors.modbus.poller`).

Modules: :mod:`~sensors.modbus.registers` (decoding), :mod:`~sensors.modbus.devices`
(what to poll), :mod:`~sensors.modbus.presets` (register layouts as data files),
:mod:`~sensors.modbus.faults` (fault counters and backoff), :mod:`~sensors.modbus.clock`
(wall-clock jumps), :mod:`~sensors.modbus.poller` (one bus), :mod:`~sensors.modbus.agent`
(all buses and the publisher). Only the poller imports pymodbus.
"""

from sensors.modbus.devices import Device, Point, RtuTransport, TcpTransport
from sensors.modbus.errors import ModbusError, PresetError, RegisterError
from sensors.modbus.presets import Preset, PresetPoint, available_presets, load_preset
from sensors.modbus.registers import decode_registers, encode_registers, register_count

__all__ = [
    "Device",
    "ModbusError",
    "Point",
    "Preset",
    "PresetError",
    "PresetPoint",
    "RegisterError",
    "RtuTransport",
    "TcpTransport",
    "available_presets",
    "decode_registers",
    "encode_registers",
    "load_preset",
    "register_count",
]
