"""Sensor channels: how each configured sensor of a line is simulated.

Every :class:`~sensors.catalog.SensorSpec` becomes a :class:`Channel` whose ``model``
is chosen from its kind and flags: the temperatures (``barrel``, ``melt``, ``mould``,
``furnace``) follow a first-order lag toward a target per line state
(:mod:`sensors.simulator.thermal`); ``throughput`` is sampled; ``energy`` and ``fuel``
are counters; ``intake`` and ``residue_event`` are weighing events; ``residue_counter``
counts the residue sorted out so far.

>>> from sensors.simulator.example import example_line
>>> from sensors.simulator.regime import BASELINE
>>> channels = make_channels(example_line(furnace=True), BASELINE, interval_s=10.0)
>>> [c.model for c in channels][-4:], channels[0].targets
(['intake', 'furnace', 'fuel', 'residue_event'], (28.0, 200.0, 200.0, 200.0))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sensors.catalog import SensorSpec
from sensors.lines import Line
from sensors.schema import US_PER_S
from sensors.simulator.regime import RegimeParams

__all__ = ["TEMP_MODELS", "Channel", "make_channels"]

#: Models of the temperature channels.
TEMP_MODELS: tuple[str, ...] = ("barrel", "melt", "mould", "furnace")


@dataclass(frozen=True)
class Channel:
    """One simulated sensor.

    Parameters
    ----------
    index
        Position of the sensor in the line's configuration.
    spec
        The sensor.
    model
        How it is simulated (see the module docstring).
    interval_us
        Sampling interval [µs]; counters and events keep their own.
    targets
        Temperature channels: target per line state (off, heating, running, idle) [°C].
    tau_heat_s, tau_cool_s
        Time constants of heating and of passive cooling [s].
    hot_c
        Reference temperature at which ripple and furnace swing reach full weight [°C].
    ripple_c, ripple_period_s
        Controller (or mould cycle) ripple: amplitude [°C] and period [s].
    disturbance_gain
        Weight of the furnace swing (stoking and overshoots) [-].
    decimals
        Decimals the readings are rounded to.
    """

    index: int
    spec: SensorSpec
    model: str
    interval_us: int
    targets: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    tau_heat_s: float = 1.0
    tau_cool_s: float = 1.0
    hot_c: float = 0.0
    ripple_c: float = 0.0
    ripple_period_s: float = 1.0
    disturbance_gain: float = 0.0
    decimals: int = 1


def make_channels(line: Line, rp: RegimeParams, interval_s: float | None) -> list[Channel]:
    """The channels of ``line`` in regime ``rp``, in configuration order.

    ``interval_s`` [s], if given, replaces the interval of every sampled sensor.
    """
    furnace = rp.heat_source == "furnace"
    amb = rp.ambient_c
    barrel_sp = [
        float(s.setpoint)
        for s in line.sensors
        if s.kind == "barrel_temp" and s.setpoint is not None
    ]
    # Without barrel zones the melt is aimed at the middle of the process window.
    melt_ref = max(barrel_sp) if barrel_sp else sum(line.process_window_c) / 2
    bias = rp.temp_bias_c if furnace else 0.0
    gain = 1.0 if furnace else 0.0
    # Barrel zones and the melt: heated by the line's heaters, with the heaters' ripple.
    heated: dict[str, Any] = {
        "tau_heat_s": rp.tau_heat_s,
        "tau_cool_s": rp.tau_cool_s,
        "ripple_c": rp.ripple_amplitude_c,
        "ripple_period_s": rp.ripple_period_s,
        "disturbance_gain": gain,
    }
    channels = []
    for i, spec in enumerate(line.sensors):
        sampled = not (spec.counter or spec.event)
        iv = interval_s if (interval_s is not None and sampled) else spec.interval_s
        common: dict[str, Any] = {
            "index": i,
            "spec": spec,
            "interval_us": max(1, round(iv * US_PER_S)),
        }
        if spec.kind == "barrel_temp":
            hot = float(spec.setpoint) + bias  # type: ignore[arg-type]
            ch = Channel(
                model="barrel", targets=(amb, hot, hot, hot), hot_c=hot, **heated, **common
            )
        elif spec.kind == "melt_temp":
            hot = float(melt_ref) + bias
            targets = (amb, hot, hot + rp.melt_shear_rise_c, hot)
            ch = Channel(model="melt", targets=targets, hot_c=hot, **heated, **common)
        elif spec.kind == "mould_temp":
            sp = float(spec.setpoint)  # type: ignore[arg-type]
            ch = Channel(
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
            ch = Channel(
                model="furnace",
                targets=fire if furnace else (amb, amb, amb, amb),
                tau_heat_s=rp.tau_furnace_s,
                tau_cool_s=rp.tau_cool_s,
                hot_c=rp.furnace_firing_c,
                disturbance_gain=rp.furnace_disturbance_scale * gain,
                **common,
            )
        elif spec.kind == "residue":
            ch = Channel(
                model="residue_event" if spec.event else "residue_counter",
                decimals=1,
                **common,
            )
        else:
            decimals = {"throughput": 1, "energy": 2, "fuel": 2, "intake": 1}[spec.kind]
            ch = Channel(model=spec.kind, decimals=decimals, **common)
        channels.append(ch)
    return channels
