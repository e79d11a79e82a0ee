"""Emission-factor library: loader rules, provenance, units, configuration factors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emission_factors.errors import FactorError
from emission_factors.library import (
    DEFAULT_FACTORS_PATH,
    FACTOR_FIELDS,
    VERIFICATION_STATUSES,
    load_factors,
    load_gwp,
)
from emission_factors.units import UNITS, convert
from pilot.config import ConfigError, default_config_path, parse_config

HEADER = ",".join(FACTOR_FIELDS)
GOOD = (
    "x-air,6b,3,desc,PCDD/F,air,40,µg TEQ/t,burned_t,TEQ,high,unverified,"
    "UNEP Toolkit,2013,Annex 46,http://toolkit.pops.int,,,,,,"
)


def _write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "f.csv"
    path.write_text("\n".join(["# comment", HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_bundled_library_has_every_required_source_category() -> None:
    library = load_factors()
    categories = {(f.source_category, f.toolkit_class) for f in library.values()}
    for needed in [("6b", "1"), ("6b", "3"), ("1a", "1"), ("1c", "1"), ("3d", "1"), ("2l", "1")]:
        assert needed in categories
    assert any(f.source_category == "3e" for f in library.values())
    assert {"CO2-fossil", "CH4", "N2O"} <= {f.pollutant for f in library.values()}
    assert all(f.verification in VERIFICATION_STATUSES for f in library.values())
    assert library.version.startswith("upops-ef-2025-06+")


def test_toolkit_2013_6b_class3_values_as_in_the_toolkit() -> None:
    # UNEP Toolkit 2013, Annex 46 Table III.46.1, 6b class 3 "Open burning of domestic
    # waste": air 40 and land 1 µg TEQ/t [U]; dl-PCB air 2 µg TEQ/t [V].
    library = load_factors()
    assert library["6b3-pcddf-air"].value == 40.0
    assert library["6b3-pcddf-air"].verification == "unverified"
    assert library["6b3-pcddf-land"].value == 1.0
    assert library["6b3-dlpcb-air"].value == 2.0
    assert library["6b3-dlpcb-air"].verification == "verified"
    assert library["2l1-pcddf-air"].value == 12_000.0  # Annex 27, assigned EF [V]


@pytest.mark.parametrize("field", ["unit", "vector", "document"])
def test_loader_rejects_missing_field_naming_file_row_and_field(tmp_path: Path, field: str) -> None:
    values = GOOD.split(",")
    values[FACTOR_FIELDS.index(field)] = ""
    path = _write(tmp_path, GOOD.replace("x-air", "ok"), ",".join(values))
    with pytest.raises(FactorError) as info:
        load_factors(path)
    assert info.value.file == str(path)
    assert info.value.row == 4  # comment, header, first row, then this one
    assert info.value.field == field
    assert f"row 4, field '{field}'" in str(info.value)


def test_loader_rejects_unit_not_matching_activity_basis(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("burned_t", "fuel_tj"))
    with pytest.raises(FactorError, match="make them agree"):
        load_factors(path)


def test_loader_rejects_duplicate_ids(tmp_path: Path) -> None:
    with pytest.raises(FactorError, match="duplicate"):
        load_factors(_write(tmp_path, GOOD, GOOD))


def test_unknown_factor_id_says_how_to_list_them() -> None:
    with pytest.raises(FactorError, match="pilot factors list"):
        load_factors()["nope"]


def test_site_factors_join_library_and_change_the_version() -> None:
    site = dict(zip(FACTOR_FIELDS, GOOD.split(","), strict=True))
    site["id"] = "site-measured"
    library = load_factors(site_factors=[site], site_origin="cfg")
    assert library["site-measured"].origin == "cfg[0]"
    assert library.version != load_factors().version
    assert "+site" in library.version


def test_config_factors_need_provenance_with_key_path() -> None:
    text = default_config_path().read_text(encoding="utf-8")
    entry = "\n".join(
        f'{k} = "{v}"' if k != "value" else f"{k} = {v}"
        for k, v in zip(FACTOR_FIELDS, GOOD.split(","), strict=True)
        if v and k != "document"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text + "\n[[factors]]\n" + entry + "\n", base_dir=default_config_path().parent)
    assert [p.key for p in info.value.problems] == ["factors[0].document"]
    config = parse_config(
        text + "\n[[factors]]\n" + entry + '\ndocument = "site report"\n',
        base_dir=default_config_path().parent,
    )
    assert config.factors[0]["id"] == "x-air"


def test_gwp_sets() -> None:
    # IPCC AR4 WG1 Table 2.14; AR5 WG1 Table 8.7; AR6 WG1 Table 7.15 (100-year).
    assert load_gwp("AR4") == {"CO2": 1.0, "CH4": 25.0, "N2O": 298.0}
    assert load_gwp("AR6")["N2O"] == 273.0
    with pytest.raises(FactorError, match="AR4"):
        load_gwp("SAR")


same_dimension = st.sampled_from(
    [(a, b) for a in UNITS for b in UNITS if UNITS[a][0] == UNITS[b][0]]
)


@given(pair=same_dimension, value=st.floats(min_value=1e-6, max_value=1e9))
def test_unit_conversion_round_trips(pair: tuple[str, str], value: float) -> None:
    a, b = pair
    assert convert(convert(value, a, b), b, a) == pytest.approx(value, rel=1e-12)


def test_conversion_refuses_mixed_dimensions() -> None:
    with pytest.raises(FactorError, match="cannot convert"):
        convert(1.0, "kWh", "t")


def test_default_path_is_packaged_data() -> None:
    assert DEFAULT_FACTORS_PATH.parent.name == "data"


def test_version_covers_the_factor_data_not_the_comments(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    version = load_factors(path).version
    text = path.read_text(encoding="utf-8")
    path.write_text("# a corrected citation\n" + text.replace("# comment", "# other"), "utf-8")
    assert load_factors(path).version == version
    path.write_text(text.replace(",40,", ",41,"), encoding="utf-8")
    assert load_factors(path).version != version
