"""Daily line report: one PDF page per line for one local day.

Each page shows the barrel-zone, melt and mould temperatures against the process window
and the degradation threshold, the throughput against the nominal, the line states
(:func:`models.states.line_states`, with the configured thresholds), the alarms raised
that day and the data completeness of each sensor, on a local time axis (the
deployment's time zone, Asia/Ho_Chi_Minh for the pilot lines). The inputs are
DataFrames (:class:`LineDay`, :mod:`reports.daily.data`), so the report does not care
which store held the readings; the page (:mod:`reports.daily.page`) is drawn on the
shared frame of :mod:`reports.layout`.
"""

from reports.daily.data import Channel, LineDay, coverage, day_bounds
from reports.daily.page import RULE_ORDER, STATE_COLOURS, write_daily_report

__all__ = [
    "RULE_ORDER",
    "STATE_COLOURS",
    "Channel",
    "LineDay",
    "coverage",
    "day_bounds",
    "write_daily_report",
]
