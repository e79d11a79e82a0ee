"""``pilot --help`` stays fast: the command modules import no heavy library at start.

Each check runs in a fresh interpreter, since this one has long imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "matplotlib", "scipy", "reports", "influxdb_client")


def _loaded_after(code: str) -> list[str]:
    """The modules of :data:`HEAVY` that ``code`` leaves imported, in a fresh Python."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def _help(*argvs: list[str]) -> str:
    """Code that prints the help of each ``pilot`` command line of ``argvs``, quietly."""
    return (
        "import contextlib, io\n"
        "from pilot.cli import main\n"
        f"for argv in {list(argvs)!r}:\n"
        "    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "        main(argv)"
    )


def test_importing_the_cli_imports_neither_pandas_nor_matplotlib() -> None:
    assert _loaded_after("import pilot.cli") == []
    assert _loaded_after(_help(["--help"])) == []


@pytest.mark.slow
def test_command_help_imports_no_plotting_library() -> None:
    """A command's help may need the pipeline's defaults (pandas), never matplotlib."""
    loaded = _loaded_after(_help(["report", "evaluation", "--help"], ["estimate", "--help"]))
    assert "pandas" in loaded  # the probe is not vacuous: the pipeline was imported
    assert "matplotlib" not in loaded


def test_config_check_imports_no_plotting_or_statistics_library() -> None:
    code = (
        "import contextlib, io\n"
        "from pilot.cli import main\n"
        "from pilot.config import default_config_path\n"
        "with contextlib.redirect_stderr(io.StringIO()):\n"
        "    assert main(['config', 'check', str(default_config_path())]) == 0"
    )
    loaded = _loaded_after(code)
    # pandas comes with pilot.config (the line-state thresholds of models.states).
    assert not {"matplotlib", "scipy", "reports", "influxdb_client"} & set(loaded)
