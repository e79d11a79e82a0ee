"""Alarms: rules from the configuration, evaluated on stored readings in device time.

See :mod:`monitoring.alarms.rules` for the rules, :mod:`~monitoring.alarms.engine` for
the evaluation, :mod:`~monitoring.alarms.log` for the event log and
:mod:`~monitoring.alarms.publish` for the retained ``<prefix>/<site>/<line>/alarms`` state.
"""

from monitoring.alarms.engine import AlarmEngine
from monitoring.alarms.log import AlarmLog, AlarmRecord
from monitoring.alarms.publish import AlarmPublisher, state_payload
from monitoring.alarms.rules import RULE_NAMES, AlarmEvent, AlarmRules, Latch
from monitoring.alarms.service import AlarmService

__all__ = [
    "RULE_NAMES",
    "AlarmEngine",
    "AlarmEvent",
    "AlarmLog",
    "AlarmPublisher",
    "AlarmRecord",
    "AlarmRules",
    "AlarmService",
    "Latch",
    "state_payload",
]
