"""Residue measured, surveyed or assumed; the intake − processed check; the line's own
processing under a configured sensitivity factor (issue 12 items 2 and 3).

Every case has a known answer by hand. Shares and factors are exact (low = high), so
the deterministic values are the hand arithmetic.
"""

from __future__ import annotations

import pandas as pd
import pytest

from emission_factors.library import load_factors
from models.activity import ACTIVITY_COLUMNS
from models.mass_balance import Assumptions, Uncertain
from models.releases import estimate_releases
from models.residue_balance import ASSUMED_FATE_SHARES, ASSUMED_RESIDUE_SHARE
from tests.models.factor_rows import pcddf_factor

BURN = pcddf_factor("t-burn", 40.0, "burned_t")
PROCESS = pcddf_factor("t-process", 2.0, "processed_t", low=1.0, high=3.0)
LIBRARY = load_factors(site_factors=[BURN, PROCESS], site_origin="test")


def _assume(*, burn: float = 0.5, tolerance: float = 0.10, processing: bool = False):
    sources = {"residue_open_burned": ("t-burn",)}
    if processing:
        sources["line_processing"] = ("t-process",)
    return Assumptions(
        residue_share=Uncertain(0.10, 0.05, 0.15),
        open_burn_share=Uncertain.exact(burn),
        landfill_share=Uncertain.exact(1.0),
        sources=sources,
        residue_check_tolerance=tolerance,
    )


def _rows(**quantities: tuple[float, str]) -> pd.DataFrame:
    rows = [
        ("post", "s", "l", name, value, value, value, "kg", source)
        for name, (value, source) in quantities.items()
    ]
    rows.append(("post", "s", "l", "period_days", 1.0, 1.0, 1.0, "d", "clock"))
    return pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)


def _run(activity: pd.DataFrame, assume: Assumptions, draws: int = 2000):
    return estimate_releases(activity, LIBRARY, assumptions={"post": assume}, draws=draws, seed=1)


def _flow(est, flow: str) -> pd.Series:
    return est.mass_balance.set_index("flow").loc[flow]


def _pcddf(est) -> pd.Series:
    t = est.totals
    return t[(t["period"] == "post") & (t["site"] == "s") & (t["pollutant"] == "PCDD/F")].iloc[0]


def test_measured_residue_replaces_the_assumed_share() -> None:
    # Named case "residue weighed": 9 t processed, 1.5 t residue on the scale, half burned:
    # burned 0.75 t x 40 µg TEQ/t = 30 µg TEQ; intake (not weighed) = 9 + 1.5 = 10.5 t. The
    # assumed share (0.10) would give 1 t of residue and 20 µg TEQ.
    est = _run(_rows(processed_kg=(9000.0, "measured"), residue_kg=(1500.0, "measured")), _assume())
    assert _flow(est, "residue_t")["deterministic"] == pytest.approx(1.5)
    assert _flow(est, "residue_t")["basis"] == "measured"
    assert _flow(est, "residue_t")["p2_5"] == _flow(est, "residue_t")["p97_5"] == 1.5
    assert _flow(est, "intake_t")["deterministic"] == pytest.approx(10.5)
    assert _flow(est, "residue_open_burned_t")["basis"] == "assumed shares"
    assert _pcddf(est)["deterministic"] == pytest.approx(30.0)
    tags = _pcddf(est)["evidence"].split("; ")
    assert "residue measured" in tags
    assert ASSUMED_FATE_SHARES in tags
    assert ASSUMED_RESIDUE_SHARE not in tags


def test_assumed_residue_share_is_flagged_assumed() -> None:
    # 9 t processed, no scale: intake 9 / 0.9 = 10 t, residue 1 t (assumed), 0.5 t burned.
    est = _run(_rows(processed_kg=(9000.0, "measured")), _assume())
    assert _flow(est, "residue_t")["deterministic"] == pytest.approx(1.0)
    assert _flow(est, "residue_t")["basis"] == "assumed share"
    assert _pcddf(est)["deterministic"] == pytest.approx(20.0)
    assert ASSUMED_RESIDUE_SHARE in _pcddf(est)["evidence"].split("; ")
    assert est.residue_check.empty  # no intake weighed: nothing to check


def test_surveyed_residue_is_tagged_surveyed() -> None:
    est = _run(
        _rows(processed_kg=(9000.0, "measured"), residue_kg=(2000.0, "surveyed: q2020")),
        _assume(),
    )
    assert _flow(est, "residue_t")["basis"] == "surveyed"
    assert _pcddf(est)["deterministic"] == pytest.approx(40.0)  # 2 t x 0.5 x 40
    assert "residue surveyed" in _pcddf(est)["evidence"]


@pytest.mark.parametrize(
    ("residue_kg", "tolerance", "agreement"),
    [
        # I = 10 t, P = 8.5 t: I - P = 1.5 t. Residue 1 t: off by 0.5 t = 5 % of I.
        (1000.0, 0.10, "agrees"),
        (1000.0, 0.04, "disagrees"),
        # Residue 1.5 t: I - P - R = 0.
        (1500.0, 0.0, "agrees"),
    ],
)
def test_intake_minus_processed_check(residue_kg: float, tolerance: float, agreement: str) -> None:
    est = _run(
        _rows(
            intake_kg=(10_000.0, "measured"),
            processed_kg=(8500.0, "measured"),
            residue_kg=(residue_kg, "measured"),
        ),
        _assume(tolerance=tolerance),
    )
    row = est.residue_check.iloc[0]
    assert row["intake_minus_processed_t"] == pytest.approx(1.5)
    assert row["residue_t"] == pytest.approx(residue_kg / 1000)
    assert row["difference_t"] == pytest.approx(1.5 - residue_kg / 1000)
    assert row["residue_basis"] == "measured"
    assert row["agreement"] == agreement


def test_check_against_the_assumed_residue() -> None:
    # I = 10 t, P = 8 t, no scale: R = 0.10 x 10 t = 1 t assumed; I - P = 2 t; off by 1 t
    # = 10 % of I: agrees at the default 0.10 (the edge is inside), flagged at 0.09.
    activity = _rows(intake_kg=(10_000.0, "measured"), processed_kg=(8000.0, "measured"))
    row = _run(activity, _assume()).residue_check.iloc[0]
    assert (row["residue_basis"], row["difference_t"]) == ("assumed", pytest.approx(1.0))
    assert row["agreement"] == "agrees"
    assert _run(activity, _assume(tolerance=0.09)).residue_check.iloc[0]["agreement"] == (
        "disagrees"
    )


def test_surveyed_intake_is_not_checked() -> None:
    activity = _rows(intake_kg=(10_000.0, "surveyed: q"), processed_kg=(8000.0, "measured"))
    assert _run(activity, _assume()).residue_check.empty


def test_line_processing_sensitivity_factor_is_its_own_source_row() -> None:
    # 9 t processed x 2 µg TEQ/t = 18 µg TEQ from the line itself, plus 20 from burning.
    est = _run(_rows(processed_kg=(9000.0, "measured")), _assume(processing=True))
    sources = est.sources
    own = sources[(sources["source"] == "line_processing") & (sources["site"] == "s")].iloc[0]
    assert own["deterministic"] == pytest.approx(18.0)
    assert own["factor_ids"] == "t-process"
    assert 9.0 <= own["p2_5"] <= own["headline"] <= own["p97_5"] <= 27.0
    assert _pcddf(est)["deterministic"] == pytest.approx(38.0)
    every = sources[(sources["source"] == "line_processing") & (sources["site"] == "all")]
    assert every.iloc[0]["deterministic"] == pytest.approx(18.0)


def test_without_the_factor_no_line_processing_row() -> None:
    est = _run(_rows(processed_kg=(9000.0, "measured")), _assume())
    assert "line_processing" not in set(est.sources["source"])
    assert _pcddf(est)["deterministic"] == pytest.approx(20.0)
