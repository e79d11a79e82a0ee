"""Alarm rules, alarm events and the latch that keeps alarms from flapping.

Rules (one latch per rule and sensor):

``overheat``
    A barrel-zone or melt temperature above the line's ``degradation_c``; clears
    ``hysteresis_c`` below it.
``underheat``
    While the line runs, the melt temperature, or a barrel zone whose setpoint lies
    inside the process window, below the window's low end; clears ``hysteresis_c`` above
    it or when the line stops. Feed zones set below the window are not checked: they
    run cooler by design.
``throughput_low``
    While running, throughput below ``throughput_low_fraction`` of the nominal; clears
    10 % above that threshold or when the line stops (a stop is a state, shown as
    ``idle``, not an alarm). Whether a line runs comes from its line-state tracker
    (:mod:`monitoring.line_state`), with the configured line-state thresholds.
``silent``
    A clocked sensor whose stream has stopped at the broker (nothing delivered for
    ``silent_intervals`` expected intervals of wall time) and whose newest reading lies
    that far behind its line's device clock; clears with its next reading. A draining
    backlog therefore never raises it (:mod:`monitoring.alarms.intake`). Only sensors
    heard since the engine started (or alarmed before a restart) are checked.
``stuck``
    A temperature whose value has not changed at all for ``stuck_intervals`` expected
    intervals (real thermocouples always show noise); clears when it changes.
``dioxin_window``
    A ``furnace_temp`` dwelling for ``dioxin_dwell_s`` inside the PCDD/F formation
    window, about 200–450 °C: de novo synthesis and precursor formation on fly ash in
    the cooling zone at about 200–450 °C, with a maximum near 300 °C, and rapid
    quenching through that range (Secretariat of the Stockholm Convention, "Guidelines
    on best available techniques and provisional guidance on best environmental
    practices relevant to Article 5 and Annex C of the Stockholm Convention", Geneva,
    2007 edition, Section III.C; https://chm.pops.int/Implementation/BATandBEP/
    BATBEPGuidelinesArticle5/tabid/187/Default.aspx; section and wording not yet checked
    in the primary PDF). Laboratory heating of waste
    printed circuit boards found maximum PCDD/F formation at 250–400 °C (Duan et al.,
    Environmental Science & Technology 45, 2011). Clears ``hysteresis_c`` outside the
    window.

A condition must hold for ``min_duration_s`` of device time before the alarm is raised,
and its end must hold as long before it is cleared; together with the hysteresis this
keeps a value hovering at a threshold from raising an alarm every second. Each rule
with a latch may have its own (``rule_min_duration_s``, ``rule_hysteresis``).

>>> latch = Latch(min_duration_s=10)
>>> [latch.update(t * 1_000_000, enter=t >= 5, leave=False) for t in range(0, 20, 5)]
[None, None, None, 'raised']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sensors.schema import format_ts

#: Rule names, in the order the live view and the reports list them.
RULE_NAMES: tuple[str, ...] = (
    "overheat",
    "underheat",
    "throughput_low",
    "silent",
    "stuck",
    "dioxin_window",
)


@dataclass(frozen=True, slots=True)
class AlarmRules:
    """Thresholds shared by every line; the line supplies its own limits.

    Whether a line runs is not decided here: see :mod:`monitoring.line_state`.

    Parameters
    ----------
    min_duration_s
        Time a condition (or its end) must hold before raising (or clearing) [s].
    hysteresis_c
        Clearing margin of temperature alarms [°C].
    throughput_low_fraction
        Throughput drop threshold as a share of the nominal throughput [-].
    silent_intervals
        Expected intervals without a reading before a sensor is silent [-].
    stuck_intervals
        Expected intervals of an unchanged temperature before a sensor is stuck [-].
    dioxin_window_c
        PCDD/F formation window (low, high) [°C].
    dioxin_dwell_s
        Dwell in that window that raises an alarm [s].
    rule_min_duration_s
        ``min_duration_s`` of single rules (``overheat``, ``underheat``,
        ``throughput_low``, ``dioxin_window``; for the last, the time to clear) [s].
    rule_hysteresis
        Clearing margin of single rules, in the rule's unit: °C, or kg/h for
        ``throughput_low`` (whose default is 10 % of its threshold).

    >>> rules = AlarmRules(rule_min_duration_s={"overheat": 10.0}, rule_hysteresis={"overheat": 2})
    >>> rules.min_duration_for("overheat"), rules.min_duration_for("underheat")
    (10.0, 30.0)
    >>> rules.hysteresis_for("overheat"), rules.hysteresis_for("throughput_low", 3.0)
    (2, 3.0)
    """

    min_duration_s: float = 30.0
    hysteresis_c: float = 5.0
    throughput_low_fraction: float = 0.5
    silent_intervals: float = 30.0
    stuck_intervals: int = 120
    dioxin_window_c: tuple[float, float] = (200.0, 450.0)
    dioxin_dwell_s: float = 300.0
    rule_min_duration_s: Mapping[str, float] = field(default_factory=dict)
    rule_hysteresis: Mapping[str, float] = field(default_factory=dict)

    def min_duration_for(self, rule: str) -> float:
        """How long the condition of ``rule`` (or its end) must hold [s]."""
        return self.rule_min_duration_s.get(rule, self.min_duration_s)

    def hysteresis_for(self, rule: str, default: float | None = None) -> float:
        """Clearing margin of ``rule`` [its unit]; ``default`` or ``hysteresis_c`` if unset."""
        fallback = self.hysteresis_c if default is None else default
        return self.rule_hysteresis.get(rule, fallback)


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """An alarm raised or cleared.

    Parameters
    ----------
    event
        ``raised`` or ``cleared``.
    rule
        One of :data:`RULE_NAMES`.
    site, line, sensor
        Where.
    value
        The value that decided it [the sensor's unit; seconds for ``silent`` and
        ``stuck``].
    threshold
        The threshold it was compared with [same unit].
    ts_us
        Device time of the decision [µs since the epoch, UTC].
    message
        One line for people.
    """

    event: Literal["raised", "cleared"]
    rule: str
    site: str
    line: str
    sensor: str
    value: float
    threshold: float
    ts_us: int
    message: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.site, self.line, self.sensor, self.rule)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, with ``time`` as RFC 3339 UTC."""
        return {
            "event": self.event,
            "rule": self.rule,
            "site": self.site,
            "line": self.line,
            "sensor": self.sensor,
            "value": self.value,
            "threshold": self.threshold,
            "time": format_ts(self.ts_us),
            "message": self.message,
        }


class Latch:
    """An alarm state that changes only after its condition held for ``min_duration_s``.

    :meth:`update` takes the device time and two conditions: ``enter`` (the alarm
    condition, checked while inactive) and ``leave`` (the clearing condition with its
    hysteresis, checked while active). It returns ``"raised"``, ``"cleared"`` or None.
    """

    __slots__ = ("active", "min_duration_us", "since_us")

    def __init__(self, *, min_duration_s: float, active: bool = False) -> None:
        self.min_duration_us = int(min_duration_s * 1_000_000)
        self.active = active
        # Device time since which the condition for the next change has held.
        self.since_us: int | None = None

    def update(self, ts_us: int, *, enter: bool, leave: bool) -> str | None:
        wants_change = leave if self.active else enter
        if not wants_change:
            self.since_us = None
            return None
        if self.since_us is None:
            self.since_us = ts_us
        if ts_us - self.since_us < self.min_duration_us:
            return None
        self.active = not self.active
        self.since_us = None
        return "raised" if self.active else "cleared"
