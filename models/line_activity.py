"""What one line is (:class:`LineParameters`) and what it did (:class:`LineActivity`).

Plain values only: the models never read configuration; :mod:`pilot` builds the
parameters from it, and :func:`models.activity.extract_activity` fills the activity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from models.activity_table import ACTIVITY_COLUMNS
from models.errors import ModelError
from models.states import DEFAULT_THRESHOLDS, RUNNING, StateThresholds
from models.vocabulary import ENERGY_KWH, INTAKE_KG, MEASURED, PROCESSED_KG, RESIDUE_KG, RUNNING_H

__all__ = ["LineActivity", "LineParameters"]


@dataclass(frozen=True)
class LineParameters:
    """Plain-value description of one line for activity extraction.

    Parameters
    ----------
    process_window_c
        Process temperature window (low, high) [°C].
    degradation_c
        Polymer degradation threshold [°C].
    temperature_sensors
        Zone temperature sensor ids used for the line state.
    expected_interval_s
        Expected interval between readings per clocked sensor id [s].
    process_temp_sensor
        Sensor whose temperature is compared with the window and the degradation
        threshold [°C] (the melt); the hottest zone when ``None`` or missing.
    throughput_sensor, energy_sensor, intake_sensor
        Sensor ids of the throughput [kg/h], energy counter [kWh] and intake weighings
        [kg]; ``None`` when the line has no such sensor.
    max_gap_intervals
        A step longer than this many expected intervals is a gap and is not integrated
        [-].
    throughput_accuracy, energy_accuracy
        Relative accuracy of the throughput sensor and of the energy meter [-], used for
        the activity ranges. Defaults: ±5 % (design assumption for a belt or loss-in-
        weight scale) and ±2 % (accuracy class 2 of IEC 62053-21 for static kWh meters).
    states
        Thresholds of the line state (:class:`models.states.StateThresholds`), from the
        configuration's ``[line_states]`` section.
    residue_sensor, residue_counter
        Sensor id of the residue scale [kg] (``None``: no scale), and whether it counts
        the residue weighed so far (``True``) or reports each weighing (``False``;
        :mod:`models.residue_scale`).
    """

    process_window_c: tuple[float, float]
    degradation_c: float
    temperature_sensors: tuple[str, ...]
    expected_interval_s: Mapping[str, float]
    process_temp_sensor: str | None = "melt_temp"
    throughput_sensor: str | None = "throughput"
    energy_sensor: str | None = "energy"
    intake_sensor: str | None = "intake"
    max_gap_intervals: float = 3.0
    throughput_accuracy: float = 0.05
    energy_accuracy: float = 0.02
    states: StateThresholds = DEFAULT_THRESHOLDS
    residue_sensor: str | None = "residue"
    residue_counter: bool = False

    @property
    def valued_sensors(self) -> frozenset[str]:
        """The sensors whose values the extraction uses (their roles above); any other
        sensor of the line only counts for completeness.

        >>> LineParameters((180.0, 240.0), 280.0, ("zone1_temp",), {}).valued_sensors == {
        ...     "zone1_temp", "melt_temp", "throughput", "energy", "intake", "residue"}
        True
        """
        roles = (self.process_temp_sensor, self.throughput_sensor)
        roles += (self.energy_sensor, self.intake_sensor, self.residue_sensor)
        return frozenset(s for s in (*self.temperature_sensors, *roles) if s is not None)

    def __post_init__(self) -> None:
        if not self.max_gap_intervals >= 1.0:
            raise ModelError("max_gap_intervals must be at least 1 (one expected interval)")
        for name in ("throughput_accuracy", "energy_accuracy"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ModelError(f"{name} must lie in [0, 1)")


@dataclass(frozen=True)
class LineActivity:
    """What one line did over ``[start, end)``; see the module docstring for methods.

    Parameters
    ----------
    site, line, start, end
        Identity and period (aware UTC datetimes).
    processed_kg
        Mass processed, gaps not bridged [kg].
    throughput_coverage
        Share of the period covered by throughput steps that are not gaps [-].
    energy_kwh
        Energy-counter increase [kWh]; NaN without an energy sensor.
    energy_kwh_per_kg
        ``energy_kwh / processed_kg`` [kWh/kg]; NaN when nothing was processed.
    state_h
        Hours per line state [h].
    in_window_share
        Share of running time with the process temperature inside the window [-].
    above_degradation_h, above_degradation_share
        Time above the degradation threshold [h], and its share of running time [-].
    intake_kg, deliveries
        Delivered mass [kg] and number of deliveries per household code.
    completeness
        Readings received over readings expected, per clocked sensor [-].
    throughput_accuracy, energy_accuracy
        Copied from the parameters, for the activity ranges.
    residue_kg
        Residue weighed on the line's residue scale [kg]; ``None`` when the scale had no
        reading in the period (or the line has none): the residue share is then assumed.
    """

    site: str
    line: str
    start: datetime
    end: datetime
    processed_kg: float
    throughput_coverage: float
    energy_kwh: float
    energy_kwh_per_kg: float
    state_h: dict[str, float]
    in_window_share: float
    above_degradation_h: float
    above_degradation_share: float
    intake_kg: dict[str, float] = field(default_factory=dict)
    deliveries: dict[str, int] = field(default_factory=dict)
    completeness: dict[str, float] = field(default_factory=dict)
    throughput_accuracy: float = 0.05
    energy_accuracy: float = 0.02
    residue_kg: float | None = None

    @property
    def running_h(self) -> float:
        """Hours in the ``running`` state [h]."""
        return self.state_h.get(RUNNING, 0.0)

    @property
    def intake_total_kg(self) -> float:
        """Delivered mass, all households [kg]."""
        return float(sum(self.intake_kg.values()))

    def activity_table(self, period: str) -> pd.DataFrame:
        """The activity table (:data:`ACTIVITY_COLUMNS`) of this line for ``period``.

        Ranges: the measured mass can only be too low by the uncovered share of the
        period (gaps are not bridged) and is off by the sensor accuracy either way, so
        ``low = m (1 - a)`` and ``high = m / c (1 + a)`` with coverage :math:`c`; the
        energy counter keeps counting through gaps, so only its accuracy applies. Intake
        and residue scales are read to the throughput sensor's accuracy, a design
        assumption (no scale class is configured).
        """
        rows = []
        coverage = max(self.throughput_coverage, 1e-9)
        a = self.throughput_accuracy
        m = self.processed_kg
        rows.append((PROCESSED_KG, m, m * (1 - a), m / coverage * (1 + a), "kg", MEASURED))
        if not np.isnan(self.energy_kwh):
            e, b = self.energy_kwh, self.energy_accuracy
            rows.append((ENERGY_KWH, e, e * (1 - b), e * (1 + b), "kWh", MEASURED))
        if self.intake_kg:
            t = self.intake_total_kg
            rows.append((INTAKE_KG, t, t * (1 - a), t * (1 + a), "kg", MEASURED))
        if self.residue_kg is not None:
            r = self.residue_kg
            rows.append((RESIDUE_KG, r, r * (1 - a), r * (1 + a), "kg", MEASURED))
        rows.append((RUNNING_H, self.running_h, self.running_h, self.running_h, "h", MEASURED))
        return pd.DataFrame(
            [(period, self.site, self.line, *r) for r in rows], columns=ACTIVITY_COLUMNS
        )
