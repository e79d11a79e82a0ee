"""Poll the devices of one bus (a Modbus TCP device, or one RS-485 line) in a thread.

Each point is read on its own interval with one request (function 3 or 4). A reply is
decoded into a :class:`~sensors.schema.Reading` stamped with the gateway's wall clock
(the middle of the request) and handed to ``sink``; the value is passed on even when it
lies outside the sensor's valid range, so the collector quarantines it with its reason
instead of the edge dropping it silently.

A failed request is counted per device (:class:`~sensors.modbus.faults.DeviceFaults`:
timeout, CRC error, Modbus exception code, connection). After a timeout, CRC error or
lost connection the device waits a capped, jittered backoff before its next request
while the other devices of the bus keep their schedule; a Modbus exception response
comes from a device that answers, so only that point's request failed and the device
keeps its schedule. Devices on different buses run in different threads, so a device that stops
answering never delays them. A poll that falls behind skips the missed slots rather
than bursting to catch up.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymodbus import FramerType
from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException

from sensors.backoff import Backoff
from sensors.modbus.devices import Device, Point, RtuTransport, TcpTransport
from sensors.modbus.errors import ModbusError, RegisterError
from sensors.modbus.faults import DeviceFaults
from sensors.modbus.registers import decode_registers
from sensors.schema import Reading

__all__ = ["BusPoller", "ReadFailure"]

log = logging.getLogger("upops.agent.poller")

# Longest single sleep [s], so a stop request is noticed promptly.
_MAX_SLEEP_S = 0.2


def _worth_logging(count: int) -> bool:
    """Log the 1st, 2nd, 4th, 8th... occurrence: a lasting fault must not flood the log.

    >>> [n for n in range(1, 20) if _worth_logging(n)]
    [1, 2, 4, 8, 16]
    """
    return count & (count - 1) == 0


class ReadFailure(ModbusError):
    """One request failed; ``kind`` is a :data:`sensors.modbus.faults.FAULT_KINDS` entry."""

    reason = "read_failed"

    def __init__(self, message: str, *, kind: str, code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code


@dataclass
class _DeviceState:
    device: Device
    faults: DeviceFaults
    backoff: Backoff
    retry_at: float = 0.0  # monotonic time before which no request is sent [s]
    seqs: dict[str, int] = field(default_factory=dict)


class BusPoller:
    """Polls the devices of one bus until stopped.

    Parameters
    ----------
    devices
        Devices sharing the bus (one for TCP; all units of one serial port for RTU).
        RTU devices of one bus must have the same serial settings.
    sink
        Called with each decoded reading, from the poller's thread.
    backoff_base_s, backoff_cap_s, backoff_jitter
        Retry backoff after a failed request (see :class:`~sensors.backoff.Backoff`)
        [s], [s], [-].
    wall
        Wall clock [s since the epoch] stamped on readings; ``time.time`` unless testing.
    """

    def __init__(
        self,
        devices: Sequence[Device],
        sink: Callable[[Reading], None],
        *,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 30.0,
        backoff_jitter: float = 0.2,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if not devices or not all(device.points for device in devices):
            raise ValueError("a bus needs at least one device, each with at least one point")
        buses = {device.bus for device in devices}
        if len(buses) != 1:
            raise ValueError(f"devices of one poller must share a bus, got {sorted(buses)}")
        self.bus = devices[0].bus
        self.sink = sink
        self._wall = wall
        self._states = [
            _DeviceState(
                device,
                DeviceFaults(),
                Backoff(base_s=backoff_base_s, cap_s=backoff_cap_s, jitter=backoff_jitter),
            )
            for device in devices
        ]
        self._received = False
        self._client = self._make_client(devices)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- public ----------------------------------------------------------------------

    @property
    def faults(self) -> dict[str, DeviceFaults]:
        """Fault counters per device name."""
        return {state.device.name: state.faults for state in self._states}

    def start(self) -> None:
        """Poll in a daemon thread until :meth:`stop`."""
        self._thread = threading.Thread(
            target=self.run, args=(self._stop,), name=f"modbus {self.bus}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop polling and close the connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set (in the calling thread)."""
        start = time.monotonic()
        # Heap of (due [monotonic s], tie-breaker, device index, point index).
        schedule: list[tuple[float, int, int, int]] = []
        order = 0
        for d, state in enumerate(self._states):
            for p, _point in enumerate(state.device.points):
                schedule.append((start, order, d, p))
                order += 1
        heapq.heapify(schedule)
        try:
            while not stop.is_set():
                due, tie, d, p = schedule[0]
                now = time.monotonic()
                if due > now:
                    stop.wait(min(due - now, _MAX_SLEEP_S))
                    continue
                state = self._states[d]
                point = state.device.points[p]
                if state.retry_at > now:
                    heapq.heapreplace(schedule, (state.retry_at, tie, d, p))
                    continue
                self._poll(state, point)
                nxt = due + point.interval_s
                now = time.monotonic()
                if nxt <= now:  # behind: skip missed slots instead of bursting
                    nxt += point.interval_s * (1 + int((now - nxt) // point.interval_s))
                heapq.heapreplace(schedule, (nxt, tie, d, p))
        finally:
            self._client.close()

    # -- one request -----------------------------------------------------------------

    def _poll(self, state: _DeviceState, point: Point) -> None:
        device = state.device
        try:
            registers, ts_us = self._read(point)
            value = decode_registers(
                registers,
                point.data_type,
                byte_order=point.byte_order,
                word_order=point.word_order,
                scale=point.scale,
                offset=point.offset,
            )
        except ReadFailure as exc:
            state.faults.count(exc.kind, code=exc.code)
            if exc.kind == "exception":
                # The device answered: the link is fine and only this point is wrong (an
                # address or function it does not have), so its other points keep going.
                if _worth_logging(state.faults.exception):
                    log.warning(
                        "%s: point %s: %s (%d so far)",
                        device.name,
                        point.sensor,
                        exc,
                        state.faults.exception,
                    )
                return
            # A late reply would be taken for the answer to the next request: start the
            # next one on a fresh connection (or a freshly opened serial port).
            self._client.close()
            wait = state.backoff.failed()
            state.retry_at = time.monotonic() + wait
            log.warning(
                "%s (%s): %s; failure %d in a row, next try in %.1f s",
                device.name,
                self.bus,
                exc,
                state.backoff.failures,
                wait,
            )
            return
        except RegisterError as exc:
            # The device answered, so the link is fine: no backoff, but no reading either.
            state.faults.count("decode_errors")
            if _worth_logging(state.faults.decode_errors):
                log.warning("%s: point %s: %s", device.name, point.sensor, exc)
            return
        state.faults.count("reads")
        if state.backoff.failures:
            log.info("%s answers again after %d failure(s)", device.name, state.backoff.failures)
        state.backoff.succeeded()
        seq = state.seqs.get(point.sensor, 0)
        state.seqs[point.sensor] = seq + 1
        self.sink(Reading(device.site, device.line, point.sensor, ts_us, value, point.unit, seq))

    def _read(self, point: Point) -> tuple[list[int], int]:
        """Registers of ``point`` and the gateway time of the read [µs]."""
        read = (
            self._client.read_holding_registers
            if point.function == "holding"
            else self._client.read_input_registers
        )
        self._received = False
        before = self._wall()
        try:
            response = read(point.address, count=point.count, device_id=point.unit_id)
        except ConnectionException as exc:
            raise ReadFailure(f"no connection: {exc}", kind="connection") from exc
        except ModbusIOException as exc:
            # pymodbus drops a reply with a bad CRC and waits on: bytes that arrived
            # without making a valid reply are a CRC (or framing) error, none a timeout.
            kind = "crc_error" if self._received else "timeout"
            raise ReadFailure(
                f"{'bad reply (CRC or framing)' if self._received else 'no reply'}: {exc}",
                kind=kind,
            ) from exc
        except (ModbusException, OSError) as exc:
            raise ReadFailure(f"request failed: {exc}", kind="connection") from exc
        after = self._wall()
        if response.isError():
            code = getattr(response, "exception_code", None)
            raise ReadFailure(
                f"Modbus exception code {code} for {point.function} register "
                f"{point.address} of unit {point.unit_id} (2: illegal address, 3: illegal "
                "value, 4: device failure); check the point's address and function",
                kind="exception",
                code=code,
            )
        registers = list(response.registers)
        if len(registers) < point.count:
            raise ReadFailure(
                f"asked for {point.count} registers, got {len(registers)}", kind="crc_error"
            )
        # The middle of the request is the best estimate of when the device sampled.
        ts_us = int((before + after) / 2 * 1_000_000)
        return registers[: point.count], ts_us

    def _trace(self, sending: bool, data: bytes) -> bytes:
        if not sending and data:
            self._received = True
        return data

    def _make_client(self, devices: Sequence[Device]) -> Any:
        transport = devices[0].transport
        timeout = max(device.timeout_s for device in devices)
        # retries=0: the poller's own backoff decides when to try again, per device.
        if isinstance(transport, TcpTransport):
            return ModbusTcpClient(
                transport.host,
                port=transport.port,
                timeout=timeout,
                retries=0,
                reconnect_delay=0,
                trace_packet=self._trace,
            )
        if not isinstance(transport, RtuTransport):
            raise TypeError(f"unknown transport {transport!r}")
        for device in devices:
            if device.transport != transport:
                raise ValueError(
                    f"devices on {transport.port} need the same serial settings: "
                    f"{devices[0].name} has {transport}, {device.name} has {device.transport}"
                )
        return ModbusSerialClient(
            transport.port,
            framer=FramerType.RTU,
            baudrate=transport.baudrate,
            parity=transport.parity,
            stopbits=transport.stopbits,
            bytesize=transport.bytesize,
            timeout=timeout,
            retries=0,
            reconnect_delay=0,
            trace_packet=self._trace,
        )
