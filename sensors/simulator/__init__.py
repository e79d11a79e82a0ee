"""Deterministic, physically plausible simulators of a pilot line, in two regimes.

A simulated line is a :class:`~sensors.lines.Line`: a set of sensors on one
melt-processing line of a household workshop in Minh Khai or Phan Bôi. The simulator
produces the readings those sensors would send, in device-time order, together with
the ground truth (mass processed, intake per household, residue produced and burned,
running hours, energy) that the emission model must later recover from the readings.

Regimes (:mod:`~sensors.simulator.regime`, every number with its unit and source)
-------------------------------------------------------------------------------
``post``
    The BAT/BEP pilot line: electrically heated barrel zones with PID-like control.
    Zones hold their setpoints within ±2–3 °C and rarely leave the process window;
    throughput is continuous; the sorting residue is delivered to the pilot line that
    makes bricks, tiles and fences (VNCPC project page, 2018–2020,
    https://vncpc.org/en/project/establishing-a-sustainable-pangasius-supply-chain-in-vietnam-supa-2-2-2-2-3/)
    instead of being burned.
``baseline``
    The practice found in the villages: batch melting over a small coal- or
    waste-fired furnace ("most of the plastic-melting furnaces are small and
    rudimentary": VietnamPlus photo story republished by Báo Mới,
    https://baomoi.net.vn/can-canh-tinh-trang-o-nhiem-moi-truong-tu-lang-tai-che-nhua-o-hung-yen-c50791234.epi).
    Temperature is poorly controlled: it oscillates slowly with the stoking of the fire
    and overshoots into the polymer decomposition range for a few per cent of the
    running time; output comes in batches; most of the residue is burned in the open
    (design assumption: the one report of burning, Báo Mới, "Ô nhiễm làng nghề – 'căn
    bệnh nan y' ở Phan Bôi", https://m.baomoi.com/o-nhiem-lang-nghe-can-benh-nan-y-o-phan-boi/c/28490310.epi,
    is truncated at that word).

Modules, from a day to a reading
--------------------------------
:mod:`~sensors.simulator.schedule`
    Line states and stoppages (working hours: design assumption).
:mod:`~sensors.simulator.events`
    Household deliveries (intake [kg], lognormal) and overshoots of the fire.
:mod:`~sensors.simulator.energy`
    Electric and fuel power per state; the energy [kWh] and fuel [kg] counters
    integrate it exactly.
:mod:`~sensors.simulator.day_plan`
    One local day's random plan, drawn in a fixed order from the day's own seed.
:mod:`~sensors.simulator.thermal`
    First-order lag of each temperature toward its target, ripple, furnace swing.
:mod:`~sensors.simulator.channels`, :mod:`~sensors.simulator.readings`
    How each sensor is simulated, and the vectorised readings of a window.
:mod:`~sensors.simulator.simulation`, :mod:`~sensors.simulator.totals`
    The streaming simulation and its ground truth.
:mod:`~sensors.simulator.line_check`, :mod:`~sensors.simulator.example`
    What the simulator asks of a line, and an example line.

Residue: a share of each delivery (10 %, derived from the residue and input tonnages of
Minh Khai, see :class:`~sensors.simulator.regime.RegimeParams`) is non-recyclable; in
the baseline most of it is burned in the open in the evening, in the post regime none.

>>> from datetime import UTC, datetime, timedelta
>>> start = datetime(2019, 6, 3, 1, 0, tzinfo=UTC)  # Monday 08:00 in Hưng Yên
>>> sim = Simulation(example_line(), regime="post", start=start,
...                  end=start + timedelta(seconds=10), seed=7)
>>> readings = list(sim)
>>> len(readings), sim.totals.readings["zone1_temp"], sim.totals.complete
(54, 10, True)
>>> all(175.0 < r.value < 230.0 for r in readings if r.sensor.startswith("zone"))
True
"""

from sensors.errors import SimulationError
from sensors.simulator.example import EXAMPLE_HOUSEHOLDS, example_line
from sensors.simulator.line_check import check_line
from sensors.simulator.regime import BASELINE, POST, REGIMES, Regime, RegimeParams
from sensors.simulator.schedule import STATE_NAMES
from sensors.simulator.simulation import Simulation, simulate_line, simulate_line_totals
from sensors.simulator.totals import SimulationTotals

__all__ = [
    "BASELINE",
    "EXAMPLE_HOUSEHOLDS",
    "POST",
    "REGIMES",
    "STATE_NAMES",
    "Regime",
    "RegimeParams",
    "Simulation",
    "SimulationError",
    "SimulationTotals",
    "check_line",
    "example_line",
    "simulate_line",
    "simulate_line_totals",
]
