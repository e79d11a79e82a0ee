"""Which configuration a command runs on: ``--config``, else ``$PILOT_CONFIG``, else the
shipped example.

The shipped example's relative data paths land in the working folder, not inside the
installed package; any other file's relative paths are relative to the file itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from pilot.config import (
    Config,
    ConfigError,
    ConfigProblem,
    default_config_path,
    load_config,
    parse_config,
)

__all__ = ["config_path_arg", "load_config_arg"]


def config_path_arg(explicit: str | os.PathLike[str] | None) -> Path:
    """The configuration file a command uses: ``explicit``, ``$PILOT_CONFIG`` or the example."""
    if explicit:
        return Path(explicit)
    if os.environ.get("PILOT_CONFIG"):
        return Path(os.environ["PILOT_CONFIG"])
    return default_config_path()


def load_config_arg(explicit: str | os.PathLike[str] | None) -> Config:
    """Load the configuration :func:`config_path_arg` names.

    Raises
    ------
    ConfigError
        The file cannot be read or has problems (each with its key path).
    """
    path = config_path_arg(explicit)
    if path == default_config_path():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError([ConfigProblem(str(path), "", f"cannot read: {exc}")]) from exc
        return parse_config(text, base_dir=Path.cwd(), source=str(path))
    return load_config(path)
