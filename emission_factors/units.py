"""Units of emission factors and activities, and conversions between them.

Every conversion factor of the project is defined here, once. Every unit belongs to one
dimension and has a scale to that dimension's base unit (mass: kg; energy: J; release of
TEQ: µg TEQ). :func:`convert` refuses to mix dimensions, so a kWh can never be added to
a tonne.

>>> convert(10.0, "t", "kg")
10000.0
>>> round(convert(1000.0, "kWh", "TJ"), 12)  # 1 kWh = 3.6 MJ
0.0036
>>> convert(400.0, "µg TEQ", "g TEQ")
0.0004

The scales are exact by definition: 1 t = 1000 kg, 1 kWh = 3.6 MJ (1 W = 1 J/s, 1 h =
3600 s) and the SI prefixes (BIPM, *The International System of Units (SI)*, 9th
edition 2019, Tables 7 and 8: https://www.bipm.org/en/publications/si-brochure).
"""

from __future__ import annotations

from emission_factors.errors import FactorError

__all__ = [
    "FACTOR_UNITS",
    "MICROSECONDS_PER_HOUR",
    "MICROSECONDS_PER_SECOND",
    "MJ_PER_KWH",
    "NANOSECONDS_PER_MICROSECOND",
    "SECONDS_PER_HOUR",
    "UNITS",
    "convert",
    "dimension",
]

#: unit -> (dimension, scale to the dimension's base unit).
UNITS: dict[str, tuple[str, float]] = {
    "kg": ("mass", 1.0),
    "t": ("mass", 1000.0),
    "g": ("mass", 1e-3),
    "µg": ("mass", 1e-9),
    "J": ("energy", 1.0),
    "MJ": ("energy", 1e6),
    "GJ": ("energy", 1e9),
    "TJ": ("energy", 1e12),
    "kWh": ("energy", 3.6e6),
    "MWh": ("energy", 3.6e9),
    "µg TEQ": ("teq", 1.0),
    "ng TEQ": ("teq", 1e-3),
    "mg TEQ": ("teq", 1e3),
    "g TEQ": ("teq", 1e6),
}

# Time: the readings' clocks count in µs (the store) and ns (pandas), rates are per hour.
# Integers where the arithmetic is on integer times, so no rounding enters; SI Brochure
# 9th ed., Table 8 (hour = 3600 s) and Table 7 (prefixes µ = 10^-6, n = 10^-9).
#: Seconds in an hour [s/h].
SECONDS_PER_HOUR: float = 3600.0
#: Microseconds in a second [µs/s].
MICROSECONDS_PER_SECOND: int = 1_000_000
#: Microseconds in an hour [µs/h].
MICROSECONDS_PER_HOUR: int = 3_600_000_000
#: Nanoseconds in a microsecond [ns/µs].
NANOSECONDS_PER_MICROSECOND: int = 1000

#: Emission-factor units the library accepts: unit -> (release unit, activity unit).
#: "kg/t", "kg/TJ" and "kg/MWh" are masses of a gas (CO2, CH4, N2O) per activity unit.
FACTOR_UNITS: dict[str, tuple[str, str]] = {
    "µg TEQ/t": ("µg TEQ", "t"),
    "µg TEQ/TJ": ("µg TEQ", "TJ"),
    "µg/t": ("µg", "t"),
    "kg/t": ("kg", "t"),
    "kg/TJ": ("kg", "TJ"),
    "kg/MWh": ("kg", "MWh"),
}


def dimension(unit: str) -> str:
    """The dimension of ``unit`` (``mass``, ``energy`` or ``teq``)."""
    try:
        return UNITS[unit][0]
    except KeyError:
        raise FactorError(f"unknown unit {unit!r}; known units: {', '.join(UNITS)}") from None


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit``.

    Raises
    ------
    FactorError
        Unknown units, or units of different dimensions.
    """
    if dimension(from_unit) != dimension(to_unit):
        raise FactorError(
            f"cannot convert {from_unit!r} ({dimension(from_unit)}) to {to_unit!r} "
            f"({dimension(to_unit)})"
        )
    return value * UNITS[from_unit][1] / UNITS[to_unit][1]


#: Megajoules in a kilowatt-hour [MJ/kWh] (3.6 exactly), to turn a fuel's mass times its
#: net calorific value [MJ] into energy [kWh].
MJ_PER_KWH: float = convert(1.0, "kWh", "MJ")
