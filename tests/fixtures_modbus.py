"""Modbus devices for the tests: pymodbus's own server with simulated registers, over
TCP on a free loopback port or over RTU on one end of a serial pair made by socat, and
a TCP proxy that can stop answering (a device that hangs without closing the line).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import select
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from tests.servers import ServerProcess, free_port, require_binary, wait_for_port

#: Registers of one simulated unit: ``{"holding": {address: word}, "input": {...}}``.
Registers = Mapping[str, Mapping[int, int]]

# pymodbus logs every frame it cannot match, and warns that its old datastore is
# deprecated; neither helps reading a test failure.
logging.getLogger("pymodbus").setLevel(logging.CRITICAL)


# pymodbus refuses an empty block: a unit without registers of a kind gets one here.
_UNUSED_ADDRESS = 0xFF00


def _blocks(registers: Mapping[int, int]) -> list[SimData]:
    """One contiguous block from the lowest to the highest address (gaps read 0)."""
    if not registers:
        return [SimData(_UNUSED_ADDRESS, values=[0], datatype=DataType.REGISTERS)]
    low, high = min(registers), max(registers)
    words = [registers.get(address, 0) for address in range(low, high + 1)]
    return [SimData(low, values=words, datatype=DataType.REGISTERS)]


def sim_devices(units: Mapping[int, Registers]) -> list[SimDevice]:
    """pymodbus simulated units with separate holding and input register blocks."""
    devices = []
    for unit_id, registers in units.items():
        bits = [SimData(0, values=[False] * 16, datatype=DataType.BITS)]
        devices.append(
            SimDevice(
                id=unit_id,
                simdata=(
                    bits,
                    bits,
                    _blocks(registers.get("holding", {})),
                    _blocks(registers.get("input", {})),
                ),
            )
        )
    return devices


class ModbusServer:
    """pymodbus's server in a thread of its own, over TCP (``port``) or RTU (``serial``)."""

    def __init__(
        self, units: Mapping[int, Registers], *, serial: str | None = None, baudrate: int = 9600
    ) -> None:
        self.units = units
        self.serial = serial
        self.baudrate = baudrate
        self.port = free_port()
        # Built here, so that a wrong register map fails the test at once.
        self._devices = sim_devices(units)
        self._loop = asyncio.new_event_loop()
        self._server: Any = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        devices = self._devices
        if self.serial is None:
            self._server = ModbusTcpServer(devices, address=("127.0.0.1", self.port))
        else:
            self._server = ModbusSerialServer(
                devices, port=self.serial, baudrate=self.baudrate, timeout=1
            )
        self._ready.set()
        await self._server.serve_forever()

    def start(self) -> ModbusServer:
        self._thread.start()
        self._ready.wait(10)
        if self.serial is None:
            wait_for_port(self.port)
        else:
            time.sleep(0.3)  # the serial server opens its port asynchronously
        return self

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._server.shutdown(), self._loop).result(10)
        self._thread.join(10)


class HangingProxy:
    """TCP proxy to ``target_port``; while ``hang`` is set it swallows every request,
    as a device that stopped answering but keeps the connection open."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.hang = threading.Event()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> HangingProxy:
        self._thread.start()
        return self

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
        except OSError:
            client.close()
            return
        with client, upstream:
            while not self._stop.is_set():
                ready, _, _ = select.select([client, upstream], [], [], 0.2)
                for sock in ready:
                    try:
                        data = sock.recv(4096)
                    except OSError:
                        return
                    if not data:
                        return
                    if sock is client and self.hang.is_set():
                        continue  # the request vanishes: the agent sees a timeout
                    (upstream if sock is client else client).sendall(data)

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(5)


@pytest.fixture
def serial_pair(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two pseudo-terminals joined by socat: what one end writes, the other reads."""
    binary = require_binary("socat")
    a, b = tmp_path / "ttyA", tmp_path / "ttyB"
    socat = ServerProcess(
        "socat",
        [binary, "-d", "-d", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
        tmp_path,
        ready=lambda: a.exists() and b.exists(),
        start_timeout_s=10.0,
    )
    with socat:
        yield str(a), str(b)
