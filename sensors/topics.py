"""MQTT topics: ``<prefix>/<site>/<line>/<sensor>``.

The prefix may have several levels (``upops`` or ``vn/hung-yen/upops``); site, line and
sensor are single levels made of lower-case letters, digits, ``-`` and ``_``, starting
with a letter or digit.

>>> build_topic("upops", "minh-khai", "line-1", "zone1_temp")
'upops/minh-khai/line-1/zone1_temp'
>>> parse_topic("upops/minh-khai/line-1/zone1_temp", prefix="upops")
TopicParts(site='minh-khai', line='line-1', sensor='zone1_temp')
>>> subscription("upops")
'upops/+/+/+'
>>> alarm_topic("upops", "minh-khai", "line-1")
'upops/minh-khai/line-1/alarms'

The sensor level ``alarms`` is reserved: a line's alarm state is published there, so
no sensor may be called that (the configuration refuses it, the collector skips it).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from sensors.errors import TopicError

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: Sensor-level names that are not sensors: ``<prefix>/<site>/<line>/alarms`` carries the
#: line's alarm state (see :func:`alarm_topic`).
RESERVED_SENSOR_IDS: frozenset[str] = frozenset({"alarms"})
_PREFIX_LEVEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class TopicParts(NamedTuple):
    """The identity levels of a reading topic."""

    site: str
    line: str
    sensor: str


def check_id(value: str, what: str) -> str:
    """Return ``value`` if it is a valid site, line or sensor id, else raise :class:`TopicError`."""
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise TopicError(
            f"{what} id {value!r} must be 1-64 characters of a-z, 0-9, '-' or '_', "
            "starting with a letter or digit"
        )
    return value


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` if each of its levels is a plain name (no wildcards, no ``$``)."""
    levels = prefix.split("/") if isinstance(prefix, str) else [""]
    if not all(_PREFIX_LEVEL.match(level) for level in levels):
        raise TopicError(
            f"topic prefix {prefix!r} must be '/'-separated names of letters, digits, '.', '-', '_'"
        )
    return prefix


def build_topic(prefix: str, site: str, line: str, sensor: str) -> str:
    """Topic on which ``sensor`` of ``site``/``line`` publishes its readings."""
    check_prefix(prefix)
    return "/".join(
        (prefix, check_id(site, "site"), check_id(line, "line"), check_id(sensor, "sensor"))
    )


def parse_topic(topic: str, *, prefix: str) -> TopicParts:
    """Split a reading topic into site, line and sensor.

    Raises
    ------
    TopicError
        If the topic is outside ``prefix`` or does not have exactly three valid levels after it.
    """
    head = prefix + "/"
    if not topic.startswith(head):
        raise TopicError(f"topic {topic!r} is not under the prefix {prefix!r}")
    levels = topic[len(head) :].split("/")
    if len(levels) != 3:
        raise TopicError(
            f"topic {topic!r} must be {prefix}/<site>/<line>/<sensor> (3 levels after the prefix)"
        )
    site, line, sensor = levels
    return TopicParts(check_id(site, "site"), check_id(line, "line"), check_id(sensor, "sensor"))


def subscription(prefix: str) -> str:
    """Topic filter that matches every reading topic under ``prefix``."""
    return f"{check_prefix(prefix)}/+/+/+"


def alarm_topic(prefix: str, site: str, line: str) -> str:
    """Topic on which the alarm state of ``site``/``line`` is published (retained)."""
    check_prefix(prefix)
    return "/".join((prefix, check_id(site, "site"), check_id(line, "line"), "alarms"))
