"""An example line for tests, benchmarks and docstrings: household-scale PE/PP extrusion.

>>> line = example_line(furnace=True)
>>> [s.sensor for s in line.sensors][:5]
['zone1_temp', 'zone2_temp', 'zone3_temp', 'zone4_temp', 'melt_temp']
>>> len(line.sensors), line.households[0]
(12, 'hh-001')
"""

from __future__ import annotations

from typing import Any

from sensors.catalog import KINDS, SensorSpec
from sensors.lines import Line

__all__ = ["EXAMPLE_HOUSEHOLDS", "example_line"]

#: Household codes of :func:`example_line` (eight delivering households: design assumption).
EXAMPLE_HOUSEHOLDS: tuple[str, ...] = tuple(f"hh-{i:03d}" for i in range(1, 9))


def example_line(
    site: str = "minh-khai",
    line: str = "line-1",
    *,
    furnace: bool = False,
    households: tuple[str, ...] = EXAMPLE_HOUSEHOLDS,
) -> Line:
    """A plausible household-scale extrusion line for a PE/PP film feed.

    Numbers and their sources:

    * process window 180–240 °C: design assumption, from the usual melt temperatures
      of PE film and PP (general knowledge, no retrieved source);
    * decomposition onset 328 °C: PP, the lower of PP 328 °C and PE 335 °C (C. J.
      Hilado, Flammability Handbook for Plastics, as tabulated by the Polymer Science
      Learning Center, "Thermal properties", http://pslc.ws/fire/howwhy/thermalp.htm);
    * 100 kg/h: household scale, about 2 t/day per household (VTV, "Ô nhiễm môi trường
      tại làng nghề tái chế nhựa Hưng Yên", 2017,
      https://vtv.vn/trong-nuoc/o-nhiem-moi-truong-tai-lang-nghe-tai-che-nhua-hung-yen-20171006110156764.htm)
      over 20–24 h of operation;
    * four barrel zones rising from feed to die: 3–5 independently controlled zones are
      typical (Dachang, "Extruding plastic requires precise temperature", vendor
      article,
      https://www.dachangplastic.com/info/extruding-plastic-requires-precise-temperature-103191655.html);
    * the 20 kW heater, a mould at 50 °C and the valid ranges: design assumptions.

    Parameters
    ----------
    site, line
        Identity.
    furnace
        Also configure ``furnace_temp``, ``fuel`` and ``residue`` (baseline metering).
    households
        Household codes.
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
    return Line(
        site=site,
        line=line,
        name=f"Example extrusion line {line}",
        process_window_c=(180.0, 240.0),
        degradation_c=328.0,
        nominal_throughput_kg_h=100.0,
        heater_kw=20.0,
        sensors=tuple(sensors),
        households=households,
        product="PE/PP pellets (example)",
    )
