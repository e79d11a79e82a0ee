"""One bus poller against pymodbus's server: faults are counted per device and a wrong
point, a closed port or a jumping clock are reported without stopping anything."""

from __future__ import annotations

import logging
import threading
import time

from sensors.modbus.clock import ClockWatch
from sensors.modbus.devices import Device, Point, RtuTransport, TcpTransport
from sensors.modbus.poller import BusPoller
from sensors.modbus.registers import encode_registers
from sensors.schema import Reading
from tests.fixtures_modbus import ModbusServer
from tests.servers import free_port


def _device(name: str, port: int, *points: Point) -> Device:
    return Device(
        name=name,
        site="minh-khai",
        line="line-1",
        transport=TcpTransport("127.0.0.1", port),
        points=points,
        timeout_s=0.5,
    )


def _poll(devices: list[Device], seconds: float) -> tuple[list[Reading], list[BusPoller]]:
    readings: list[Reading] = []
    lock = threading.Lock()

    def sink(reading: Reading) -> None:
        with lock:
            readings.append(reading)

    pollers = []
    for device in devices:
        poller = BusPoller([device], sink, backoff_base_s=0.05, backoff_cap_s=0.2)
        poller.start()
        pollers.append(poller)
    time.sleep(seconds)
    for poller in pollers:
        poller.stop()
    return readings, pollers


def test_exception_code_counted_and_the_device_other_points_go_on():
    words = encode_registers(190.0, "int16", scale=0.1)
    server = ModbusServer({1: {"holding": {0: words[0]}}}).start()
    try:
        good = Point("zone1_temp", "degC", 1, 0, scale=0.1, interval_s=0.05)
        wrong = Point("zone2_temp", "degC", 1, 0x2000, interval_s=0.05)  # not in the map
        readings, (poller,) = _poll([_device("pid", server.port, good, wrong)], 1.0)
    finally:
        server.stop()
    faults = poller.faults["pid"].as_dict()
    assert faults["exceptions"].get(2, 0) >= 5, faults  # 2: illegal data address
    assert faults["timeout"] == faults["connection"] == 0
    values = [r.value for r in readings if r.sensor == "zone1_temp"]
    assert len(values) >= 10
    assert set(values) == {190.0}
    assert [r.seq for r in readings] == list(range(len(readings)))
    assert not any(r.sensor == "zone2_temp" for r in readings)


def test_closed_port_counts_connection_faults_and_backs_off():
    point = Point("zone1_temp", "degC", 1, 0, interval_s=0.01)
    readings, (poller,) = _poll([_device("gone", free_port(), point)], 1.0)
    faults = poller.faults["gone"].as_dict()
    assert readings == []
    # Backoff 0.05 s doubling to 0.2 s: a handful of tries, not one per 10 ms slot.
    assert 3 <= faults["connection"] <= 25, faults


def test_clock_jump_is_logged_as_a_warning(caplog):
    wall = [1000.0]
    watch = ClockWatch(tolerance_s=1.0, wall=lambda: wall[0], monotonic=lambda: 5.0)
    wall[0] = 1000.5
    with caplog.at_level(logging.WARNING, logger="upops.agent.clock"):
        assert watch.check() == 0.0
        wall[0] = 900.0
        assert watch.check() == -100.5
    assert watch.jumps == 1
    assert "jumped by -100.5 s" in caplog.text
    assert "NTP" in caplog.text


def _garbling_device(port: str, stop: threading.Event) -> None:
    """An RTU unit on ``port`` whose replies arrive with a corrupted CRC."""
    import serial
    from pymodbus.framer.rtu import FramerRTU

    with serial.Serial(port, 19200, timeout=0.1) as line:
        while not stop.is_set():
            request = line.read(8)  # read holding registers: unit, 3, addr, count, CRC
            if len(request) < 8:
                continue
            frame = bytes([request[0], 3, 2, 0x08, 0xFC])  # 230.0 degC in tenths
            crc = FramerRTU.compute_CRC(frame) ^ 0x5A5A
            line.write(frame + crc.to_bytes(2, "big"))


def test_reply_with_a_bad_crc_counts_as_crc_error(serial_pair):
    device_end, gateway_end = serial_pair
    stop = threading.Event()
    device = threading.Thread(target=_garbling_device, args=(device_end, stop), daemon=True)
    device.start()
    try:
        rtu = Device(
            name="noisy",
            site="minh-khai",
            line="line-1",
            transport=RtuTransport(gateway_end, baudrate=19200),
            points=(Point("zone1_temp", "degC", 1, 0, scale=0.1, interval_s=0.05),),
            timeout_s=0.3,
        )
        readings: list[Reading] = []
        poller = BusPoller([rtu], readings.append, backoff_base_s=0.05, backoff_cap_s=0.2)
        poller.start()
        time.sleep(2.0)
        poller.stop()
    finally:
        stop.set()
        device.join(5)
    faults = poller.faults["noisy"].as_dict()
    assert readings == []
    assert faults["crc_error"] >= 2, faults
    assert faults["timeout"] == 0, faults
