"""Power of a line per state, and the energy and fuel it integrates to.

Post: the electric heater's duty plus the drive (specific drive energy × rate plus an
idle load), all electricity. Baseline: the heat the furnace must deliver (the
heater-equivalent duty plus the enthalpy to melt the polymer) divided by the furnace
efficiency, i.e. fuel energy (lower heating value), plus a small electric drive. The
baseline's kWh/kg is therefore far higher; it is fuel energy, not electricity.

>>> import numpy as np
>>> from sensors.simulator.example import example_line
>>> from sensors.simulator.regime import POST
>>> from sensors.simulator.schedule import HEATING, RUNNING
>>> electric, fuel = power(POST, example_line(), np.array([HEATING, RUNNING]),
...                        np.array([0.0, 100.0]))
>>> electric.tolist(), fuel.tolist()
([20.0, 33.5], [0.0, 0.0])
"""

from __future__ import annotations

import numpy as np

from sensors.lines import Line
from sensors.simulator.regime import RegimeParams
from sensors.simulator.schedule import IDLE, RUNNING

__all__ = ["cumulative_kwh", "power"]


def power(
    rp: RegimeParams, line: Line, state: np.ndarray, rate_kg_h: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Electric and fuel power [kW] per segment of ``state`` at output ``rate_kg_h``."""
    duty = np.array([0.0, rp.heater_duty_heating, rp.heater_duty_running, rp.heater_duty_idle])
    on = (state == RUNNING) | (state == IDLE)
    heat = line.heater_kw * duty[state] + rp.melt_heat_kwh_per_kg * rate_kg_h
    drive = rp.drive_kwh_per_kg * rate_kg_h + rp.drive_idle_kw * on
    if rp.heat_source == "electric":
        return heat + drive, np.zeros_like(heat)
    return drive, heat / rp.furnace_efficiency


def cumulative_kwh(power_kw: np.ndarray, duration_h: np.ndarray) -> np.ndarray:
    """Energy [kWh] at each segment start and at the end (one longer than the segments)."""
    return np.concatenate(([0.0], np.cumsum(power_kw * duration_h)))
