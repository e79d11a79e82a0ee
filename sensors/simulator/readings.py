"""Assembly of one window of readings: every sensor's samples, counters and events.

A window is a stretch of one local day (1–24 h, chosen so a window holds about 60 000
readings). Each channel is evaluated there with vectorised numpy: sampled sensors on
their grid from the simulation's start, counters integrated exactly from the day plan,
events where the plan put them. Values are rounded to the channel's decimals and
clipped to the sensor's valid range, the collector's quarantine limit, so every
simulated reading is storable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.schema import US_PER_S
from sensors.simulator.channels import TEMP_MODELS, Channel
from sensors.simulator.day_plan import DayPlan
from sensors.simulator.regime import RegimeParams
from sensors.simulator.thermal import Starts, temperature

__all__ = ["Counters", "WindowArrays", "sample", "window"]

#: Timestamps [µs], channel indices, values, sequence numbers, household indices (-1:
#: none) and whether each value was clipped, of the readings of one window, unsorted.
WindowArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass
class Counters:
    """Offsets that continue the counters across days: counter value at local midnight.

    Parameters
    ----------
    energy_kwh, fuel_kg, residue_kg
        Counter value minus what the day plan integrates from local midnight [kWh],
        [kg], [kg].
    """

    energy_kwh: float = 0.0
    fuel_kg: float = 0.0
    residue_kg: float = 0.0


def window(
    plan: DayPlan,
    channels: list[Channel],
    starts: Starts,
    offsets: Counters,
    a_us: int,
    b_us: int,
    rng: np.random.Generator,
    event_seq: dict[int, int],
    *,
    rp: RegimeParams,
    start_us: int,
) -> WindowArrays:
    """Readings of every channel with ``a_us <= ts < b_us``, unsorted, as arrays.

    ``event_seq`` holds the next sequence number of each event channel and is advanced;
    sampled channels number their readings on their grid from ``start_us`` [µs].
    """
    ts_parts, idx_parts, val_parts, seq_parts, hh_parts, clip_parts = [], [], [], [], [], []
    for ch in channels:
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
            k0 = -((start_us - a_us) // iv)  # ceiling division
            k1 = -((start_us - b_us) // iv)
            seq = np.arange(k0, k1, dtype=np.int64)
            ts = start_us + seq * iv
            rel = (ts - plan.day0_us) / US_PER_S
            values = sample(ch, plan, starts, offsets, rel, rng, rp)
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


def sample(
    ch: Channel,
    plan: DayPlan,
    starts: Starts,
    offsets: Counters,
    rel: np.ndarray,
    rng: np.random.Generator,
    rp: RegimeParams,
) -> np.ndarray:
    """Values of a sampled or counter channel at ``rel`` [s after local midnight]."""
    if ch.model in TEMP_MODELS:
        return temperature(ch, plan, starts, rp, rel, rng)
    if ch.model == "throughput":
        rate = plan.seg_rate[plan.index(rel)]
        noise = 1.0 + rp.throughput_noise_sd * rng.standard_normal(len(rel))
        return np.maximum(rate * noise, 0.0)
    if ch.model == "energy":
        e = plan.cumulative(plan.cum_electric, plan.seg_electric_kw, rel)
        f = plan.cumulative(plan.cum_fuel, plan.seg_fuel_kw, rel)
        # Floor, not round, so the counter never steps back.
        return np.floor((offsets.energy_kwh + e + f) * 100.0) / 100.0
    if ch.model == "fuel":
        f = plan.cumulative(plan.cum_fuel, plan.seg_fuel_kw, rel)
        return np.floor((offsets.fuel_kg + f / rp.fuel_lhv_kwh_per_kg) * 100.0) / 100.0
    if ch.model == "residue_counter":
        abs_us = plan.day0_us + np.round(rel * US_PER_S).astype(np.int64)
        n = np.searchsorted(plan.delivery_us, abs_us, side="right")
        cum = np.concatenate(([0.0], np.cumsum(plan.delivery_kg))) * rp.residue_share
        return np.floor((offsets.residue_kg + cum[n]) * 10.0) / 10.0
    raise AssertionError(f"unhandled sensor model {ch.model}")  # pragma: no cover
