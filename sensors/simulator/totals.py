"""Ground truth of a simulation: what the emission model must recover from the readings.

Mass processed, intake per household, residue produced and burned, running hours and
energy, accumulated window by window exactly from the day plans (not from the noisy
readings).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sensors.schema import US_PER_S, format_ts
from sensors.simulator.day_plan import DayPlan
from sensors.simulator.regime import RegimeParams
from sensors.simulator.schedule import RUNNING

__all__ = ["SimulationTotals", "add_window"]


@dataclass
class SimulationTotals:
    """Ground truth of a simulation, over ``[start_us, through_us)``.

    Parameters
    ----------
    site, line, regime, seed
        What was simulated.
    start_us, through_us
        Period the totals cover [µs since the epoch]; ``through_us`` reaches the end
        of the simulation when ``complete``.
    complete
        Whether every reading of the period has been yielded.
    readings, clipped
        Readings yielded per sensor, and how many of them were clipped to the
        sensor's valid range [-].
    processed_kg
        Mass that left the line [kg].
    intake_kg
        Delivered mass per household code [kg].
    residue_produced_kg, residue_burned_kg
        Non-recyclable residue sorted out of the deliveries, and the part of it burned
        in the open [kg].
    running_h
        Time in the ``running`` state [h].
    energy_kwh
        What the energy counter measured: ``electric_kwh + fuel_kwh`` [kWh].
    electric_kwh, fuel_kwh, fuel_kg
        Electricity [kWh], fuel energy (lower heating value) [kWh] and fuel mass [kg].
    """

    site: str
    line: str
    regime: str
    seed: int
    start_us: int
    through_us: int
    complete: bool = False
    readings: dict[str, int] = field(default_factory=dict)
    clipped: dict[str, int] = field(default_factory=dict)
    processed_kg: float = 0.0
    intake_kg: dict[str, float] = field(default_factory=dict)
    residue_produced_kg: float = 0.0
    residue_burned_kg: float = 0.0
    running_h: float = 0.0
    energy_kwh: float = 0.0
    electric_kwh: float = 0.0
    fuel_kwh: float = 0.0
    fuel_kg: float = 0.0

    @property
    def intake_total_kg(self) -> float:
        """Delivered mass of all households [kg]."""
        return float(sum(self.intake_kg.values()))

    @property
    def specific_energy_kwh_per_kg(self) -> float:
        """Measured energy per processed mass [kWh/kg]; NaN before anything was processed."""
        return self.energy_kwh / self.processed_kg if self.processed_kg > 0 else math.nan

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (times as RFC 3339 strings, NaN as ``None``)."""
        sec = self.specific_energy_kwh_per_kg
        return {
            "site": self.site,
            "line": self.line,
            "regime": self.regime,
            "seed": self.seed,
            "start": format_ts(self.start_us),
            "through": format_ts(self.through_us),
            "complete": self.complete,
            "readings": dict(self.readings),
            "readings_total": int(sum(self.readings.values())),
            "clipped": dict(self.clipped),
            "processed_kg": self.processed_kg,
            "intake_kg": dict(self.intake_kg),
            "intake_total_kg": self.intake_total_kg,
            "residue_produced_kg": self.residue_produced_kg,
            "residue_burned_kg": self.residue_burned_kg,
            "running_h": self.running_h,
            "energy_kwh": self.energy_kwh,
            "electric_kwh": self.electric_kwh,
            "fuel_kwh": self.fuel_kwh,
            "fuel_kg": self.fuel_kg,
            "specific_energy_kwh_per_kg": None if math.isnan(sec) else sec,
        }


def add_window(
    totals: SimulationTotals,
    plan: DayPlan,
    a_us: int,
    b_us: int,
    idx: np.ndarray,
    clipped: np.ndarray,
    *,
    rp: RegimeParams,
    households: tuple[str, ...],
    sensors: list[str],
) -> None:
    """Add the ground truth of ``[a_us, b_us)`` to ``totals``.

    ``idx`` and ``clipped`` are the channel index and clipping flag of each reading
    yielded in the window; ``households`` are the line's household codes and
    ``sensors`` its sensor names by channel index.
    """
    a_s, b_s = (a_us - plan.day0_us) / US_PER_S, (b_us - plan.day0_us) / US_PER_S
    overlap = plan.overlap_s(a_s, b_s)
    running = plan.seg_state == RUNNING
    totals.running_h += float(overlap[running].sum()) / 3600.0
    totals.processed_kg += float((plan.seg_rate * overlap).sum()) / 3600.0
    edges = np.array([a_s, b_s])
    electric = np.diff(plan.cumulative(plan.cum_electric, plan.seg_electric_kw, edges))[0]
    fuel = np.diff(plan.cumulative(plan.cum_fuel, plan.seg_fuel_kw, edges))[0]
    totals.electric_kwh += float(electric)
    totals.fuel_kwh += float(fuel)
    totals.energy_kwh += float(electric + fuel)
    totals.fuel_kg += float(fuel) / rp.fuel_lhv_kwh_per_kg
    lo, hi = np.searchsorted(plan.delivery_us, (a_us, b_us))
    for h, kg in zip(
        plan.delivery_household[lo:hi].tolist(), plan.delivery_kg[lo:hi].tolist(), strict=True
    ):
        code = households[h]
        totals.intake_kg[code] += kg
        totals.residue_produced_kg += kg * rp.residue_share
    if a_us <= plan.burn_us < b_us:
        day_residue = float(plan.delivery_kg.sum()) * rp.residue_share
        totals.residue_burned_kg += day_residue * rp.open_burn_share
    counts = np.bincount(idx, minlength=len(sensors))
    n_clipped = np.bincount(idx, weights=clipped.astype(float), minlength=len(sensors))
    for i, name in enumerate(sensors):
        totals.readings[name] += int(counts[i])
        totals.clipped[name] += int(n_clipped[i])
    totals.through_us = b_us
