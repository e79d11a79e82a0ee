"""Monte Carlo draws of factors and activities, and the statistics of a result row.

A factor draws from its own spread in the factor data (``distribution``, ``low``,
``high``, with the reason in ``spread_reason``): physical bounds for CO2 (carbon
content), a tight range for the grid factor, the Toolkit's order-of-magnitude reading
for Toolkit factors. A factor without one falls back on its confidence
(:data:`FALLBACK_SPREAD`, configurable as ``[assumptions] factor_spread_<level>``;
:func:`with_fallback_spread`): lognormal with the factor as median and a 95 % range of
×/÷3, ×/÷5 and ×/÷10 for high, medium and low, our assumption (the Toolkit gives only a
qualitative level of confidence). Activities and shares draw triangular.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from emission_factors.library import EmissionFactor
from models.mass_balance import Uncertain

__all__ = [
    "FALLBACK_SPREAD",
    "HEADLINE_BASES",
    "SIGMA_OF_CONFIDENCE",
    "SUMMARY_COLUMNS",
    "factor_draws",
    "factor_spread",
    "headline",
    "summarise",
    "triangular_draws",
    "with_fallback_spread",
]

#: Default 95 % range ×/÷k of a factor without its own range, per confidence level [-].
#: Our assumption (module docstring); the configuration may set others.
FALLBACK_SPREAD: dict[str, float] = {"high": 3.0, "medium": 5.0, "low": 10.0}
#: Log-standard deviation of the lognormal fallback per confidence level [-]: ln(k) / 1.96.
SIGMA_OF_CONFIDENCE: dict[str, float] = {
    level: math.log(k) / 1.96 for level, k in FALLBACK_SPREAD.items()
}
#: Statistics of every result row.
SUMMARY_COLUMNS = ["deterministic", "mean", "median", "p2_5", "p97_5", "mean_se"]


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


#: What a result row's ``headline`` is (column ``headline_basis``): the deterministic
#: value (every mode and factor value; one factor, whose value is its distribution's
#: median), the median of the draws (a sum of several factors), or the median of the draws
#: because the deterministic value lies outside the 95 % interval. The last happens when
#: an input's range is lopsided: a share with mode 0 and range 0-0.2 gives a
#: deterministic release of 0, while every draw burns something.
HEADLINE_BASES: tuple[str, str, str] = (
    "deterministic",
    "median of draws",
    "median of draws (deterministic outside the interval: lopsided input range)",
)
#: Relative slack of the interval test, for sums whose draws and deterministic value
#: add the same numbers in another order [-].
_EDGE_RTOL = 1e-9


def headline(
    deterministic: np.ndarray,
    median: np.ndarray,
    p2_5: np.ndarray,
    p97_5: np.ndarray,
    single: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The headline of result rows and its basis (:data:`HEADLINE_BASES`), element-wise.

    One factor: the deterministic value, unless it lies outside ``[p2_5, p97_5]``; then,
    and for a sum of several factors, the median of the draws. The headline therefore
    always lies inside its 95 % interval.

    >>> value, basis = headline(np.array([0.0, 2.0]), np.array([0.4, 2.1]),
    ...     np.array([0.02, 1.0]), np.array([4.0, 3.0]), np.array([True, True]))
    >>> value.tolist(), [b[:15] for b in basis]
    ([0.4, 2.0], ['median of draws', 'deterministic'])
    """
    det = np.asarray(deterministic, dtype=float)
    low, high = np.asarray(p2_5, dtype=float), np.asarray(p97_5, dtype=float)
    slack = _EDGE_RTOL * np.maximum(np.abs(low), np.abs(high))
    inside = (det >= low - slack) & (det <= high + slack)
    single = np.asarray(single, dtype=bool)
    use_det = single & inside
    value = np.where(use_det, det, np.asarray(median, dtype=float))
    basis = np.where(
        use_det, HEADLINE_BASES[0], np.where(single, HEADLINE_BASES[2], HEADLINE_BASES[1])
    )
    return value, basis


def triangular_draws(u: Uncertain, draws: int, rng: np.random.Generator) -> np.ndarray:
    if u.high == u.low:
        return np.full(draws, u.mode)
    c = (u.mode - u.low) / (u.high - u.low)
    # scipy.stats.triang(c, loc, scale).rvs draws exactly this, bit for bit; numpy alone
    # spares the evaluator's commands the 0.7 s import of scipy.stats.
    return rng.triangular(0.0, c, 1.0, draws) * (u.high - u.low) + u.low


def factor_draws(factor: EmissionFactor, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of one factor: its own spread from the factor data (``distribution``,
    ``low``, ``high``, with its reason there), else the confidence fallback."""
    if factor.value == 0.0:
        return np.zeros(draws)
    if factor.distribution == "triangular" and factor.low is not None and factor.high is not None:
        return triangular_draws(Uncertain(factor.value, factor.low, factor.high), draws, rng)
    if factor.distribution == "lognormal" and factor.low and factor.high:
        sigma = math.log(factor.high / factor.low) / (2 * 1.96)
    else:
        sigma = SIGMA_OF_CONFIDENCE[factor.confidence]
    # scipy.stats.lognorm(s=sigma, scale=value).rvs, bit for bit (see triangular_draws).
    return np.exp(sigma * rng.standard_normal(draws)) * factor.value


def with_fallback_spread(
    factor: EmissionFactor, spread: Mapping[str, float], origin: str
) -> EmissionFactor:
    """``factor`` as it is when it has its own range in the data, else with the lognormal
    95 % range ``value ×/÷ spread[confidence]`` written into it, ``origin`` naming where
    that spread is set (e.g. ``[assumptions] factor_spread_low``).

    >>> from emission_factors.library import load_factors
    >>> f = with_fallback_spread(load_factors()["ipcc-ob-ch4"], {"low": 4.0}, "test")
    >>> f.distribution, f.low, f.high
    ('lognormal', 1.625, 26.0)
    """
    if factor.distribution and factor.low is not None and factor.high is not None:
        return factor
    k = spread[factor.confidence]
    return dataclasses.replace(
        factor,
        distribution="lognormal",
        low=factor.value / k,
        high=factor.value * k,
        spread_reason=f"fallback: confidence {factor.confidence} read as x/÷{k:g} "
        f"(our assumption; {origin})",
    )


def factor_spread(factor: EmissionFactor) -> tuple[str, float, float, str]:
    """(distribution, low, high, reason) of a factor's 95 % range, as the Monte Carlo
    draws it: the factor data's own range, else the confidence fallback.

    >>> from emission_factors.library import load_factors
    >>> shape, low, high, reason = factor_spread(load_factors()["ipcc-ob-ch4"])
    >>> shape, round(low, 3), round(high, 3), reason.split(":")[0]
    ('lognormal', 0.65, 65.0, 'fallback')
    """
    spread = with_fallback_spread(factor, FALLBACK_SPREAD, "models.draws.FALLBACK_SPREAD")
    return spread.distribution, spread.low, spread.high, spread.spread_reason  # type: ignore[return-value]
