"""The optional service sections: ``[collector]``, ``[alarms]``, ``[survey]``, ``[simulation]``.

Each is the settings type the service takes, declared once: a frozen dataclass checked
from the file (defaults apply when the section or a key is left out).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pilot.config.declaration import Section, setting, settings_type
from pilot.config.fields import Boolean, ConfigPath, Integer, Number, TemperatureWindow
from pilot.config.publishing import confirm_resend_setting, confirm_setting, outbox_max_mb_setting
from sensors.schema import MAX_BATCH

__all__ = [
    "TUNABLE_RULES",
    "AlarmSettings",
    "CollectorSettings",
    "RuleTuning",
    "SimulationSettings",
    "SurveySettings",
]

# MQTT 3.1.1 cannot carry a larger packet (remaining length is at most 268,435,455 bytes).
_MQTT_MAX_PACKET = 268_435_455


@settings_type
class CollectorSettings:
    """Limits and timing of the collector (``pilot collect``)."""

    quarantine_path: ConfigPath = setting(
        Path("data/quarantine.sqlite"), meaning="SQLite file for refused messages."
    )
    quarantine_max_rows: Integer = setting(
        100_000, ge=1, meaning="Rows kept in quarantine before the oldest are evicted."
    )
    batch_max_readings: Integer = setting(5000, ge=1, meaning="Readings per store write, at most.")
    batch_max_wait_ms: Integer = setting(
        0,
        unit="ms",
        ge=0,
        meaning="Longest wait for more messages before a partial batch is written. 0 writes "
        "as soon as the queue is empty: the collector acknowledges only after writing and "
        "the broker sends only a few unacknowledged messages at a time, so waiting adds "
        "latency, not batch size.",
    )
    max_payload_bytes: Integer = setting(
        262_144,
        unit="B",
        ge=1,
        le=_MQTT_MAX_PACKET,
        meaning="Larger MQTT payloads are quarantined.",
    )
    max_future_s: Number = setting(
        300.0, unit="s", gt=0, meaning="Device times further ahead of the clock are refused."
    )
    stats_interval_s: Number = setting(
        30.0, unit="s", gt=0, meaning="Interval between statistics log lines."
    )
    spool_path: ConfigPath = setting(
        Path("data/spool.sqlite"),
        meaning="SQLite file where readings wait while the store is unreachable; they are "
        "acknowledged to the broker once there and replayed in order when it returns.",
    )
    spool_max_mb: Number = setting(
        1024.0,
        unit="MB",
        gt=0,
        meaning="Size bound of the spooled readings. When full, the collector stops "
        "acknowledging and the broker keeps the rest.",
    )
    workers_reorder_ms: Integer = setting(
        2000,
        unit="ms",
        ge=0,
        meaning="With ``pilot collect --workers N``: how long the parent holds readings "
        "the members report as stored before its alarm evaluation takes them in device-time "
        "order. Members split each sensor's stream and report when their own writes "
        "return; a reading reported later than this after a newer one of its sensor is "
        "skipped by the alarms (still stored). Alarms come this much later; keep it well "
        "below the silence limits.",
    )


#: Rules whose minimum duration and hysteresis a ``[alarms.<rule>]`` table may set.
TUNABLE_RULES: tuple[str, ...] = ("overheat", "underheat", "throughput_low", "dioxin_window")


class RuleTuning(Section):
    """One rule's own minimum duration and hysteresis (``[alarms.overheat]``,
    ``[alarms.underheat]``, ``[alarms.throughput_low]``, ``[alarms.dioxin_window]``);
    a key left out takes the ``[alarms]`` value."""

    min_duration_s: Number | None = setting(
        None,
        unit="s",
        ge=0,
        shown_default="[alarms] min_duration_s",
        meaning="How long the condition (or its end) must hold; for ``dioxin_window``, the "
        "time to clear (raising takes ``dioxin_dwell_s``).",
    )
    hysteresis: Number | None = setting(
        None,
        ge=0,
        shown_default="[alarms] hysteresis_c; 10 % of the threshold for throughput_low",
        meaning="Clearing margin, in the rule's unit: °C, or kg/h for ``throughput_low``.",
    )


@settings_type
class AlarmSettings:
    """Alarm rules of every line; the thresholds come from the line (``degradation_c``,
    ``process_window_c``, ``nominal_throughput_kg_h``), the sensor (``interval_s``) and
    ``[line_states]`` (when a line runs)."""

    moved_keys: ClassVar[dict[str, str]] = {"running_min_kg_h": "[line_states] running_min_kg_h"}

    path: ConfigPath = setting(
        Path("data/alarms.sqlite"), meaning="SQLite file of alarm events (raised, cleared)."
    )
    min_duration_s: Number = setting(
        30.0,
        unit="s",
        ge=0,
        meaning="A condition must hold this long (device time) before an alarm is raised, "
        "and its end this long before it is cleared.",
    )
    hysteresis_c: Number = setting(
        5.0, unit="°C", ge=0, meaning="A temperature alarm clears this far back inside its "
        "threshold.",
    )  # fmt: skip
    throughput_low_fraction: Number = setting(
        0.5,
        unit="-",
        gt=0,
        lt=1,
        meaning="Throughput drop: running below this share of the nominal throughput.",
    )
    silent_intervals: Number = setting(
        30.0,
        unit="-",
        ge=1,
        meaning="A clocked sensor is silent after this many expected intervals without a reading.",
    )
    stuck_intervals: Integer = setting(
        120,
        unit="-",
        ge=2,
        meaning="A temperature sensor is stuck when its value has not changed for this many "
        "expected intervals.",
    )
    dioxin_window_c: TemperatureWindow = setting(
        (200.0, 450.0),
        unit="°C",
        meaning="PCDD/F de novo formation window for ``furnace_temp`` sensors.",
    )
    dioxin_dwell_s: Number = setting(
        300.0,
        unit="s",
        gt=0,
        meaning="A furnace temperature dwelling in that window this long raises an alarm.",
    )
    overheat: RuleTuning | None = setting(None, meaning="``[alarms.overheat]``, below.")
    underheat: RuleTuning | None = setting(None, meaning="``[alarms.underheat]``, as below.")
    throughput_low: RuleTuning | None = setting(
        None, meaning="``[alarms.throughput_low]``, as below."
    )
    dioxin_window: RuleTuning | None = setting(
        None, meaning="``[alarms.dioxin_window]``, as below."
    )

    def tuning(self) -> dict[str, RuleTuning]:
        """The ``[alarms.<rule>]`` tables given, by rule."""
        found = {rule: getattr(self, rule) for rule in TUNABLE_RULES}
        return {rule: value for rule, value in found.items() if value is not None}


@settings_type
class SurveySettings:
    """Survey and manual-log import (``pilot import``)."""

    path: ConfigPath = setting(
        Path("data/survey.sqlite"),
        meaning="SQLite file where ``pilot import`` stores survey and manual-log rows, and "
        "the rows it refused with their reasons.",
    )


@settings_type
class SimulationSettings:
    """The line simulators (``pilot simulate``, ``pilot demo``)."""

    # numpy's default_rng takes seeds >= 0 only.
    seed: Integer = setting(2019, ge=0, meaning="Random seed of the line simulators.")
    # The payload schema refuses messages with more than MAX_BATCH readings.
    batch_size: Integer = setting(10, ge=1, le=MAX_BATCH, meaning="Readings per MQTT message.")
    outbox_dir: ConfigPath = setting(
        Path("data/outbox"),
        meaning="Folder of the simulators' on-disk outboxes (one SQLite file per line): "
        "messages wait there until the collector confirms them stored (the broker's PUBACK "
        "with ``confirm = false``), and are resent in order after an outage.",
    )
    outbox_max_mb: Number = outbox_max_mb_setting("each outbox")
    confirm: Boolean = confirm_setting()
    confirm_resend_s: Number = confirm_resend_setting()
