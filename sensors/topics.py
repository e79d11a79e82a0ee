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

The collector confirms what it has stored on ``<prefix>/<site>/<line>/_confirm/<sensor>``
(see :mod:`sensors.confirm`): the level ``_confirm`` starts with ``_``, which no id may,
and the topic has four levels after the prefix, so no reading topic and no subscription
``<prefix>/+/+/+`` can match it.

>>> confirm_topic("upops/minh-khai/line-1/zone1_temp", prefix="upops")
'upops/minh-khai/line-1/_confirm/zone1_temp'
>>> confirm_filter("upops", "minh-khai", "line-1")
'upops/minh-khai/line-1/_confirm/+'
"""

from __future__ import annotations

import re
from typing import NamedTuple

from sensors.errors import TopicError

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: Sensor-level names that are not sensors: ``<prefix>/<site>/<line>/alarms`` carries the
#: line's alarm state (see :func:`alarm_topic`).
RESERVED_SENSOR_IDS: frozenset[str] = frozenset({"alarms"})
#: Level after ``<prefix>/<site>/<line>`` under which the collector confirms stored
#: messages; its leading ``_`` keeps it apart from every id (:data:`ID_PATTERN`).
CONFIRM_LEVEL = "_confirm"
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


def confirm_topic(reading_topic: str, *, prefix: str) -> str:
    """Topic on which the collector confirms messages stored from ``reading_topic``.

    Raises
    ------
    TopicError
        If ``reading_topic`` is not a valid reading topic under ``prefix``.
    """
    site, line, sensor = parse_topic(reading_topic, prefix=prefix)
    return "/".join((prefix, site, line, CONFIRM_LEVEL, sensor))


def confirm_filter(prefix: str, site: str, line: str) -> str:
    """Filter a device subscribes to for the confirmations of its line's sensors."""
    check_prefix(prefix)
    return "/".join((prefix, check_id(site, "site"), check_id(line, "line"), CONFIRM_LEVEL, "+"))


def confirm_filter_for(reading_topic: str) -> str:
    """:func:`confirm_filter` of the line a reading topic belongs to (no prefix needed).

    >>> confirm_filter_for("vn/upops/minh-khai/line-1/zone1_temp")
    'vn/upops/minh-khai/line-1/_confirm/+'
    """
    return f"{reading_topic.rsplit('/', 1)[0]}/{CONFIRM_LEVEL}/+"
