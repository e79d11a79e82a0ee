r"""Temperatures of the barrel zones, melt, mould and furnace: a first-order lag per zone.

Each temperature follows :math:`\mathrm{d}T/\mathrm{d}t = (T_\mathrm{target} - T)/\tau`,
solved exactly per piecewise-constant segment of the day:
:math:`T(t) = T_\mathrm{target} + (T_0 - T_\mathrm{target}) e^{-(t - t_0)/\tau}`. The
target is the setpoint while the line is heated and the ambient air when it is off; τ
differs for heating and for passive cooling. Controller ripple (post) or the stoking
oscillation and overshoots of the fire (baseline) are added in proportion to how far
the zone has heated up, plus white sensor noise.

>>> import numpy as np
>>> lag(np.array([200.0]), np.array([600.0]), np.array([28.0]), np.array([600.0])).round(1)
array([136.7])
"""

from __future__ import annotations

import math

import numpy as np

from sensors.simulator.channels import TEMP_MODELS, Channel
from sensors.simulator.day_plan import DayPlan
from sensors.simulator.regime import RegimeParams

__all__ = ["Starts", "disturbance", "lag", "temperature", "temperature_starts"]

#: Per temperature channel: target [°C], τ [s] and temperature [°C] at each segment start.
Starts = dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]


def lag(
    target_c: np.ndarray, tau_s: np.ndarray, start_c: np.ndarray, dt_s: np.ndarray
) -> np.ndarray:
    """Temperature [°C] ``dt_s`` [s] after ``start_c`` [°C], lagging toward ``target_c``."""
    return target_c + (start_c - target_c) * np.exp(-dt_s / tau_s)


def temperature_starts(
    plan: DayPlan, channels: list[Channel], rp: RegimeParams, initial: dict[int, float]
) -> tuple[Starts, dict[int, float]]:
    """Segment-start values of every temperature channel, and each one's end-of-day value.

    ``initial`` holds the previous day's end temperatures by channel index (ambient
    when missing).
    """
    out = {}
    end = {}
    t1 = plan.seg_t1
    for ch in channels:
        if ch.model not in TEMP_MODELS:
            continue
        temp = initial.get(ch.index, rp.ambient_c)
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


def disturbance(plan: DayPlan, rp: RegimeParams, rel: np.ndarray) -> np.ndarray:
    """Furnace swing [°C] at ``rel`` [s after local midnight]: stoking plus overshoots.

    Not yet weighted by how far a zone has heated up.
    """
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


def temperature(
    ch: Channel,
    plan: DayPlan,
    starts: Starts,
    rp: RegimeParams,
    rel: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Readings [°C] of temperature channel ``ch`` at ``rel`` [s after local midnight]."""
    tgt, tau, start = starts[ch.index]
    idx = plan.index(rel)
    value_lag = lag(tgt[idx], tau[idx], start[idx], rel - plan.seg_t0[idx])
    span = ch.hot_c - rp.ambient_c
    # Ripple and furnace swing grow with how far the zone has heated up.
    weight = np.clip((value_lag - rp.ambient_c) / span, 0.0, 1.0) if span > 1.0 else 0.0 * value_lag
    value = value_lag + rp.noise_c * rng.standard_normal(len(rel))
    if ch.ripple_c:
        phase = plan.phases[ch.index]
        value += weight * ch.ripple_c * np.sin(2 * math.pi * rel / ch.ripple_period_s + phase)
    if ch.disturbance_gain:
        value += weight * ch.disturbance_gain * disturbance(plan, rp, rel)
    return value
