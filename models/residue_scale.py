r"""The residue scale of a line: the residue mass it weighed over a period [kg].

A line's ``residue`` sensor (:data:`sensors.catalog.KINDS`) is either an event scale,
one reading per weighing of the residue sorted out (``event = true``), or a counter of
the residue weighed so far (``counter = true``). The residue mass of a period is the sum
of its increments :math:`\Delta_i`:

* event scale: every weighing, :math:`\Delta_i = w_i`;
* counter: :math:`\Delta_i = \max(c_{i+1} - c_i, 0)`, and :math:`c_{i+1}` where the
  counter dropped (it restarted from zero), as for the energy counter
  (:func:`models.measures.counter_increase`).

The sum is exactly rounded (:func:`math.fsum`), so it does not depend on the order or
the grouping of the increments: a period extracted in chunks
(:class:`models.activity_stream.ActivityStream`) gives bit for bit the residue of the
whole period. Only nonzero increments are kept (a few per day), so the chunks carry
little. A period without any residue reading has no measured residue (``None``); the
release model then assumes the residue share.

>>> import numpy as np
>>> residue_increments_kg(np.array([12.5, 0.0, 7.5]), counter=False).tolist()
[12.5, 7.5]
>>> residue_increments_kg(np.array([100.0, 100.0, 112.0, 3.0]), counter=True).tolist()
[12.0, 3.0]
>>> residue_mass_kg([np.array([12.0]), np.array([3.0])], seen=True)
15.0
>>> residue_mass_kg([], seen=False) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

__all__ = ["residue_increments_kg", "residue_mass_kg"]


def residue_increments_kg(
    values: np.ndarray, *, counter: bool, last: float | None = None
) -> np.ndarray:
    """Nonzero increments of a residue sensor's readings, in time order and without NaN
    [kg]; ``last`` is a counter's last reading before them (an earlier chunk)."""
    values = np.asarray(values, dtype=float)
    if not counter:
        return values[values != 0.0]
    series = values if last is None else np.concatenate([[last], values])
    if len(series) < 2:
        return np.empty(0)
    steps = np.diff(series)
    increments = np.where(steps < 0.0, series[1:], steps)
    return increments[increments != 0.0]


def residue_mass_kg(increments: Iterable[np.ndarray], *, seen: bool) -> float | None:
    """Residue weighed [kg]: the exactly rounded sum of ``increments``; ``None`` when the
    scale had no reading (``seen`` false)."""
    if not seen:
        return None
    return math.fsum(float(x) for part in increments for x in part)
