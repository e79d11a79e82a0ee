"""Events of a working day: household deliveries (intake) and overshoots of the fire.

Deliveries of sorted-out plastic arrive at random times of the working day, lognormal
in mass (tens to a few hundred kg), each with the code of the delivering household;
their expected daily total matches the day's processing grossed up for the residue
sorted out of them. Overshoots (fuel thrown on the fire) raise the melt above the
decomposition onset for a few minutes, at random points of the running time.

>>> import numpy as np
>>> from sensors.simulator.example import example_line
>>> from sensors.simulator.regime import POST
>>> d = deliveries(np.random.default_rng(1), POST, example_line(), 25200.0, 61200.0, 800.0)
>>> all(10.0 <= kg <= 400.0 for _, kg, _ in d), all(25200.0 <= t < 61200.0 for t, _, _ in d)
(True, True)
"""

from __future__ import annotations

import math

import numpy as np

from sensors.lines import Line
from sensors.simulator.regime import RegimeParams

__all__ = ["deliveries", "overshoots"]


def deliveries(
    rng: np.random.Generator, rp: RegimeParams, line: Line, a: float, b: float, day_kg: float
) -> list[tuple[float, float, int]]:
    """Household deliveries in ``[a, b)`` [s] for a day that processes ``day_kg`` [kg].

    Returns ``(time [s after local midnight], mass [kg], household index)`` per delivery.
    """
    # The day's output grossed up for the residue sorted out of the deliveries, so
    # that intake balances processing in expectation, day by day (a stock of sorted
    # plastic buffers the difference).
    mean_kg = rp.delivery_median_kg * math.exp(rp.delivery_sigma**2 / 2)
    n = int(rng.poisson(day_kg / (1.0 - rp.residue_share) / mean_kg))
    times = np.sort(rng.uniform(a, b, size=n))
    mass = rp.delivery_median_kg * np.exp(rp.delivery_sigma * rng.standard_normal(n))
    mass = np.clip(np.round(mass, 1), rp.delivery_min_kg, rp.delivery_max_kg)
    who = rng.integers(0, max(1, len(line.households)), size=n)
    return list(zip(times.tolist(), mass.tolist(), who.tolist(), strict=True))


def overshoots(
    rng: np.random.Generator,
    rp: RegimeParams,
    line: Line,
    running: list[tuple[float, float]],
    hot_c: float,
) -> list[tuple[float, float]]:
    """Centres [s] and heights [°C] above ``hot_c`` of the overshoots of the melt.

    ``running`` are the day's running intervals [s]; ``hot_c`` is the hottest running
    target of the barrel and melt [°C], from which a peak at the decomposition onset
    plus :attr:`~sensors.simulator.regime.RegimeParams.overshoot_excess_c` is reached.
    """
    total = sum(b - a for a, b in running)
    if rp.overshoot_rate_per_h <= 0 or total <= 0:
        return []
    n = int(rng.poisson(rp.overshoot_rate_per_h * total / 3600.0))
    # Place each at a uniform point of the running time (pieces laid end to end).
    u = np.sort(rng.uniform(0.0, total, size=n))
    peaks = line.degradation_c + rng.uniform(*rp.overshoot_excess_c, size=n)
    starts = np.cumsum([0.0] + [b - a for a, b in running])
    out = []
    for x, peak in zip(u.tolist(), peaks.tolist(), strict=True):
        k = int(np.searchsorted(starts, x, side="right") - 1)
        out.append((running[k][0] + x - starts[k], max(0.0, peak - hot_c)))
    return out
