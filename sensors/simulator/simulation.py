"""A simulation: one line in one regime over one period, streamed one local day at a time.

For each local day the simulation draws the day plan (:mod:`~sensors.simulator.day_plan`),
carries the temperatures and counters over from the previous day, and evaluates the
sensors in windows of 1–24 h (:mod:`~sensors.simulator.readings`), yielding the readings
in device-time order and adding the ground truth of each window to :attr:`totals`.
Memory stays bounded for simulations of years.

Determinism: the same line, regime, period, ``interval_s`` and seed give the same
readings. The per-day random draws are seeded by (seed, site/line, local date), so a
day's schedule does not depend on where the simulated period starts.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from sensors.errors import SimulationError
from sensors.lines import Line
from sensors.schema import US_PER_S, Reading, us_from_datetime
from sensors.simulator.channels import make_channels
from sensors.simulator.day_plan import DayPlan, make_plan
from sensors.simulator.line_check import check_line
from sensors.simulator.readings import Counters, window
from sensors.simulator.regime import REGIMES, Regime, RegimeParams
from sensors.simulator.thermal import temperature_starts
from sensors.simulator.totals import SimulationTotals, add_window

__all__ = ["Simulation", "simulate_line", "simulate_line_totals"]

# Window lengths [h] that divide a day, so windows never straddle local midnight.
WINDOW_HOURS = (1, 2, 3, 4, 6, 8, 12, 24)
# About this many readings per window keeps numpy efficient and memory small (~10 MB).
READINGS_PER_WINDOW = 60_000
# Readings are turned into Python objects in slices of this size, to bound memory.
YIELD_SLICE = 8192


class Simulation:
    """Readings and ground truth of one line in one regime over one period.

    Iterating yields :class:`~sensors.schema.Reading` objects in device-time order
    (ties in configuration order); :attr:`totals` holds the ground truth of what has
    been yielded so far, in whole windows.

    Parameters
    ----------
    line
        The line (checked by :func:`~sensors.simulator.line_check.check_line`).
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
        Overrides :data:`~sensors.simulator.regime.BASELINE` or
        :data:`~sensors.simulator.regime.POST`; its ``name`` is ignored.

    Raises
    ------
    SimulationError
        For a line the simulator cannot drive, a naive or empty period, a negative
        seed, an unknown regime or a non-positive ``interval_s``.
    """

    def __init__(
        self,
        line: Line,
        *,
        regime: Regime,
        start: datetime,
        end: datetime,
        seed: int,
        interval_s: float | None = None,
        regime_params: RegimeParams | None = None,
    ) -> None:
        if regime not in REGIMES:
            raise SimulationError(f"regime must be 'baseline' or 'post', got {regime!r}")
        if start.tzinfo is None or end.tzinfo is None:
            raise SimulationError("start and end must be aware datetimes (e.g. tzinfo=UTC)")
        if not end > start:
            raise SimulationError(f"end {end.isoformat()} must be after start {start.isoformat()}")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise SimulationError(f"seed must be a non-negative integer, got {seed!r}")
        if interval_s is not None and not interval_s > 0:
            raise SimulationError(f"interval_s must be positive, got {interval_s}")
        check_line(line)
        self.line = line
        self.regime = regime
        self.rp = regime_params if regime_params is not None else REGIMES[regime]
        self.start_us = us_from_datetime(start)
        self.end_us = us_from_datetime(end)
        self.seed = seed
        self.interval_s = interval_s
        self._tz = ZoneInfo(line.timezone)
        self._line_key = zlib.crc32(f"{line.site}/{line.line}".encode())
        self._channels = make_channels(line, self.rp, interval_s)
        self._households: tuple[str | None, ...] = (*line.households, None)
        rate_per_s = sum(
            US_PER_S / c.interval_us
            for c in self._channels
            if c.model not in ("intake", "residue_event")
        )
        hours = READINGS_PER_WINDOW / max(rate_per_s, 1e-9) / 3600.0
        self._window_s = 3600.0 * max([h for h in WINDOW_HOURS if h <= hours] or [1])
        self.totals = self._new_totals()

    def _new_totals(self) -> SimulationTotals:
        names = [s.sensor for s in self.line.sensors]
        return SimulationTotals(
            site=self.line.site,
            line=self.line.line,
            regime=self.regime,
            seed=self.seed,
            start_us=self.start_us,
            through_us=self.start_us,
            readings=dict.fromkeys(names, 0),
            clipped=dict.fromkeys(names, 0),
            intake_kg=dict.fromkeys(self.line.households, 0.0),
        )

    # -- days ------------------------------------------------------------------------

    def _rng(self, day: date, stream: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self._line_key, day.toordinal(), stream])

    def _local_midnight_us(self, day: date) -> int:
        return us_from_datetime(datetime.combine(day, time(0), tzinfo=self._tz))

    def _plan(self, day: date) -> DayPlan:
        return make_plan(
            day,
            rng=self._rng(day, 0),
            rp=self.rp,
            line=self.line,
            channels=self._channels,
            day0_us=self._local_midnight_us(day),
            day1_us=self._local_midnight_us(day + timedelta(days=1)),
        )

    def line_states(self, day: date) -> list[tuple[int, int, str]]:
        """Ground truth of the line state on a local ``day``.

        Returns
        -------
        list of (start_us, end_us, state)
            Consecutive segments [µs since the epoch] covering the local day; baseline
            batches appear as consecutive ``running`` segments.
        """
        return self._plan(day).states()

    def _days(self) -> Iterator[date]:
        first = datetime.fromtimestamp(self.start_us / US_PER_S, tz=self._tz).date()
        last = datetime.fromtimestamp((self.end_us - 1) / US_PER_S, tz=self._tz).date()
        day = first
        while day <= last:
            yield day
            day += timedelta(days=1)

    # -- iteration -------------------------------------------------------------------

    def __iter__(self) -> Iterator[Reading]:
        """Yield the readings; restarts from the beginning each time."""
        self.totals = totals = self._new_totals()
        site, line = self.line.site, self.line.line
        names = [c.spec.sensor for c in self._channels]
        units = [c.spec.unit for c in self._channels]
        households = self._households
        rp = self.rp
        temps: dict[int, float] = {}
        event_seq: dict[int, int] = {}
        acc = Counters()
        for day in self._days():
            plan = self._plan(day)
            if plan.day1_us <= self.start_us or plan.day0_us >= self.end_us:
                continue
            thermal, temps = temperature_starts(plan, self._channels, rp, temps)
            rng = self._rng(day, 1)
            a_day = max(plan.day0_us, self.start_us)
            b_day = min(plan.day1_us, self.end_us)
            e0, f0, r0 = self._counted(plan, a_day)
            offsets = Counters(
                energy_kwh=acc.energy_kwh - e0 - f0,
                fuel_kg=acc.fuel_kg - f0 / rp.fuel_lhv_kwh_per_kg,
                residue_kg=acc.residue_kg - r0,
            )
            w_us = round(self._window_s * US_PER_S)
            w0 = plan.day0_us + ((a_day - plan.day0_us) // w_us) * w_us
            while w0 < b_day:
                a_us, b_us = max(w0, a_day), min(w0 + w_us, b_day)
                w0 += w_us
                ts, idx, val, seq, hh, clipped = window(
                    plan,
                    self._channels,
                    thermal,
                    offsets,
                    a_us,
                    b_us,
                    rng,
                    event_seq,
                    rp=rp,
                    start_us=self.start_us,
                )
                order = np.lexsort((idx, ts))
                for lo in range(0, len(order), YIELD_SLICE):
                    sel = order[lo : lo + YIELD_SLICE]
                    for t, i, v, s, h in zip(
                        ts[sel].tolist(),
                        idx[sel].tolist(),
                        val[sel].tolist(),
                        seq[sel].tolist(),
                        hh[sel].tolist(),
                        strict=True,
                    ):
                        yield Reading(site, line, names[i], t, v, units[i], s, households[h])
                add_window(
                    totals,
                    plan,
                    a_us,
                    b_us,
                    idx,
                    clipped,
                    rp=rp,
                    households=self.line.households,
                    sensors=names,
                )
            e1, f1, r1 = self._counted(plan, b_day)
            acc.energy_kwh += (e1 + f1) - (e0 + f0)
            acc.fuel_kg += (f1 - f0) / rp.fuel_lhv_kwh_per_kg
            acc.residue_kg += r1 - r0
        totals.complete = True

    def _counted(self, plan: DayPlan, at_us: int) -> tuple[float, float, float]:
        """Electric [kWh], fuel [kWh] and residue [kg] from local midnight to ``at_us``."""
        rel = np.array([(at_us - plan.day0_us) / US_PER_S])
        electric = float(plan.cumulative(plan.cum_electric, plan.seg_electric_kw, rel)[0])
        fuel = float(plan.cumulative(plan.cum_fuel, plan.seg_fuel_kw, rel)[0])
        residue = float(plan.delivery_kg[plan.delivery_us < at_us].sum()) * self.rp.residue_share
        return electric, fuel, residue


def simulate_line(
    line: Line,
    *,
    regime: Regime,
    start: datetime,
    end: datetime,
    seed: int,
    interval_s: float | None = None,
    regime_params: RegimeParams | None = None,
) -> Iterator[Reading]:
    """Readings of ``line`` in ``regime`` over ``[start, end)``, in device-time order.

    A thin wrapper of :class:`Simulation` for callers that need only the readings;
    the arguments are checked at once, the readings are produced lazily.

    >>> from datetime import UTC, datetime, timedelta
    >>> from sensors.simulator.example import example_line
    >>> start = datetime(2019, 6, 3, 3, 0, tzinfo=UTC)  # 10:00 local, running
    >>> it = simulate_line(example_line(), regime="post", start=start,
    ...                    end=start + timedelta(hours=1), seed=1)
    >>> r = next(it)
    >>> (r.sensor, r.seq, r.time.isoformat())
    ('zone1_temp', 0, '2019-06-03T03:00:00+00:00')
    """
    sim = Simulation(
        line,
        regime=regime,
        start=start,
        end=end,
        seed=seed,
        interval_s=interval_s,
        regime_params=regime_params,
    )
    return iter(sim)


def simulate_line_totals(
    line: Line,
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
        line,
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
