"""``[assumptions]``: what the measurements cannot tell, and which evidence serves each period.

Every number the release model assumes lives here with its value, range, unit and
source (in its meaning), never only in code; the evaluator report lists them. The
evidence keys say, per period kind, whether the activity comes from the sensors, from
the imported survey and logbook rows (``pilot import``), or from both (sensors for the
line, the survey for the residue still burned).
"""

from __future__ import annotations

from pydantic import model_validator

from models.mass_balance import (
    DEFAULT_ASSUMPTIONS,
    DEFAULT_FURNACE_FUEL,
    DEFAULT_SOURCES,
    FURNACE_FACTORS,
    Assumptions,
    Uncertain,
)
from models.vocabulary import (
    ALL_HOUSEHOLDS,
    BASELINE,
    CARRIER_ELECTRICITY,
    CARRIER_FUEL,
    COMPARISON_BASES,
    FURNACE_FUEL,
    POST,
)
from pilot.config.declaration import setting, settings_type
from pilot.config.fields import Number, choice, pair, refuse

__all__ = ["EVIDENCE_CHOICES", "AssumptionSettings"]

#: Evidence per period kind: ``sensors`` only; ``survey`` (the imported rows of the
#: period replace the sensors of a line that has any, the sensors serve the others);
#: ``both`` (sensors for the line, the survey's residue burned in the open as given).
EVIDENCE_CHOICES: tuple[str, ...] = ("sensors", "survey", "both")
Evidence = choice(EVIDENCE_CHOICES, "evidence")
Fuel = choice(tuple(FURNACE_FACTORS), "furnace fuel")
Share = pair("-")
Basis = choice(tuple(COMPARISON_BASES), "comparison basis")

_BASE = DEFAULT_ASSUMPTIONS[BASELINE]
_SHARE_SOURCE = (
    "Source: ≈10 % from 60-70 t/d of residue against 600-650 t/d of input in Minh Khai "
    "(Hưng Yên DONRE statistics as reported by Báo Tin Tức, 20 Nov 2024, and SOLEN), our "
    "arithmetic; the range is a design assumption."
)


@settings_type
class AssumptionSettings:
    """Assumed shares and fuels with their ranges and sources, and the evidence per period."""

    baseline_evidence: Evidence = setting(
        "survey",
        meaning="Activity of the baseline: ``survey`` (the 2019 questionnaire, where imported, "
        "else the sensors), ``sensors`` or ``both``.",
    )
    post_evidence: Evidence = setting(
        "both",
        meaning="Activity of the post period: ``both`` (the line's sensors, plus the residue "
        "a post survey records as still burned), ``sensors`` or ``survey``.",
    )
    residue_share: Number = setting(
        _BASE.residue_share.mode,
        unit="-",
        ge=0,
        lt=1,
        meaning=f"Non-recyclable share of the delivered plastic (both periods). {_SHARE_SOURCE}",
    )
    residue_share_range: Share = setting(
        (_BASE.residue_share.low, _BASE.residue_share.high),
        meaning="95 % range [low, high] of ``residue_share`` (triangular) [-].",
    )
    baseline_open_burn_share: Number = setting(
        _BASE.open_burn_share.mode,
        unit="-",
        ge=0,
        le=1,
        meaning="Share of the residue burned in the open before the project, used where no "
        "survey records the burned residue. Source: design assumption ('most' residue), after "
        "press reports from Phan Bôi (Báo Mới, 'Ô nhiễm làng nghề – căn bệnh nan y ở Phan Bôi').",
    )
    baseline_open_burn_share_range: Share = setting(
        (_BASE.open_burn_share.low, _BASE.open_burn_share.high),
        meaning="Range [low, high] of ``baseline_open_burn_share`` (triangular) [-].",
    )
    post_open_burn_share: Number = setting(
        0.0,
        unit="-",
        ge=0,
        le=1,
        meaning="Share of the residue still burned in the open after the project, used where "
        "no post survey records it. Source: design assumption (the residue goes to the pilot "
        "line); its range below is not zero, because some households may keep burning.",
    )
    post_open_burn_share_range: Share = setting(
        (0.0, 0.2),
        meaning="Range [low, high] of ``post_open_burn_share`` (triangular) [-]; the upper "
        "end is a design assumption, no source quantifies it.",
    )
    baseline_furnace_fuel: Fuel = setting(
        DEFAULT_FURNACE_FUEL,
        meaning="Fuel of a baseline furnace whose energy counter gives no fuel type; it picks "
        "the furnace's factors (docs/method.md, furnace factors per fuel). Default: "
        "high-chlorine coal, the Toolkit 3e class nearest to coal mixed with waste plastic; "
        "a design assumption that the factor-choice sensitivity brackets.",
    )
    survey_relative_uncertainty: Number = setting(
        0.2,
        unit="-",
        ge=0,
        lt=1,
        meaning="Half-width of a survey quantity's range as a share of its value (recall and "
        "logbook error). Source: design assumption.",
    )

    comparison_basis: Basis = setting(
        ALL_HOUSEHOLDS,
        meaning="Basis on which baseline and post compare, named in every output: "
        "``all_households``, ``same_households`` (households of both surveys only) or "
        "``per_tonne_processed`` (docs/survey.md). Source: design choice.",
    )

    @model_validator(mode="after")
    def check_modes_inside_ranges(self) -> AssumptionSettings:
        for name in ("residue_share", "baseline_open_burn_share", "post_open_burn_share"):
            low, high = getattr(self, f"{name}_range")
            value = getattr(self, name)
            if not (0 <= low <= value <= high <= 1):
                refuse(
                    f"{name} = {value:g} must lie inside {name}_range [{low:g}, {high:g}] in [0, 1]"
                )
        return self

    def model_assumptions(self) -> dict[str, Assumptions]:
        """The release model's assumptions per period kind (:mod:`models.mass_balance`)."""
        residue = Uncertain(self.residue_share, *self.residue_share_range)
        furnace = FURNACE_FACTORS[self.baseline_furnace_fuel]
        return {
            BASELINE: Assumptions(
                residue_share=residue,
                open_burn_share=Uncertain(
                    self.baseline_open_burn_share, *self.baseline_open_burn_share_range
                ),
                landfill_share=Uncertain.exact(1.0),
                energy_carrier=CARRIER_FUEL,
                sources=dict(DEFAULT_SOURCES) | {FURNACE_FUEL: furnace},
            ),
            POST: Assumptions(
                residue_share=residue,
                open_burn_share=Uncertain(
                    self.post_open_burn_share, *self.post_open_burn_share_range
                ),
                energy_carrier=CARRIER_ELECTRICITY,
            ),
        }
