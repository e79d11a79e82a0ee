"""Deterministic, physically plausible simulators of a pilot line, in two regimes.

A simulated line is a set of sensors (:class:`~sensors.catalog.SensorSpec`) on one
melt-processing line of a household workshop in Minh Khai or Phan Bôi. The simulator
produces the readings those sensors would send, in device-time order, together with
the ground truth (mass processed, intake per household, residue produced and burned,
running hours, energy) that the emission model must later recover from the readings.

Regimes
-------
``post``
    The BAT/BEP pilot line: electrically heated barrel zones with PID-like control.
    Zones hold their setpoints within ±2–3 °C and rarely leave the process window;
    throughput is continuous; the sorting residue is delivered to the pilot line that
    makes bricks, tiles and fences (pilot-context §2) instead of being burned.
``baseline``
    The practice found in the villages: batch melting over a small coal- or
    waste-fired furnace (pilot-context §1a, "most of the plastic-melting furnaces are
    small and rudimentary"). Temperature is poorly controlled: it oscillates slowly with
    the stoking of the fire and overshoots into the polymer decomposition range for a
    few per cent of the running time; output comes in batches; most of the residue is
    burned in the open (pilot-context §1b, "the non-recyclable part is collected …
    [burned]", flagged as unconfirmed there; here a design assumption).

Every number of a regime is a field of :class:`RegimeParams`, with its unit and its
source; :data:`BASELINE` and :data:`POST` are the defaults.

Physics in brief
----------------
* **Line state** follows a working day in local time: ``off`` → ``heating`` (from
  06:00) → ``running`` (07:00–11:30) → ``idle`` (lunch, 11:30–13:00) → ``running``
  (13:00–17:00) → ``off``, Monday to Saturday, each boundary jittered per day, with
  random stoppages (``idle``) while running. All of it is a design assumption: no
  source gives the pilot lines' operating hours (pilot-context §2, "Not found").
* **Temperatures** follow a first-order lag toward the target of the current state,
  :math:`\\mathrm{d}T/\\mathrm{d}t = (T_\\mathrm{target} - T)/\\tau`, solved exactly per
  piecewise-constant segment: :math:`T(t) = T_\\mathrm{target} + (T_0 - T_\\mathrm{target})
  e^{-(t - t_0)/\\tau}`. The target is the setpoint while the line is heated and the
  ambient air (28 °C) when it is off; τ differs for heating and for passive cooling.
  Controller ripple (post) or stoking oscillation and overshoots (baseline) are added
  in proportion to how far the zone has heated up, plus white sensor noise.
* **Throughput** [kg/h] is a piecewise-constant rate (0 unless running) with
  multiplicative sensor noise; in the baseline the rate is zero while a batch melts
  and high while it is discharged.
* **Energy** [kWh] is a counter that integrates the line's power exactly. Post: the
  electric heater's duty plus the drive (specific drive energy × rate + idle load).
  Baseline: the heat the furnace must deliver (heater-equivalent duty plus the
  enthalpy to melt the polymer) divided by the furnace efficiency, i.e. kWh of fuel
  energy (lower heating value), plus a small electric drive. The baseline's kWh/kg is
  therefore far higher; it is fuel energy, not electricity.
* **Intake** [kg] events: deliveries of sorted-out plastic by households (lognormal,
  tens to a few hundred kg) at random times of the working day, each with the
  household code; their expected daily total matches the expected processing.
* **Residue**: a share of each delivery (10 %, the ≈10 % residual share derived in
  pilot-context §1a) is non-recyclable; in the baseline most of it is burned in the
  open in the evening, in the post regime none.

Streaming: the simulator works one local day at a time (schedule, deliveries,
overshoots) and evaluates the sensors in windows of 1–24 h with vectorised numpy, so
memory stays bounded for simulations of years.

Determinism: the same parameters, regime, period, ``interval_s`` and seed give the same
readings. The per-day random draws are seeded by (seed, site/line, local date), so a
day's schedule does not depend on where the simulated period starts.

>>> from datetime import UTC, datetime, timedelta
>>> params = example_line()
>>> start = datetime(2019, 6, 3, 1, 0, tzinfo=UTC)  # Monday 08:00 in Hưng Yên
>>> sim = Simulation(params, regime="post", start=start, end=start + timedelta(seconds=10),
...                  seed=7)
>>> readings = list(sim)
>>> len(readings), sim.totals.readings["zone1_temp"], sim.totals.complete
(54, 10, True)
>>> all(175.0 < r.value < 230.0 for r in readings if r.sensor.startswith("zone"))
True
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from sensors.catalog import KINDS, SensorSpec
from sensors.schema import Reading, format_ts, us_from_datetime
from sensors.topics import check_id

__all__ = [
    "BASELINE",
    "POST",
    "REGIMES",
    "STATE_NAMES",
    "LineParams",
    "Regime",
    "RegimeParams",
    "Simulation",
    "SimulationTotals",
    "example_line",
    "simulate_line",
    "simulate_line_totals",
]

Regime = Literal["baseline", "post"]

#: Line states, as stored in the schedule arrays.
OFF, HEATING, RUNNING, IDLE = 0, 1, 2, 3
STATE_NAMES: tuple[str, ...] = ("off", "heating", "running", "idle")

_US = 1_000_000
# Window lengths [h] that divide a day, so windows never straddle local midnight.
_WINDOW_HOURS = (1, 2, 3, 4, 6, 8, 12, 24)
# About this many readings per window keeps numpy efficient and memory small (~10 MB).
_READINGS_PER_WINDOW = 60_000
# Readings are turned into Python objects in slices of this size, to bound memory.
_YIELD_SLICE = 8192


@dataclass(frozen=True)
class RegimeParams:
    """Every parameter of one operating regime, with its unit and source.

    Values marked "design assumption" are not from a source: pilot-context §2 lists
    the pilot lines' technology, temperatures and energy as "Not found". They are
    chosen to be physically plausible and to match the orders of magnitude that the
    sources do give (pilot-context §4).

    Parameters
    ----------
    name
        ``"baseline"`` or ``"post"``.
    heat_source
        ``"electric"`` (barrel heater bands) or ``"furnace"`` (coal/waste fire).
        Baseline furnace: pilot-context §1a (VietnamPlus, "plastic-melting furnaces are
        small and rudimentary"); post electric: design assumption.
    workdays
        Working weekdays, Monday = 0 [-]. Design assumption (Monday–Saturday).
    preheat_start_h, shift_start_h, lunch_start_h, lunch_end_h, shift_end_h
        Local clock times of the working day [h after local midnight]: heaters on,
        production starts, lunch idle starts and ends, heaters off. Design assumption
        (a 07:00–17:00 day with the Vietnamese 11:30–13:00 lunch break).
    schedule_jitter_s
        Each day's boundaries are shifted by a uniform random offset within
        ±``schedule_jitter_s`` [s]. Design assumption.
    stoppage_rate_per_h
        Random stoppages per running hour [1/h]. Design assumption.
    stoppage_mean_s, stoppage_max_s
        Mean (exponential distribution) and maximum length of a stoppage [s]. Design
        assumption.
    ambient_c
        Workshop air temperature [°C]. Design assumption (hot season in the Red
        River delta; the brief's "ambient ~28 °C").
    tau_heat_s
        Time constant of a barrel zone (or the melt pot) heating toward its target [s].
        Design assumption: small extruders reach setpoint in 30–60 min, i.e. τ of
        several minutes; post 600 s, baseline 900 s (a pot over a fire is slower).
    tau_cool_s
        Time constant of passive cooling when the heat is off [s]. Design assumption.
    tau_mould_s
        Time constant of the mould temperature [s]. Design assumption.
    tau_furnace_s
        Time constant of the furnace chamber temperature [s]. Design assumption.
    melt_shear_rise_c
        Melt temperature above the hottest zone setpoint while running, from shear
        heating [°C]. Design assumption; pilot-context §4 (Plastics Technology: most
        melting energy comes from frictional drag).
    temp_bias_c
        Mean offset of an uncontrolled zone above its nominal setpoint [°C]. Design
        assumption (furnaces are stoked "hot enough").
    ripple_amplitude_c, ripple_period_s
        Amplitude [°C] and period [s] of the heater controller's limit cycle. Design
        assumption, giving the brief's ±2–3 °C with the noise.
    mould_ripple_c, mould_cycle_s
        Amplitude [°C] and period [s] of the mould temperature swing per moulding
        cycle. Period from pilot-context §2 (intrusion moulding: filling a mould takes
        ~5 min); amplitude a design assumption.
    noise_c
        Standard deviation of the temperature sensors' white noise [°C]. Design
        assumption (type-K thermocouple with a simple transmitter; worse when the
        probe sits in a pot over a fire).
    oscillation_amplitude_c, oscillation_period_s
        Slow temperature swing from stoking the fire [°C], [s]. Design assumption.
    overshoot_rate_per_h
        Overshoots (fuel thrown on the fire) per running hour [1/h]. Design assumption,
        tuned so the melt exceeds the decomposition onset for a few per cent of the
        running time.
    overshoot_duration_s
        Length of one overshoot (raised cosine) [s]. Design assumption.
    overshoot_excess_c
        Peak of an overshoot above ``LineParams.degradation_c``, uniform in this range
        [°C]. Design assumption; pilot-context §1a reports melting "in 400 °C heat"
        (flagged unreliable) and §4 gives decomposition onsets of 328–335 °C (PP, PE).
    furnace_firing_c, furnace_idle_c
        Furnace chamber temperature while firing and while banked [°C]. Design
        assumption (small coal stove).
    furnace_disturbance_scale
        Swing of the furnace chamber relative to the melt's swing [-]. Design
        assumption.
    throughput_factor
        Mean output while running relative to ``LineParams.nominal_throughput_kg_h``
        [-]. Design assumption (batch melting loses time to charging and melting).
    throughput_segment_sd
        Relative standard deviation of the rate between running segments [-]. Design
        assumption (feedstock quality varies).
    throughput_noise_sd
        Relative standard deviation of the throughput sensor's noise [-]. Design
        assumption.
    batch_cycle_s
        Length of a batch cycle (melt, then discharge) [s]; ``None`` for continuous
        extrusion. Design assumption.
    batch_discharge_fraction
        Share of a batch cycle during which melt is discharged [-]. Design assumption.
    heater_duty_heating, heater_duty_running, heater_duty_idle
        Mean heater power as a share of ``LineParams.heater_kw`` in each state [-]:
        full power while heating up, then the holding duty (the rest of the melting
        heat comes from the drive). Design assumption.
    drive_kwh_per_kg
        Specific drive (motor) energy [kWh/kg]. Post: design assumption inside the
        0.15–0.55 kWh/kg pelletizing band of pilot-context §4; baseline: a small
        strand cutter only.
    drive_idle_kw
        Motor, pump and fan load while the line is on but not producing [kW]. Design
        assumption.
    melt_heat_kwh_per_kg
        Heat the furnace must put into the polymer to melt it [kWh/kg]. Baseline:
        cp ≈ 2.3 kJ/(kg·K) over 28 → 220 °C plus ≈0.2 MJ/kg heat of fusion ≈ 0.64 MJ/kg
        = 0.18 kWh/kg (textbook polyethylene properties; design assumption). Post: 0,
        because the drive supplies it (see ``melt_shear_rise_c``).
    furnace_efficiency
        Share of the fuel energy that reaches the melt [-]. Baseline 0.15: design
        assumption for an open, uninsulated household stove; post 1.0 (no fuel).
    fuel_lhv_kwh_per_kg
        Lower heating value of the fuel [kWh/kg]. Design assumption: 6.0 kWh/kg
        (21.6 MJ/kg), a low-grade coal or a coal/waste mix.
    residue_share
        Non-recyclable share of the delivered plastic [-]: 0.10, the ≈10 % residual
        share derived in pilot-context §1a (60–70 t/day of residue against
        600–650 t/day of input in Minh Khai).
    open_burn_share
        Share of the residue burned in the open [-]. Baseline 0.8 ("most"): design
        assumption after pilot-context §1b; post 0.0, because the residue is
        delivered to the pilot line that makes bricks/tiles (pilot-context §2).
    burn_time_h
        Local time at which the day's residue is burned [h]. Design assumption.
    delivery_median_kg, delivery_sigma
        Median [kg] and log standard deviation [-] of a household delivery (lognormal).
        Design assumption: tens to a few hundred kg, against ~2–3 t/day per household
        in pilot-context §1a.
    delivery_min_kg, delivery_max_kg
        Limits of one delivery [kg]. Design assumption.
    """

    name: str
    heat_source: Literal["electric", "furnace"]
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    preheat_start_h: float = 6.0
    shift_start_h: float = 7.0
    lunch_start_h: float = 11.5
    lunch_end_h: float = 13.0
    shift_end_h: float = 17.0
    schedule_jitter_s: float = 600.0
    stoppage_rate_per_h: float = 0.15
    stoppage_mean_s: float = 600.0
    stoppage_max_s: float = 3600.0
    ambient_c: float = 28.0
    tau_heat_s: float = 600.0
    tau_cool_s: float = 2400.0
    tau_mould_s: float = 1200.0
    tau_furnace_s: float = 300.0
    melt_shear_rise_c: float = 5.0
    temp_bias_c: float = 0.0
    ripple_amplitude_c: float = 1.5
    ripple_period_s: float = 240.0
    mould_ripple_c: float = 3.0
    mould_cycle_s: float = 300.0
    noise_c: float = 0.4
    oscillation_amplitude_c: float = 0.0
    oscillation_period_s: float = 2700.0
    overshoot_rate_per_h: float = 0.0
    overshoot_duration_s: float = 720.0
    overshoot_excess_c: tuple[float, float] = (10.0, 60.0)
    furnace_firing_c: float = 650.0
    furnace_idle_c: float = 450.0
    furnace_disturbance_scale: float = 2.0
    throughput_factor: float = 1.0
    throughput_segment_sd: float = 0.05
    throughput_noise_sd: float = 0.03
    batch_cycle_s: float | None = None
    batch_discharge_fraction: float = 1.0
    heater_duty_heating: float = 1.0
    heater_duty_running: float = 0.35
    heater_duty_idle: float = 0.25
    drive_kwh_per_kg: float = 0.25
    drive_idle_kw: float = 1.5
    melt_heat_kwh_per_kg: float = 0.0
    furnace_efficiency: float = 1.0
    fuel_lhv_kwh_per_kg: float = 6.0
    residue_share: float = 0.10
    open_burn_share: float = 0.0
    burn_time_h: float = 18.0
    delivery_median_kg: float = 80.0
    delivery_sigma: float = 0.6
    delivery_min_kg: float = 10.0
    delivery_max_kg: float = 400.0

    def __post_init__(self) -> None:
        hours = (
            self.preheat_start_h,
            self.shift_start_h,
            self.lunch_start_h,
            self.lunch_end_h,
            self.shift_end_h,
        )
        gap_h = 2 * self.schedule_jitter_s / 3600.0
        if not all(b - a > gap_h for a, b in itertools.pairwise(hours)):
            raise ValueError(
                f"{self.name}: preheat < shift start < lunch start < lunch end < shift end "
                f"must hold with gaps of more than twice the jitter ({gap_h:g} h)"
            )
        if self.preheat_start_h - self.schedule_jitter_s / 3600.0 < 0.0:
            raise ValueError(f"{self.name}: the working day must start after local midnight")
        if not self.shift_end_h + self.schedule_jitter_s / 3600.0 + 0.25 < self.burn_time_h < 24:
            raise ValueError(f"{self.name}: burn_time_h must lie after the shift, before midnight")
        if self.heat_source not in ("electric", "furnace"):
            raise ValueError(f"{self.name}: heat_source must be 'electric' or 'furnace'")
        positive = {
            "tau_heat_s": self.tau_heat_s,
            "tau_cool_s": self.tau_cool_s,
            "tau_mould_s": self.tau_mould_s,
            "tau_furnace_s": self.tau_furnace_s,
            "ripple_period_s": self.ripple_period_s,
            "mould_cycle_s": self.mould_cycle_s,
            "oscillation_period_s": self.oscillation_period_s,
            "overshoot_duration_s": self.overshoot_duration_s,
            "stoppage_mean_s": self.stoppage_mean_s,
            "furnace_efficiency": self.furnace_efficiency,
            "fuel_lhv_kwh_per_kg": self.fuel_lhv_kwh_per_kg,
            "delivery_median_kg": self.delivery_median_kg,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{self.name}: {name} must be positive, got {value}")
        shares = {
            "residue_share": self.residue_share,
            "open_burn_share": self.open_burn_share,
            "furnace_efficiency": self.furnace_efficiency,
        }
        for name, value in shares.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{self.name}: {name} must lie in [0, 1], got {value}")
        if self.residue_share >= 1.0:
            raise ValueError(f"{self.name}: residue_share must be below 1")
        if not 0.0 < self.batch_discharge_fraction <= 1.0:
            raise ValueError(f"{self.name}: batch_discharge_fraction must lie in (0, 1]")
        if self.batch_cycle_s is not None and not self.batch_cycle_s > 0:
            raise ValueError(f"{self.name}: batch_cycle_s must be positive or None")
        if not 0 < self.delivery_min_kg <= self.delivery_max_kg:
            raise ValueError(f"{self.name}: need 0 < delivery_min_kg <= delivery_max_kg")
        if not all(0 <= d <= 6 for d in self.workdays):
            raise ValueError(f"{self.name}: workdays are weekday numbers 0 (Monday) to 6")


#: The BAT/BEP pilot line: electric heating, PID-like control, residue to the pilot line.
POST = RegimeParams(name="post", heat_source="electric")

#: Village practice: batch melting over a coal/waste-fired furnace, residue mostly burned.
BASELINE = RegimeParams(
    name="baseline",
    heat_source="furnace",
    stoppage_rate_per_h=0.4,
    stoppage_mean_s=900.0,
    tau_heat_s=900.0,
    temp_bias_c=10.0,
    ripple_amplitude_c=0.0,
    noise_c=1.5,
    oscillation_amplitude_c=20.0,
    overshoot_rate_per_h=0.5,
    throughput_factor=0.8,
    throughput_segment_sd=0.10,
    throughput_noise_sd=0.08,
    batch_cycle_s=1800.0,
    batch_discharge_fraction=0.33,
    heater_duty_idle=0.3,
    drive_kwh_per_kg=0.05,
    drive_idle_kw=0.5,
    melt_heat_kwh_per_kg=0.18,
    furnace_efficiency=0.15,
    open_burn_share=0.8,
)

REGIMES: dict[str, RegimeParams] = {"baseline": BASELINE, "post": POST}


@dataclass(frozen=True)
class LineParams:
    """One simulated line: its sensors and the physical quantities that drive them.

    Parameters
    ----------
    site, line
        Identity, as in the topics.
    sensors
        The line's sensors, all of this site and line. Kinds: ``barrel_temp`` (with
        ``zone`` and ``setpoint``), ``melt_temp``, ``mould_temp`` (with ``setpoint``),
        ``throughput`` [kg/h], ``energy`` [kWh] (``counter=True``), ``intake`` [kg]
        (``event=True``, household code on each reading) and optionally
        ``furnace_temp`` [°C], ``fuel`` [kg] (``counter=True``) and ``residue`` [kg]
        (``event=True``: one weighing of the day's residue after the shift; or
        ``counter=True``: cumulative residue).
    process_window_c
        Melt temperatures at which the feed processes well [°C].
    degradation_c
        Onset of thermal decomposition of the feed [°C].
    nominal_throughput_kg_h
        Output while running continuously [kg/h].
    heater_kw
        Installed barrel heater power [kW]; in the baseline, the heat the furnace must
        deliver for the same duty.
    households
        Codes of the households that deliver plastic.
    timezone
        IANA zone of the working day. Schedule hours count elapsed time from local
        midnight, which equals the local clock except on daylight-saving change days
        (Vietnam has none).
    """

    site: str
    line: str
    sensors: tuple[SensorSpec, ...]
    process_window_c: tuple[float, float]
    degradation_c: float
    nominal_throughput_kg_h: float
    heater_kw: float
    households: tuple[str, ...]
    timezone: str = "Asia/Ho_Chi_Minh"

    def __post_init__(self) -> None:
        check_id(self.site, "site")
        check_id(self.line, "line")
        where = f"{self.site}/{self.line}"
        if not self.sensors:
            raise ValueError(f"{where}: a line needs at least one sensor")
        names = [s.sensor for s in self.sensors]
        if len(set(names)) != len(names):
            raise ValueError(f"{where}: sensor names must be unique, got {names}")
        for spec in self.sensors:
            _check_spec(spec, self.site, self.line)
        low, high = self.process_window_c
        if not low < high < self.degradation_c:
            raise ValueError(
                f"{where}: need process window low < high < degradation_c, got "
                f"{self.process_window_c} and {self.degradation_c}"
            )
        if not self.nominal_throughput_kg_h > 0:
            raise ValueError(f"{where}: nominal_throughput_kg_h must be positive")
        if not self.heater_kw >= 0:
            raise ValueError(f"{where}: heater_kw must not be negative")
        needs_households = any(s.kind == "intake" for s in self.sensors)
        if needs_households and not self.households:
            raise ValueError(f"{where}: an intake sensor needs at least one household code")
        for code in self.households:
            if not isinstance(code, str) or not 0 < len(code) <= 64:
                raise ValueError(f"{where}: household code {code!r} must be 1-64 characters")
        if len(set(self.households)) != len(self.households):
            raise ValueError(f"{where}: household codes must be unique")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{where}: unknown timezone {self.timezone!r}") from None


def _check_spec(spec: SensorSpec, site: str, line: str) -> None:
    where = "/".join(spec.key)
    if (spec.site, spec.line) != (site, line):
        raise ValueError(f"{where}: sensor belongs to another line than {site}/{line}")
    if spec.kind not in KINDS:
        raise ValueError(f"{where}: unknown kind {spec.kind!r}; known: {sorted(KINDS)}")
    if spec.unit != KINDS[spec.kind]:
        raise ValueError(f"{where}: unit {spec.unit!r} must be {KINDS[spec.kind]!r}")
    if not spec.interval_s > 0:
        raise ValueError(f"{where}: interval_s must be positive")
    if not spec.valid_min < spec.valid_max:
        raise ValueError(f"{where}: valid_min must be below valid_max")
    if spec.kind == "barrel_temp" and (spec.zone is None or spec.setpoint is None):
        raise ValueError(f"{where}: a barrel_temp sensor needs a zone and a setpoint")
    if spec.kind == "mould_temp" and spec.setpoint is None:
        raise ValueError(f"{where}: a mould_temp sensor needs a setpoint")
    if spec.kind in ("energy", "fuel") and not spec.counter:
        raise ValueError(f"{where}: {spec.kind} sensors are simulated as counters: counter=True")
    if spec.kind == "intake" and not spec.event:
        raise ValueError(f"{where}: intake sensors are weighing events: event=True")
    if spec.kind == "residue" and not (spec.event or spec.counter):
        raise ValueError(f"{where}: a residue sensor needs event=True or counter=True")
    if spec.kind not in ("energy", "fuel", "intake", "residue") and (spec.counter or spec.event):
        raise ValueError(f"{where}: {spec.kind} sensors are sampled, not counters or events")


#: Household codes of :func:`example_line` (eight delivering households: design assumption).
EXAMPLE_HOUSEHOLDS: tuple[str, ...] = tuple(f"hh-{i:03d}" for i in range(1, 9))


def example_line(
    site: str = "minh-khai",
    line: str = "line-1",
    *,
    furnace: bool = False,
    households: tuple[str, ...] = EXAMPLE_HOUSEHOLDS,
) -> LineParams:
    """A plausible household-scale extrusion line for a PE/PP film feed.

    Numbers and their sources: process window 180–240 °C (typical melt temperatures of
    PE film 180–230 °C and PP 200–250 °C, pilot-context §4, [L]); decomposition onset
    328 °C (PP, the lower of PP 328 °C and PE 335 °C, pilot-context §4, Hilado via
    pslc.ws); 100 kg/h (household scale of ≈80–150 kg/h, pilot-context §4); four barrel
    zones rising from feed to die (3–5 zones typical, pilot-context §4) and a 20 kW
    heater, a mould at 50 °C and the valid ranges: design assumptions.

    Parameters
    ----------
    site, line
        Identity.
    furnace
        Also configure ``furnace_temp``, ``fuel`` and ``residue`` (baseline metering).
    households
        Household codes.

    >>> params = example_line(furnace=True)
    >>> [s.sensor for s in params.sensors][:5]
    ['zone1_temp', 'zone2_temp', 'zone3_temp', 'zone4_temp', 'melt_temp']
    >>> len(params.sensors)
    12
    """

    def spec(
        name: str, kind: str, lo: float, hi: float, interval_s: float, **kw: Any
    ) -> SensorSpec:
        return SensorSpec(site, line, name, kind, KINDS[kind], lo, hi, interval_s, **kw)

    sensors = [
        spec(f"zone{z}_temp", "barrel_temp", 0.0, 450.0, 1.0, zone=z, setpoint=sp)
        for z, sp in ((1, 190.0), (2, 200.0), (3, 210.0), (4, 215.0))
    ]
    sensors += [
        spec("melt_temp", "melt_temp", 0.0, 450.0, 1.0),
        spec("mould_temp", "mould_temp", 0.0, 200.0, 5.0, setpoint=50.0),
        spec("throughput", "throughput", 0.0, 1000.0, 10.0),
        spec("energy", "energy", 0.0, 1e9, 60.0, counter=True),
        spec("intake", "intake", 0.0, 1000.0, 3600.0, event=True),
    ]
    if furnace:
        sensors += [
            spec("furnace_temp", "furnace_temp", 0.0, 1200.0, 5.0),
            spec("fuel", "fuel", 0.0, 1e9, 60.0, counter=True),
            spec("residue", "residue", 0.0, 5000.0, 86_400.0, event=True),
        ]
    return LineParams(
        site=site,
        line=line,
        sensors=tuple(sensors),
        process_window_c=(180.0, 240.0),
        degradation_c=328.0,
        nominal_throughput_kg_h=100.0,
        heater_kw=20.0,
        households=households,
    )


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


# Sensor models, chosen from the kind (and flags) of each SensorSpec.
_TEMP_MODELS = ("barrel", "melt", "mould", "furnace")


@dataclass(frozen=True)
class _Channel:
    index: int
    spec: SensorSpec
    model: str
    interval_us: int
    # Temperature channels: target per state [°C], heating and cooling τ [s], hot
    # reference for the disturbance weight [°C], ripple and disturbance gains.
    targets: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    tau_heat_s: float = 1.0
    tau_cool_s: float = 1.0
    hot_c: float = 0.0
    ripple_c: float = 0.0
    ripple_period_s: float = 1.0
    disturbance_gain: float = 0.0
    decimals: int = 1


@dataclass
class _DayPlan:
    """The random, temperature-independent part of one local day."""

    day: date
    day0_us: int
    day1_us: int
    seg_t0: np.ndarray  # segment starts [s after local midnight]
    seg_state: np.ndarray
    seg_rate: np.ndarray  # [kg/h]
    seg_electric_kw: np.ndarray
    seg_fuel_kw: np.ndarray
    cum_electric: np.ndarray  # [kWh] at segment starts, len + 1
    cum_fuel: np.ndarray
    delivery_us: np.ndarray
    delivery_kg: np.ndarray
    delivery_household: np.ndarray
    residue_weigh_us: int
    burn_us: int
    phases: np.ndarray  # ripple phase per channel [rad]
    oscillation_phase: float
    bump_centre_s: np.ndarray
    bump_height_c: np.ndarray

    @property
    def length_s(self) -> float:
        return (self.day1_us - self.day0_us) / _US

    @property
    def seg_t1(self) -> np.ndarray:
        return np.append(self.seg_t0[1:], self.length_s)

    def index(self, rel_s: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.seg_t0, rel_s, side="right") - 1

    def cumulative(self, cum: np.ndarray, power_kw: np.ndarray, rel_s: np.ndarray) -> np.ndarray:
        """Energy [kWh] from local midnight to ``rel_s`` [s], exact for constant power."""
        idx = self.index(rel_s)
        return cum[idx] + power_kw[idx] * (rel_s - self.seg_t0[idx]) / 3600.0

    def overlap_s(self, a_s: float, b_s: float) -> np.ndarray:
        """Seconds of each segment inside ``[a_s, b_s)``."""
        return np.clip(np.minimum(self.seg_t1, b_s) - np.maximum(self.seg_t0, a_s), 0.0, None)


class Simulation:
    """Readings and ground truth of one line in one regime over one period.

    Iterating yields :class:`~sensors.schema.Reading` objects in device-time order
    (ties in configuration order); :attr:`totals` holds the ground truth of what has
    been yielded so far, in whole windows.

    Parameters
    ----------
    params
        The line.
    regime
        ``"baseline"`` or ``"post"``.
    start, end
        Aware datetimes; readings have ``start <= time < end``.
    seed
        Non-negative integer; with the same arguments the readings are identical.
    interval_s
        If given, replaces the ``interval_s`` of every sampled sensor (temperatures,
        throughput) [s], e.g. 10 to thin 1 Hz sensors; counters and events keep their
        own timing.
    regime_params
        Overrides :data:`BASELINE` or :data:`POST`; its ``name`` is ignored.

    Raises
    ------
    ValueError
        For a naive or empty period, a negative seed, an unknown regime or a
        non-positive ``interval_s``.
    """

    def __init__(
        self,
        params: LineParams,
        *,
        regime: Regime,
        start: datetime,
        end: datetime,
        seed: int,
        interval_s: float | None = None,
        regime_params: RegimeParams | None = None,
    ) -> None:
        if regime not in REGIMES:
            raise ValueError(f"regime must be 'baseline' or 'post', got {regime!r}")
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be aware datetimes (e.g. tzinfo=UTC)")
        if not end > start:
            raise ValueError(f"end {end.isoformat()} must be after start {start.isoformat()}")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if interval_s is not None and not interval_s > 0:
            raise ValueError(f"interval_s must be positive, got {interval_s}")
        self.params = params
        self.regime = regime
        self.rp = regime_params if regime_params is not None else REGIMES[regime]
        self.start_us = us_from_datetime(start)
        self.end_us = us_from_datetime(end)
        self.seed = seed
        self.interval_s = interval_s
        self._tz = ZoneInfo(params.timezone)
        self._line_key = zlib.crc32(f"{params.site}/{params.line}".encode())
        self._channels = self._make_channels()
        self._households: tuple[str | None, ...] = (*params.households, None)
        rate_per_s = sum(
            _US / c.interval_us
            for c in self._channels
            if c.model not in ("intake", "residue_event")
        )
        hours = _READINGS_PER_WINDOW / max(rate_per_s, 1e-9) / 3600.0
        self._window_s = 3600.0 * max([h for h in _WINDOW_HOURS if h <= hours] or [1])
        self.totals = self._new_totals()

    # -- configuration -------------------------------------------------------------

    def _make_channels(self) -> list[_Channel]:
        rp, lp = self.rp, self.params
        furnace = rp.heat_source == "furnace"
        amb = rp.ambient_c
        barrel_sp = [
            float(s.setpoint)
            for s in lp.sensors
            if s.kind == "barrel_temp" and s.setpoint is not None
        ]
        # Without barrel zones the melt is aimed at the middle of the process window.
        melt_ref = max(barrel_sp) if barrel_sp else sum(lp.process_window_c) / 2
        bias = rp.temp_bias_c if furnace else 0.0
        gain = 1.0 if furnace else 0.0
        channels = []
        for i, spec in enumerate(lp.sensors):
            sampled = not (spec.counter or spec.event)
            iv = self.interval_s if (self.interval_s is not None and sampled) else spec.interval_s
            common: dict[str, Any] = {
                "index": i,
                "spec": spec,
                "interval_us": max(1, round(iv * _US)),
            }
            if spec.kind == "barrel_temp":
                hot = float(spec.setpoint) + bias  # type: ignore[arg-type]
                ch = _Channel(
                    model="barrel",
                    targets=(amb, hot, hot, hot),
                    tau_heat_s=rp.tau_heat_s,
                    tau_cool_s=rp.tau_cool_s,
                    hot_c=hot,
                    ripple_c=rp.ripple_amplitude_c,
                    ripple_period_s=rp.ripple_period_s,
                    disturbance_gain=gain,
                    **common,
                )
            elif spec.kind == "melt_temp":
                hot = float(melt_ref) + bias
                ch = _Channel(
                    model="melt",
                    targets=(amb, hot, hot + rp.melt_shear_rise_c, hot),
                    tau_heat_s=rp.tau_heat_s,
                    tau_cool_s=rp.tau_cool_s,
                    hot_c=hot,
                    ripple_c=rp.ripple_amplitude_c,
                    ripple_period_s=rp.ripple_period_s,
                    disturbance_gain=gain,
                    **common,
                )
            elif spec.kind == "mould_temp":
                sp = float(spec.setpoint)  # type: ignore[arg-type]
                ch = _Channel(
                    model="mould",
                    targets=(amb, sp, sp, sp),
                    tau_heat_s=rp.tau_mould_s,
                    tau_cool_s=rp.tau_cool_s,
                    hot_c=sp,
                    ripple_c=rp.mould_ripple_c,
                    ripple_period_s=rp.mould_cycle_s,
                    **common,
                )
            elif spec.kind == "furnace_temp":
                # An electric line has no furnace: a sensor left in place reads the air.
                fire = (amb, rp.furnace_firing_c, rp.furnace_firing_c, rp.furnace_idle_c)
                ch = _Channel(
                    model="furnace",
                    targets=fire if furnace else (amb, amb, amb, amb),
                    tau_heat_s=rp.tau_furnace_s,
                    tau_cool_s=rp.tau_cool_s,
                    hot_c=rp.furnace_firing_c,
                    disturbance_gain=rp.furnace_disturbance_scale * gain,
                    **common,
                )
            elif spec.kind == "residue":
                ch = _Channel(
                    model="residue_event" if spec.event else "residue_counter",
                    decimals=1,
                    **common,
                )
            else:
                decimals = {"throughput": 1, "energy": 2, "fuel": 2, "intake": 1}[spec.kind]
                ch = _Channel(model=spec.kind, decimals=decimals, **common)
            channels.append(ch)
        return channels

    def _new_totals(self) -> SimulationTotals:
        names = [s.sensor for s in self.params.sensors]
        return SimulationTotals(
            site=self.params.site,
            line=self.params.line,
            regime=self.regime,
            seed=self.seed,
            start_us=self.start_us,
            through_us=self.start_us,
            readings=dict.fromkeys(names, 0),
            clipped=dict.fromkeys(names, 0),
            intake_kg=dict.fromkeys(self.params.households, 0.0),
        )

    # -- the day plan --------------------------------------------------------------

    def _rng(self, day: date, stream: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self._line_key, day.toordinal(), stream])

    def _local_midnight_us(self, day: date) -> int:
        return us_from_datetime(datetime.combine(day, time(0), tzinfo=self._tz))

    def _plan(self, day: date) -> _DayPlan:
        rp = self.rp
        rng = self._rng(day, 0)
        day0 = self._local_midnight_us(day)
        day1 = self._local_midnight_us(day + timedelta(days=1))
        length = (day1 - day0) / _US
        n_ch = len(self._channels)
        # Draw in a fixed order so each quantity's stream is stable for a seed.
        jit = rng.uniform(-rp.schedule_jitter_s, rp.schedule_jitter_s, size=4)
        phases = rng.uniform(0.0, 2 * math.pi, size=n_ch)
        oscillation_phase = float(rng.uniform(0.0, 2 * math.pi))
        segments: list[tuple[float, int, float]] = [(0.0, OFF, 0.0)]
        deliveries: list[tuple[float, float, int]] = []
        bumps: list[tuple[float, float]] = []
        shift_end = rp.shift_end_h * 3600.0
        if day.weekday() in rp.workdays:
            heat_on = rp.preheat_start_h * 3600.0 + jit[0]
            run_on = rp.shift_start_h * 3600.0 + jit[0]
            lunch_on = rp.lunch_start_h * 3600.0 + jit[1]
            lunch_off = rp.lunch_end_h * 3600.0 + jit[2]
            shift_end = rp.shift_end_h * 3600.0 + jit[3]
            segments.append((heat_on, HEATING, 0.0))
            running: list[tuple[float, float]] = []
            for a, b in ((run_on, lunch_on), (lunch_off, shift_end)):
                pieces = self._with_stoppages(rng, a, b)
                running += [(x, y) for x, y, is_run in pieces if is_run]
                segments += self._running_segments(rng, pieces)
                segments.append((b, IDLE, 0.0))
            segments[-1] = (shift_end, OFF, 0.0)
            t0 = np.array([x[0] for x in segments])
            dt_h = np.diff(np.append(t0, shift_end)) / 3600.0
            day_kg = float(np.dot([x[2] for x in segments], dt_h))
            deliveries = self._deliveries(rng, run_on, shift_end, day_kg)
            bumps = self._overshoots(rng, running)
        seg_t0 = np.array([s[0] for s in segments])
        seg_state = np.array([s[1] for s in segments], dtype=np.int64)
        seg_rate = np.array([s[2] for s in segments])
        electric, fuel = self._power(seg_state, seg_rate)
        seg_t1 = np.append(seg_t0[1:], length)
        dur_h = (seg_t1 - seg_t0) / 3600.0
        d_kg = np.array([d[1] for d in deliveries])
        day_residue = float(d_kg.sum()) * rp.residue_share
        return _DayPlan(
            day=day,
            day0_us=day0,
            day1_us=day1,
            seg_t0=seg_t0,
            seg_state=seg_state,
            seg_rate=seg_rate,
            seg_electric_kw=electric,
            seg_fuel_kw=fuel,
            cum_electric=np.concatenate(([0.0], np.cumsum(electric * dur_h))),
            cum_fuel=np.concatenate(([0.0], np.cumsum(fuel * dur_h))),
            delivery_us=np.array([day0 + round(d[0] * _US) for d in deliveries], dtype=np.int64),
            delivery_kg=d_kg,
            delivery_household=np.array([d[2] for d in deliveries], dtype=np.int64),
            residue_weigh_us=day0 + round((shift_end + 900.0) * _US) if day_residue > 0 else -1,
            burn_us=day0 + round(rp.burn_time_h * 3600.0 * _US),
            phases=phases,
            oscillation_phase=oscillation_phase,
            bump_centre_s=np.array([b[0] for b in bumps]),
            bump_height_c=np.array([b[1] for b in bumps]),
        )

    def _with_stoppages(
        self, rng: np.random.Generator, a: float, b: float
    ) -> list[tuple[float, float, bool]]:
        """Split ``[a, b)`` [s] into running and stopped pieces."""
        rp = self.rp
        n = int(rng.poisson(rp.stoppage_rate_per_h * (b - a) / 3600.0))
        starts = np.sort(rng.uniform(a, b, size=n))
        lengths = np.minimum(rng.exponential(rp.stoppage_mean_s, size=n), rp.stoppage_max_s)
        pieces: list[tuple[float, float, bool]] = []
        t = a
        for s0, ln in zip(starts.tolist(), lengths.tolist(), strict=True):
            s1 = min(s0 + ln, b)
            if s1 <= t:  # swallowed by the previous stoppage
                continue
            if s0 > t:
                pieces.append((t, s0, True))
            pieces.append((max(s0, t), s1, False))
            t = s1
        if t < b:
            pieces.append((t, b, True))
        return pieces

    def _running_segments(
        self, rng: np.random.Generator, pieces: list[tuple[float, float, bool]]
    ) -> list[tuple[float, int, float]]:
        rp, lp = self.rp, self.params
        mean_rate = lp.nominal_throughput_kg_h * rp.throughput_factor
        out: list[tuple[float, int, float]] = []
        for a, b, is_run in pieces:
            if not is_run:
                out.append((a, IDLE, 0.0))
                continue
            if rp.batch_cycle_s is None:
                rate = mean_rate * max(0.0, 1.0 + rp.throughput_segment_sd * rng.standard_normal())
                out.append((a, RUNNING, rate))
                continue
            # A batch first melts (no output), then is discharged; restart after a stop.
            melt_s = rp.batch_cycle_s * (1.0 - rp.batch_discharge_fraction)
            peak = mean_rate / rp.batch_discharge_fraction
            t = a
            while t < b:
                if melt_s > 0:
                    out.append((t, RUNNING, 0.0))
                t_dis = t + melt_s
                if t_dis >= b:
                    break
                rate = peak * max(0.0, 1.0 + rp.throughput_segment_sd * rng.standard_normal())
                out.append((t_dis, RUNNING, rate))
                t = t + rp.batch_cycle_s
        return out

    def _power(self, state: np.ndarray, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Electric and fuel power [kW] per segment."""
        rp, lp = self.rp, self.params
        duty = np.array([0.0, rp.heater_duty_heating, rp.heater_duty_running, rp.heater_duty_idle])
        on = (state == RUNNING) | (state == IDLE)
        heat = lp.heater_kw * duty[state] + rp.melt_heat_kwh_per_kg * rate
        drive = rp.drive_kwh_per_kg * rate + rp.drive_idle_kw * on
        if rp.heat_source == "electric":
            return heat + drive, np.zeros_like(heat)
        return drive, heat / rp.furnace_efficiency

    def _deliveries(
        self, rng: np.random.Generator, a: float, b: float, day_kg: float
    ) -> list[tuple[float, float, int]]:
        """Household deliveries in ``[a, b)`` [s] for a day that processes ``day_kg`` [kg]."""
        rp, lp = self.rp, self.params
        # The day's output grossed up for the residue sorted out of the deliveries, so
        # that intake balances processing in expectation, day by day (a stock of sorted
        # plastic buffers the difference).
        mean_kg = rp.delivery_median_kg * math.exp(rp.delivery_sigma**2 / 2)
        n = int(rng.poisson(day_kg / (1.0 - rp.residue_share) / mean_kg))
        times = np.sort(rng.uniform(a, b, size=n))
        mass = rp.delivery_median_kg * np.exp(rp.delivery_sigma * rng.standard_normal(n))
        mass = np.clip(np.round(mass, 1), rp.delivery_min_kg, rp.delivery_max_kg)
        who = rng.integers(0, max(1, len(lp.households)), size=n)
        return list(zip(times.tolist(), mass.tolist(), who.tolist(), strict=True))

    def _overshoots(
        self, rng: np.random.Generator, running: list[tuple[float, float]]
    ) -> list[tuple[float, float]]:
        """Centres [s] and heights [°C] of the overshoots of the melt."""
        rp, lp = self.rp, self.params
        total = sum(b - a for a, b in running)
        if rp.overshoot_rate_per_h <= 0 or total <= 0:
            return []
        n = int(rng.poisson(rp.overshoot_rate_per_h * total / 3600.0))
        # Place each at a uniform point of the running time (pieces laid end to end).
        u = np.sort(rng.uniform(0.0, total, size=n))
        peaks = lp.degradation_c + rng.uniform(*rp.overshoot_excess_c, size=n)
        hot = max(
            (c.targets[RUNNING] for c in self._channels if c.model in ("barrel", "melt")),
            default=sum(lp.process_window_c) / 2,
        )
        starts = np.cumsum([0.0] + [b - a for a, b in running])
        out = []
        for x, peak in zip(u.tolist(), peaks.tolist(), strict=True):
            k = int(np.searchsorted(starts, x, side="right") - 1)
            out.append((running[k][0] + x - starts[k], max(0.0, peak - hot)))
        return out

    def line_states(self, day: date) -> list[tuple[int, int, str]]:
        """Ground truth of the line state on a local ``day``.

        Returns
        -------
        list of (start_us, end_us, state)
            Consecutive segments [µs since the epoch] covering the local day; baseline
            batches appear as consecutive ``running`` segments.
        """
        plan = self._plan(day)
        t0 = (plan.day0_us + np.round(plan.seg_t0 * _US)).astype(np.int64).tolist()
        t1 = [*t0[1:], plan.day1_us]
        return [
            (a, b, STATE_NAMES[s])
            for a, b, s in zip(t0, t1, plan.seg_state.tolist(), strict=True)
            if b > a
        ]

    # -- temperatures --------------------------------------------------------------

    def _temperature_starts(
        self, plan: _DayPlan, initial: dict[int, float]
    ) -> tuple[dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]], dict[int, float]]:
        """Per temperature channel: target, τ and temperature at each segment start."""
        out = {}
        end = {}
        t1 = plan.seg_t1
        for ch in self._channels:
            if ch.model not in _TEMP_MODELS:
                continue
            temp = initial.get(ch.index, self.rp.ambient_c)
            n = len(plan.seg_t0)
            tgt = np.empty(n)
            tau = np.empty(n)
            start = np.empty(n)
            for k, (a, b, s) in enumerate(
                zip(plan.seg_t0.tolist(), t1.tolist(), plan.seg_state.tolist(), strict=True)
            ):
                target = ch.targets[s]
                # Heating is powered, cooling is passive: different time constants.
                tk = ch.tau_heat_s if target >= temp else ch.tau_cool_s
                tgt[k], tau[k], start[k] = target, tk, temp
                temp = target + (temp - target) * math.exp(-(b - a) / tk)
            out[ch.index] = (tgt, tau, start)
            end[ch.index] = temp
        return out, end

    def _disturbance(self, plan: _DayPlan, rel: np.ndarray) -> np.ndarray:
        """Furnace swing [°C]: stoking oscillation plus overshoots, before weighting."""
        rp = self.rp
        out = rp.oscillation_amplitude_c * np.sin(
            2 * math.pi * rel / rp.oscillation_period_s + plan.oscillation_phase
        )
        half = rp.overshoot_duration_s / 2
        bumps = np.zeros_like(out)
        for c, h in zip(plan.bump_centre_s.tolist(), plan.bump_height_c.tolist(), strict=True):
            lo, hi = np.searchsorted(rel, (c - half, c + half))
            if hi > lo:
                x = rel[lo:hi] - c
                shape = h * 0.5 * (1.0 + np.cos(math.pi * x / half))
                # Overlapping overshoots do not add up: the fire has one peak heat.
                np.maximum(bumps[lo:hi], shape, out=bumps[lo:hi])
        return out + bumps

    # -- one window ----------------------------------------------------------------

    def _window(
        self,
        plan: _DayPlan,
        thermal: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]],
        offsets: dict[str, float],
        a_us: int,
        b_us: int,
        rng: np.random.Generator,
        event_seq: dict[int, int],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Readings of every sensor with ``a_us <= ts < b_us``, unsorted, as arrays."""
        rp = self.rp
        ts_parts, idx_parts, val_parts, seq_parts, hh_parts, clip_parts = [], [], [], [], [], []
        for ch in self._channels:
            spec = ch.spec
            hh: np.ndarray | None = None
            if ch.model == "intake":
                lo, hi = np.searchsorted(plan.delivery_us, (a_us, b_us))
                ts = plan.delivery_us[lo:hi]
                values = plan.delivery_kg[lo:hi]
                hh = plan.delivery_household[lo:hi]
                first = event_seq.get(ch.index, 0)
                seq = np.arange(first, first + len(ts), dtype=np.int64)
                event_seq[ch.index] = first + len(ts)
            elif ch.model == "residue_event":
                w = plan.residue_weigh_us
                hit = a_us <= w < b_us
                ts = np.array([w] if hit else [], dtype=np.int64)
                values = np.array([plan.delivery_kg.sum() * rp.residue_share] if hit else [])
                first = event_seq.get(ch.index, 0)
                seq = np.arange(first, first + len(ts), dtype=np.int64)
                event_seq[ch.index] = first + len(ts)
            else:
                iv = ch.interval_us
                k0 = -((self.start_us - a_us) // iv)  # ceiling division
                k1 = -((self.start_us - b_us) // iv)
                seq = np.arange(k0, k1, dtype=np.int64)
                ts = self.start_us + seq * iv
                rel = (ts - plan.day0_us) / _US
                values = self._sample(ch, plan, thermal, offsets, rel, rng)
            if len(ts) == 0:
                continue
            values = np.round(values, ch.decimals)
            # The valid range is the collector's quarantine limit: a rare noise draw or
            # a long-running counter beyond it is clipped, so every simulated reading is
            # storable; ``totals.clipped`` counts them so a bad spec is visible.
            out = (values < spec.valid_min) | (values > spec.valid_max)
            values = np.clip(values, spec.valid_min, spec.valid_max)
            ts_parts.append(ts)
            idx_parts.append(np.full(len(ts), ch.index, dtype=np.int64))
            val_parts.append(values)
            seq_parts.append(seq)
            hh_parts.append(hh if hh is not None else np.full(len(ts), -1, dtype=np.int64))
            clip_parts.append(out)
        if not ts_parts:
            empty_i = np.empty(0, dtype=np.int64)
            return empty_i, empty_i, np.empty(0), empty_i, empty_i, np.empty(0, dtype=bool)
        return (
            np.concatenate(ts_parts),
            np.concatenate(idx_parts),
            np.concatenate(val_parts),
            np.concatenate(seq_parts),
            np.concatenate(hh_parts),
            np.concatenate(clip_parts),
        )

    def _sample(
        self,
        ch: _Channel,
        plan: _DayPlan,
        thermal: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]],
        offsets: dict[str, float],
        rel: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Values of a sampled or counter channel at ``rel`` [s after local midnight]."""
        rp = self.rp
        if ch.model in _TEMP_MODELS:
            tgt, tau, start = thermal[ch.index]
            idx = plan.index(rel)
            lag = tgt[idx] + (start[idx] - tgt[idx]) * np.exp(-(rel - plan.seg_t0[idx]) / tau[idx])
            span = ch.hot_c - rp.ambient_c
            # Ripple and furnace swing grow with how far the zone has heated up.
            weight = np.clip((lag - rp.ambient_c) / span, 0.0, 1.0) if span > 1.0 else 0.0 * lag
            value = lag + rp.noise_c * rng.standard_normal(len(rel))
            if ch.ripple_c:
                phase = plan.phases[ch.index]
                value += (
                    weight * ch.ripple_c * np.sin(2 * math.pi * rel / ch.ripple_period_s + phase)
                )
            if ch.disturbance_gain:
                value += weight * ch.disturbance_gain * self._disturbance(plan, rel)
            return value
        if ch.model == "throughput":
            rate = plan.seg_rate[plan.index(rel)]
            noise = 1.0 + rp.throughput_noise_sd * rng.standard_normal(len(rel))
            return np.maximum(rate * noise, 0.0)
        if ch.model == "energy":
            e = plan.cumulative(plan.cum_electric, plan.seg_electric_kw, rel)
            f = plan.cumulative(plan.cum_fuel, plan.seg_fuel_kw, rel)
            # Floor, not round, so the counter never steps back.
            return np.floor((offsets["energy"] + e + f) * 100.0) / 100.0
        if ch.model == "fuel":
            f = plan.cumulative(plan.cum_fuel, plan.seg_fuel_kw, rel)
            return np.floor((offsets["fuel"] + f / rp.fuel_lhv_kwh_per_kg) * 100.0) / 100.0
        if ch.model == "residue_counter":
            abs_us = plan.day0_us + np.round(rel * _US).astype(np.int64)
            n = np.searchsorted(plan.delivery_us, abs_us, side="right")
            cum = np.concatenate(([0.0], np.cumsum(plan.delivery_kg))) * rp.residue_share
            return np.floor((offsets["residue"] + cum[n]) * 10.0) / 10.0
        raise AssertionError(f"unhandled sensor model {ch.model}")  # pragma: no cover

    # -- iteration -----------------------------------------------------------------

    def _days(self) -> Iterator[date]:
        first = datetime.fromtimestamp(self.start_us / _US, tz=self._tz).date()
        last = datetime.fromtimestamp((self.end_us - 1) / _US, tz=self._tz).date()
        day = first
        while day <= last:
            yield day
            day += timedelta(days=1)

    def __iter__(self) -> Iterator[Reading]:
        """Yield the readings; restarts from the beginning each time."""
        self.totals = totals = self._new_totals()
        site, line = self.params.site, self.params.line
        names = [c.spec.sensor for c in self._channels]
        units = [c.spec.unit for c in self._channels]
        households = self._households
        rp = self.rp
        temps: dict[int, float] = {}
        event_seq: dict[int, int] = {}
        acc = {"energy": 0.0, "fuel": 0.0, "residue": 0.0}
        for day in self._days():
            plan = self._plan(day)
            if plan.day1_us <= self.start_us or plan.day0_us >= self.end_us:
                continue
            thermal, temps = self._temperature_starts(plan, temps)
            rng = self._rng(day, 1)
            a_day = max(plan.day0_us, self.start_us)
            b_day = min(plan.day1_us, self.end_us)
            rel_a = np.array([(a_day - plan.day0_us) / _US])
            e0 = float(plan.cumulative(plan.cum_electric, plan.seg_electric_kw, rel_a)[0])
            f0 = float(plan.cumulative(plan.cum_fuel, plan.seg_fuel_kw, rel_a)[0])
            r0 = float(plan.delivery_kg[plan.delivery_us < a_day].sum()) * rp.residue_share
            offsets = {
                "energy": acc["energy"] - e0 - f0,
                "fuel": acc["fuel"] - f0 / rp.fuel_lhv_kwh_per_kg,
                "residue": acc["residue"] - r0,
            }
            w_us = round(self._window_s * _US)
            w0 = plan.day0_us + ((a_day - plan.day0_us) // w_us) * w_us
            while w0 < b_day:
                a_us, b_us = max(w0, a_day), min(w0 + w_us, b_day)
                w0 += w_us
                ts, idx, val, seq, hh, clipped = self._window(
                    plan, thermal, offsets, a_us, b_us, rng, event_seq
                )
                order = np.lexsort((idx, ts))
                for lo in range(0, len(order), _YIELD_SLICE):
                    sel = order[lo : lo + _YIELD_SLICE]
                    for t, i, v, s, h in zip(
                        ts[sel].tolist(),
                        idx[sel].tolist(),
                        val[sel].tolist(),
                        seq[sel].tolist(),
                        hh[sel].tolist(),
                        strict=True,
                    ):
                        yield Reading(site, line, names[i], t, v, units[i], s, households[h])
                self._account(totals, plan, a_us, b_us, idx, clipped)
            rel_b = np.array([(b_day - plan.day0_us) / _US])
            e1 = float(plan.cumulative(plan.cum_electric, plan.seg_electric_kw, rel_b)[0])
            f1 = float(plan.cumulative(plan.cum_fuel, plan.seg_fuel_kw, rel_b)[0])
            r1 = float(plan.delivery_kg[plan.delivery_us < b_day].sum()) * rp.residue_share
            acc["energy"] += (e1 + f1) - (e0 + f0)
            acc["fuel"] += (f1 - f0) / rp.fuel_lhv_kwh_per_kg
            acc["residue"] += r1 - r0
        totals.complete = True

    def _account(
        self,
        totals: SimulationTotals,
        plan: _DayPlan,
        a_us: int,
        b_us: int,
        idx: np.ndarray,
        clipped: np.ndarray,
    ) -> None:
        """Add the ground truth of ``[a_us, b_us)`` to ``totals``."""
        rp = self.rp
        a_s, b_s = (a_us - plan.day0_us) / _US, (b_us - plan.day0_us) / _US
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
            code = self.params.households[h]
            totals.intake_kg[code] += kg
            totals.residue_produced_kg += kg * rp.residue_share
        if a_us <= plan.burn_us < b_us:
            day_residue = float(plan.delivery_kg.sum()) * rp.residue_share
            totals.residue_burned_kg += day_residue * rp.open_burn_share
        counts = np.bincount(idx, minlength=len(self._channels))
        n_clipped = np.bincount(idx, weights=clipped.astype(float), minlength=len(self._channels))
        for ch in self._channels:
            totals.readings[ch.spec.sensor] += int(counts[ch.index])
            totals.clipped[ch.spec.sensor] += int(n_clipped[ch.index])
        totals.through_us = b_us


def simulate_line(
    params: LineParams,
    *,
    regime: Regime,
    start: datetime,
    end: datetime,
    seed: int,
    interval_s: float | None = None,
    regime_params: RegimeParams | None = None,
) -> Iterator[Reading]:
    """Readings of ``params`` in ``regime`` over ``[start, end)``, in device-time order.

    A thin wrapper of :class:`Simulation` for callers that need only the readings;
    the arguments are checked at once, the readings are produced lazily.

    >>> from datetime import UTC, datetime, timedelta
    >>> start = datetime(2019, 6, 3, 3, 0, tzinfo=UTC)  # 10:00 local, running
    >>> it = simulate_line(example_line(), regime="post", start=start,
    ...                    end=start + timedelta(hours=1), seed=1)
    >>> r = next(it)
    >>> (r.sensor, r.seq, r.time.isoformat())
    ('zone1_temp', 0, '2019-06-03T03:00:00+00:00')
    """
    sim = Simulation(
        params,
        regime=regime,
        start=start,
        end=end,
        seed=seed,
        interval_s=interval_s,
        regime_params=regime_params,
    )
    return iter(sim)


def simulate_line_totals(
    params: LineParams,
    *,
    regime: Regime,
    start: datetime,
    end: datetime,
    seed: int,
    interval_s: float | None = None,
    regime_params: RegimeParams | None = None,
) -> SimulationTotals:
    """Ground truth of the simulation that :func:`simulate_line` would yield.

    Runs the whole simulation and discards the readings, so it costs as much as
    consuming them; prefer :class:`Simulation` when the readings are needed too.
    """
    sim = Simulation(
        params,
        regime=regime,
        start=start,
        end=end,
        seed=seed,
        interval_s=interval_s,
        regime_params=regime_params,
    )
    for _ in sim:
        pass
    return sim.totals
