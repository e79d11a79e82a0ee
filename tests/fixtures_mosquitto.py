"""A real Mosquitto broker for the tests, on a free loopback port with its own folder.

The suite never uses the broker a machine may already run on 1883: each session
starts its own, so tests cannot see other traffic and can restart it at will.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sensors.mqtt import BrokerSettings
from tests.servers import ServerProcess, free_port, require_binary, serving


class MosquittoServer:
    """A Mosquitto process; ``restart`` keeps its port and persistence file.

    Its log (and anything it prints) is ``mosquitto.log`` in ``folder``; when it does not
    start, :class:`~tests.servers.ServerStartError` shows its end.
    """

    def __init__(
        self,
        binary: str,
        folder: Path,
        *,
        extra_config: str = "",
        config_text: str | None = None,
        port: int | None = None,
        tls: bool = False,
    ) -> None:
        """``config_text`` replaces the whole configuration (it must listen on ``port``);
        ``tls`` makes :attr:`url` ``mqtts://``."""
        self.binary = binary
        self.folder = folder
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.tls = tls
        self.config = folder / "mosquitto.conf"
        if config_text is not None:
            self.config.write_text(config_text)
        else:
            self._write_default_config(extra_config)
        self.process = ServerProcess(
            "mosquitto", [binary, "-c", str(self.config)], folder, port=self.port
        )

    def _write_default_config(self, extra_config: str) -> None:
        folder = self.folder
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {folder}/\n"
            # Large enough that no test loses queued messages to Mosquitto's default of 1000.
            "max_queued_messages 1000000\n"
            # Into the process's log, which a failed start shows.
            "log_dest stderr\n" + ("user root\n" if os.geteuid() == 0 else "") + extra_config
            # Started as root, Mosquitto drops to the 'mosquitto' user, which cannot write
            # the persistence file into pytest's private folder: sessions would not survive
            # a restart.
        )

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"

    def settings(self, client_id: str, **kwargs: object) -> BrokerSettings:
        return BrokerSettings(url=self.url, client_id=client_id, **kwargs)  # type: ignore[arg-type]

    def start(self) -> None:
        self.process.start()

    def stop(self) -> None:
        self.process.stop()

    def restart(self) -> None:
        self.process.restart()


@pytest.fixture(scope="session")
def mosquitto_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MosquittoServer]:
    """A Mosquitto broker started for this test session."""
    yield from _broker(tmp_path_factory.mktemp("mosquitto"))


@pytest.fixture
def fresh_mosquitto(tmp_path: Path) -> Iterator[MosquittoServer]:
    """A broker of this test's own, for tests that stop or restart it."""
    yield from _broker(tmp_path / "mosquitto")


def _broker(folder: Path) -> Iterator[MosquittoServer]:
    folder.mkdir(exist_ok=True)
    with serving(MosquittoServer(require_binary("mosquitto"), folder)) as server:
        yield server
