"""The configuration ``pilot demo`` writes beside its data: ``<out>/pilot.toml``.

It is the configuration the demo ran with, changed only where the demo differs from a
deployment, so that every command reads the demo's output exactly as a real one:

* the store, quarantine, spool, alarm log, survey store and device outboxes are files in
  the output folder (relative to it, so the folder can be moved);
* each period ends where the simulation ended (``--days`` after its start);
* sampled sensors (neither counters nor events) report at the demo's ``--interval-s``,
  the interval they were simulated at;
* there is no ``[agent]`` (the demo reads no Modbus device);
* secret and certificate files (``*_file`` keys) point where they did before.

Secrets themselves never enter the file: only ``*_env`` and ``*_file`` references do.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import tomli_w

from models.vocabulary import PERIOD_KINDS
from pilot.config import default_config_path
from pilot.errors import PilotError

__all__ = ["DEMO_CONFIG_NAME", "DEMO_FILES", "write_demo_config"]

#: Name of the configuration file in the demo's output folder.
DEMO_CONFIG_NAME = "pilot.toml"

#: The demo's data files, relative to its output folder.
DEMO_FILES: dict[str, str] = {
    "store": "readings.sqlite",
    "quarantine": "quarantine.sqlite",
    "spool": "spool.sqlite",
    "alarms": "alarms.sqlite",
    "survey": "survey.sqlite",
    "outbox": "outbox",
    "reports": "reports",
}

#: Period kinds the demo simulates.
SIMULATED_KINDS: tuple[str, ...] = PERIOD_KINDS


def write_demo_config(
    out: Path, source: Path, *, days: float, interval_s: float, written: datetime
) -> Path:
    """Write ``out/pilot.toml`` from the configuration file ``source``; its path.

    Parameters
    ----------
    out
        The demo's output folder.
    source
        The configuration file the demo ran with.
    days
        Simulated days from the start of each period [d].
    interval_s
        Sampling interval of the sampled sensors in the demo [s].
    written
        When, recorded in the file's first comment line.

    Raises
    ------
    PilotError
        ``source`` cannot be read as TOML (it was checked before the demo ran, so this
        means it changed meanwhile).
    """
    try:
        doc = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PilotError(
            f"cannot read {source} again to write the demo's configuration: {exc}"
        ) from exc
    # The shipped example's relative paths are relative to the working folder.
    base = Path.cwd() if source.resolve() == default_config_path() else source.resolve().parent
    _absolute_files(doc, base)
    doc.pop("agent", None)
    doc["store"] = {"kind": "sqlite", "sqlite": {"path": DEMO_FILES["store"]}}
    collector = doc.setdefault("collector", {})
    collector["quarantine_path"] = DEMO_FILES["quarantine"]
    collector["spool_path"] = DEMO_FILES["spool"]
    doc.setdefault("alarms", {})["path"] = DEMO_FILES["alarms"]
    doc.setdefault("survey", {})["path"] = DEMO_FILES["survey"]
    doc.setdefault("simulation", {})["outbox_dir"] = DEMO_FILES["outbox"]
    # The dashboard lists (and adds to) the reports the demo wrote.
    doc.setdefault("serve", {})["reports_dir"] = DEMO_FILES["reports"]
    for period in doc.get("periods", []):
        if period.get("kind") in SIMULATED_KINDS:
            period["end"] = min(period["end"], period["start"] + timedelta(days=days))
    for site in doc.get("sites", []):
        for line in site.get("lines", []):
            for sensor in line.get("sensors", []):
                if not sensor.get("counter") and not sensor.get("event"):
                    sensor["interval_s"] = float(interval_s)
    path = out / DEMO_CONFIG_NAME
    header = (
        f"# Written by `pilot demo` on {written.isoformat(timespec='seconds')} from {source}.\n"
        "# The demo's data are in this folder; every command reads them with\n"
        f"#   pilot --config {path} COMMAND\n"
        "# Periods end where the simulation ended; sampled sensors report at the demo's\n"
        "# interval.\n\n"
    )
    path.write_text(header + tomli_w.dumps(doc), encoding="utf-8")
    return path


def _absolute_files(table: dict[str, Any], base: Path) -> None:
    """Make every relative ``*_file`` path absolute against ``base`` (in place)."""
    for key, value in table.items():
        if isinstance(value, dict):
            _absolute_files(value, base)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _absolute_files(item, base)
        elif key.endswith("_file") and isinstance(value, str) and not Path(value).is_absolute():
            table[key] = str(base / value)
