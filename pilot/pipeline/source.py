"""Where the pipeline reads: the configured store, survey store and alarm log.

Every command, the demo and the dashboard read through one :class:`DataSource`, made from
a configuration. The demo writes its own configuration (``demo-out/pilot.toml``), so its
output is read exactly like a real deployment.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import TracebackType

import pandas as pd

from monitoring.stores.base import SensorSeries, Store
from pilot.config import Config
from pilot.wiring import make_store

__all__ = ["DataSource"]


class DataSource:
    """The configured stores of one deployment, open for reading.

    Parameters
    ----------
    config
        The deployment's configuration.
    store
        An already open store (tests); by default the one ``[store]`` selects.
    """

    def __init__(self, config: Config, *, store: Store | None = None) -> None:
        self.config = config
        self.store = store if store is not None else make_store(config.store)

    @property
    def survey_path(self) -> Path:
        """The survey store of ``[survey] path`` (it may not exist yet)."""
        return self.config.survey.path

    @property
    def alarm_log_path(self) -> Path:
        """The alarm log of ``[alarms] path`` (it may not exist yet)."""
        return self.config.alarms.path

    def read(
        self,
        *,
        site: str,
        line: str,
        start: datetime,
        end: datetime,
        sensors: list[str] | None = None,
        every_s: float | None = None,
    ) -> pd.DataFrame:
        """Readings of one line in ``[start, end)`` (see :meth:`Store.read`)."""
        return self.store.read(
            site=site, line=line, start=start, end=end, sensors=sensors, every_s=every_s
        )

    def read_series(
        self,
        *,
        site: str,
        line: str,
        start: datetime,
        end: datetime,
        sensors: list[str] | None = None,
    ) -> dict[str, SensorSeries]:
        """The same readings as arrays per sensor (see :meth:`Store.read_series`)."""
        return self.store.read_series(site=site, line=line, start=start, end=end, sensors=sensors)

    def count_series(
        self,
        *,
        site: str,
        line: str,
        start: datetime,
        end: datetime,
        sensors: list[str],
    ) -> dict[str, int]:
        """Readings per sensor, not read (see :meth:`Store.count_series`)."""
        return self.store.count_series(site=site, line=line, start=start, end=end, sensors=sensors)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> DataSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
