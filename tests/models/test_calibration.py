"""Item 13: the reported 95 % intervals cover the truth in about 95 % of seeded trials.

Each trial draws a "true" activity and a "true" factor from the distributions the model
claims for them (triangular activity between low and high; a factor's own range from the
factor data: lognormal for the Toolkit 6b class 3 PCDD/F factor, triangular for the IPCC
CO2 factor of burned plastic), computes the true release, then asks the model, with a
different seed, for its 95 % interval. A model that draws what it documents covers the
truth in 95 % of trials, within the binomial error of the trial count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emission_factors.library import load_factors
from models.releases import estimate_releases, factor_spread
from tests.fixtures_activity import activity_rows

TRIALS = 250
LOW_KG, MODE_KG, HIGH_KG = 500.0, 1000.0, 2000.0


def _truth(shape: str, value: float, low: float, high: float, rng: np.random.Generator) -> float:
    if shape == "lognormal":
        sigma = np.log(high / low) / (2 * 1.96)
        return float(value * np.exp(sigma * rng.standard_normal()))
    return float(rng.triangular(low, value, high))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("factor_id", "pollutant"), [("6b3-pcddf-air", "PCDD/F"), ("ipcc-ob-plastic-co2", "CO2-fossil")]
)
def test_intervals_cover_the_truth_in_about_95_percent(factor_id: str, pollutant: str) -> None:
    library = load_factors()
    factor = library[factor_id]
    shape, low, high, _ = factor_spread(factor)
    rng = np.random.default_rng(12)
    # One line per trial in one estimate: each line's interval is its own marginal 95 %
    # interval (the factor draws are shared, the activity draws are not).
    rows = [
        row | {"line": f"trial-{trial}", "low": LOW_KG, "high": HIGH_KG}
        for trial in range(TRIALS)
        for row in activity_rows("baseline", {"residue_burned_kg": (MODE_KG, "kg")})
    ]
    truths = {
        f"trial-{trial}": rng.triangular(LOW_KG, MODE_KG, HIGH_KG)
        / 1000.0
        * _truth(shape, factor.value, low, high, rng)
        for trial in range(TRIALS)
    }
    result = estimate_releases(pd.DataFrame(rows), library, draws=2000, seed=7)
    releases = result.releases
    mine = releases[(releases["factor_ids"] == factor_id) & (releases["pollutant"] == pollutant)]
    assert len(mine) == TRIALS
    covered = sum(int(r.p2_5 <= truths[r.line] <= r.p97_5) for r in mine.itertuples(index=False))
    share = covered / TRIALS
    # Binomial standard error at 250 trials: 1.4 %; allow about 3 of them either way.
    assert 0.905 <= share <= 0.99, share
