"""The headline of a result row always lies inside its 95 % interval (issue 12 quirk).

Named case "post burning share with mode 0": the post period's open-burning share is
triangular with mode 0 and range 0-0.2, so every input at its mode burns nothing (the
deterministic release is 0) while every draw burns a little; the headline must then be
the median of the draws, and the table must say so.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from emission_factors.library import load_factors
from models.activity import ACTIVITY_COLUMNS
from models.draws import HEADLINE_BASES, headline
from models.mass_balance import Assumptions, Uncertain
from models.releases import estimate_releases
from tests.models.factor_rows import pcddf_factor

# An exact factor (low = high): the release's spread is the share's only.
EXACT = pcddf_factor("test-exact-pcddf-air", 40.0, "burned_t")
LIBRARY = load_factors(site_factors=[EXACT], site_origin="test")


def _post(share: Uncertain) -> Assumptions:
    return Assumptions(
        residue_share=Uncertain.exact(0.1),
        open_burn_share=share,
        landfill_share=Uncertain.exact(0.0),
        sources={"residue_open_burned": ("test-exact-pcddf-air",)},
    )


def _activity(processed_kg: float) -> pd.DataFrame:
    rows = [
        ("post", "s", "l", "processed_kg", processed_kg, processed_kg, processed_kg, "kg", "t"),
        ("post", "s", "l", "period_days", 1.0, 1.0, 1.0, "d", "clock"),
    ]
    return pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)


def _row(frame: pd.DataFrame) -> pd.Series:
    return frame[(frame["period"] == "post") & (frame["site"] == "s")].iloc[0]


def _post_estimate(burn_share: Uncertain, draws: int):
    """9 t processed under the post burning share ``burn_share``, seeded."""
    post = {"post": _post(burn_share)}
    return estimate_releases(_activity(9000.0), LIBRARY, assumptions=post, draws=draws, seed=7)


def test_post_burning_share_with_mode_zero_headline_is_median_inside_interval() -> None:
    # 9 t processed, residue share 0.1 -> intake 10 t, residue 1 t; burned = b x 1 t with
    # b ~ triangular(0, 0, 0.2): median b = 0.2 (1 - sqrt(1/2)) = 0.058579, so the median
    # release is 40 µg TEQ/t x 0.058579 t = 2.343 µg TEQ; every input at its mode gives 0.
    est = _post_estimate(Uncertain(0.0, 0.0, 0.2), 20_000)
    for frame in (est.totals, est.releases):
        row = _row(frame)
        assert row["deterministic"] == 0.0
        assert row["headline"] == row["median"]
        assert row["median"] == pytest.approx(40.0 * 0.2 * (1 - math.sqrt(0.5)), rel=0.03)
        assert row["p2_5"] <= row["headline"] <= row["p97_5"]
        assert row["p2_5"] > 0.0  # the deterministic 0 lies outside: the cause of the quirk
        assert row["headline_basis"] == HEADLINE_BASES[2]


def test_symmetric_share_keeps_the_deterministic_headline() -> None:
    # Mode 0.1 inside 0-0.2: the deterministic 40 x 0.1 x 1 t = 4 µg TEQ is inside.
    row = _row(_post_estimate(Uncertain(0.1, 0.0, 0.2), 5_000).totals)
    assert row["headline"] == row["deterministic"] == pytest.approx(4.0)
    assert row["headline_basis"] == HEADLINE_BASES[0]


def test_headline_rule_by_hand() -> None:
    # one factor inside -> deterministic; one factor outside -> median; a sum -> median
    value, basis = headline(
        np.array([1.0, 0.0, 5.0]),
        np.array([1.1, 0.3, 4.0]),
        np.array([0.5, 0.1, 3.0]),
        np.array([2.0, 1.0, 6.0]),
        np.array([True, True, False]),
    )
    assert value.tolist() == [1.0, 0.3, 4.0]
    assert basis.tolist() == [HEADLINE_BASES[0], HEADLINE_BASES[2], HEADLINE_BASES[1]]
