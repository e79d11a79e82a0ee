"""Known answers: every factor tagged ``verified`` against the table it was read in.

Each case names the table and page where the number was read, so a changed value or a
changed status shows up here with the place to look it up again.
"""

from __future__ import annotations

import pytest

from emission_factors.library import gwp_verification, load_factors, load_gwp

LIBRARY = load_factors()

#: (factor id, value in the library's unit, where it was read).
VERIFIED = [
    ("6b1-dlpcb-air", 30.0, "Toolkit 2013 Annex 46 Table III.46.1: 6b class 1 -> 30 µg TEQ/t air"),
    ("6b3-dlpcb-air", 2.0, "Toolkit 2013 Annex 46 Table III.46.1: 6b class 3 -> 2 µg TEQ/t air"),
    ("2l1-dlpcb-air", 400.0, "Toolkit 2013 Annex 27 Table III.27.1: 2l class 1 -> 400 µg TEQ/t"),
    ("ipcc-sc-coal-co2", 98_300.0, "IPCC 2006 Vol. 2 Table 2.5 p. 2.22: anthracite CO2 98 300"),
    ("ipcc-sc-coal-ch4", 300.0, "IPCC 2006 Vol. 2 Table 2.5 p. 2.22: anthracite CH4 300 kg/TJ"),
    ("ipcc-sc-coal-n2o", 1.5, "IPCC 2006 Vol. 2 Table 2.5 p. 2.22: anthracite N2O 1.5 kg/TJ"),
    ("ipcc-sc-wood-ch4", 300.0, "IPCC 2006 Vol. 2 Table 2.5 p. 2.23: wood/wood waste CH4 300"),
    ("ipcc-sc-wood-n2o", 4.0, "IPCC 2006 Vol. 2 Table 2.5 p. 2.23: wood/wood waste N2O 4 kg/TJ"),
    ("ipcc-sc-lpg-co2", 63_100.0, "IPCC 2006 Vol. 2 Table 2.5 p. 2.22: LPG CO2 63 100 kg/TJ"),
    ("ipcc-sc-lpg-ch4", 5.0, "IPCC 2006 Vol. 2 Table 2.5 p. 2.22: LPG CH4 5 kg/TJ"),
    ("ipcc-sc-lpg-n2o", 0.1, "IPCC 2006 Vol. 2 Table 2.5 p. 2.22: LPG N2O 0.1 kg/TJ"),
    ("ipcc-sc-msw-co2", 91_700.0, "IPCC 2006 Vol. 2 Table 2.5 p. 2.23: MSW non-biomass CO2 91 700"),
    ("ipcc-sc-msw-ch4", 300.0, "IPCC 2006 Vol. 2 Table 2.5 p. 2.23: MSW non-biomass CH4 300 kg/TJ"),
    ("ipcc-sc-msw-n2o", 4.0, "IPCC 2006 Vol. 2 Table 2.5 p. 2.23: MSW non-biomass N2O 4 kg/TJ"),
    ("ipcc-ob-ch4", 6.5, "IPCC 2006 Vol. 5 Sect. 5.4.2 p. 5.20: open burning CH4 6500 g/t wet"),
    ("ipcc-ob-n2o", 0.15, "IPCC 2006 Vol. 5 Table 5.6 p. 5.22: MSW open burning N2O 150 g/t dry"),
    # Eq. 5.1 (p. 5.7) with Vol. 5 Ch. 2 Table 2.4 plastics dm 1.00, CF 0.75, FCF 1.00
    # (p. 2.14) and Ch. 5 Table 5.2 open-burning OF 0.58 (p. 5.18): 1.595 t CO2/t.
    ("ipcc-ob-plastic-co2", 1.00 * 0.75 * 1.00 * 0.58 * 44 / 12 * 1000, "IPCC 2006 Vol. 5 Eq. 5.1"),
]

#: (factor id, low, high): ranges read in the same tables as their factor.
VERIFIED_RANGES = [
    ("ipcc-sc-coal-co2", 94_600.0, 101_000.0),  # Table 2.5 p. 2.22; Table 1.4 p. 1.23
    ("ipcc-sc-lpg-co2", 61_600.0, 65_600.0),  # Table 2.5 p. 2.22; Table 1.4 p. 1.23
    ("ipcc-sc-msw-co2", 73_300.0, 121_000.0),  # Table 2.5 p. 2.23; Table 1.4 p. 1.24
    # Table 2.4 p. 2.14: plastics carbon fraction 67-85 %; low at OF 0.58, high fully oxidised.
    ("ipcc-ob-plastic-co2", 0.67 * 0.58 * 44 / 12 * 1000, 0.85 * 44 / 12 * 1000),
]


@pytest.mark.parametrize(("factor_id", "value", "where"), VERIFIED)
def test_verified_value_is_the_one_read_in_its_table(
    factor_id: str, value: float, where: str
) -> None:
    factor = LIBRARY[factor_id]
    assert factor.value == pytest.approx(value, rel=1e-3), where
    assert factor.verification == "verified", where


def test_the_verified_list_covers_every_verified_factor() -> None:
    # A factor newly tagged "verified" needs its known answer above.
    tagged = {f.id for f in LIBRARY.values() if f.verification == "verified"}
    assert tagged == {factor_id for factor_id, _, _ in VERIFIED}


@pytest.mark.parametrize(("factor_id", "low", "high"), VERIFIED_RANGES)
def test_verified_range_is_the_one_read_in_its_table(
    factor_id: str, low: float, high: float
) -> None:
    factor = LIBRARY[factor_id]
    assert factor.low == pytest.approx(low, rel=1e-3)
    assert factor.high == pytest.approx(high, rel=1e-3)
    assert "verified" in factor.spread_reason


def test_toolkit_pcddf_values_not_read_stay_unverified() -> None:
    # The Part II 6b/3e tables and Annex 4 could not be read (December 2026): the PCDD/F
    # values keep their status, and their note says what was tried.
    for factor_id in ("6b1-pcddf-air", "6b3-pcddf-air", "6b3-pcddf-land", "3e-coal-pcddf-air"):
        assert LIBRARY[factor_id].verification == "unverified"
        assert "re-check" in LIBRARY[factor_id].note


def test_gwp_status_is_the_weakest_of_the_set() -> None:
    # AR4 (Table 2.14 via TS.2 in a third-party copy): secondary; AR5 not read: unverified;
    # AR6 fossil CH4 29.8 (Table 7.15) not read: the set is unverified.
    assert load_gwp("AR4") == {"CO2": 1.0, "CH4": 25.0, "N2O": 298.0}
    assert gwp_verification("AR4") == "secondary"
    assert gwp_verification("AR5") == "unverified"
    assert gwp_verification("AR6") == "unverified"
