"""The two operating regimes of a simulated line, every number with its unit and source.

``post`` is the BAT/BEP pilot line (electric heating, continuous extrusion, residue
delivered to the pilot line that makes products from it); ``baseline`` is the village
practice (batch melting over a small coal- or waste-fired furnace, residue mostly burned
in the open). The project's public pages give no technology, capacity, temperatures or
energy source of the pilot lines [VNCPC]; every value below that names no source is a
**design assumption**, chosen to be physically plausible and to match the orders of
magnitude of the sources that follow.

References
----------
[VNCPC] VNCPC, project page "Demonstration of BAT and BEP in open burning activities"
    (plastic recycling in Minh Khai and Phan Bôi, 2018-2020): two new lines, and a pilot
    line that makes "bricks/tiles (gạch ngói), fences (hàng rào)" from waste plastic,
    https://vncpc.org/en/project/establishing-a-sustainable-pangasius-supply-chain-in-vietnam-supa-2-2-2-2-3/
[VietnamPlus] VietnamPlus, photo story on the pollution of the Hưng Yên plastic-recycling
    village (republished by Báo Mới, undated): "most of the plastic-melting furnaces are
    small and rudimentary",
    https://baomoi.net.vn/can-canh-tinh-trang-o-nhiem-moi-truong-tu-lang-tai-che-nhua-o-hung-yen-c50791234.epi
[BaoMoi] Báo Mới, "Ô nhiễm làng nghề – 'căn bệnh nan y' ở Phan Bôi" (undated): the
    non-recyclable part is collected and, in a truncated sentence, most likely burned,
    https://m.baomoi.com/o-nhiem-lang-nghe-can-benh-nan-y-o-phan-boi/c/28490310.epi
[BaoTinTuc] Báo Tin Tức, "Ảnh 360" photo story on the plastic-recycling village on the
    Hà Nội–Hưng Yên border (2024): 600-650 t/day of plastic waste input (Hưng Yên DONRE
    statistics) and about 70 t/day of residual solid waste in Minh Khai,
    https://baotintuc.vn/anh-360/anh-360-do-o-nhiem-tu-lang-tai-che-nhua-giap-ranh-giua-ha-noi-va-hung-yen-20241120091229566.htm
[SOLEN] SOLEN, "Initiative to renew plastic recycling craft village: Minh Khai craft
    village, Hưng Yên, Vietnam" (citing Hưng Yên DONRE): 60-65 t/day of residual solid
    waste, https://solenvn.com/en/initiative-to-renew-plastic-recycling-craft-village-minh-khai-craft-village-hung-yen-vietnam
[VTV] VTV, "Ô nhiễm môi trường tại làng nghề tái chế nhựa Hưng Yên" (2017): one household
    turns about 2 t/day into pellets,
    https://vtv.vn/trong-nuoc/o-nhiem-moi-truong-tai-lang-nghe-tai-che-nhua-hung-yen-20171006110156764.htm
[VnExpress] VnExpress International, "Near Hanoi, a village welcomes trash" (2019): plastic
    "melted in 400 °C heat", a journalistic figure above the decomposition onset of PE
    and PP, https://e.vnexpress.net/news/business/companies/near-hanoi-a-village-welcomes-trash-3963717.html
[Hilado] C. J. Hilado, Flammability Handbook for Plastics, decomposition ranges PE
    335-450 °C and PP 328-410 °C, as tabulated by the Polymer Science Learning Center,
    "Thermal properties", http://pslc.ws/fire/howwhy/thermalp.htm
[PlasticsTech] Plastics Technology, "Extrusion: The importance of zone 1 barrel
    temperature" (blog): most of the melting energy comes from frictional drag,
    http://plasticstechnology.com/blog/post/extrusion-the-importance-of-zone-1-barrel-temperature
[TRANSFORM-CE] Interreg North-West Europe, TRANSFORM-CE project, news "Intrusion
    Extrusion Moulding" (Green Plastic Factory, Almere): filling a mould takes about
    5 min, cooling about 30 min,
    https://vb.nweurope.eu/projects/project-search/transform-ce-transforming-single-use-plastic-waste-into-additive-manufacturing-and-intrusion-extrusion-moulding-feedstocks-and-creating-a-new-circular-economy-model-for-nwe/news/intrusion-extrusion-moulding/
[Dowell] Dowell Machinery, "What factors affect the energy consumption of a plastic
    pelleting" (vendor article): pelletizing typically takes 0.15-0.55 kWh/kg,
    https://www.dowell-machinery.net/news/industry-news/what-factors-affect-the-energy-consumption-of-a-plastic-pelleting.html

>>> POST.heat_source, BASELINE.heat_source, BASELINE.open_burn_share
('electric', 'furnace', 0.8)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

from sensors.errors import SimulationError

__all__ = ["BASELINE", "POST", "REGIMES", "Regime", "RegimeParams"]

#: Name of a regime: village practice or the BAT/BEP pilot line.
Regime = Literal["baseline", "post"]


@dataclass(frozen=True)
class RegimeParams:
    """Every parameter of one operating regime, with its unit and source.

    Values marked "design assumption" are not from a source: the project's public
    pages give no technology, temperatures or energy of the pilot lines [VNCPC]. They
    are chosen to be physically plausible and to match the orders of magnitude that
    the sources in the module's references do give.

    Parameters
    ----------
    name
        ``"baseline"`` or ``"post"``.
    heat_source
        ``"electric"`` (barrel heater bands) or ``"furnace"`` (coal/waste fire).
        Baseline furnace: [VietnamPlus] ("plastic-melting furnaces are small and
        rudimentary"); post electric: design assumption.
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
        River delta).
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
        heating [°C]. Design assumption, after [PlasticsTech] (most melting energy
        comes from frictional drag).
    temp_bias_c
        Mean offset of an uncontrolled zone above its nominal setpoint [°C]. Design
        assumption (furnaces are stoked "hot enough").
    ripple_amplitude_c, ripple_period_s
        Amplitude [°C] and period [s] of the heater controller's limit cycle. Design
        assumption, giving ±2–3 °C with the noise.
    mould_ripple_c, mould_cycle_s
        Amplitude [°C] and period [s] of the mould temperature swing per moulding
        cycle. Period from [TRANSFORM-CE] (intrusion moulding: filling a mould takes
        about 5 min); amplitude a design assumption.
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
        Peak of an overshoot above ``Line.degradation_c``, uniform in this range
        [°C]. Design assumption; [VnExpress] reports melting "in 400 °C heat" (a
        journalistic figure, not used) and [Hilado] gives decomposition onsets of
        328 °C (PP) and 335 °C (PE).
    furnace_firing_c, furnace_idle_c
        Furnace chamber temperature while firing and while banked [°C]. Design
        assumption (small coal stove).
    furnace_disturbance_scale
        Swing of the furnace chamber relative to the melt's swing [-]. Design
        assumption.
    throughput_factor
        Mean output while running relative to ``Line.nominal_throughput_kg_h``
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
        Mean heater power as a share of ``Line.heater_kw`` in each state [-]:
        full power while heating up, then the holding duty (the rest of the melting
        heat comes from the drive). Design assumption.
    drive_kwh_per_kg
        Specific drive (motor) energy [kWh/kg]. Post: design assumption inside the
        0.15–0.55 kWh/kg pelletizing band of [Dowell]; baseline: a small strand
        cutter only.
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
        Non-recyclable share of the delivered plastic [-]: 0.10, derived from
        60–70 t/day of residue ([SOLEN], [BaoTinTuc]) against 600–650 t/day of input
        in Minh Khai ([BaoTinTuc]).
    open_burn_share
        Share of the residue burned in the open [-]. Baseline 0.8 ("most"): design
        assumption after [BaoMoi], whose sentence on burning is truncated; post 0.0,
        because the residue is delivered to the pilot line that makes bricks/tiles
        [VNCPC].
    burn_time_h
        Local time at which the day's residue is burned [h]. Design assumption.
    delivery_median_kg, delivery_sigma
        Median [kg] and log standard deviation [-] of a household delivery (lognormal).
        Design assumption: tens to a few hundred kg, against about 2 t/day per
        household processed [VTV].
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
            raise SimulationError(
                f"{self.name}: preheat < shift start < lunch start < lunch end < shift end "
                f"must hold with gaps of more than twice the jitter ({gap_h:g} h)"
            )
        if self.preheat_start_h - self.schedule_jitter_s / 3600.0 < 0.0:
            raise SimulationError(f"{self.name}: the working day must start after local midnight")
        if not self.shift_end_h + self.schedule_jitter_s / 3600.0 + 0.25 < self.burn_time_h < 24:
            raise SimulationError(
                f"{self.name}: burn_time_h must lie after the shift, before midnight"
            )
        if self.heat_source not in ("electric", "furnace"):
            raise SimulationError(f"{self.name}: heat_source must be 'electric' or 'furnace'")
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
                raise SimulationError(f"{self.name}: {name} must be positive, got {value}")
        shares = {
            "residue_share": self.residue_share,
            "open_burn_share": self.open_burn_share,
            "furnace_efficiency": self.furnace_efficiency,
        }
        for name, value in shares.items():
            if not 0.0 <= value <= 1.0:
                raise SimulationError(f"{self.name}: {name} must lie in [0, 1], got {value}")
        if self.residue_share >= 1.0:
            raise SimulationError(f"{self.name}: residue_share must be below 1")
        if not 0.0 < self.batch_discharge_fraction <= 1.0:
            raise SimulationError(f"{self.name}: batch_discharge_fraction must lie in (0, 1]")
        if self.batch_cycle_s is not None and not self.batch_cycle_s > 0:
            raise SimulationError(f"{self.name}: batch_cycle_s must be positive or None")
        if not 0 < self.delivery_min_kg <= self.delivery_max_kg:
            raise SimulationError(f"{self.name}: need 0 < delivery_min_kg <= delivery_max_kg")
        if not all(0 <= d <= 6 for d in self.workdays):
            raise SimulationError(f"{self.name}: workdays are weekday numbers 0 (Monday) to 6")


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
