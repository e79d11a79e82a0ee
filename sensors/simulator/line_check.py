"""What the simulator needs of a line: checks that say which sensor or value is wrong.

:class:`~sensors.lines.Line` is a plain record shared by every layer; the simulator
asks more of it (a zone and setpoint on every barrel sensor, counters for energy and
fuel, households for intake), so it checks a line before it drives it.

>>> from sensors.simulator.example import example_line
>>> check_line(example_line())
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sensors.catalog import KINDS, SensorSpec
from sensors.errors import SimulationError
from sensors.lines import Line
from sensors.topics import check_id

__all__ = ["check_line", "check_spec"]


def check_line(line: Line) -> None:
    """Check that the simulator can drive ``line``.

    Sensor kinds it simulates: ``barrel_temp`` (with ``zone`` and ``setpoint``),
    ``melt_temp``, ``mould_temp`` (with ``setpoint``), ``throughput`` [kg/h],
    ``energy`` [kWh] (``counter=True``), ``intake`` [kg] (``event=True``, household code
    on each reading) and optionally ``furnace_temp`` [°C], ``fuel`` [kg]
    (``counter=True``) and ``residue`` [kg] (``event=True``: one weighing of the day's
    residue after the shift; or ``counter=True``: cumulative residue). Schedule hours
    count elapsed time from local midnight in ``line.timezone``, which equals the local
    clock except on daylight-saving change days (Vietnam has none).

    Raises
    ------
    SimulationError
        Naming the line (and sensor) and what to change.
    """
    check_id(line.site, "site")
    check_id(line.line, "line")
    where = f"{line.site}/{line.line}"
    if not line.sensors:
        raise SimulationError(f"{where}: a line needs at least one sensor")
    names = [s.sensor for s in line.sensors]
    if len(set(names)) != len(names):
        raise SimulationError(f"{where}: sensor names must be unique, got {names}")
    for spec in line.sensors:
        check_spec(spec, line.site, line.line)
    low, high = line.process_window_c
    if not low < high < line.degradation_c:
        raise SimulationError(
            f"{where}: need process window low < high < degradation_c, got "
            f"{line.process_window_c} and {line.degradation_c}"
        )
    if not line.nominal_throughput_kg_h > 0:
        raise SimulationError(f"{where}: nominal_throughput_kg_h must be positive")
    if not line.heater_kw >= 0:
        raise SimulationError(f"{where}: heater_kw must not be negative")
    needs_households = any(s.kind == "intake" for s in line.sensors)
    if needs_households and not line.households:
        raise SimulationError(f"{where}: an intake sensor needs at least one household code")
    for code in line.households:
        if not isinstance(code, str) or not 0 < len(code) <= 64:
            raise SimulationError(f"{where}: household code {code!r} must be 1-64 characters")
    if len(set(line.households)) != len(line.households):
        raise SimulationError(f"{where}: household codes must be unique")
    try:
        ZoneInfo(line.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SimulationError(f"{where}: unknown timezone {line.timezone!r}") from None


def check_spec(spec: SensorSpec, site: str, line: str) -> None:
    """Check that ``spec`` belongs to ``site``/``line`` and is a sensor the simulator knows.

    Raises
    ------
    SimulationError
        Naming the sensor and what to change.
    """
    where = "/".join(spec.key)
    if (spec.site, spec.line) != (site, line):
        raise SimulationError(f"{where}: sensor belongs to another line than {site}/{line}")
    if spec.kind not in KINDS:
        raise SimulationError(f"{where}: unknown kind {spec.kind!r}; known: {sorted(KINDS)}")
    if spec.unit != KINDS[spec.kind]:
        raise SimulationError(f"{where}: unit {spec.unit!r} must be {KINDS[spec.kind]!r}")
    if not spec.interval_s > 0:
        raise SimulationError(f"{where}: interval_s must be positive")
    if not spec.valid_min < spec.valid_max:
        raise SimulationError(f"{where}: valid_min must be below valid_max")
    if spec.kind == "barrel_temp" and (spec.zone is None or spec.setpoint is None):
        raise SimulationError(f"{where}: a barrel_temp sensor needs a zone and a setpoint")
    if spec.kind == "mould_temp" and spec.setpoint is None:
        raise SimulationError(f"{where}: a mould_temp sensor needs a setpoint")
    if spec.kind in ("energy", "fuel") and not spec.counter:
        raise SimulationError(
            f"{where}: {spec.kind} sensors are simulated as counters: counter=True"
        )
    if spec.kind == "intake" and not spec.event:
        raise SimulationError(f"{where}: intake sensors are weighing events: event=True")
    if spec.kind == "residue" and not (spec.event or spec.counter):
        raise SimulationError(f"{where}: a residue sensor needs event=True or counter=True")
    if spec.kind not in ("energy", "fuel", "intake", "residue") and (spec.counter or spec.event):
        raise SimulationError(f"{where}: {spec.kind} sensors are sampled, not counters or events")
