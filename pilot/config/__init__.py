"""Deployment configuration: one TOML file describes the sites, lines, sensors and periods.

:func:`load_config` reads and checks a file and returns a frozen :class:`Config`;
:func:`check_config` returns every problem of a file instead of stopping at the first;
:func:`parse_config` does the same for text already in memory. Every problem names the
file, the key path (``sites[0].lines[1].sensors[3].valid``) and what is expected.

Every key of every section is declared once, as data (type, default, unit, allowed
range, meaning), in the module of its section; pydantic checks the values from that
declaration, and ``docs/configuration.md`` is generated from it
(``pilot config reference``, :mod:`pilot.config.reference`).

>>> config = load_config(default_config_path())
>>> [site.id for site in config.sites]
['minh-khai', 'phan-boi']
>>> len(config.catalog())
20
>>> config.period("baseline-2019").start.isoformat()
'2019-06-02T17:00:00+00:00'
>>> try:
...     text = '[broker]\\nurl = "http://h"\\npassword = "x"\\n'
...     parse_config(text, base_dir=default_config_path().parent)
... except ConfigError as err:
...     print([problem.key for problem in err.problems])
['deployment', 'broker.password', 'broker.url', 'store', 'sites']

Secrets (MQTT password, InfluxDB token or password) never appear in the file: the file
names an environment variable (``password_env``) or a file holding the secret
(``password_file``). A literal ``password`` or ``token`` key is refused. Secret values
appear in no message and no ``repr``.
"""

from __future__ import annotations

from pilot.config.agent import AgentSettings
from pilot.config.loading import check_config, default_config_path, load_config, parse_config
from pilot.config.model import Config
from pilot.config.notify import EmailSettings, NotifySettings, WebhookSettings
from pilot.config.periods import PERIOD_KINDS, Period
from pilot.config.problems import ConfigError, ConfigProblem
from pilot.config.serve import ServeSettings, serve_password
from pilot.config.services import (
    AlarmSettings,
    CollectorSettings,
    SimulationSettings,
    SurveySettings,
)
from pilot.config.sites import Household, Site
from pilot.config.store import STORE_KINDS, StoreSettings

__all__ = [
    "PERIOD_KINDS",
    "STORE_KINDS",
    "AgentSettings",
    "AlarmSettings",
    "CollectorSettings",
    "Config",
    "ConfigError",
    "ConfigProblem",
    "EmailSettings",
    "Household",
    "NotifySettings",
    "Period",
    "ServeSettings",
    "SimulationSettings",
    "Site",
    "StoreSettings",
    "SurveySettings",
    "WebhookSettings",
    "check_config",
    "default_config_path",
    "load_config",
    "parse_config",
    "serve_password",
]
