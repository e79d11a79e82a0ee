"""One emission factor: its fields, their allowed values, and the check of a row.

:func:`factor_from_mapping` turns one row of a factor file (or one site factor of the
configuration) into an :class:`EmissionFactor`, refusing a row that breaks a rule with
the field and what to write instead; :mod:`emission_factors.library` documents the
columns and loads whole files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from emission_factors.errors import FactorError
from emission_factors.units import FACTOR_UNITS

__all__ = [
    "ACTIVITY_BASES",
    "CONFIDENCE_LEVELS",
    "DISTRIBUTIONS",
    "FACTOR_FIELDS",
    "POLLUTANTS",
    "VECTORS",
    "VERIFICATION_STATUSES",
    "EmissionFactor",
    "factor_from_mapping",
]

#: Release vectors of the Toolkit (Annex 4).
VECTORS: tuple[str, ...] = ("air", "water", "land", "product", "residue")
#: Pollutants a factor may give.
POLLUTANTS: tuple[str, ...] = (
    "PCDD/F",
    "dl-PCB",
    "HCB",
    "PeCBz",
    "CO2-fossil",
    "CO2",
    "CH4",
    "N2O",
)
CONFIDENCE_LEVELS: tuple[str, ...] = ("high", "medium", "low")
VERIFICATION_STATUSES: tuple[str, ...] = ("verified", "secondary", "unverified")
#: Shapes of a factor's spread: ``lognormal`` with ``low``/``high`` its 2.5 and 97.5
#: percentiles (median = value), ``triangular`` between ``low`` and ``high`` (mode =
#: value); empty: the confidence rule of :mod:`models.releases` (the fallback).
DISTRIBUTIONS: tuple[str, ...] = ("", "lognormal", "triangular")
#: Activity bases and the unit the activity is counted in.
ACTIVITY_BASES: dict[str, str] = {
    "burned_t": "t",  # material burned in the open
    "waste_t": "t",  # waste fed to a combustion unit
    "coal_t": "t",  # coal burned
    "ash_t": "t",  # ash produced
    "fuel_tj": "TJ",  # fuel energy (lower heating value)
    "electricity_mwh": "MWh",  # electricity consumed
    "processed_t": "t",  # plastic processed by a line (configured sensitivity factors)
}
#: Every column of a factor, in file order.
FACTOR_FIELDS: tuple[str, ...] = (
    "id",
    "source_category",
    "toolkit_class",
    "description",
    "pollutant",
    "vector",
    "value",
    "unit",
    "activity_basis",
    "teq_scheme",
    "confidence",
    "verification",
    "document",
    "edition",
    "table",
    "url",
    "note",
    "fuel",
    "distribution",
    "low",
    "high",
    "spread_reason",
)
#: Optional fields that hold numbers.
_NUMBERS = ("low", "high")
_REQUIRED = (
    "id",
    "source_category",
    "toolkit_class",
    "pollutant",
    "vector",
    "value",
    "unit",
    "activity_basis",
    "confidence",
    "verification",
    "document",
    "edition",
    "table",
)
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class EmissionFactor:
    """One emission factor with its provenance; fields as the module's columns.

    ``value`` is in ``unit``: release (µg TEQ, or kg of gas) per activity unit
    (t, TJ, MWh). ``origin`` names the file or configuration it came from.
    """

    id: str
    source_category: str
    toolkit_class: str
    description: str
    pollutant: str
    vector: str
    value: float
    unit: str
    activity_basis: str
    teq_scheme: str
    confidence: str
    verification: str
    document: str
    edition: str
    table: str
    url: str = ""
    note: str = ""
    fuel: str = ""
    distribution: str = ""
    low: float | None = None
    high: float | None = None
    spread_reason: str = ""
    origin: str = ""

    @property
    def release_unit(self) -> str:
        """Unit of the release this factor gives (``µg TEQ``, ``kg``)."""
        return FACTOR_UNITS[self.unit][0]

    @property
    def activity_unit(self) -> str:
        """Unit of the activity the factor multiplies (``t``, ``TJ``, ``MWh``)."""
        return FACTOR_UNITS[self.unit][1]

    @property
    def citation(self) -> str:
        """Document, edition and table in one line."""
        return f"{self.document}, {self.edition}, {self.table}"

    @property
    def class_code(self) -> str:
        """Category and class, e.g. ``6b class 3``."""
        return f"{self.source_category} class {self.toolkit_class}"


def _text(row: Mapping[str, object], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def factor_from_mapping(
    row: Mapping[str, object], *, file: str = "", row_number: int | None = None, origin: str = ""
) -> EmissionFactor:
    """Check one factor given as a mapping of the module's columns and build it.

    Parameters
    ----------
    row
        Column name -> value (strings from CSV, or typed values from TOML).
    file, row_number
        Where the mapping came from, for messages.
    origin
        Recorded on the factor (``file`` when empty).

    Raises
    ------
    FactorError
        Naming ``file``, ``row_number`` and the field, for a missing or invalid value.

    >>> factor_from_mapping({"id": "x"}, file="site.toml", row_number=1)
    Traceback (most recent call last):
    ...
    emission_factors.errors.FactorError: site.toml, row 1, field 'source_category': ...
    """

    def fail(field: str, message: str) -> FactorError:
        return FactorError(message, file=file, row=row_number, field=field)

    unknown = sorted(set(row) - set(FACTOR_FIELDS))
    if unknown:
        raise fail(unknown[0], f"unknown field; the fields are {', '.join(FACTOR_FIELDS)}")
    for name in _REQUIRED:
        if not _text(row, name):
            raise fail(
                name,
                "missing; every factor needs a unit, a vector and its source "
                "(document, edition, table), see emission_factors.library",
            )
    factor_id = _text(row, "id")
    if not _ID.match(factor_id):
        raise fail("id", f"{factor_id!r} must be 1-64 of a-z 0-9 . _ - starting alphanumeric")
    raw_value = row.get("value")
    try:
        value = float(raw_value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise fail("value", f"{raw_value!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise fail("value", f"{value} must be a finite number >= 0")
    checks = (
        ("pollutant", POLLUTANTS),
        ("vector", VECTORS),
        ("unit", tuple(FACTOR_UNITS)),
        ("activity_basis", tuple(ACTIVITY_BASES)),
        ("confidence", CONFIDENCE_LEVELS),
        ("verification", VERIFICATION_STATUSES),
    )
    for name, allowed in checks:
        if _text(row, name) not in allowed:
            raise fail(name, f"{_text(row, name)!r} is not one of {', '.join(allowed)}")
    unit, basis = _text(row, "unit"), _text(row, "activity_basis")
    if FACTOR_UNITS[unit][1] != ACTIVITY_BASES[basis]:
        raise fail(
            "unit",
            f"{unit} is per {FACTOR_UNITS[unit][1]} but activity_basis {basis} counts "
            f"{ACTIVITY_BASES[basis]}; make them agree",
        )
    if "TEQ" in unit and not _text(row, "teq_scheme"):
        raise fail("teq_scheme", "missing; a TEQ factor must name its TEQ scheme")
    bounds = _spread(row, value, fail)
    return EmissionFactor(
        **{name: _text(row, name) for name in FACTOR_FIELDS if name not in ("value", *_NUMBERS)},
        value=value,
        low=bounds[0],
        high=bounds[1],
        origin=origin or file,
    )


def _spread(
    row: Mapping[str, object], value: float, fail: Callable[[str, str], FactorError]
) -> tuple[float | None, float | None]:
    """The checked ``low``/``high`` of a factor with a ``distribution``; (None, None)
    for the confidence fallback."""
    shape = _text(row, "distribution")
    if shape not in DISTRIBUTIONS:
        raise fail("distribution", f"{shape!r} is not one of lognormal, triangular or empty")
    if not shape:
        for name in _NUMBERS:
            if _text(row, name):
                raise fail(name, "a range needs its distribution (lognormal or triangular)")
        return None, None
    numbers = []
    for name in _NUMBERS:
        try:
            numbers.append(float(_text(row, name)))
        except ValueError:
            raise fail(name, f"{_text(row, name)!r}: a {shape} spread needs low and high") from None
    low, high = numbers
    if not 0 <= low <= value <= high or (shape == "lognormal" and not 0 < low < high):
        raise fail(
            "low",
            f"need 0 <= low <= value <= high (low > 0 for lognormal), got {low}, {value}, {high}",
        )
    if not _text(row, "spread_reason"):
        raise fail("spread_reason", "missing; say where the range comes from")
    return low, high
