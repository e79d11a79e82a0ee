"""``pilot collect`` as its own process, for the tests that kill or starve it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_collector(config: Path, log: Path) -> subprocess.Popen[bytes]:
    """``pilot --config CONFIG collect`` from this tree, its stderr appended to ``log``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "pilot.cli", "--config", str(config), "collect"],
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        env=env,
    )
