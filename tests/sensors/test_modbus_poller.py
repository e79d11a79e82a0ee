"""One bus poller against pymodbus's server: faults are counted per device and a wrong
point, a closed port or a jumping clock are reported without stopping anything."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest

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


def _poll(
    devices: list[Device],
    done: Callable[[list[Reading], list[BusPoller]], bool],
    timeout_s: float = 20.0,
) -> tuple[list[Reading], list[BusPoller], float]:
    """Poll until ``done(readings, pollers)`` holds (or ``timeout_s`` passes); also the
    seconds polled. Waiting for the condition, not a fixed time, keeps the tests true
    on a busy machine."""
    readings: list[Reading] = []
    lock = threading.Lock()

    def sink(reading: Reading) -> None:
        with lock:
            readings.append(reading)

    pollers = []
    started = time.monotonic()
    for device in devices:
        poller = BusPoller([device], sink, backoff_base_s=0.05, backoff_cap_s=0.2)
        poller.start()
        pollers.append(poller)
    deadline = started + timeout_s
    while time.monotonic() < deadline:
        with lock:
            if done(list(readings), pollers):
                break
        time.sleep(0.02)
    for poller in pollers:
        poller.stop()
    return readings, pollers, time.monotonic() - started


def test_exception_code_counted_and_the_device_other_points_go_on():
    words = encode_registers(190.0, "int16", scale=0.1)
    server = ModbusServer({1: {"holding": {0: words[0]}}}).start()
    try:
        good = Point("zone1_temp", "degC", 1, 0, scale=0.1, interval_s=0.05)
        wrong = Point("zone2_temp", "degC", 1, 0x2000, interval_s=0.05)  # not in the map
        readings, (poller,), _ = _poll(
            [_device("pid", server.port, good, wrong)],
            lambda rs, ps: (
                ps[0].faults["pid"].as_dict()["exceptions"].get(2, 0) >= 5
                and sum(r.sensor == "zone1_temp" for r in rs) >= 10
            ),
        )
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
    readings, (poller,), seconds = _poll(
        [_device("gone", free_port(), point)],
        lambda _rs, ps: ps[0].faults["gone"].as_dict()["connection"] >= 3,
    )
    faults = poller.faults["gone"].as_dict()
    assert readings == []
    assert faults["connection"] >= 3, faults
    # Backoff 0.05 s doubling to 0.2 s (jitter ±20 %: waits of at least 0.04, 0.08, then
    # 0.16 s): a handful of tries, not one per 10 ms slot, however long it took.
    assert faults["connection"] <= 4 + seconds / 0.16, (faults, seconds)


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


def _garbling_device(port: str, stop: threading.Event, ready: threading.Event) -> None:
    """An RTU unit on ``port`` whose replies arrive with a corrupted CRC."""
    import serial
    from pymodbus.framer.rtu import FramerRTU

    with serial.Serial(port, 19200, timeout=0.1) as line:
        ready.set()
        buffer = b""
        while not stop.is_set():
            # A request may arrive in pieces on a busy machine: gather all 8 bytes.
            buffer += line.read(8 - len(buffer))
            if len(buffer) < 8:
                continue
            request, buffer = buffer, b""  # read holding registers: unit, 3, addr, count, CRC
            frame = bytes([request[0], 3, 2, 0x08, 0xFC])  # 230.0 degC in tenths
            crc = FramerRTU.compute_CRC(frame) ^ 0x5A5A
            line.write(frame + crc.to_bytes(2, "big"))


@pytest.mark.slow
def test_reply_with_a_bad_crc_counts_as_crc_error(serial_pair):
    device_end, gateway_end = serial_pair
    stop, ready = threading.Event(), threading.Event()
    device = threading.Thread(target=_garbling_device, args=(device_end, stop, ready), daemon=True)
    device.start()
    # A request sent before the device opened its end would go unanswered: a timeout
    # (seen under CI), not what this test is about.
    assert ready.wait(10), "the garbling device did not open its serial port"
    try:
        rtu = Device(
            name="noisy",
            site="minh-khai",
            line="line-1",
            transport=RtuTransport(gateway_end, baudrate=19200),
            points=(Point("zone1_temp", "degC", 1, 0, scale=0.1, interval_s=0.05),),
            # The reply takes milliseconds; 1 s keeps a busy machine from turning it into
            # a timeout. (pymodbus waits this long after a frame with a bad CRC, so more
            # would only slow the test.)
            timeout_s=1.0,
        )
        readings: list[Reading] = []
        poller = BusPoller([rtu], readings.append, backoff_base_s=0.05, backoff_cap_s=0.2)
        poller.start()
        deadline = time.monotonic() + 30
        while poller.faults["noisy"].as_dict()["crc_error"] < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        poller.stop()
    finally:
        stop.set()
        device.join(5)
    faults = poller.faults["noisy"].as_dict()
    assert readings == []
    assert faults["crc_error"] >= 2, faults
    assert faults["timeout"] == 0, faults
