"""Windows of a period: which line is evaluated over which stretch of time, and as what.

A *window* is one line over one configured period (``[[periods]]``): the unit that
activity extraction, the release model and the reports work on. Days of a window are
cut at local midnights of the deployment's timezone, as households and engineers count
days.

>>> from zoneinfo import ZoneInfo
>>> tz = ZoneInfo("Asia/Ho_Chi_Minh")
>>> start, end = datetime(2020, 10, 5, tzinfo=tz), datetime(2020, 10, 6, 12, tzinfo=tz)
>>> [(a.isoformat(), b.isoformat()) for a, b in local_days(start, end, tz)]
... # doctest: +NORMALIZE_WHITESPACE
[('2020-10-05T00:00:00+07:00', '2020-10-06T00:00:00+07:00'),
 ('2020-10-06T00:00:00+07:00', '2020-10-06T12:00:00+07:00')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from models.vocabulary import PERIOD_KINDS
from pilot.config import Config
from pilot.errors import PilotError

__all__ = ["COMPARED_KINDS", "Window", "local_days", "period_windows", "windows_frame"]

#: The period kinds an evaluation compares, in report order.
COMPARED_KINDS: tuple[str, ...] = PERIOD_KINDS


@dataclass(frozen=True, slots=True)
class Window:
    """One line over one period.

    Parameters
    ----------
    kind
        Period kind: ``baseline`` or ``post``.
    start, end
        Aware datetimes, ``start <= t < end``.
    site, line
        The line, as in the topics.
    period_id
        The configured period's id.
    """

    kind: str
    start: datetime
    end: datetime
    site: str
    line: str
    period_id: str = ""

    @property
    def days(self) -> float:
        """Length of the window [d]."""
        return (self.end - self.start).total_seconds() / 86_400

    def describe(self) -> str:
        """``site/line kind start .. end``, for messages."""
        return (
            f"{self.site}/{self.line} for the {self.kind} period "
            f"{self.start.isoformat()} .. {self.end.isoformat()}"
        )


def period_windows(
    config: Config,
    kinds: Sequence[str],
    *,
    site: str | None = None,
    line: str | None = None,
) -> list[Window]:
    """Every configured line over every configured period of ``kinds``, in configuration
    order (periods, then sites, then lines); ``site`` and ``line`` select.

    Raises
    ------
    PilotError
        An unknown ``site``, or a kind without any window (the message says what to add).
    """
    if site is not None and all(s.id != site for s in config.sites):
        known = ", ".join(s.id for s in config.sites)
        raise PilotError(f"unknown site {site!r}; configured: {known}")
    windows = [
        Window(period.kind, period.start, period.end, s.id, ln.id, period.id)
        for period in config.periods
        if period.kind in kinds
        for s in config.sites
        if s.id in period.sites and site in (None, s.id)
        for ln in s.lines
        if line in (None, ln.id)
    ]
    for kind in kinds:
        if not any(w.kind == kind for w in windows):
            raise PilotError(
                f"no {kind} period for the selected lines; add a [[periods]] entry of kind "
                f"{kind!r} or change --site/--line"
            )
    return windows


def windows_frame(windows: Sequence[Window]) -> pd.DataFrame:
    """The windows as a table: ``period, start, end, site, line`` (period = kind)."""
    return pd.DataFrame(
        [(w.kind, w.start, w.end, w.site, w.line) for w in windows],
        columns=["period", "start", "end", "site", "line"],
    )


def local_days(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut at local midnights of ``tz`` (first and last may be partial)."""
    days = []
    t = start.astimezone(tz)
    end = end.astimezone(tz)
    while t < end:
        midnight = datetime(t.year, t.month, t.day, tzinfo=tz) + timedelta(days=1)
        stop = min(midnight, end)
        days.append((t, stop))
        t = stop
    return days
