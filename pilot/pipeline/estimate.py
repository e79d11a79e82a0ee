"""Releases with intervals over windows: the factor library and the release model.

The estimate of ``pilot estimate``, of the demo's ``estimates.csv`` and of the evaluator
report is one call: the windows' activity (:mod:`pilot.pipeline.activity`) into
:func:`models.releases.estimate_releases` with a seeded Monte Carlo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from emission_factors.library import FactorLibrary, load_factors
from models.draws import with_fallback_spread
from models.factor_choice import factor_choice_sensitivity
from models.inventory import InventoryError, read_inventory
from models.mass_balance import DEFAULT_ASSUMPTIONS, Assumptions
from models.releases import Estimate, estimate_releases
from models.vocabulary import ALL_HOUSEHOLDS, LINE_PROCESSING, NOT_QUANTIFIED, PER_TONNE_PROCESSED
from pilot.config import Config
from pilot.config.assumptions import AssumptionSettings
from pilot.errors import PilotError

__all__ = [
    "DEFAULT_MONTE_CARLO",
    "SOURCE_COLUMNS",
    "TOTAL_COLUMNS",
    "InventoryActivity",
    "MonteCarlo",
    "estimate",
    "factor_library",
    "factor_sensitivity",
    "inventory_activity",
    "processing_note",
    "processing_rows",
    "used_factor_ids",
]


#: Columns of the totals that ``pilot estimate`` prints, in order: the headline (median of
#: the draws of a sum) with its 95 % interval, the relative reduction [%] with its
#: interval, then the deterministic value and the mean as secondary columns, the evidence
#: and what the headline is (``headline_basis``, :data:`models.draws.HEADLINE_BASES`).
_WHERE = ["period", "site", "line"]
_WHAT = ["pollutant", "vector", "unit", "headline", "p2_5", "p97_5"]
TOTAL_COLUMNS: list[str] = [
    *_WHERE,
    *_WHAT,
    "reduction_pct",
    "reduction_pct_p2_5",
    "reduction_pct_p97_5",
    "deterministic",
    "mean",
    "verification",
    "evidence",
    "basis",
    "headline_basis",
    "factor_ids",
]

#: Columns of ``pilot estimate --by-source``: one row per line, source, fuel and factor,
#: with the factor's Toolkit class, the activity basis it counts on and the conversion
#: of the activity (the fuel's NCV and its source, when the data came on the other basis).
SOURCE_COLUMNS: list[str] = [
    *_WHERE,
    "source",
    "fuel",
    *_WHAT,
    "deterministic",
    "activity",
    "activity_unit",
    "factor_ids",
    "class_code",
    "basis",
    "conversion",
    "verification",
]


@dataclass(frozen=True, slots=True)
class MonteCarlo:
    """How the release intervals are drawn.

    Parameters
    ----------
    draws
        Monte Carlo draws [-].
    seed
        Seed of the random generator: the same seed gives the same result.
    gwp_set
        IPCC assessment report whose GWP-100 values make CO2e (AR4, AR5, AR6).
    """

    draws: int = 10_000
    seed: int = 2019
    gwp_set: str = "AR5"


#: The Monte Carlo settings of every command unless told otherwise.
DEFAULT_MONTE_CARLO = MonteCarlo()


def factor_library(config: Config) -> FactorLibrary:
    """The bundled factors plus the configuration's site-measured ``[[factors]]``, and the
    configured sensitivity factor of the line's own processing when it is set
    (``[assumptions] line_processing_factor_ug_teq_per_t``)."""
    origin = str(config.path) if config.path else "configuration"
    processing = config.assumptions.line_processing_factor()
    extra = [*config.factors, *([processing] if processing is not None else [])]
    library = load_factors(site_factors=extra, site_origin=f"{origin}: factors")
    # A factor without its own range takes the configured fallback spread of its
    # confidence, so the assumption lives in [assumptions], not only in models.draws.
    spread = config.assumptions.fallback_spread()
    return FactorLibrary(
        [
            with_fallback_spread(
                library[fid], spread, f"[assumptions] factor_spread_{library[fid].confidence}"
            )
            for fid in library
        ],
        library.version,
    )


class ActivitySource(Protocol):
    """Anything that gives an activity table: the windows' extracted activity
    (:class:`pilot.pipeline.activity.ActivitySet`) or an inventory file."""

    def table(self) -> pd.DataFrame: ...


@dataclass(frozen=True)
class InventoryActivity:
    """The activity table of an inventory file (``pilot estimate --activity``)."""

    frame: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """The activity table (:data:`models.activity_table.ACTIVITY_COLUMNS`)."""
        return self.frame


def inventory_activity(path: Path, kinds: Sequence[str]) -> InventoryActivity:
    """Read an inventory file (:mod:`models.inventory`), keeping the period kinds asked.

    Raises
    ------
    PilotError
        An unreadable file, or every bad row as ``FILE:LINE: reason`` (nothing computed).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PilotError(f"cannot read activity file {path}: {exc}") from exc
    try:
        frame = read_inventory(text, name=str(path))
    except InventoryError as exc:
        raise PilotError("\n".join([*exc.problems, "nothing computed; fix these rows"])) from exc
    frame = frame[frame["period"].isin(kinds)].reset_index(drop=True)
    if frame.empty:
        raise PilotError(f"{path}: no rows of period(s) {', '.join(kinds)}")
    return InventoryActivity(frame)


def estimate(
    activities: ActivitySource,
    library: FactorLibrary,
    mc: MonteCarlo,
    assumptions: Mapping[str, Assumptions] | None = None,
    comparison_basis: str = ALL_HOUSEHOLDS,
) -> Estimate:
    """Releases of every window of ``activities``
    (:func:`models.releases.estimate_releases`), under ``assumptions`` (the
    configuration's ``[assumptions]``; the model defaults when None), on
    ``comparison_basis`` (``[assumptions] comparison_basis``)."""
    return estimate_releases(
        activities.table(),
        library,
        assumptions=assumptions or DEFAULT_ASSUMPTIONS,
        draws=mc.draws,
        seed=mc.seed,
        gwp_set=mc.gwp_set,
        comparison_basis=comparison_basis,
    )


def factor_sensitivity(
    activities: ActivitySource,
    library: FactorLibrary,
    mc: MonteCarlo,
    assumptions: Mapping[str, Assumptions] | None = None,
    comparison_basis: str = ALL_HOUSEHOLDS,
) -> pd.DataFrame:
    """All-lines PCDD/F under each factor choice
    (:func:`models.factor_choice.factor_choice_sensitivity`), same draws, seed and
    comparison basis."""
    return factor_choice_sensitivity(
        activities.table(),
        library,
        assumptions=assumptions or DEFAULT_ASSUMPTIONS,
        draws=mc.draws,
        seed=mc.seed,
        gwp_set=mc.gwp_set,
        comparison_basis=comparison_basis,
    )


def used_factor_ids(totals: pd.DataFrame) -> list[str]:
    """The ids of every factor behind the ``totals`` rows, sorted."""
    ids = {f.strip() for cell in totals["factor_ids"] for f in str(cell).split(";")}
    return sorted(f for f in ids if f)


def processing_note(settings: AssumptionSettings) -> str:
    """How the line's own processing counts: :data:`NOT_QUANTIFIED`, or the configured
    sensitivity factor with its range and source."""
    value = settings.line_processing_factor_ug_teq_per_t
    span = settings.line_processing_factor_ug_teq_per_t_range
    if value is None or span is None:
        return NOT_QUANTIFIED
    return (
        f"PCDD/F of the line's own processing (melt extrusion) counted with a configured "
        f"sensitivity factor, not a published one: {value:g} µg TEQ/t processed "
        f"[{span[0]:g}, {span[1]:g}], post period only, source: "
        f"{settings.line_processing_factor_source}"
    )


def processing_rows(result: Estimate, basis: str = ALL_HOUSEHOLDS) -> pd.DataFrame:
    """The line's own processing as its own source rows (:data:`TOTAL_COLUMNS` plus
    ``source``), labelled a configured sensitivity factor; empty when it is not set.

    The rows are absolute releases of the line and period under every comparison
    ``basis``; under ``per_tonne_processed`` their ``basis`` says so (per tonne they would
    be the factor itself)."""
    sources = result.sources
    if sources.empty:
        return pd.DataFrame(columns=[*TOTAL_COLUMNS, "source"])
    part = sources[sources["source"] == LINE_PROCESSING].copy()
    part["evidence"] = "measured processed mass; configured sensitivity factor"
    part["basis"] = basis if basis != PER_TONNE_PROCESSED else "absolute, not per tonne"
    for column in ("reduction_pct", "reduction_pct_p2_5", "reduction_pct_p97_5"):
        part[column] = float("nan")
    return part[[*TOTAL_COLUMNS, "source"]].reset_index(drop=True)
