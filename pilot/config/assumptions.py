"""``[assumptions]``: what the measurements cannot tell, and which evidence serves each period.

Every number the release model assumes lives here with its value, range, unit and
source (in its meaning), never only in code; the evaluator report lists them. The
evidence keys say, per period kind, whether the activity comes from the sensors, from
the imported survey and logbook rows (``pilot import``), or from both (sensors for the
line, the survey for the residue still burned).
"""

from __future__ import annotations

from pydantic import model_validator

from models.draws import FALLBACK_SPREAD
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
    LINE_PROCESSING,
    POST,
)
from pilot.config.declaration import setting, settings_type
from pilot.config.fields import Number, Text, choice, pair, refuse

__all__ = ["EVIDENCE_CHOICES", "LINE_PROCESSING_FACTOR_ID", "AssumptionSettings"]

#: Factor id of the configured sensitivity factor of the line's own processing.
LINE_PROCESSING_FACTOR_ID = "cfg-line-processing-pcddf-air"

#: Evidence per period kind: ``sensors`` only; ``survey`` (the imported rows of the
#: period replace the sensors of a line that has any, the sensors serve the others);
#: ``both`` (sensors for the line, the survey's residue burned in the open as given).
EVIDENCE_CHOICES: tuple[str, ...] = ("sensors", "survey", "both")
Evidence = choice(EVIDENCE_CHOICES, "evidence")
Fuel = choice(tuple(FURNACE_FACTORS), "furnace fuel")
Share = pair("-")
FactorRange = pair("µg TEQ/t")
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
    residue_check_tolerance: Number = setting(
        0.10,
        unit="-",
        ge=0,
        le=1,
        meaning="Largest difference between intake − processed and the residue (weighed, "
        "surveyed or assumed), as a share of the intake, before the intake − processed check "
        "flags a line and period (both measured). Source: design assumption, the ±5 % of the "
        "intake and throughput scales (LineParameters.throughput_accuracy) plus a few days' "
        "change of stock over a two-week period.",
    )
    line_processing_factor_ug_teq_per_t: Number | None = setting(
        None,
        unit="µg TEQ/t",
        ge=0,
        shown_default="unset",
        meaning="Sensitivity factor of the pilot line's own processing (melt extrusion), "
        "PCDD/F to air per tonne processed, post period only. No published factor exists "
        "(UNEP Toolkit 2013 Part I Table I.2.1 has no class for plastics recycling), so "
        "unset the source is reported as 'not quantified', never 0; set it, with "
        "``line_processing_factor_ug_teq_per_t_range`` and ``line_processing_factor_source``, "
        "to count processed t × factor as its own source row, labelled a configured "
        "sensitivity factor.",
    )
    line_processing_factor_ug_teq_per_t_range: FactorRange | None = setting(
        None,
        shown_default="unset",
        meaning="95 % range [low, high] of ``line_processing_factor_ug_teq_per_t`` [µg TEQ/t], "
        "drawn lognormal with the factor as median, as the Toolkit's order-of-magnitude "
        "factors (docs/method.md); required when the factor is set, low above 0.",
    )
    line_processing_factor_source: Text | None = setting(
        None,
        shown_default="unset",
        meaning="Where ``line_processing_factor_ug_teq_per_t`` comes from: document, edition, "
        "table or measurement report; required when the factor is set, printed with every "
        "row that uses it.",
    )
    survey_relative_uncertainty: Number = setting(
        0.2,
        unit="-",
        ge=0,
        lt=1,
        meaning="Half-width of a survey quantity's range as a share of its value (recall and "
        "logbook error). Source: design assumption.",
    )

    factor_spread_high: Number = setting(
        FALLBACK_SPREAD["high"],
        unit="×/÷ (95 %)",
        gt=1,
        meaning="95 % range ×/÷k of a factor of high confidence that has no range of its own "
        "in the factor data (lognormal, median = the factor). Source: our assumption; the "
        "Toolkit gives only a qualitative confidence and order-of-magnitude factors (UNEP "
        "Toolkit 2013 Part I Ch. 4; Annex 8).",
    )
    factor_spread_medium: Number = setting(
        FALLBACK_SPREAD["medium"],
        unit="×/÷ (95 %)",
        gt=1,
        meaning="As ``factor_spread_high``, for medium confidence. Source: our assumption.",
    )
    factor_spread_low: Number = setting(
        FALLBACK_SPREAD["low"],
        unit="×/÷ (95 %)",
        gt=1,
        meaning="As ``factor_spread_high``, for low confidence. Source: our assumption.",
    )

    comparison_basis: Basis = setting(
        ALL_HOUSEHOLDS,
        meaning="Basis on which baseline and post compare, named in every output: "
        "``all_households``, ``same_households`` (households of both surveys only) or "
        "``per_tonne_processed`` (docs/survey.md). Source: design choice.",
    )

    @model_validator(mode="after")
    def check_spreads_grow_as_confidence_falls(self) -> AssumptionSettings:
        high, medium, low = (
            self.factor_spread_high,
            self.factor_spread_medium,
            self.factor_spread_low,
        )
        if not high <= medium <= low:
            refuse(
                f"factor_spread_high = {high:g} <= factor_spread_medium = {medium:g} <= "
                f"factor_spread_low = {low:g} must hold: less confidence, a wider range"
            )
        return self

    @model_validator(mode="after")
    def check_modes_inside_ranges(self) -> AssumptionSettings:
        for name in ("residue_share", "baseline_open_burn_share", "post_open_burn_share"):
            low, high = getattr(self, f"{name}_range")
            value = getattr(self, name)
            if not (0 <= low <= value <= high <= 1):
                refuse(
                    f"{name} = {value:g} must lie inside {name}_range [{low:g}, {high:g}] in [0, 1]"
                )
        factor = self.line_processing_factor_ug_teq_per_t
        span = self.line_processing_factor_ug_teq_per_t_range
        if factor is not None:
            if span is None or self.line_processing_factor_source is None:
                refuse(
                    "line_processing_factor_ug_teq_per_t is set: give its range "
                    "line_processing_factor_ug_teq_per_t_range = [low, high] and its source "
                    "line_processing_factor_source (document, edition, table)"
                )
            elif not 0 < span[0] <= factor <= span[1]:
                refuse(
                    f"line_processing_factor_ug_teq_per_t = {factor:g} must lie inside its "
                    f"range [{span[0]:g}, {span[1]:g}] (µg TEQ/t, low above 0: lognormal)"
                )
        return self

    def fallback_spread(self) -> dict[str, float]:
        """The ×/÷k of each confidence level for factors without their own range."""
        return {level: getattr(self, f"factor_spread_{level}") for level in FALLBACK_SPREAD}

    def line_processing_factor(self) -> dict[str, object] | None:
        """The configured sensitivity factor of the line's own processing as a factor
        mapping (:func:`emission_factors.library.load_factors` ``site_factors``); None
        when unset (the source is then not quantified)."""
        value = self.line_processing_factor_ug_teq_per_t
        span = self.line_processing_factor_ug_teq_per_t_range
        if value is None or span is None:
            return None
        return {
            "id": LINE_PROCESSING_FACTOR_ID,
            "source_category": "sensitivity",
            "toolkit_class": "none",
            "description": "configured sensitivity factor: the pilot line's own processing "
            "(melt extrusion), no published factor",
            "pollutant": "PCDD/F",
            "vector": "air",
            "value": value,
            "unit": "µg TEQ/t",
            "activity_basis": "processed_t",
            "teq_scheme": "as in the source",
            "confidence": "low",
            "verification": "unverified",
            "document": str(self.line_processing_factor_source),
            "edition": "configured sensitivity factor",
            "table": "[assumptions] line_processing_factor_ug_teq_per_t",
            "distribution": "lognormal",
            "low": span[0],
            "high": span[1],
            "spread_reason": "[assumptions] line_processing_factor_ug_teq_per_t_range",
        }

    def model_assumptions(self) -> dict[str, Assumptions]:
        """The release model's assumptions per period kind (:mod:`models.mass_balance`)."""
        residue = Uncertain(self.residue_share, *self.residue_share_range)
        furnace = FURNACE_FACTORS[self.baseline_furnace_fuel]
        processing = (
            {LINE_PROCESSING: (LINE_PROCESSING_FACTOR_ID,)}
            if self.line_processing_factor() is not None
            else {}
        )
        return {
            BASELINE: Assumptions(
                residue_share=residue,
                open_burn_share=Uncertain(
                    self.baseline_open_burn_share, *self.baseline_open_burn_share_range
                ),
                landfill_share=Uncertain.exact(1.0),
                energy_carrier=CARRIER_FUEL,
                sources=dict(DEFAULT_SOURCES) | {FURNACE_FUEL: furnace},
                residue_check_tolerance=self.residue_check_tolerance,
            ),
            POST: Assumptions(
                residue_share=residue,
                open_burn_share=Uncertain(
                    self.post_open_burn_share, *self.post_open_burn_share_range
                ),
                energy_carrier=CARRIER_ELECTRICITY,
                sources=dict(DEFAULT_SOURCES) | processing,
                residue_check_tolerance=self.residue_check_tolerance,
            ),
        }
