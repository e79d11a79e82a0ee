"""An MQTT broker inside this process, for ``pilot demo`` on a machine without Mosquitto.

amqtt is a pure-Python broker: it needs no root and no system package, which is what a
zero-setup demo needs. It is far slower than Mosquitto (about 700 QoS 1 messages/s on
a 2-core machine, see the reference notes) and is not meant for a deployment.

amqtt logs a warning with a traceback for every message whose PUBACK it waited on for
more than 5 s; under load that was a wall of hundreds of thousands of lines for
messages that were all stored in the end. Its log records are therefore tallied
(:class:`LogTally`), not printed: :meth:`EmbeddedBroker.stop` logs one summary line.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections import Counter
from typing import Any

log = logging.getLogger("upops.demo")


class LogTally(logging.Handler):
    """Counts the records of a logger tree at WARNING and above, keeping the first one.

    >>> tally = LogTally()
    >>> logger = logging.getLogger("tally-doctest")
    >>> logger.propagate = False
    >>> logger.addHandler(tally)
    >>> for n in range(3):
    ...     logger.warning("Timeout waiting for PUBACK for packet ID %d", n)
    >>> tally.summary()
    '3 warning(s), first: Timeout waiting for PUBACK for packet ID 0'
    """

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname.lower()] += 1
        if self.first is None:
            self.first = record.getMessage()

    def summary(self) -> str:
        """One line: how many records of each level, and the first message; '' if none."""
        if not self.counts:
            return ""
        counts = ", ".join(f"{n} {level}(s)" for level, n in sorted(self.counts.items()))
        return f"{counts}, first: {self.first}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedBroker:
    """amqtt broker on ``127.0.0.1`` and a free port, in a background thread.

    >>> with EmbeddedBroker() as broker:
    ...     broker.url.startswith("mqtt://127.0.0.1:")
    True
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or _free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="amqtt", daemon=True)
        self._broker: Any = None
        self.tally = LogTally()

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 15.0) -> None:
        # amqtt logs every connection at INFO; the demo's own progress is enough. Its
        # warnings and errors are counted, not printed (see the module's docstring).
        for name in ("amqtt", "transitions"):
            logger = logging.getLogger(name)
            logger.setLevel(logging.WARNING)
            logger.propagate = False
            logger.addHandler(self.tally)
        from amqtt.broker import Broker

        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
        self._thread.start()

        async def _start() -> None:
            self._broker = Broker(config, loop=self._loop)
            await self._broker.start()

        asyncio.run_coroutine_threadsafe(_start(), self._loop).result(timeout_s)

    def stop(self, timeout_s: float = 15.0) -> None:
        if self._broker is not None:
            future = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop)
            try:
                future.result(timeout_s)
            except Exception:  # a failed shutdown must not hide the demo's result
                logging.getLogger("upops.demo").debug("embedded broker shutdown", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout_s)
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).removeHandler(self.tally)
        if summary := self.tally.summary():
            log.warning("the embedded broker logged %s", summary)

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
