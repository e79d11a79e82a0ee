"""The installed software's version, recorded with every result and report."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["software_version"]


def software_version() -> str:
    """Version of the installed ``upops-pilot`` distribution, ``unknown`` when not installed."""
    try:
        return version("upops-pilot")
    except PackageNotFoundError:
        return "unknown"
