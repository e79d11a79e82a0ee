r"""Two-sample statistics of daily values: effect sizes and bootstrap intervals.

What :func:`models.comparison.compare_indicators` computes for each indicator, on the
days of the baseline and post periods (and of a control group); the methods and their
references are in :mod:`models.comparison`'s docstring.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy import stats

from models.errors import ModelError

__all__ = [
    "BOOTSTRAP_METHODS",
    "bootstrap_interval",
    "cliffs_delta",
    "diff_of_means",
    "hedges_g",
]

#: Bootstrap interval methods of :func:`scipy.stats.bootstrap` we offer.
BOOTSTRAP_METHODS: tuple[str, ...] = ("BCa", "percentile")


def hedges_g(baseline: np.ndarray, post: np.ndarray) -> float:
    """Hedges' *g* of post minus baseline [-]; NaN without spread.

    >>> round(hedges_g(np.array([1.0, 2.0, 3.0]), np.array([3.0, 4.0, 5.0])), 4)
    1.6
    """
    nx, ny = len(baseline), len(post)
    if nx < 2 or ny < 2:
        return float("nan")
    pooled = ((nx - 1) * np.var(baseline, ddof=1) + (ny - 1) * np.var(post, ddof=1)) / (nx + ny - 2)
    if not pooled > 0:
        return float("nan")
    correction = 1.0 - 3.0 / (4.0 * (nx + ny) - 9.0)
    return float(correction * (np.mean(post) - np.mean(baseline)) / np.sqrt(pooled))


def cliffs_delta(baseline: np.ndarray, post: np.ndarray) -> float:
    """Cliff's delta, P(post > baseline) - P(post < baseline) [-], in [-1, 1].

    >>> cliffs_delta(np.array([1.0, 2.0]), np.array([2.0, 3.0]))
    0.75
    """
    if len(baseline) == 0 or len(post) == 0:
        return float("nan")
    signs = np.sign(np.subtract.outer(post, baseline))
    return float(signs.mean())


def diff_of_means(*samples: np.ndarray, axis: int = -1) -> np.ndarray:
    """Post minus baseline mean; with four samples (pilot baseline, pilot post, control
    baseline, control post) the difference in differences."""
    means = [np.mean(s, axis=axis) for s in samples]
    if len(means) == 2:
        return means[1] - means[0]
    return (means[1] - means[0]) - (means[3] - means[2])


def bootstrap_interval(
    samples: Sequence[np.ndarray],
    *,
    seed: int | Sequence[int],
    n_resamples: int = 9999,
    confidence_level: float = 0.95,
    method: str = "BCa",
) -> tuple[float, float]:
    """Bootstrap interval of the difference of means (two samples: baseline, post) or of
    the difference in differences (four samples), resampling each sample on its own.

    Returns ``(nan, nan)`` when scipy cannot form the interval (degenerate data).

    >>> base, post = np.array([1.0, 2.0, 3.0, 4.0]), np.array([5.0, 6.0, 7.0, 8.0])
    >>> low, high = bootstrap_interval([base, post], seed=1, n_resamples=999)
    >>> 2.0 < low < 4.0 < high < 6.0
    True
    """
    if method not in BOOTSTRAP_METHODS:
        raise ModelError(f"bootstrap method {method!r}: use one of {', '.join(BOOTSTRAP_METHODS)}")
    with warnings.catch_warnings():
        # Degenerate resamples warn and give NaN; NaN is the answer we report.
        warnings.simplefilter("ignore")
        result = stats.bootstrap(
            tuple(np.asarray(s, dtype=float) for s in samples),
            diff_of_means,
            n_resamples=n_resamples,
            vectorized=True,
            paired=False,
            confidence_level=confidence_level,
            method=method,
            rng=np.random.default_rng(seed),
        )
    interval = result.confidence_interval
    return float(interval.low), float(interval.high)
