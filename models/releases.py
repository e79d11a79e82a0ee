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

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from emission_factors.library import EmissionFactor, FactorLibrary, load_gwp
from models.activity_table import ACTIVITY_COLUMNS
from models.errors import ModelError
from models.ghg import GAS_OF_POLLUTANT
from models.mass_balance import (
    BURNED_FLOW,
    DEFAULT_ASSUMPTIONS,
    Assumptions,
    Uncertain,
    residue_fates,
)
from models.source_release import ACTIVITY_BASIS, release, source_activities
from models.vocabulary import (
    ALL,
    BASELINE,
    ENERGY_KWH,
    INTAKE_KG,
    PERIOD_DAYS,
    PERIOD_KINDS,
    POST,
    PROCESSED_KG,
    REDUCTION,
    RESULT_PERIODS,
)

__all__ = [
    "ACTIVITY_BASIS",
    "PERIOD_KINDS",
    "SIGMA_OF_CONFIDENCE",
    "SUMMARY_COLUMNS",
    "Estimate",
    "estimate_releases",
    "summarise",
]

#: Log-standard deviation of the lognormal factor distribution per confidence level [-]:
#: the 95 % range is ×/÷ 3, 5 and 10 (ln(k) / 1.96). Our assumption, see module docstring.
SIGMA_OF_CONFIDENCE: dict[str, float] = {
    "high": math.log(3.0) / 1.96,
    "medium": math.log(5.0) / 1.96,
    "low": math.log(10.0) / 1.96,
}
#: Statistics of every result row.
SUMMARY_COLUMNS = ["deterministic", "mean", "median", "p2_5", "p97_5", "mean_se"]
_STATUS_ORDER = ("verified", "secondary", "unverified")


def summarise(draws: np.ndarray, deterministic: float) -> dict[str, float]:
    """Deterministic value, mean, median, 2.5 and 97.5 percentiles and the standard error
    of the mean of ``draws``.

    >>> summarise(np.array([1.0, 2.0, 3.0, 4.0]), 2.5)["median"]
    2.5
    """
    p2_5, median, p97_5 = np.percentile(draws, [2.5, 50.0, 97.5])
    return {
        "deterministic": float(deterministic),
        "mean": float(draws.mean()),
        "median": float(median),
        "p2_5": float(p2_5),
        "p97_5": float(p97_5),
        "mean_se": float(draws.std(ddof=1) / math.sqrt(len(draws))) if len(draws) > 1 else 0.0,
    }


@dataclass(frozen=True)
class Estimate:
    """Result of :func:`estimate_releases`; every table is tidy.

    Attributes
    ----------
    releases
        One row per period, site, line, source and factor: ``period, site, line, source,
        activity, activity_unit, pollutant, vector, unit, factor_ids, verification,
        class_code, citation`` and :data:`SUMMARY_COLUMNS`.
    totals
        Sums over sources per ``period, site, line, pollutant, vector, unit`` (site and
        line ``all`` for the sum of lines), CO2e rows (``pollutant = "CO2e"``), and
        ``period = "reduction"`` rows; ``factor_ids`` lists every factor behind a row and
        ``verification`` the weakest status among them.
    mass_balance
        Flows of :func:`~models.mass_balance.residue_fates` per period, site and line [t].
    draws, seed, factor_set_version, gwp_set
        What produced the result.
    """

    releases: pd.DataFrame
    totals: pd.DataFrame
    mass_balance: pd.DataFrame
    draws: int
    seed: int
    factor_set_version: str
    gwp_set: str


def _weakest(statuses: list[str]) -> str:
    return max(statuses, key=_STATUS_ORDER.index) if statuses else "verified"


def _triangular(u: Uncertain, draws: int, rng: np.random.Generator) -> np.ndarray:
    if u.high == u.low:
        return np.full(draws, u.mode)
    c = (u.mode - u.low) / (u.high - u.low)
    return stats.triang(c, loc=u.low, scale=u.high - u.low).rvs(size=draws, random_state=rng)


def _factor_draws(factor: EmissionFactor, draws: int, rng: np.random.Generator) -> np.ndarray:
    if factor.value == 0.0:
        return np.zeros(draws)
    sigma = SIGMA_OF_CONFIDENCE[factor.confidence]
    return stats.lognorm(s=sigma, scale=factor.value).rvs(size=draws, random_state=rng)


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


def _activity_value(
    rows: pd.DataFrame, quantity: str, draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, float] | None:
    part = rows[rows["quantity"] == quantity]
    if part.empty:
        return None
    value, low, high = (float(part[c].sum()) for c in ("value", "low", "high"))
    return _triangular(Uncertain(value, low, high), draws, rng), value


def estimate_releases(
    activities: pd.DataFrame,
    library: FactorLibrary,
    *,
    assumptions: Mapping[str, Assumptions] = DEFAULT_ASSUMPTIONS,
    draws: int = 10_000,
    seed: int = 2019,
    gwp_set: str = "AR5",
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

    rng = np.random.default_rng(seed)
    # Factor draws first, in a fixed order, shared by every line and period kind.
    factor_ids = sorted({f for a in used.values() for ids in a.sources.values() for f in ids})
    factor_draws = {f: _factor_draws(library[f], draws, rng) for f in factor_ids}

    release_rows: list[dict[str, object]] = []
    arrays: dict[tuple[str, str, str, str, str, str], list[tuple[np.ndarray, float, str]]] = {}
    balance_rows: list[dict[str, object]] = []
    days: dict[tuple[str, str, str], float] = {}
    groups = activities.groupby(["period", "site", "line"], sort=True)
    for (kind, site, line), rows in groups:
        assume = used[str(kind)]
        key = (str(kind), str(site), str(line))
        processed = _activity_value(rows, PROCESSED_KG, draws, rng)
        if processed is None:
            raise ModelError(f"{site}/{line} {kind}: the activity table has no processed_kg")
        intake = _activity_value(rows, INTAKE_KG, draws, rng)
        energy = _activity_value(rows, ENERGY_KWH, draws, rng)
        period_days = rows.loc[rows["quantity"] == PERIOD_DAYS, "value"]
        days[key] = float(period_days.sum()) if not period_days.empty else 1.0
        shares = [
            _triangular(u, draws, rng)
            for u in (assume.residue_share, assume.open_burn_share, assume.landfill_share)
        ]
        intake_draws = intake[0] if intake else np.full(draws, np.nan)
        intake_det = intake[1] if intake else float("nan")
        fates = residue_fates(intake_draws, processed[0], *shares)
        fates_det = residue_fates(
            np.array([intake_det]),
            np.array([processed[1]]),
            *(
                np.array([u.mode])
                for u in (assume.residue_share, assume.open_burn_share, assume.landfill_share)
            ),
        )
        for flow, values in fates.items():
            balance_rows.append(
                {"period": kind, "site": site, "line": line, "flow": flow, "unit": "t"}
                | summarise(values, float(fates_det[flow][0]))
            )
        # The same calculation for the draws and for the deterministic value.
        carrier = assume.energy_carrier
        source_draws = source_activities(fates[BURNED_FLOW], energy and energy[0], carrier)
        source_det = source_activities(
            float(fates_det[BURNED_FLOW][0]), energy and energy[1], carrier
        )
        for source, (act, act_unit) in source_draws.items():
            act_det = source_det[source][0]
            for factor_id in assume.sources.get(source, ()):
                factor = library[factor_id]
                released = release(act, factor_draws[factor_id])
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
                release_rows.append(
                    {
                        "period": kind,
                        "site": site,
                        "line": line,
                        "source": source,
                        "activity": act_det,
                        "activity_unit": act_unit,
                        "pollutant": factor.pollutant,
                        "vector": factor.vector,
                        "unit": factor.release_unit,
                        "factor_ids": factor_id,
                        "verification": factor.verification,
                        "class_code": factor.class_code,
                        "citation": factor.citation,
                    }
                    | summarise(released, det)
                )
    totals = _totals(arrays, days, library, gwp, draws)
    return Estimate(
        releases=pd.DataFrame(release_rows),
        totals=totals,
        mass_balance=pd.DataFrame(balance_rows),
        draws=draws,
        seed=seed,
        factor_set_version=library.version,
        gwp_set=gwp_set,
    )


def _totals(
    arrays: Mapping[tuple[str, str, str, str, str, str], list[tuple[np.ndarray, float, str]]],
    days: Mapping[tuple[str, str, str], float],
    library: FactorLibrary,
    gwp: Mapping[str, float],
    draws: int,
) -> pd.DataFrame:
    """Sum sources, add all-lines, CO2e and reduction rows."""
    # (period, site, line, pollutant, vector, unit) -> (draws, deterministic, factor ids)
    sums: dict[tuple[str, ...], tuple[np.ndarray, float, set[str]]] = {}

    def add(key: tuple[str, ...], values: np.ndarray, det: float, ids: set[str]) -> None:
        if key in sums:
            old = sums[key]
            sums[key] = (old[0] + values, old[1] + det, old[2] | ids)
        else:
            sums[key] = (values.copy(), det, set(ids))

    for (kind, site, line, pollutant, vector, unit), parts in arrays.items():
        values = np.sum([p[0] for p in parts], axis=0)
        det = sum(p[1] for p in parts)
        ids = {p[2] for p in parts}
        for s, ln in ((site, line), (ALL, ALL)):
            add((kind, s, ln, pollutant, vector, unit), values, det, ids)
            gas = GAS_OF_POLLUTANT.get(pollutant)
            if gas is not None:
                # Library gas factors are in kg of the gas; GWP makes them kg CO2e.
                add((kind, s, ln, "CO2e", "air", "kg CO2e"), values * gwp[gas], det * gwp[gas], ids)
    # Reduction over the post period: baseline at the post period's rate, minus post,
    # per line; the all-lines reduction is the sum of the lines' reductions.
    for key in sorted({k[1:] for k in sums if k[1] != ALL}):
        base = sums.get((BASELINE, *key))
        post = sums.get((POST, *key))
        if base is None or post is None:
            continue
        site, line = key[0], key[1]
        ratio = _duration_ratio(days, site, line)
        values = base[0] * ratio - post[0]
        det = base[1] * ratio - post[1]
        ids = base[2] | post[2]
        add((REDUCTION, *key), values, det, ids)
        add((REDUCTION, ALL, ALL, *key[2:]), values, det, ids)
    rows = []
    for (kind, site, line, pollutant, vector, unit), (values, det, ids) in sums.items():
        rows.append(
            {
                "period": kind,
                "site": site,
                "line": line,
                "pollutant": pollutant,
                "vector": vector,
                "unit": unit,
                "factor_ids": ";".join(sorted(ids)),
                "verification": _weakest([library[i].verification for i in ids]),
            }
            | summarise(values, det)
        )
    order = {kind: i for i, kind in enumerate(RESULT_PERIODS)}
    frame = pd.DataFrame(rows)
    frame["_order"] = frame["period"].map(order)
    frame["_all"] = frame["site"] == ALL
    frame = frame.sort_values(["_all", "site", "line", "pollutant", "vector", "_order"])
    return frame.drop(columns=["_order", "_all"]).reset_index(drop=True)


def _duration_ratio(days: Mapping[tuple[str, str, str], float], site: str, line: str) -> float:
    """Post over baseline period length of one line [-]."""
    base = days.get((BASELINE, site, line), 0.0)
    post = days.get((POST, site, line), 0.0)
    return post / base if base > 0 and post > 0 else 1.0
