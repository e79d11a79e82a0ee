"""``[serve]``: the engineers' dashboard in the browser (``pilot serve``).

It binds to the loopback address by default. Any other address needs a login: a
password named by ``password_env`` (an environment variable) or ``password_file`` (a
file), never written in this file nor given on the command line; ``pilot serve``
refuses to start on another address without one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic_core import ValidationError

from pilot.config.declaration import setting, settings_type
from pilot.config.fields import ConfigPath, EnvName, Integer, Number, Problems, Text
from pilot.config.problems import ConfigError, ConfigProblem
from pilot.config.secrets import read_secret

__all__ = ["ServeSettings", "serve_password"]


@settings_type
class ServeSettings:
    """Address, refresh and chart limits of the dashboard; where it writes reports."""

    host: Text = setting(
        "127.0.0.1",
        meaning="Address to listen on. Only a loopback address (127.0.0.1, ::1, localhost) "
        "serves without a login; any other needs ``password_env`` or ``password_file``.",
    )
    port: Integer = setting(8470, ge=1, le=65535, meaning="TCP port to listen on.")
    password_env: EnvName | None = setting(
        None, meaning="Environment variable holding the dashboard password (or token)."
    )
    password_file: ConfigPath | None = setting(
        None, meaning="File holding the dashboard password (instead of password_env)."
    )
    poll_s: Number = setting(
        1.0,
        unit="s",
        gt=0,
        le=60,
        meaning="Interval at which the dashboard reads new readings from the store and pushes "
        "them to open pages.",
    )
    chart_hours: Number = setting(
        6.0, unit="h", gt=0, le=744, meaning="Time range of a line's charts when a page opens."
    )
    chart_points: Integer = setting(
        720,
        ge=60,
        le=10_000,
        meaning="Points per sensor a chart asks of the store at most; longer ranges are read "
        "as means over windows (downsampled by the store).",
    )
    live_minutes: Number = setting(
        10.0,
        unit="min",
        gt=0,
        le=120,
        meaning="Readings kept in memory per line for the overview and the live charts.",
    )
    stale_after_s: Number = setting(
        15.0,
        unit="s",
        gt=0,
        meaning="A sensor counts as stale after this long without a reading, or three of its "
        "intervals if that is longer.",
    )
    reports_dir: ConfigPath = setting(
        Path("data/dashboard-reports"),
        meaning="Folder where reports made from the dashboard are written and listed from.",
    )


def serve_password(
    settings: ServeSettings, environ: Mapping[str, str], *, source: str = "configuration"
) -> str | None:
    """The dashboard password from ``password_env`` or ``password_file``, or None if neither
    is given.

    Read when ``pilot serve`` starts, not when the file is loaded: other commands run
    without the dashboard's secret.

    Raises
    ------
    ConfigError
        The variable is unset or empty, or the file unreadable or empty (the message names
        the key, never the value).
    """
    problems = Problems()
    value = read_secret(
        settings, "password", what="dashboard password", environ=environ, problems=problems
    )
    try:
        problems.raise_any("serve")
    except ValidationError as err:
        raise ConfigError(
            [
                ConfigProblem(source, "serve." + ".".join(map(str, item["loc"])), item["msg"])
                for item in err.errors()
            ]
        ) from None
    return value
