"""Before/after comparison statistics: interval coverage on seeded samples with a known
shift, known answers against scipy, the flags, and difference-in-differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from models.comparison import (
    COMPARISON_COLUMNS,
    INDICATORS,
    bootstrap_interval,
    cliffs_delta,
    compare_indicators,
    hedges_g,
)
from models.errors import ModelError

DAY0 = pd.Timestamp("2019-06-03")


def _daily(
    baseline: np.ndarray,
    post: np.ndarray,
    *,
    indicator: str = "specific_energy_kwh_per_kg",
    group: str = "pilot",
    **extra: object,
) -> pd.DataFrame:
    values = np.r_[baseline, post]
    frame = pd.DataFrame(
        {
            "indicator": indicator,
            "group": group,
            "period": ["baseline"] * len(baseline) + ["post"] * len(post),
            "day": [DAY0 + pd.Timedelta(days=i) for i in range(len(values))],
            "value": values,
        }
    )
    return frame.assign(**extra)


@pytest.mark.parametrize("method", ["BCa", "percentile"])
def test_interval_covers_a_known_shift_in_at_least_93_of_100_trials(method):
    # 90 days per period: a three-month survey season before and after the pilot.
    true_shift, days, covered, widths = -0.35, 90, 0, []
    for trial in range(100):
        rng = np.random.default_rng([2019, trial])
        baseline = rng.normal(1.2, 0.4, days)
        post = rng.normal(1.2 + true_shift, 0.4, days)
        low, high = bootstrap_interval(
            [baseline, post], seed=[trial, 1], n_resamples=999, method=method
        )
        covered += low <= true_shift <= high
        widths.append(high - low)
    assert covered >= 93
    # Not trivially wide: about 2 x 1.96 x 0.4 x sqrt(2/90) = 0.23.
    assert 0.18 < float(np.mean(widths)) < 0.28


def test_statistics_equal_scipy_and_the_textbook_formulas():
    rng = np.random.default_rng(5)
    baseline, post = rng.lognormal(0.0, 0.5, 25), rng.lognormal(-0.3, 0.5, 31)
    row = compare_indicators(_daily(baseline, post), n_resamples=999).iloc[0]
    t = stats.ttest_ind(post, baseline, equal_var=False)
    u = stats.mannwhitneyu(post, baseline, alternative="two-sided")
    assert row["welch_t"] == pytest.approx(t.statistic, rel=1e-12)
    assert row["welch_p"] == pytest.approx(t.pvalue, rel=1e-12)
    assert row["mannwhitney_u"] == u.statistic
    assert row["mannwhitney_p"] == pytest.approx(u.pvalue, rel=1e-12)
    assert row["difference"] == pytest.approx(post.mean() - baseline.mean())
    assert row["ratio"] == pytest.approx(post.mean() / baseline.mean())
    nx, ny = len(baseline), len(post)
    pooled = np.sqrt(
        ((nx - 1) * baseline.var(ddof=1) + (ny - 1) * post.var(ddof=1)) / (nx + ny - 2)
    )
    g = (1 - 3 / (4 * (nx + ny) - 9)) * (post.mean() - baseline.mean()) / pooled
    assert row["hedges_g"] == pytest.approx(g)
    assert row["cliffs_delta"] == pytest.approx(2 * u.statistic / (nx * ny) - 1)
    assert row["ci_low"] < row["difference"] < row["ci_high"]
    assert row["ci_method"] == "BCa"
    assert (row["n_baseline"], row["n_post"], row["conclusive"]) == (25, 31, True)


def test_effect_sizes_on_small_known_cases():
    assert hedges_g(np.array([1.0, 2.0, 3.0]), np.array([3.0, 4.0, 5.0])) == pytest.approx(1.6)
    assert np.isnan(hedges_g(np.array([1.0, 1.0]), np.array([1.0, 1.0])))
    assert cliffs_delta(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 1.0
    assert cliffs_delta(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == -1.0


def test_too_few_days_is_flagged_and_one_day_gives_no_statistics():
    rng = np.random.default_rng(3)
    few = compare_indicators(_daily(rng.normal(1, 0.1, 5), rng.normal(0.5, 0.1, 20))).iloc[0]
    assert few["flag"] == "too_few_days"
    assert not few["conclusive"]
    assert np.isfinite(few["ci_low"])  # computed, but not to be concluded from
    single = compare_indicators(_daily(np.array([1.0]), rng.normal(0.5, 0.1, 20))).iloc[0]
    assert single["flag"] == "too_few_days"
    assert np.isnan(single["ci_low"])
    assert np.isnan(single["welch_t"])
    assert single["difference"] == pytest.approx(single["post_mean"] - 1.0)
    lenient = compare_indicators(
        _daily(rng.normal(1, 0.1, 5), rng.normal(0.5, 0.1, 5)), min_days=5
    ).iloc[0]
    assert lenient["conclusive"]


def test_incomplete_periods_are_flagged():
    rng = np.random.default_rng(4)
    baseline = rng.normal(1, 0.1, 30)
    baseline[:10] = np.nan  # ten days without data: completeness 2/3
    row = compare_indicators(_daily(baseline, rng.normal(0.5, 0.1, 30))).iloc[0]
    assert row["n_baseline"] == 20
    assert row["completeness_baseline"] == pytest.approx(2 / 3)
    assert row["flag"] == "incomplete"
    half = _daily(rng.normal(1, 0.1, 30), rng.normal(0.5, 0.1, 30), completeness=0.5)
    row = compare_indicators(half, min_completeness=0.4).iloc[0]
    assert (row["completeness_post"], row["flag"]) == (0.5, "")
    assert compare_indicators(half).iloc[0]["flag"] == "incomplete"


def test_identical_days_are_flagged_no_variation():
    row = compare_indicators(_daily(np.full(10, 2.0), np.full(10, 2.0))).iloc[0]
    assert row["flag"] == "no_variation"
    assert (row["ci_low"], row["ci_high"], row["difference"]) == (0.0, 0.0, 0.0)


def test_difference_in_differences_on_constructed_data():
    noise = np.tile([-0.2, 0.2, -0.1, 0.1], 5)  # 20 days, mean exactly zero
    pilot = _daily(10.0 + noise, 6.0 + noise, indicator="residue_burned_kg_per_day")
    control = _daily(
        9.0 + noise, 8.0 + noise, indicator="residue_burned_kg_per_day", group="control"
    )
    row = compare_indicators(pd.concat([pilot, control]), n_resamples=999).iloc[0]
    # (6 - 10) - (8 - 9) = -3: the pilot's change minus the change the control saw anyway
    assert row["did"] == pytest.approx(-3.0)
    assert row["did_ci_low"] < -3.0 < row["did_ci_high"] < 0.0
    assert (row["n_control_baseline"], row["n_control_post"], row["did_flag"]) == (20, 20, "")
    assert row["difference"] == pytest.approx(-4.0)
    short = compare_indicators(pd.concat([pilot, control.iloc[:23]]), n_resamples=999).iloc[0]
    assert short["did_flag"] == "too_few_days"
    assert np.isnan(compare_indicators(pilot, n_resamples=999).iloc[0]["did"])


def test_output_is_tidy_seeded_and_independent_of_indicator_order():
    rng = np.random.default_rng(8)
    first = _daily(rng.normal(1, 0.2, 15), rng.normal(0.8, 0.2, 15))
    second = _daily(rng.normal(5, 1, 15), rng.normal(3, 1, 15), indicator="upops_ug_teq_per_day")
    both = compare_indicators(pd.concat([second, first]), n_resamples=999)
    alone = compare_indicators(first, n_resamples=999)
    assert list(both.columns) == list(COMPARISON_COLUMNS)
    assert list(both["indicator"]) == sorted(["specific_energy_kwh_per_kg", "upops_ug_teq_per_day"])
    assert list(both["unit"]) == [INDICATORS["specific_energy_kwh_per_kg"], "µg TEQ/d"]
    pd.testing.assert_frame_equal(both.iloc[[0]].reset_index(drop=True), alone)
    other_seed = compare_indicators(first, n_resamples=999, seed=1).iloc[0]
    assert other_seed["ci_low"] != alone.iloc[0]["ci_low"]


def test_by_site_compares_each_site_with_its_own_control():
    rng = np.random.default_rng(9)
    parts = []
    for site, drop in (("minh-khai", 0.6), ("phan-boi", 0.2)):
        parts.append(_daily(rng.normal(1, 0.05, 10), rng.normal(1 - drop, 0.05, 10), site=site))
    table = compare_indicators(pd.concat(parts), by=("site",), n_resamples=999)
    assert list(table.columns[:2]) == ["indicator", "site"]
    drops = dict(zip(table["site"], table["difference"], strict=True))
    assert drops["minh-khai"] == pytest.approx(-0.6, abs=0.1)
    assert drops["phan-boi"] == pytest.approx(-0.2, abs=0.1)


def test_bad_input_is_a_model_error_saying_what_to_fix():
    good = _daily(np.ones(3), np.ones(3))
    with pytest.raises(ModelError, match="lack column"):
        compare_indicators(good.drop(columns="period"))
    with pytest.raises(ModelError, match="unknown group"):
        compare_indicators(good.assign(group="treated"))
    with pytest.raises(ModelError, match="has no unit"):
        compare_indicators(good.assign(indicator="mystery"))
    assert compare_indicators(good.assign(indicator="mystery", unit="kg")).iloc[0]["unit"] == "kg"
    with pytest.raises(ModelError, match="min_days"):
        compare_indicators(good, min_days=1)
    with pytest.raises(ModelError, match="bootstrap method"):
        bootstrap_interval([np.ones(3), np.arange(3.0)], seed=1, method="basic")
