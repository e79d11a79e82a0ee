"""A folder shaped like the demo's output, made fast for tests: readings simulated
straight into ``readings.sqlite`` (no broker) and the demo's own ``pilot.toml``.

Commands then read it exactly as after ``pilot demo``: ``pilot --config DIR/pilot.toml``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitoring.stores.sqlite import SQLiteStore
from pilot.config import Config, default_config_path, load_config
from pilot.demo_config import DEMO_FILES, write_demo_config
from sensors.simulator import Simulation

__all__ = ["DemoFolder", "demo_folder"]

#: The example configuration every demo-shaped folder starts from.
EXAMPLE = load_config(default_config_path())


@dataclass(frozen=True)
class DemoFolder:
    """The folder's configuration file, the configuration, and the simulator's ground
    truth (``Simulation.totals``) per ``(period_id, site, line)``."""

    config_file: Path
    config: Config
    totals: dict[tuple[str, str, str], Any]


def demo_folder(
    path: Path,
    *,
    days: float,
    interval_s: float,
    simulate: Iterable[tuple[str, str, str]],
    seed: int = 11,
    source: Path | None = None,
) -> DemoFolder:
    """Simulate ``(period_id, site, line)`` triples over the first ``days`` of each period
    into ``path/readings.sqlite`` and write ``path/pilot.toml``.

    Lines and periods not in ``simulate`` stay without readings (a period without data).
    """
    path.mkdir(parents=True, exist_ok=True)
    store = SQLiteStore(path / DEMO_FILES["store"])
    totals = {}
    try:
        for index, (period_id, site, line) in enumerate(simulate):
            period = EXAMPLE.period(period_id)
            sim = Simulation(
                EXAMPLE.line(site, line),
                regime=period.kind,
                start=period.start,
                end=period.start + timedelta(days=days),
                seed=seed + index,
                interval_s=interval_s,
            )
            store.write(list(sim))
            totals[(period_id, site, line)] = sim.totals
    finally:
        store.close()
    config_file = write_demo_config(
        path,
        source or default_config_path(),
        days=days,
        interval_s=interval_s,
        written=datetime.now(UTC),
    )
    return DemoFolder(config_file, load_config(config_file), totals)
