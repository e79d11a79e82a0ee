"""``pilot report household``: one page per household and month, Vietnamese by default.

A simulated day of each regime (post 2020-10-05, baseline 2019-06-03, local time) goes
into a demo-shaped folder with a small survey store; the test extracts the text of the
PDFs (``pdftotext``) and finds the Vietnamese strings with their diacritics and the
figures the model gives: the delivered total equals the sum of the household's intake
weighings of the month, the avoided PCDD/F release equals the release model's value.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from matplotlib import ft2font

from emission_factors.library import load_factors
from models.activity import extract_activity
from models.avoided_burning import avoided_activity_table
from models.mass_balance import DEFAULT_ASSUMPTIONS
from models.releases import estimate_releases
from monitoring.stores.sqlite import SQLiteStore
from pilot.cli import main
from pilot.config import default_config_path, load_config
from pilot.pipeline.activity import line_parameters
from pilot.survey_store import SurveyStore, import_file
from reports.household import font_path, month_bounds
from reports.i18n import MESSAGES, number, significant
from tests.demo_folder import demo_folder
from tests.servers import pdf_text, require_binary

CONFIG = load_config(default_config_path())
DRAWS = 2000  # a quick Monte Carlo; the command and the test must use the same
INTERVAL_S = 60.0  # sampling interval of the simulated 1 Hz sensors [s]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder like `pilot demo` writes: readings and its own pilot.toml (one simulated
    local day per period and line, sampled every INTERVAL_S)."""
    folder = tmp_path_factory.mktemp("demo")
    demo_folder(
        folder,
        days=1,
        interval_s=INTERVAL_S,
        simulate=[
            (period, site.id, "line-1")
            for period in ("post-2020", "baseline-2019")
            for site in CONFIG.sites
        ],
        seed=2019,
    )
    return folder


def _weighings(demo: Path, year: int, month: int) -> pd.DataFrame:
    """Every intake weighing of the month, both sites."""
    start, end = month_bounds(year, month, CONFIG.tzinfo)
    store = SQLiteStore(demo / "readings.sqlite")
    try:
        return pd.concat(
            [
                store.read(site=s.id, line="line-1", start=start, end=end, sensors=["intake"])
                for s in CONFIG.sites
            ]
        )
    finally:
        store.close()


def _line_kwh_per_kg(
    demo: Path, site: str, year: int, month: int, day: tuple[int, int, int] | None
) -> float:
    """Energy per kg of line-1 [kWh/kg] over the month, or over one simulated local day."""
    if day is None:
        start, end = month_bounds(year, month, CONFIG.tzinfo)
    else:
        start = datetime(*day, tzinfo=CONFIG.tzinfo)
        end = start + timedelta(days=1)
    store = SQLiteStore(demo / "readings.sqlite")
    try:
        readings = store.read(site=site, line="line-1", start=start, end=end)
    finally:
        store.close()
    config = load_config(demo / "pilot.toml")
    params = line_parameters(config.line(site, "line-1"), config.line_states)
    activity = extract_activity(readings, params, start=start, end=end)
    return activity.energy_kwh / activity.processed_kg


def _text(pdf: Path) -> str:
    text = pdf_text(pdf, ())
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text))


def _model_pcddf_air(delivered_kg: float) -> tuple[float, float, float]:
    """The release model's avoided PCDD/F to air for a delivery [µg TEQ]: the headline
    (median of the draws), the number the evaluator report prints too."""
    result = estimate_releases(
        avoided_activity_table(delivered_kg, DEFAULT_ASSUMPTIONS["baseline"]),
        load_factors(),
        assumptions=CONFIG.assumptions.model_assumptions(),  # [assumptions], as the page
        draws=DRAWS,
        seed=2019,
    )
    totals = result.totals
    row = totals[
        (totals["period"] == "reduction")
        & (totals["site"] != "all")
        & (totals["pollutant"] == "PCDD/F")
        & (totals["vector"] == "air")
    ].iloc[0]
    return float(row["headline"]), float(row["p2_5"]), float(row["p97_5"])


@pytest.mark.slow
def test_vietnamese_pages_carry_diacritics_and_the_model_figures(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdfinfo = require_binary("pdfinfo")
    weighings = _weighings(demo, 2020, 10)
    delivered = weighings.groupby("household")["value"].sum()
    assert len(delivered) >= 2, "the simulated day should have several delivering households"
    first = sorted(delivered.index)[0]
    site_first = next(s for s in CONFIG.sites if first in {h.id for h in s.households})
    # Baseline survey: energy per kg 0.05 for the first household, 0.15 for another of
    # its village -> own 0.05, village median 0.10 kWh/kg.
    other = next(h.id for h in site_first.households if h.id != first)
    survey_csv = tmp_path / "survey.csv"
    survey_csv.write_text(
        "site,household,date,plastic_processed_kg,electricity_kwh\n"
        f"{site_first.id},{first},2019-06-03,900,45\n"
        f"{site_first.id},{other},2019-06-03,1000,150\n",
        encoding="utf-8",
    )
    with SurveyStore(demo / "survey.sqlite") as survey:
        assert not import_file(survey_csv, CONFIG, survey).errors

    out = tmp_path / "reports"
    exit_code = main(
        [
            "report",
            "household",
            "--month",
            "2020-10",
            "--config",
            str(demo / "pilot.toml"),
            "--out",
            str(out),
            "--draws",
            str(DRAWS),
        ]
    )
    assert exit_code == 0
    captured = capsys.readouterr()
    paths = [Path(p) for p in captured.out.split()]
    assert sorted(p.name for p in paths) == sorted(
        f"household-2020-10-{code}.pdf" for code in delivered.index
    )
    assert "without deliveries in 2020-10" in captured.err

    for code, total in delivered.items():
        pdf = out / f"household-2020-10-{code}.pdf"
        info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True)
        assert re.search(r"^Pages:\s+1$", info.stdout, re.MULTILINE)
        assert re.search(r"^Page size:\s+595\.\d* x 841\.\d* pts", info.stdout, re.MULTILINE)
        text = _text(pdf)
        name = next(h.name for s in CONFIG.sites for h in s.households if h.id == code)
        assert name.startswith("Hộ ")
        assert name in text
        for phrase in (
            "Tháng 10/2020",
            "Nhựa phế thải hộ đã mang đến dây chuyền",
            "không bị đốt lộ thiên",
            "Dioxin tránh được",
            "Năng lượng cho mỗi kg nhựa (kWh/kg)",
            "Hệ số này chưa được đối chiếu với tài liệu gốc.",
            "6b3-pcddf-air",
            "giả định 10 % (từ 5 đến 15 %)",
            "khoảng 80 % (từ 60 đến 100 %)",
        ):
            assert phrase in text, phrase
        # Delivered mass: the sum of this household's intake weighings of the month.
        assert f"{number(float(total), 'vi', 1)} kg" in text
        # Avoided release: the release model's value and its 95 % interval.
        value, low, high = _model_pcddf_air(float(total))
        assert f"Khoảng {significant(value, 'vi')} µg TEQ dioxin" in text
        assert f"khoảng {significant(low, 'vi')} đến {significant(high, 'vi')} µg TEQ" in text
        assert f"{number(DRAWS, 'vi', 0)} lần mô phỏng Monte Carlo" in text
        # Energy per kg: the line's month and the measured baseline day, from the model.
        site = next(s for s in CONFIG.sites if code in {h.id for h in s.households})
        for year, month, day in ((2020, 10, None), (2019, 6, (2019, 6, 3))):
            line_value = _line_kwh_per_kg(demo, site.id, year, month, day)
            assert f"{number(line_value, 'vi', 2)} kWh/kg" in text
        assert "đo bằng cảm biến (03/06/2019–03/06/2019)" in text

    text_first = _text(out / f"household-2020-10-{first}.pdf")
    assert "0,05 kWh/kg" in text_first  # own baseline from the survey
    assert "0,10 kWh/kg" in text_first  # village median of 0.05 and 0.15
    assert "Mức giữa (trung vị) của 2 hộ trong làng" in text_first
    for code in delivered.index:
        if code not in (first, other):  # no survey rows: the page says so
            text = _text(out / f"household-2020-10-{code}.pdf")
            assert "chưa có số liệu trước dự án của hộ bạn" in text


@pytest.mark.slow
def test_english_page_for_one_household(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    weighings = _weighings(demo, 2020, 10)
    code = sorted(weighings["household"].unique())[-1]
    total = float(weighings.loc[weighings["household"] == code, "value"].sum())
    out = tmp_path / "en"
    assert (
        main(
            [
                "report",
                "household",
                "--month",
                "2020-10",
                "--household",
                code,
                "--lang",
                "en",
                "--config",
                str(demo / "pilot.toml"),
                "--out",
                str(out),
                "--draws",
                str(DRAWS),
            ]
        )
        == 0
    )
    pdf = Path(capsys.readouterr().out.strip())
    assert pdf == out / f"household-2020-10-{code}-en.pdf"
    text = _text(pdf)
    value, low, high = _model_pcddf_air(total)
    for phrase in (
        "October 2020",
        "Waste plastic your household delivered to the line",
        f"{number(total, 'en', 1)} kg",
        f"About {significant(value, 'en')} µg TEQ of dioxin kept out of the air",
        f"between {significant(low, 'en')} and {significant(high, 'en')} µg TEQ",
        "This is a model estimate, not a measurement.",
        "This factor has not been checked against the primary document.",
        "Energy per kg of plastic (kWh/kg)",
    ):
        assert phrase in text, phrase
    assert "Tháng" not in text


def test_month_without_deliveries_exits_nonzero_with_message(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "report",
            "household",
            "--month",
            "2020-11",
            "--config",
            str(demo / "pilot.toml"),
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 3
    err = capsys.readouterr().err
    assert "no intake weighings of any configured household in 2020-11" in err
    assert "--month 2020-10" in err
    assert not list(tmp_path.glob("*.pdf"))

    code = main(
        [
            "report",
            "household",
            "--month",
            "2020-10",
            "--household",
            "mk-h99",
            "--config",
            str(demo / "pilot.toml"),
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 3
    assert "no household 'mk-h99'" in capsys.readouterr().err


def test_bundled_font_has_every_vietnamese_letter_of_the_catalogue() -> None:
    font = ft2font.FT2Font(str(font_path()))
    charmap = font.get_charmap()
    letters = {ch for text in MESSAGES["vi"].values() for ch in text if not ch.isspace()}
    missing = sorted(ch for ch in letters if ord(ch) not in charmap)
    assert not missing, missing
    assert {"ộ", "ư", "đ", "ầ"} <= letters  # the catalogue really is Vietnamese


@pytest.mark.slow
def test_after_the_demo_the_october_2020_page_can_be_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = tmp_path / "demo"
    assert main(["-q", "demo", "--out", str(demo), "--days", "0.5"]) == 0
    capsys.readouterr()
    out = tmp_path / "reports"
    assert (
        main(
            [
                "-q",
                "report",
                "household",
                "--month",
                "2020-10",
                "--config",
                str(demo / "pilot.toml"),
                "--out",
                str(out),
                "--draws",
                "500",
            ]
        )
        == 0
    )
    pages = capsys.readouterr().out.split()
    assert pages
    assert all(Path(p).exists() for p in pages)
    text = _text(Path(pages[0]))
    # The demo's baseline window, not the configured fortnight, is the measured baseline.
    assert "đo bằng cảm biến (03/06/2019–03/06/2019)" in text
