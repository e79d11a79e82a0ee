"""A Toolkit-style inventory input: activity data an evaluator brings, as an activity table.

``pilot estimate --activity FILE.csv`` reads a CSV (UTF-8, comma-separated, ``#``
comment lines allowed) with the columns :data:`INVENTORY_COLUMNS`, one row per period,
site, line and activity:

``period``
    ``baseline`` or ``post``.
``site``, ``line``
    Where (free identifiers; the rows of one site and line are one line of the model).
``activity``
    ``open_burning`` (residue burned in the open, a mass), ``furnace_fuel`` (fuel burned
    under a furnace, with ``fuel``; an energy at lower heating value, or a mass: each
    factor of the fuel counts on the basis the row gives, per TJ or per tonne, and
    the fuel's net calorific value converts only where the fuel's class has no factor
    on that basis, :mod:`models.furnace_fuels`), ``electricity`` (an energy),
    ``line_processing`` (plastic processed by the line, a mass: it drives the mass
    balance of the period's assumptions) and ``period_days`` (the period's length [d],
    so periods of different length compare at the same rate).
``fuel``
    For ``furnace_fuel``: one of :data:`models.furnace_fuels.FURNACE_FUEL_FACTORS`; empty
    otherwise.
``value``, ``low``, ``high``
    The central value and its range (empty ``low``/``high``: exact), in ``unit``.
``unit``
    Any unit of the activity's dimension: t, kg (mass); TJ, GJ, MJ, kWh, MWh (energy);
    d (days).
``source``
    Where the number comes from (required).

Every bad row is reported as ``FILE:LINE: reason`` in one :class:`InventoryError`, and
nothing is computed from a file with errors.

>>> text = ("period,site,line,activity,fuel,value,unit,low,high,source\\n"
...         "baseline,v,a,open_burning,,2,t,1,3,survey 2019\\n"
...         "baseline,v,a,furnace_fuel,coal,1,TJ,,,logbook\\n"
...         "baseline,v,a,furnace_fuel,wood,0.5,t,,,logbook\\n")
>>> table = read_inventory(text, name="inv.csv")
>>> table[["quantity", "value", "low", "unit"]].round(1)
           quantity     value       low unit
0 residue_burned_kg    2000.0    1000.0   kg
1    fuel_kwh:coal  277777.8  277777.8  kWh
2     fuel_kg:wood     500.0     500.0   kg
"""

from __future__ import annotations

import csv
import io
import math

import pandas as pd

from emission_factors.errors import FactorError
from emission_factors.units import convert, dimension
from models.activity_table import ACTIVITY_COLUMNS
from models.errors import ModelError
from models.furnace_fuels import FURNACE_FUEL_FACTORS, fuel_ncv
from models.vocabulary import (
    ELECTRICITY_KWH,
    FUEL_KG_PREFIX,
    FUEL_KWH_PREFIX,
    PERIOD_DAYS,
    PERIOD_KINDS,
    PROCESSED_KG,
    RESIDUE_BURNED_KG,
)

__all__ = ["ACTIVITIES", "INVENTORY_COLUMNS", "InventoryError", "read_inventory"]

#: Columns of an inventory file, in order.
INVENTORY_COLUMNS: tuple[str, ...] = (
    "period",
    "site",
    "line",
    "activity",
    "fuel",
    "value",
    "unit",
    "low",
    "high",
    "source",
)
#: Activity -> (dimension of its unit, activity quantity, its unit).
ACTIVITIES: dict[str, tuple[str, str, str]] = {
    "open_burning": ("mass", RESIDUE_BURNED_KG, "kg"),
    "furnace_fuel": ("energy", FUEL_KWH_PREFIX, "kWh"),
    "electricity": ("energy", ELECTRICITY_KWH, "kWh"),
    "line_processing": ("mass", PROCESSED_KG, "kg"),
    "period_days": ("time", PERIOD_DAYS, "d"),
}


class InventoryError(ModelError):
    """An inventory file with bad rows; ``problems`` holds one ``FILE:LINE: reason`` each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _number(text: str, name: str) -> float:
    value = float(text.strip())
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {text!r}")
    return value


def _to_unit(value: float, unit: str, dim: str, target: str) -> float:
    """``value`` in ``unit`` expressed in ``target``."""
    if dim == "time":
        if unit != "d":
            raise ValueError(f"period_days is counted in d, not {unit!r}")
        return value
    if dimension(unit) != dim:
        raise ValueError(f"unit {unit!r} is not a {dim}; use one of t, kg, TJ, GJ, kWh, MWh")
    return convert(value, unit, target)


def _is_mass(unit: str) -> bool:
    try:
        return dimension(unit) == "mass"
    except FactorError:
        return False  # an unknown unit is reported with the others below


def _row(values: dict[str, str]) -> tuple[str, ...]:
    period, activity = values["period"], values["activity"]
    fuel = values["fuel"]
    if period not in PERIOD_KINDS:
        raise ValueError(f"period {period!r} is not one of {', '.join(PERIOD_KINDS)}")
    if not values["site"] or not values["line"]:
        raise ValueError("site and line are required")
    if activity not in ACTIVITIES:
        raise ValueError(f"activity {activity!r} is not one of {', '.join(ACTIVITIES)}")
    if activity == "furnace_fuel" and fuel not in FURNACE_FUEL_FACTORS:
        raise ValueError(f"fuel {fuel!r} is not one of {', '.join(FURNACE_FUEL_FACTORS)}")
    if activity != "furnace_fuel" and fuel:
        raise ValueError(f"fuel is only for furnace_fuel, not {activity}")
    dim, quantity, target = ACTIVITIES[activity]
    if activity == "furnace_fuel" and _is_mass(values["unit"]):
        if fuel_ncv(fuel) is None:
            raise ValueError(f"no heating value for {fuel!r}: give its energy, not a mass")
        dim, quantity, target = "mass", FUEL_KG_PREFIX, "kg"
    if not values["source"]:
        raise ValueError("source is required: say where the number comes from")
    value = _number(values["value"], "value")
    low = _number(values["low"], "low") if values["low"].strip() else value
    high = _number(values["high"], "high") if values["high"].strip() else value
    if not low <= value <= high:
        raise ValueError(f"need low <= value <= high, got {low}, {value}, {high}")
    try:
        numbers = [_to_unit(v, values["unit"], dim, target) for v in (value, low, high)]
    except FactorError as exc:
        raise ValueError(str(exc)) from None
    name = quantity + fuel if activity == "furnace_fuel" else quantity
    return (period, values["site"], values["line"], name, *numbers, target, values["source"])


def read_inventory(text: str, *, name: str = "inventory.csv") -> pd.DataFrame:
    """An activity table (:data:`models.activity_table.ACTIVITY_COLUMNS`) from the text of
    an inventory file; rows of one period, site, line and quantity are summed later by
    the release model.

    Raises
    ------
    InventoryError
        Every bad row as ``NAME:LINE: reason``, or a missing column.
    """
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)]
    kept = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not kept:
        raise InventoryError([f"{name}:1: empty file; columns: {', '.join(INVENTORY_COLUMNS)}"])
    reader = csv.reader(io.StringIO("\n".join(line for _, line in kept)))
    header = [h.strip() for h in next(reader)]
    missing = [c for c in INVENTORY_COLUMNS if c not in header]
    if missing:
        raise InventoryError([f"{name}:{kept[0][0]}: missing column(s) {', '.join(missing)}"])
    rows, problems = [], []
    for (number, _), cells in zip(kept[1:], reader, strict=True):
        if len(cells) != len(header):
            problems.append(f"{name}:{number}: {len(cells)} fields, the header has {len(header)}")
            continue
        values = {h: c.strip() for h, c in zip(header, cells, strict=True)}
        try:
            rows.append(_row(values))
        except ValueError as exc:
            problems.append(f"{name}:{number}: {exc}")
    if problems:
        raise InventoryError(problems)
    if not rows:
        raise InventoryError([f"{name}:{kept[0][0]}: no data rows"])
    return pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)
