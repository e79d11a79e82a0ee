"""numpy alone, bit for bit what scipy gives: Monte Carlo draws and the trapezoid.

models.draws draws triangular and lognormal quantities with numpy, and models.measures
integrates by its own trapezoid, so the evaluator's commands need not import
scipy.stats (0.7 s) or scipy.integrate (0.4 s); seeded results must not move.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, stats

from emission_factors.library import load_factors
from models.draws import factor_draws, triangular_draws
from models.mass_balance import Uncertain
from models.measures import trapezoid


def test_triangular_draws_equal_scipy_triang_bit_for_bit() -> None:
    cases = np.random.default_rng(2019)
    for _ in range(100):
        low, high = sorted(cases.uniform(-5.0, 100.0, 2))
        mode = cases.uniform(low, high)
        seed, n = int(cases.integers(1e9)), int(cases.integers(1, 3000))
        got = triangular_draws(Uncertain(mode, low, high), n, np.random.default_rng(seed))
        c = (mode - low) / (high - low)
        want = stats.triang(c, loc=low, scale=high - low).rvs(
            size=n, random_state=np.random.default_rng(seed)
        )
        assert np.array_equal(got, want)


def test_factor_draws_equal_scipy_lognorm_bit_for_bit() -> None:
    factor = load_factors()["6b3-pcddf-air"]  # lognormal, 95 % range 4-400 µg TEQ/t
    sigma = np.log(factor.high / factor.low) / (2 * 1.96)
    got = factor_draws(factor, 10_000, np.random.default_rng(7))
    want = stats.lognorm(s=sigma, scale=factor.value).rvs(
        size=10_000, random_state=np.random.default_rng(7)
    )
    assert np.array_equal(got, want)
    assert np.median(got) == np.float64(np.median(want))


def test_trapezoid_equals_scipy_integrate_bit_for_bit() -> None:
    cases = np.random.default_rng(5)
    for n in (2, 3, 17, 1000, 86_400):
        x = np.cumsum(cases.uniform(0.0, 2.0, n))
        y = cases.normal(60.0, 20.0, n)
        assert trapezoid(y, x) == float(integrate.trapezoid(y, x))
