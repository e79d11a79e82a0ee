"""Monthly household summary: one A4 portrait page per household, Vietnamese first.

The page tells a household, in plain words (:mod:`reports.i18n`):

1. how much waste plastic it delivered to the pilot line in the month [kg], per day
   (the page's one chart) and in total, and its share of all deliveries;
2. how much residue that kept out of open burning [kg], with the assumptions of
   :data:`models.mass_balance.DEFAULT_ASSUMPTIONS` stated;
3. the PCDD/F release avoided [µg TEQ] (:mod:`models.avoided_burning`), as an estimate
   with its 95 % Monte Carlo interval, the factor behind it and whether that factor was
   checked against its primary document;
4. the energy per kg of the pilot line this month against the household's own baseline,
   the village median and the measured baseline furnaces [kWh/kg], saying where a value
   is missing rather than inventing one.

The inputs are DataFrames and plain values (:class:`HouseholdMonth`,
:mod:`reports.household.data`); the caller reads the store. The page
(:mod:`reports.household.page`) is drawn on the shared frame of :mod:`reports.layout`,
in its font with every Vietnamese letter.
"""

from reports.household.data import (
    EnergyComparison,
    FactorNote,
    HouseholdMonth,
    daily_deliveries,
    month_bounds,
)
from reports.household.page import write_household_pdf
from reports.layout import font_path

__all__ = [
    "EnergyComparison",
    "FactorNote",
    "HouseholdMonth",
    "daily_deliveries",
    "font_path",
    "month_bounds",
    "write_household_pdf",
]
