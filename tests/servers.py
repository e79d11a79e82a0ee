"""Start and stop real servers for the tests, on free loopback ports in temporary folders.

:class:`ServerProcess` is the one way the suite (and ``bench/``) runs a server process:
Mosquitto (:mod:`tests.fixtures_mosquitto`), InfluxDB (:mod:`tests.fixtures_influxdb`),
socat (:mod:`tests.fixtures_modbus`), the collector in ``bench/outage.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Protocol, TypeVar

import pytest

README_TEST_COMMAND = "./run test"
#: How often a starting server is asked whether it is ready [s].
POLL_S = 0.05


class ServerStartError(RuntimeError):
    """A server process exited, or was not ready in time; the message ends with its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_listens(port: int) -> bool:
    """True if something accepts TCP connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Return once ``condition()`` holds; fail naming ``what`` after ``timeout_s`` [s].

    Tests wait for a condition with a deadline, never a fixed sleep.
    """
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.05)


def wait_for_port(port: int, timeout_s: float = 20.0) -> None:
    """Return once something listens on 127.0.0.1:``port``; TimeoutError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not port_listens(port):
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s")
        time.sleep(POLL_S)


def require_binary(name: str) -> str:
    """Path of ``name``; under CI a missing server fails the test, elsewhere it skips."""
    path = shutil.which(name) or (
        f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None
    )
    if path is None:
        message = f"{name} is not installed; `{README_TEST_COMMAND}` installs it (Debian package)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def pdf_text(path: Path, options: Sequence[str] = ("-layout",)) -> str:
    """The text of a PDF as ``pdftotext OPTIONS`` gives it (by default ``-layout``;
    pages split by form feeds)."""
    return subprocess.run(
        [require_binary("pdftotext"), *options, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


class _Server(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


_S = TypeVar("_S", bound=_Server)


@contextmanager
def serving(server: _S) -> Iterator[_S]:
    """``server`` started, and stopped on leaving (the fixtures' servers)."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


def stop_process(
    proc: subprocess.Popen[bytes], *, kill: bool = False, timeout_s: float = 10.0
) -> None:
    """Stop ``proc``: SIGKILL at once when ``kill``, else SIGTERM then SIGKILL."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class ServerProcess:
    """One server process: its command, its folder, its log, and when it is ready.

    Its stdout and stderr go to ``<folder>/<name>.log`` (appended to across restarts);
    when it exits or is not ready within ``start_timeout_s`` [s], :meth:`start` stops it
    and raises :class:`ServerStartError` ending with the tail of that log. It is ready
    when every condition given holds: something listens on ``port``, ``ready_line``
    appears in what this start wrote to the log, ``ready()`` is true.

    >>> import sys, tempfile
    >>> argv = [sys.executable, "-c", "print('up', flush=True); import time; time.sleep(60)"]
    >>> with tempfile.TemporaryDirectory() as folder, ServerProcess(
    ...     "sleeper", argv, Path(folder), ready_line="up"
    ... ) as server:
    ...     server.running
    True
    >>> server.running
    False
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        folder: Path,
        *,
        port: int | None = None,
        ready_line: str | None = None,
        ready: Callable[[], bool] | None = None,
        start_timeout_s: float = 30.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.folder = folder
        self.port = port
        self.ready_line = ready_line
        self.ready = ready
        self.start_timeout_s = start_timeout_s
        self.env = dict(env) if env is not None else None
        self.log = folder / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise ServerStartError(f"{self.name} is not started; call start() first")
        return self.proc.pid

    def start(self) -> ServerProcess:
        """Start the process (if it is not running) and wait until it is ready."""
        if self.running:
            return self
        self.folder.mkdir(parents=True, exist_ok=True)
        self._log_offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder, env=self.env
            )
        deadline = time.monotonic() + self.start_timeout_s
        while not self.is_ready():
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                raise ServerStartError(f"{self.name} exited with code {code}; {self._told()}")
            if time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(
                    f"{self.name} was not ready within {self.start_timeout_s} s "
                    f"({self._conditions()}); {self._told()}"
                )
            time.sleep(POLL_S)
        return self

    def is_ready(self) -> bool:
        if self.port is not None and not port_listens(self.port):
            return False
        if self.ready_line is not None and self.ready_line not in self._this_start_output():
            return False
        return self.ready is None or self.ready()

    def stop(self, *, kill: bool = False, timeout_s: float = 10.0) -> None:
        """Stop the process: SIGTERM (SIGKILL after ``timeout_s``), or SIGKILL at once."""
        if self.proc is not None:
            stop_process(self.proc, kill=kill, timeout_s=timeout_s)
            self.proc = None

    def restart(self) -> ServerProcess:
        self.stop()
        return self.start()

    def log_tail(self, lines: int = 30) -> str:
        try:
            tail = self.log.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return "(no log)"
        return "\n".join(tail) if tail else "(empty)"

    def _this_start_output(self) -> str:
        try:
            with self.log.open("rb") as log:
                log.seek(self._log_offset)
                return log.read().decode(errors="replace")
        except OSError:
            return ""

    def _conditions(self) -> str:
        wanted = [f"listening on 127.0.0.1:{self.port}"] if self.port is not None else []
        wanted += [f"{self.ready_line!r} in its log"] if self.ready_line is not None else []
        wanted += ["ready() true"] if self.ready is not None else []
        return ", ".join(wanted) or "no condition"

    def _told(self) -> str:
        return f"command {' '.join(self.argv)}; the end of {self.log}:\n{self.log_tail()}"

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
