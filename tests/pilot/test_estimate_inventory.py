"""``pilot estimate --activity FILE.csv``: known answers from the published tables, and
bad rows refused with FILE:LINE before anything is computed."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from pilot.cli import main

HEADER = "period,site,line,activity,fuel,value,unit,low,high,source\n"


def _run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: str, period: str
) -> pd.DataFrame:
    path = tmp_path / "inventory.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    code = main(
        [
            "estimate",
            "--activity",
            str(path),
            "--period",
            period,
            "--format",
            "csv",
            "--draws",
            "200",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return pd.read_csv(io.StringIO(captured.out))


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
    # UNEP Toolkit 2013, Annex 46 Table III.46.1, 6b class 3 "open burning of domestic
    # waste": PCDD/F 40 µg TEQ/t to air, 1 to land; dl-PCB 2 µg TEQ/t to air.
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


def test_toolkit_3e_furnace_per_fuel_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # UNEP Toolkit 2013 Part II 3e: high-chlorine coal stoves 15 000 µg TEQ/TJ, coal
    # stoves 100 µg TEQ/TJ. 2 TJ of each on two lines (one given in GJ): 30 000 and 200.
    rows = (
        "baseline,v,hicl,furnace_fuel,hicl_coal,2,TJ,,,hand\n"
        "baseline,v,coal,furnace_fuel,coal,2000,GJ,,,hand\n"
    )
    totals = _run(tmp_path, capsys, rows, "baseline")
    line = totals[
        (totals["pollutant"] == "PCDD/F")
        & (totals["period"] == "baseline")
        & (totals["site"] == "v")
        & (totals["vector"] == "air")
    ]
    by_line = line.set_index("line")["deterministic"]
    assert by_line["hicl"] == pytest.approx(30_000.0)
    assert by_line["coal"] == pytest.approx(200.0)


def test_coal_given_as_mass_uses_the_anthracite_heating_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1 t of coal x 26.7 GJ/t (IPCC 2006 Vol. 2 Table 1.2, anthracite) = 0.0267 TJ;
    # x 98 300 kg CO2/TJ (Table 2.5, anthracite, residential) = 2 624.6 kg CO2.
    totals = _run(tmp_path, capsys, "baseline,v,a,furnace_fuel,coal,1,t,,,hand\n", "baseline")
    assert _det(totals, "baseline", "CO2-fossil") == pytest.approx(0.0267 * 98_300)
    assert _det(totals, "baseline", "PCDD/F") == pytest.approx(0.0267 * 100)


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
