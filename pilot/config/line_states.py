"""``[line_states]``: when a line counts as off, heating, running or idle.

The one set of thresholds (:class:`models.states.StateThresholds`) that activity
extraction, the daily report, the live view and the alarms all classify with. Each
switch has a hysteresis: it turns on at the threshold and off only that far below it.
"""

from __future__ import annotations

from pydantic import ValidationInfo, field_validator

from models.states import StateThresholds
from pilot.config.declaration import Section, setting
from pilot.config.fields import Number, refuse

__all__ = ["LineStatesSection"]

_DEFAULTS = StateThresholds()


class LineStatesSection(Section):
    """Line-state thresholds, the same for every line and every part of the system."""

    heating_min_c: Number = setting(
        _DEFAULTS.heating_min_c,
        unit="°C",
        meaning="Line temperature (hottest zone) from which a line counts as switched on "
        "(heating); must lie below every line's process-window low end.",
    )
    running_min_kg_h: Number = setting(
        _DEFAULTS.running_min_kg_h,
        unit="kg/h",
        gt=0,
        meaning="Throughput from which a line counts as running, whatever its temperature.",
    )
    hysteresis_c: Number = setting(
        _DEFAULTS.hysteresis_c,
        unit="K",
        ge=0,
        meaning="A temperature switch (on, hot) falls back only this far below its threshold.",
    )
    hysteresis_kg_h: Number = setting(
        _DEFAULTS.hysteresis_kg_h,
        unit="kg/h",
        ge=0,
        meaning="The running switch falls back only this far below ``running_min_kg_h``; at "
        "most ``running_min_kg_h``.",
    )

    @field_validator("hysteresis_kg_h")
    @classmethod
    def check_hysteresis(cls, hysteresis_kg_h: float, info: ValidationInfo) -> float:
        refuse(rule_hysteresis_below_running(info.data.get("running_min_kg_h"), hysteresis_kg_h))
        return hysteresis_kg_h

    def thresholds(self) -> StateThresholds:
        """The thresholds as the models and monitoring take them."""
        return StateThresholds(
            heating_min_c=self.heating_min_c,
            running_min_kg_h=self.running_min_kg_h,
            hysteresis_c=self.hysteresis_c,
            hysteresis_kg_h=self.hysteresis_kg_h,
        )


def rule_hysteresis_below_running(
    running_min_kg_h: float | None, hysteresis_kg_h: float
) -> str | None:
    """A hysteresis above the running threshold would keep a stopped line running."""
    if running_min_kg_h is not None and hysteresis_kg_h > running_min_kg_h:
        return (
            f"must be at most running_min_kg_h ({running_min_kg_h:g} kg/h), got "
            f"{hysteresis_kg_h:g} kg/h: a stopped line would never stop running"
        )
    return None
