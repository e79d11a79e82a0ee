r"""Release model: activity × emission factor, with a seeded Monte Carlo.

For each line, period kind (``baseline``, ``post``), source :math:`s` and factor
:math:`f` of that source (pollutant, vector):

.. math::

    E_{s,f} = A_s \cdot EF_f

with the activity :math:`A_s` in the factor's activity unit (t burned, TJ of fuel, MWh
of electricity; :mod:`models.mass_balance`) and the factor :math:`EF_f` [µg TEQ or kg
per activity unit]. The reduction over the post period is

.. math::

    \Delta = E^\mathrm{baseline} \cdot \frac{D^\mathrm{post}}{D^\mathrm{baseline}}
             - E^\mathrm{post}

with the period lengths :math:`D` [d] (quantity ``period_days``; 1 when not given), so
periods of different length compare at the same rate.

Uncertainty (Monte Carlo, ``draws`` samples, one :class:`numpy.random.Generator` seeded
with ``seed``, distributions from :mod:`scipy.stats`):

* **factors**: lognormal with median :math:`EF_f` and log-standard deviation
  :math:`\sigma` from the factor's confidence (:data:`SIGMA_OF_CONFIDENCE`): the Toolkit
  gives no numeric ranges, only a qualitative level of confidence and the advice to read
  its factors as order-of-magnitude estimates, so a 95 % range of ×/÷3 (high), ×/÷5
  (medium) and ×/÷10 (low) is our assumption. **One draw per factor serves every line
  and both periods**, so the factor uncertainty that cancels in the reduction does not
  inflate its interval.
* **activities**: triangular between the activity table's ``low`` and ``high`` with mode
  ``value`` (sensor accuracy and data completeness for measurements, survey ranges);
* **shares** of the mass balance: triangular as given in
  :class:`~models.mass_balance.Assumptions`.

The deterministic value uses every mode and factor value; it is the median of the factor
distribution, so it lies inside the 95 % interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from emission_factors.library import FactorLibrary, load_gwp
from emission_factors.units import convert
from models.activity_table import ACTIVITY_COLUMNS
from models.draws import (
    SIGMA_OF_CONFIDENCE,
    SUMMARY_COLUMNS,
    factor_draws,
    factor_spread,
    headline,
    summarise,
)
from models.errors import ModelError
from models.furnace_fuels import FUEL_BASES, fuel_factors, fuel_of_quantity, fuel_terms, fuels_of
from models.mass_balance import (
    BURNED_FLOW,
    DEFAULT_ASSUMPTIONS,
    Assumptions,
)
from models.release_totals import source_totals
from models.release_totals import totals as release_totals
from models.residue_balance import CHECK_COLUMNS, activity_value, line_balance
from models.source_release import ACTIVITY_BASIS, ACTIVITY_UNIT, release, source_activities
from models.vocabulary import (
    ALL_HOUSEHOLDS,
    ELECTRICITY,
    ELECTRICITY_KWH,
    ENERGY_KWH,
    FURNACE_FUEL,
    LINE_PROCESSING,
    PERIOD_DAYS,
    PERIOD_KINDS,
    PROCESSED_KG,
)

__all__ = [
    "ACTIVITY_BASIS",
    "PERIOD_KINDS",
    "SIGMA_OF_CONFIDENCE",
    "SUMMARY_COLUMNS",
    "Estimate",
    "estimate_releases",
    "factor_spread",
    "summarise",
]


@dataclass(frozen=True)
class Estimate:
    """Result of :func:`estimate_releases`; every table is tidy.

    Attributes
    ----------
    releases
        One row per period, site, line, source, fuel and factor: ``period, site, line,
        source, fuel, activity, activity_unit, pollutant, vector, unit, factor_ids,
        basis`` (the factor's activity basis), ``conversion`` (empty, or the NCV that
        turned a fuel mass into energy or back, with its source:
        :mod:`models.furnace_fuels`), ``verification, class_code, citation`` and
        :data:`SUMMARY_COLUMNS`.
    totals
        Sums over sources per ``period, site, line, pollutant, vector, unit`` (site and
        line ``all`` for the sum of lines), CO2e rows (``pollutant = "CO2e"``), and
        ``period = "reduction"`` rows; ``factor_ids`` lists every factor behind a row and
        ``verification`` the weakest status among them.
    mass_balance
        Flows of :func:`~models.mass_balance.residue_fates` per period, site and line [t],
        with ``basis``: for the residue ``measured``, ``surveyed`` or ``assumed share``;
        for the burned residue ``measured`` or ``surveyed`` (given as activity) or
        ``assumed shares`` (:mod:`models.residue_balance`).
    draws, seed, factor_set_version, gwp_set
        What produced the result.
    residue_check
        The intake − processed check per line and period where both are measured
        (:data:`models.residue_balance.CHECK_COLUMNS`).
    sources
        Releases per source (``source`` column), per line and over every line
        (:func:`models.release_totals.source_totals`): a source's own rows, such as the
        line's processing under a configured sensitivity factor.
    """

    releases: pd.DataFrame
    totals: pd.DataFrame
    mass_balance: pd.DataFrame
    draws: int
    seed: int
    factor_set_version: str
    gwp_set: str
    residue_check: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHECK_COLUMNS))
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)


def _check_sources(library: FactorLibrary, assumptions: Mapping[str, Assumptions]) -> None:
    for kind, assume in assumptions.items():
        for source, factor_ids in assume.sources.items():
            if source not in ACTIVITY_BASIS:
                raise ModelError(
                    f"{kind}: unknown source {source!r}; sources are {', '.join(ACTIVITY_BASIS)}"
                )
            for factor_id in factor_ids:
                factor = library[factor_id]
                if factor.activity_basis != ACTIVITY_BASIS[source]:
                    raise ModelError(
                        f"{kind}: factor {factor_id} counts per {factor.activity_basis}, but "
                        f"source {source} is {ACTIVITY_BASIS[source]}; pick a factor with "
                        "that activity basis (`pilot factors list`)"
                    )


def _check_swaps(library: FactorLibrary, swap: Mapping[str, str], sourced: set[str]) -> None:
    """A substitute counts the same activity; a furnace fuel's factor outside the
    configured sources may change basis (per TJ <-> per t), the fuel's NCV converts."""
    for old, new in swap.items():
        bases = {library[old].activity_basis, library[new].activity_basis}
        if len(bases) > 1 and (old in sourced or not bases <= set(FUEL_BASES)):
            raise ModelError(
                f"factor {new} counts per {library[new].activity_basis}, but {old} per "
                f"{library[old].activity_basis}; a substitute must count the same activity"
            )


#: One release term: source, fuel, activity draws, deterministic activity, its unit,
#: factor id (substitutions applied) and the conversion of the activity ("" if none).
_Term = tuple[str, str, np.ndarray, float, str, str, str]


def _fuel_terms(
    rows: pd.DataFrame,
    assume: Assumptions,
    draws: int,
    rng: np.random.Generator,
    library: FactorLibrary,
    swap: Mapping[str, str],
) -> list[_Term]:
    """Terms of the per-fuel mass or energy (each factor on the basis the data give,
    :mod:`models.furnace_fuels`) and of the separate electricity of survey rows."""
    terms: list[_Term] = []
    for quantity in sorted(set(rows["quantity"].astype(str))):
        fuel_unit = fuel_of_quantity(quantity)
        if fuel_unit is None and quantity != ELECTRICITY_KWH:
            continue
        found = activity_value(rows, quantity, draws, rng)
        if found is None:
            continue
        if fuel_unit is None:
            unit = ACTIVITY_UNIT[ELECTRICITY]
            scale = convert(1.0, "kWh", unit)
            for listed in assume.sources.get(ELECTRICITY, ()):
                factor_id = swap.get(listed, listed)
                terms.append(
                    (ELECTRICITY, "", found[0] * scale, found[1] * scale, unit, factor_id, "")
                )
            continue
        fuel, given = fuel_unit
        for term in fuel_terms(fuel, given, found[0], found[1], library, swap):
            terms.append((FURNACE_FUEL, fuel, *term))
    return terms


def _with_headline(frame: pd.DataFrame) -> pd.DataFrame:
    """Release rows (one factor each) with ``headline`` and ``headline_basis`` before
    the statistics (:func:`models.draws.headline`)."""
    if frame.empty:
        return frame
    stats = [frame[c] for c in ("deterministic", "median", "p2_5", "p97_5")]
    value, basis = headline(*stats, np.ones(len(frame), dtype=bool))
    at = frame.columns.get_loc("deterministic")
    frame.insert(at, "headline", value)
    frame.insert(at + 1, "headline_basis", basis)
    return frame


def estimate_releases(
    activities: pd.DataFrame,
    library: FactorLibrary,
    *,
    assumptions: Mapping[str, Assumptions] = DEFAULT_ASSUMPTIONS,
    draws: int = 10_000,
    seed: int = 2019,
    gwp_set: str = "AR5",
    substitutions: Mapping[str, str] | None = None,
    comparison_basis: str = ALL_HOUSEHOLDS,
) -> Estimate:
    """Releases per line, period, source and factor, with Monte Carlo statistics.

    Parameters
    ----------
    activities
        Activity table (:data:`models.activity.ACTIVITY_COLUMNS`) whose ``period`` is the
        period kind (``baseline``/``post``); several rows of one quantity of one line
        and kind are summed. Quantities used: ``processed_kg``, ``intake_kg`` (optional),
        ``energy_kwh`` (optional), ``period_days`` (optional).
    library
        Emission factors.
    assumptions
        Per period kind (:data:`~models.mass_balance.DEFAULT_ASSUMPTIONS`).
    draws
        Monte Carlo samples, >= 2.
    seed
        Seed of the generator; the same seed and inputs give the same result.
    gwp_set
        ``AR4``, ``AR5`` or ``AR6``, for the CO2e rows.
    substitutions
        Factor id -> the id used in its place (a factor choice of the sensitivity
        analysis, :mod:`models.factor_choice`); both must have the same activity basis.
    comparison_basis
        Named in every totals row (:data:`models.vocabulary.COMPARISON_BASES`);
        ``per_tonne_processed`` divides each period's releases by its processed plastic.

    Raises
    ------
    ModelError
        Empty activities, an unknown period kind, too few draws or a factor whose
        activity basis does not fit its source.
    """
    if draws < 2:
        raise ModelError("draws must be at least 2")
    missing = [c for c in ACTIVITY_COLUMNS if c not in activities]
    if missing:
        raise ModelError(f"the activity table lacks columns {missing}")
    if activities.empty:
        raise ModelError("no activity data; extract activity or give survey data first")
    kinds = sorted(set(activities["period"]))
    unknown = [k for k in kinds if k not in assumptions]
    if unknown:
        raise ModelError(f"no assumptions for period kind(s) {unknown}; kinds: {list(assumptions)}")
    gwp = load_gwp(gwp_set)
    used = {k: assumptions[k] for k in kinds}
    _check_sources(library, used)

    swap = dict(substitutions or {})
    listed = {f for a in used.values() for ids in a.sources.values() for f in ids}
    _check_swaps(library, swap, listed)
    rng = np.random.default_rng(seed)
    # Factor draws first, in a fixed order, shared by every line and period kind.
    factor_ids = sorted({swap.get(f, f) for f in listed})
    for fuel, given in fuels_of(activities["quantity"]):
        factor_ids = sorted(
            {*factor_ids, *(f for f, _ in fuel_factors(fuel, given, library, swap))}
        )
    drawn = {f: factor_draws(library[f], draws, rng) for f in factor_ids}

    release_rows: list[dict[str, object]] = []
    arrays: dict[tuple[str, str, str, str, str, str], list[tuple[np.ndarray, float, str]]] = {}
    balance_rows: list[dict[str, object]] = []
    check_rows: list[dict[str, object]] = []
    by_source: dict[tuple[str, ...], list[tuple[np.ndarray, float, str]]] = {}
    days: dict[tuple[str, str, str], float] = {}
    processed_t: dict[tuple[str, str, str], float] = {}
    evidence: dict[tuple[str, str, str], str] = {}
    groups = activities.groupby(["period", "site", "line"], sort=True)
    for (kind, site, line), rows in groups:
        assume = used[str(kind)]
        key = (str(kind), str(site), str(line))
        energy = activity_value(rows, ENERGY_KWH, draws, rng)
        period_days = rows.loc[rows["quantity"] == PERIOD_DAYS, "value"]
        days[key] = float(period_days.sum()) if not period_days.empty else 1.0
        processed_t[key] = convert(
            float(rows.loc[rows["quantity"] == PROCESSED_KG, "value"].sum()), "kg", "t"
        )
        balance = line_balance(rows, assume, draws, rng, key)
        fates, fates_det = balance.fates, balance.fates_det
        evidence[key] = balance.evidence(rows)
        if balance.check is not None:
            check_rows.append({"period": kind, "site": site, "line": line} | balance.check)
        for flow, values in fates.items():
            balance_rows.append(
                {"period": kind, "site": site, "line": line, "flow": flow, "unit": "t"}
                | {"basis": balance.flow_basis(flow)}
                | summarise(values, float(fates_det[flow][0]))
            )
        # The same calculation for the draws and for the deterministic value.
        carrier = assume.energy_carrier
        source_draws = source_activities(fates[BURNED_FLOW], energy and energy[0], carrier)
        source_det = source_activities(
            float(fates_det[BURNED_FLOW][0]), energy and energy[1], carrier
        )
        terms: list[_Term] = [
            (source, "", act, source_det[source][0], act_unit, swap.get(f, f), "")
            for source, (act, act_unit) in source_draws.items()
            for f in assume.sources.get(source, ())
        ]
        terms += _fuel_terms(rows, assume, draws, rng, library, swap)
        if "product_t" in fates:  # a configured sensitivity factor of the line's processing
            unit = ACTIVITY_UNIT[LINE_PROCESSING]
            act_det = float(fates_det["product_t"][0])
            terms += [
                (LINE_PROCESSING, "", fates["product_t"], act_det, unit, swap.get(f, f), "")
                for f in assume.sources.get(LINE_PROCESSING, ())
            ]
        for source, fuel, act, act_det, act_unit, factor_id, how in terms:
            factor = library[factor_id]
            released = release(act, drawn[factor_id])
            det = release(act_det, factor.value)
            row_key = (
                key[0],
                key[1],
                key[2],
                factor.pollutant,
                factor.vector,
                factor.release_unit,
            )
            arrays.setdefault(row_key, []).append((released, det, factor_id))
            by_source.setdefault((*key, source, *row_key[3:]), []).append(
                (released, det, factor_id)
            )
            release_rows.append(
                {
                    "period": kind,
                    "site": site,
                    "line": line,
                    "source": source,
                    "fuel": fuel,
                    "activity": act_det,
                    "activity_unit": act_unit,
                    "pollutant": factor.pollutant,
                    "vector": factor.vector,
                    "unit": factor.release_unit,
                    "factor_ids": factor_id,
                    "basis": factor.activity_basis,
                    "conversion": how,
                    "verification": factor.verification,
                    "class_code": factor.class_code,
                    "citation": factor.citation,
                }
                | summarise(released, det)
            )
    return Estimate(
        releases=_with_headline(pd.DataFrame(release_rows)),
        totals=release_totals(
            arrays, days, library, gwp, draws, evidence, comparison_basis, processed_t
        ),
        mass_balance=pd.DataFrame(balance_rows),
        residue_check=pd.DataFrame(check_rows, columns=CHECK_COLUMNS),
        sources=source_totals(by_source, library),
        draws=draws,
        seed=seed,
        factor_set_version=library.version,
        gwp_set=gwp_set,
    )
