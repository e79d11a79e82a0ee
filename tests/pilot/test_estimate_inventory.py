"""``pilot estimate --activity FILE.csv``: known answers from the published tables, and
bad rows refused with FILE:LINE before anything is computed."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from pilot.cli import main

HEADER = "period,site,line,activity,fuel,value,unit,low,high,source\n"


def _output(tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: str, *args: str) -> str:
    """What ``pilot estimate --activity`` prints for the inventory ``rows`` and ``args``."""
    path = tmp_path / "inventory.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    code = main(["estimate", "--activity", str(path), "--draws", "200", *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def _run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: str, period: str, *args: str
) -> pd.DataFrame:
    out = _output(tmp_path, capsys, rows, "--period", period, "--format", "csv", *args)
    return pd.read_csv(io.StringIO(out))


def _pcddf_air_by_line(totals: pd.DataFrame) -> pd.DataFrame:
    """The baseline PCDD/F-to-air rows of site ``v``, indexed by line."""
    return totals[
        (totals["pollutant"] == "PCDD/F")
        & (totals["period"] == "baseline")
        & (totals["site"] == "v")
        & (totals["vector"] == "air")
    ].set_index("line")


def _one(totals: pd.DataFrame, period: str, pollutant: str, vector: str = "air") -> pd.Series:
    """The single row of site ``v`` for a period, pollutant and vector."""
    rows = totals[
        (totals["period"] == period)
        & (totals["site"] == "v")
        & (totals["pollutant"] == pollutant)
        & (totals["vector"] == vector)
    ]
    assert len(rows) == 1, (period, pollutant, vector)
    return rows.iloc[0]


def _det(totals: pd.DataFrame, period: str, pollutant: str, vector: str = "air") -> float:
    return float(_one(totals, period, pollutant, vector)["deterministic"])


def test_toolkit_6b_class3_open_burning_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # UNEP Toolkit 2013, 6b class 3 "open burning of domestic waste": PCDD/F 40 µg TEQ/t
    # to air, 1 to land (Part II 6b table; unverified), dl-PCB 2 µg TEQ/t to air (Annex 46
    # Table III.46.1, which holds the dl-PCB factors only).
    # 10 t burned (given in kg) -> 400, 10 and 20 µg TEQ.
    totals = _run(tmp_path, capsys, "baseline,v,a,open_burning,,10000,kg,,,hand\n", "baseline")
    assert _det(totals, "baseline", "PCDD/F") == pytest.approx(400.0)
    assert _det(totals, "baseline", "PCDD/F", "land") == pytest.approx(10.0)
    assert _det(totals, "baseline", "dl-PCB") == pytest.approx(20.0)


def test_ipcc_2006_vol5_eq5_1_open_burning_co2_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # IPCC 2006 Vol. 5 Ch. 5 Eq. 5.1 for plastics: CO2 = SW x dm 1.00 x CF 0.75 x FCF 1.00
    # x OF 0.58 x 44/12; 2 t burned -> 3 190 kg CO2. CH4 6.5 kg/t (Sect. 5.4.2): 13 kg.
    totals = _run(tmp_path, capsys, "baseline,v,a,open_burning,,2,t,1,3,hand\n", "baseline")
    assert _det(totals, "baseline", "CO2-fossil") == pytest.approx(
        2 * 1.0 * 0.75 * 1.0 * 0.58 * 44 / 12 * 1000, rel=1e-3
    )
    assert _det(totals, "baseline", "CH4") == pytest.approx(13.0)


@pytest.mark.parametrize(
    ("rows", "hicl_ug", "coal_ug", "suffix"),
    [
        # UNEP Toolkit 2013 Part II 3e: high-chlorine coal stoves 15 000 µg TEQ/TJ, coal
        # stoves 100 µg TEQ/TJ. 2 TJ of each on two lines (one given in GJ): 30 000, 200.
        (
            "baseline,v,hicl,furnace_fuel,hicl_coal,2,TJ,,,hand\n"
            "baseline,v,coal,furnace_fuel,coal,2000,GJ,,,hand\n",
            30_000.0,
            200.0,
            "",
        ),
        # The same table per tonne of coal (read in a JRC abstract, status secondary):
        # high-chlorine coal stoves 400 µg TEQ/t, coal stoves 3 µg TEQ/t. 2 t of each
        # (one given in kg): 800 and 6, with the per-tonne factors and no heating value.
        (
            "baseline,v,hicl,furnace_fuel,hicl_coal,2,t,,,hand\n"
            "baseline,v,coal,furnace_fuel,coal,2000,kg,,,hand\n",
            800.0,
            6.0,
            "-t",
        ),
    ],
)
def test_toolkit_3e_furnace_per_fuel_by_hand(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    rows: str,
    hicl_ug: float,
    coal_ug: float,
    suffix: str,
) -> None:
    line = _pcddf_air_by_line(_run(tmp_path, capsys, rows, "baseline"))
    assert line.loc["hicl", "deterministic"] == pytest.approx(hicl_ug)
    assert line.loc["coal", "deterministic"] == pytest.approx(coal_ug)
    assert f"3e-hicl-pcddf-air{suffix};" in line.loc["hicl", "factor_ids"]
    assert f"3e-coal-pcddf-air{suffix};" in line.loc["coal", "factor_ids"]


def test_coal_given_as_mass_uses_the_anthracite_heating_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1 t of coal x 26.7 GJ/t (IPCC 2006 Vol. 2 Table 1.2, anthracite) = 0.0267 TJ;
    # x 98 300 kg CO2/TJ (Table 2.5, anthracite, residential) = 2 624.6 kg CO2. The
    # PCDD/F counts per tonne (Toolkit 2013 Part II 3e coal stoves, 3 µg TEQ/t): 3.
    totals = _run(tmp_path, capsys, "baseline,v,a,furnace_fuel,coal,1,t,,,hand\n", "baseline")
    assert _det(totals, "baseline", "CO2-fossil") == pytest.approx(0.0267 * 98_300)
    assert _det(totals, "baseline", "PCDD/F") == pytest.approx(3.0)


def test_reduction_with_residue_still_burned_after(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Baseline 10 t burned over 100 d, post 1 t over 50 d: at the post period's rate the
    # baseline is 5 t, so the PCDD/F to air falls from 200 to 40 µg TEQ (6b class 3,
    # 40 µg TEQ/t): reduction 160 µg TEQ, 80 %, below 100 % because residue still burns.
    rows = (
        "baseline,v,a,open_burning,,10,t,,,survey 2019\n"
        "baseline,v,a,period_days,,100,d,,,survey 2019\n"
        "post,v,a,open_burning,,1,t,0.5,1.5,survey 2020\n"
        "post,v,a,period_days,,50,d,,,survey 2020\n"
        "post,v,a,electricity,,10,MWh,,,meter\n"
    )
    totals = _run(tmp_path, capsys, rows, "compare")
    assert _det(totals, "post", "PCDD/F") == pytest.approx(40.0)
    assert _det(totals, "reduction", "PCDD/F") == pytest.approx(5 * 40 - 40)
    red = _one(totals, "reduction", "PCDD/F")
    assert 0 < red["reduction_pct_p2_5"] <= red["reduction_pct"] < 100
    # Viet Nam grid 2020, 0.8041 t CO2/MWh: 10 MWh -> 8 041 kg CO2, a negative reduction.
    assert _det(totals, "post", "CO2") == pytest.approx(8041.0)
    assert _det(totals, "reduction", "CO2") == pytest.approx(-8041.0)


def test_bad_rows_are_named_by_file_and_line_and_nothing_is_computed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "baseline,v,a,open_burning,,10,t,,,ok\n"
        + "baseline,v,a,furnace_fuel,peat,1,TJ,,,x\n"
        + "during,v,a,open_burning,,1,t,,,x\n"
        + "baseline,v,a,open_burning,,1,MWh,,,x\n"
        + "baseline,v,a,electricity,,1,kWh,2,3,x\n",
        encoding="utf-8",
    )
    code = main(["estimate", "--activity", str(path), "--period", "baseline"])
    captured = capsys.readouterr()
    assert code != 0
    assert captured.out == ""
    for line, word in ((3, "peat"), (4, "during"), (5, "MWh"), (6, "low <= value")):
        assert f"{path}:{line}: " in captured.err
        assert word in captured.err
    assert f"{path}:2:" not in captured.err


# -- furnace factors per fuel on the basis the data give (issue 12 item 4) -------------


def _furnace_rows(by_source: pd.DataFrame) -> pd.DataFrame:
    """The furnace rows of ``--by-source``; an empty ``conversion`` reads as ``""``."""
    return by_source[by_source["source"] == "furnace_fuel"].fillna({"conversion": ""})


def test_wood_and_coal_furnaces_get_their_own_factor_class_and_basis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = (
        "baseline,v,coal-line,furnace_fuel,coal,2,t,,,hand\n"
        "baseline,v,wood-line,furnace_fuel,wood,2,t,,,hand\n"
        "baseline,v,meter,furnace_fuel,coal,0.5,TJ,,,energy counter\n"
    )
    furnace = _furnace_rows(_run(tmp_path, capsys, rows, "baseline", "--by-source"))
    pcddf = furnace[furnace["pollutant"] == "PCDD/F"].set_index("line")
    # Coal by mass: Toolkit 2013 Part II 3e coal stoves per tonne, 3 µg TEQ/t x 2 t.
    coal = pcddf.loc["coal-line"]
    assert (coal["factor_ids"], coal["basis"], coal["conversion"]) == (
        "3e-coal-pcddf-air-t",
        "coal_t",
        "",
    )
    assert coal["class_code"] == "3e class coal"
    assert (coal["activity"], coal["activity_unit"]) == (2.0, "t")
    assert coal["deterministic"] == pytest.approx(6.0)
    # Wood by mass: 3d virgin wood has a per-TJ factor only (100 µg TEQ/TJ), so 2 t x
    # 15.6 MJ/kg (IPCC 2006 Vol. 2 Table 1.2) = 0.0312 TJ, and the row says so.
    wood = pcddf.loc["wood-line"]
    assert (wood["factor_ids"], wood["basis"]) == ("3d2-pcddf-air", "fuel_tj")
    assert wood["class_code"].startswith("3d class virgin wood")
    assert "NCV 15.6 MJ/kg" in wood["conversion"]
    assert "Table 1.2" in wood["conversion"]
    assert wood["deterministic"] == pytest.approx(2 * 15.6e-3 * 100)
    # Coal by energy (a counter): the per-TJ factor, 100 µg TEQ/TJ x 0.5 TJ.
    meter = pcddf.loc["meter"]
    assert (meter["factor_ids"], meter["basis"], meter["conversion"]) == (
        "3e-coal-pcddf-air",
        "fuel_tj",
        "",
    )
    assert meter["deterministic"] == pytest.approx(50.0)
    # The IPCC GHG factors exist per TJ only: a coal mass reaches them through its NCV.
    co2 = furnace[(furnace["pollutant"] == "CO2-fossil") & (furnace["line"] == "coal-line")]
    assert "NCV 26.7 MJ/kg" in co2["conversion"].iloc[0]
    assert co2["deterministic"].iloc[0] == pytest.approx(2 * 26.7e-3 * 98_300)


def test_waste_plastic_mass_counts_per_tj_through_its_own_heating_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The 3e high-chlorine per-tonne factor is per tonne of coal: waste plastic borrows
    # the class per TJ only. 1 t x 30 MJ/kg (design assumption) = 0.03 TJ x 15 000.
    rows = "baseline,v,a,furnace_fuel,waste_plastic,1,t,,,x\n"
    furnace = _furnace_rows(_run(tmp_path, capsys, rows, "baseline", "--by-source"))
    row = furnace[furnace["pollutant"] == "PCDD/F"].iloc[0]
    assert (row["factor_ids"], row["basis"]) == ("3e-hicl-pcddf-air", "fuel_tj")
    assert "NCV 30 MJ/kg" in row["conversion"]
    assert "design assumption" in row["conversion"]
    assert row["deterministic"] == pytest.approx(0.03 * 15_000)


def test_table_output_names_each_fuel_factor_and_basis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "baseline,v,a,furnace_fuel,coal,2,t,,,hand\nbaseline,v,b,furnace_fuel,wood,2,t,,,x\n"
    out = _output(tmp_path, capsys, rows, "--period", "baseline")
    block = out.split("Furnace factors per fuel")[1]
    assert "3e-coal-pcddf-air-t" in block
    assert "coal_t" in block
    assert "3d2-pcddf-air" in block
    assert "NCV 15.6 MJ/kg" in block


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        # Toolkit 2013 Part II 3e per tonne: high-chlorine 400, coal 3 µg TEQ/t; 3d class 1
        # contaminated biomass per TJ only: 2 t x 26.7 MJ/kg = 0.0534 TJ x 1 500.
        ("t", {"as configured": 800.0, "3e ordinary": 6.0, "3d contaminated": 0.0534 * 1500}),
        # Per TJ: 3e high-chlorine 15 000, coal 100, 3d class 1 1 500 µg TEQ/TJ; 2 TJ.
        ("TJ", {"as configured": 30_000.0, "3e ordinary": 200.0, "3d contaminated": 3000.0}),
    ],
)
def test_high_chlorine_against_ordinary_coal_on_either_basis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], unit: str, expected: dict[str, float]
) -> None:
    rows = (
        f"baseline,v,a,furnace_fuel,hicl_coal,2,{unit},,,hand\n"
        f"post,v,a,furnace_fuel,hicl_coal,2,{unit},,,hand\n"
    )
    frame = _run(tmp_path, capsys, rows, "compare", "--sensitivity")
    base = frame[(frame["period"] == "baseline") & (frame["vector"] == "air")]
    for name, value in expected.items():
        hit = base[base["choice"].str.contains(name)]
        assert len(hit) == 1, name
        assert hit["deterministic"].iloc[0] == pytest.approx(value, rel=1e-9), name
