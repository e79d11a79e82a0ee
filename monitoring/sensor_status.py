"""How a temperature stands against its line's limits: one rule for every screen.

The terminal live view (``pilot watch``) and the dashboard (``pilot serve``) both show a
short status beside each temperature; both take it from :func:`temperature_status`.

>>> from sensors.catalog import SensorSpec
>>> from sensors.lines import Line
>>> zone = SensorSpec("mk", "line-1", "zone1_temp", "barrel_temp", "degC", 0.0, 500.0, 1.0,
...                   zone=1, setpoint=160.0)
>>> line = Line("mk", "line-1", "Line 1", (180.0, 230.0), 300.0, 60.0, 40.0, (zone,))
>>> [temperature_status(zone, t, line) for t in (165.0, 140.0, 200.0, 240.0, 310.0)]
['at_setpoint', 'off_setpoint', 'in_window', 'above', 'degrading']
"""

from __future__ import annotations

from sensors.catalog import SensorSpec
from sensors.lines import TEMPERATURE_KINDS, Line

__all__ = ["SETPOINT_TOLERANCE_C", "TEMPERATURE_STATUSES", "temperature_status"]

#: A temperature this close to its controller's setpoint counts as at the setpoint [K].
SETPOINT_TOLERANCE_C = 10.0

#: The statuses :func:`temperature_status` gives.
TEMPERATURE_STATUSES: tuple[str, ...] = (
    "degrading",
    "in_window",
    "above",
    "below",
    "at_setpoint",
    "off_setpoint",
)


def temperature_status(spec: SensorSpec, value_c: float, line: Line) -> str | None:
    """Status of a temperature [°C] against the line's process window and degradation
    threshold (barrel zones and melt), or against its setpoint (a feed zone set below the
    window, the mould); None for sensors that are not temperatures or have no reference.
    """
    if spec.kind not in TEMPERATURE_KINDS:
        return None
    low, high = line.process_window_c
    if spec.kind in ("barrel_temp", "melt_temp"):
        if value_c > line.degradation_c:
            return "degrading"
        if low <= value_c <= high:
            return "in_window"
        if value_c > high:
            return "above"
        if spec.setpoint is None or spec.setpoint >= low:
            return "below"
    if spec.setpoint is not None:
        at = abs(value_c - spec.setpoint) <= SETPOINT_TOLERANCE_C
        return "at_setpoint" if at else "off_setpoint"
    return None
