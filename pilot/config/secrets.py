"""Secrets: read from the environment variable or file a section names, never the file.

A section names a secret with ``<name>_env`` (an environment variable) or
``<name>_file`` (a UTF-8 file whose trailing newline is stripped); a literal
``<name>`` key is refused as an unknown key with its own message
(:func:`pilot.config.problems.unknown_key_message`). Secret values appear in no
message and no ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pilot.config.fields import Problems

__all__ = ["read_secret"]


def read_secret(
    section: Any,
    name: str,
    *,
    what: str,
    environ: Mapping[str, str],
    problems: Problems,
    required: bool = False,
    at: tuple[str | int, ...] = (),
) -> str | None:
    """The secret ``name`` of a checked ``section`` (``<name>_env`` or ``<name>_file``).

    Returns None, recording a problem, when the variable is unset or empty or the file
    is unreadable or empty, or when ``required`` and neither key is given. Problems are
    recorded at ``at`` + the key, relative to what ``problems`` checks.
    """
    env_key, file_key = f"{name}_env", f"{name}_file"
    variable: str | None = getattr(section, env_key, None)
    path: Path | None = getattr(section, file_key, None)
    if variable is not None:
        return _from_env(variable, (*at, env_key), what, environ, problems)
    if path is not None:
        return _from_file(path, (*at, file_key), what, problems)
    if required:
        problems.add(
            (*at, env_key),
            f"required key is missing; give {env_key} (environment variable holding the "
            f"{what}) or {file_key} (file holding it)",
        )
    return None


Loc = tuple[str | int, ...]


def _from_env(
    variable: str, key: Loc, what: str, environ: Mapping[str, str], problems: Problems
) -> str | None:
    value = environ.get(variable)
    if value is None:
        problems.add(key, f"environment variable {variable} is not set; set it to the {what}")
        return None
    if not value:
        problems.add(key, f"environment variable {variable} is set but empty; set it to the {what}")
        return None
    return value


def _from_file(path: Path, key: Loc, what: str, problems: Problems) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(key, f"file {str(path)!r} does not exist; it should hold the {what}")
        return None
    except OSError as err:
        reason = err.strerror or type(err).__name__
        problems.add(key, f"cannot read file {str(path)!r}: {reason}")
        return None
    except (UnicodeDecodeError, ValueError):
        problems.add(key, f"file {str(path)!r} is not UTF-8 text")
        return None
    # Editors and `echo secret > file` add a final newline that is not part of the secret.
    value = text.rstrip("\r\n")
    if not value:
        problems.add(key, f"file {str(path)!r} is empty; it should hold the {what}")
        return None
    return value
