"""The document: which sections a configuration file has, and the rules across them.

:data:`SECTIONS` lists every top-level section in file order with its declared type;
the reader (:mod:`pilot.config.loading`) and the reference
(:mod:`pilot.config.reference`) both work from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator

from pilot.config.agent import AgentSection
from pilot.config.assumptions import AssumptionSettings
from pilot.config.broker import BrokerSection, DeploymentSection
from pilot.config.fields import Problems
from pilot.config.line_states import LineStatesSection
from pilot.config.notify import NotifySection
from pilot.config.periods import PeriodSection, check_factor
from pilot.config.serve import ServeSettings
from pilot.config.services import (
    AlarmSettings,
    CollectorSettings,
    SimulationSettings,
    SurveySettings,
)
from pilot.config.sites import SiteSection
from pilot.config.store import StoreSection
from sensors.lines import Line

__all__ = ["SECTIONS", "FactorEntry", "SectionSpec", "rule_heating_below_windows", "written_ids"]

#: A ``[[factors]]`` entry: the columns of :mod:`emission_factors.library`.
FactorEntry = Annotated[dict[str, Any], AfterValidator(check_factor)]


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """A top-level section of the file.

    Parameters
    ----------
    name
        Its key in the file.
    type
        The declared type of the table, or of each table of an array.
    required
        The file must have it (otherwise its defaults apply, or it is empty).
    array
        An array of tables (``[[name]]``) rather than a table.
    note
        What the reference says of a section whose keys are declared elsewhere.
    """

    name: str
    type: Any
    required: bool = False
    array: bool = False
    note: str = ""


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("deployment", DeploymentSection, required=True),
    SectionSpec("broker", BrokerSection, required=True),
    SectionSpec("store", StoreSection, required=True),
    SectionSpec("collector", CollectorSettings),
    SectionSpec("alarms", AlarmSettings),
    SectionSpec("notify", NotifySection),
    SectionSpec("line_states", LineStatesSection),
    SectionSpec("simulation", SimulationSettings),
    SectionSpec("survey", SurveySettings),
    SectionSpec("serve", ServeSettings),
    SectionSpec("assumptions", AssumptionSettings),
    SectionSpec("sites", SiteSection, required=True, array=True),
    SectionSpec("periods", PeriodSection, array=True),
    SectionSpec(
        "factors",
        FactorEntry,
        array=True,
        note="Site-measured emission factors, added to the bundled library (``pilot factors "
        "list``). Keys are the columns of ``emission_factors.library``: ``id``, "
        "``source_category``, ``toolkit_class``, ``pollutant``, ``vector``, ``value``, "
        "``unit``, ``activity_basis``, ``confidence``, ``verification``, ``document``, "
        "``edition``, ``table`` (required: provenance is required as for the bundled "
        "factors), ``description``, ``teq_scheme`` (required for TEQ units), ``url``, "
        "``note``.",
    ),
    SectionSpec("agent", AgentSection),
)


def written_ids(doc: Mapping[str, Any], name: str) -> list[str]:
    """The ``id`` strings of the tables of ``doc[name]`` as written, valid or not.

    A period that lists a site whose table has problems is then not reported too.
    """
    items = doc.get(name)
    if not isinstance(items, list):
        return []
    return [
        item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]


def rule_heating_below_windows(
    problems: Problems, line_states: LineStatesSection, lines: Sequence[Line]
) -> None:
    """A line must count as heating before it reaches its process window."""
    for line in lines:
        low = line.process_window_c[0]
        if not line_states.heating_min_c < low:
            problems.add(
                ("line_states", "heating_min_c"),
                f"must lie below the process window's low end of every line; line "
                f"{line.site}/{line.line} starts at {low:g} °C, got "
                f"{line_states.heating_min_c:g} °C",
            )
