"""What a household's monthly page shows (:class:`HouseholdMonth`), and the month's days.

>>> from zoneinfo import ZoneInfo
>>> start, end = month_bounds(2020, 10, ZoneInfo("Asia/Ho_Chi_Minh"))
>>> start.isoformat(), end.isoformat()
('2020-10-01T00:00:00+07:00', '2020-11-01T00:00:00+07:00')
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd

from emission_factors.factor import EmissionFactor
from models.avoided_burning import AvoidedBurning

__all__ = [
    "EnergyComparison",
    "FactorNote",
    "HouseholdMonth",
    "daily_deliveries",
    "month_bounds",
]


@dataclass(frozen=True)
class FactorNote:
    """The emission factor behind the avoided release, as the page names it.

    ``value`` [µg TEQ/t burned]; ``verification`` is ``verified``, ``secondary`` or
    ``unverified``.
    """

    factor_id: str
    value: float
    document: str
    edition: str
    category: str
    klass: str
    verification: str

    @classmethod
    def of(cls, factor: EmissionFactor) -> FactorNote:
        """The note of a library factor."""
        return cls(
            factor_id=factor.id,
            value=factor.value,
            document=factor.document,
            edition=factor.edition,
            category=factor.source_category,
            klass=factor.toolkit_class,
            verification=factor.verification,
        )


@dataclass(frozen=True)
class EnergyComparison:
    """Energy per kg of plastic [kWh/kg]; ``None`` or NaN where there are no data.

    Parameters
    ----------
    line_kwh_per_kg
        The pilot line (or lines) the household delivered to, over the month.
    own_baseline_kwh_per_kg
        The household's own baseline (survey), median of its days.
    village_median_kwh_per_kg, village_households
        Median over the village's surveyed households of their own medians, and how many.
    measured_baseline_kwh_per_kg, measured_period
        The baseline regime's furnaces measured by the sensors, and the period as text.
    """

    line_kwh_per_kg: float
    own_baseline_kwh_per_kg: float | None
    village_median_kwh_per_kg: float | None
    village_households: int
    measured_baseline_kwh_per_kg: float | None
    measured_period: str


@dataclass(frozen=True)
class HouseholdMonth:
    """Everything one household's page shows.

    Parameters
    ----------
    household_id, household_name
        Configured code (``mk-h01``) and display name (``Hộ 01``).
    site_name, site_name_vi, line_name, line_name_vi
        Display names in English and Vietnamese.
    year, month
        The month shown (local time).
    deliveries
        The household's intake weighings in the month: columns ``time`` (UTC, aware) and
        ``value`` [kg].
    line_delivered_kg
        Deliveries of every household to the same line(s) in the month [kg].
    avoided
        Result of :func:`models.avoided_burning.avoided_open_burning` for the month's
        deliveries.
    factor
        The PCDD/F-to-air factor used.
    energy
        Energy per kg comparison.
    """

    household_id: str
    household_name: str
    site_name: str
    site_name_vi: str
    line_name: str
    line_name_vi: str
    year: int
    month: int
    deliveries: pd.DataFrame
    line_delivered_kg: float
    avoided: AvoidedBurning
    factor: FactorNote
    energy: EnergyComparison


def month_bounds(year: int, month: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local start of the month to the local start of the next, aware in ``tz``."""
    start = datetime.combine(date(year, month, 1), time(0), tz)
    following = date(year + month // 12, month % 12 + 1, 1)
    return start, datetime.combine(following, time(0), tz)


def daily_deliveries(deliveries: pd.DataFrame, year: int, month: int, tz: ZoneInfo) -> pd.Series:
    """Delivered mass per local day of the month [kg], indexed by day 1..28-31.

    >>> frame = pd.DataFrame({"time": pd.to_datetime(
    ...     ["2020-10-04T18:00Z", "2020-10-05T02:00Z", "2020-10-05T18:30Z"]),
    ...     "value": [10.0, 20.0, 5.0]})
    >>> days = daily_deliveries(frame, 2020, 10, ZoneInfo("Asia/Ho_Chi_Minh"))
    >>> days[days > 0].to_dict()  # 18:00 UTC on the 4th is 01:00 on the 5th in Vietnam
    {5: 30.0, 6: 5.0}
    """
    n_days = calendar.monthrange(year, month)[1]
    local = pd.DatetimeIndex(deliveries["time"]).tz_convert(tz)
    values = pd.Series(deliveries["value"].to_numpy(dtype=float), index=local)
    values = values[(local.year == year) & (local.month == month)]
    per_day = values.groupby(values.index.day).sum()
    return per_day.reindex(range(1, n_days + 1), fill_value=0.0).astype(float)
