"""Evaluator report: simulated readings -> SQLite store -> ``pilot report evaluation``.

The PDF's text (pdftotext, poppler-utils) must carry the model's figures, formatted as the
report formats them, the unverified-factor flags and the reproducibility footer; the CSV
tables beside it must match the model; a period without data must stop the command.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emission_factors.library import load_factors
from models.comparison import compare_indicators
from models.daily_indicators import daily_indicator_frame
from models.draws import HEADLINE_BASES
from models.factor_choice import FACTOR_CHOICES
from models.releases import Estimate
from pilot.cli import main
from pilot.config import default_config_path, load_config
from pilot.pipeline.activity import extract_windows
from pilot.pipeline.estimate import MonteCarlo, estimate, factor_library
from pilot.pipeline.evidence import with_evidence
from pilot.pipeline.source import DataSource
from pilot.pipeline.windows import COMPARED_KINDS, period_windows
from reports.evaluation import CSV_TABLES, UNVERIFIED_FLAG, csv_path, fmt, interval
from tests.demo_folder import demo_folder
from tests.servers import pdf_text

CONFIG = load_config(default_config_path())
SITE, LINE = "minh-khai", "line-1"
DAYS, INTERVAL_S, DRAWS, SEED = 2, 10.0, 2000, 7


PERIODS = {"baseline": "baseline-2019", "post": "post-2020"}


def _folder(path: Path, *, simulate: set[str]) -> Path:
    """A folder shaped like the demo's: readings.sqlite and its own pilot.toml."""
    demo_folder(
        path,
        days=DAYS,
        interval_s=INTERVAL_S,
        simulate=[(PERIODS[kind], SITE, LINE) for kind in ("baseline", "post") if kind in simulate],
        seed=11,
    )
    return path


def _report_command(folder: Path, out: Path, *options: str) -> int:
    """``pilot -q report evaluation`` of SITE on ``folder``'s data into ``out``."""
    config = str(folder / "pilot.toml")
    return main(
        [
            "-q",
            "report",
            "evaluation",
            "--config",
            config,
            "--site",
            SITE,
            "--out",
            str(out),
            *options,
        ]
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    folder = _folder(tmp_path_factory.mktemp("evaluation"), simulate={"baseline", "post"})
    out = folder / "out" / "evaluation.pdf"
    assert _report_command(folder, out, "--draws", str(DRAWS), "--seed", str(SEED)) == 0
    return folder, out, pdf_text(out)


@pytest.fixture(scope="module")
def model(report: tuple[Path, Path, str]) -> Estimate:
    """The release model on the report's data and settings, computed once for the tests."""
    folder, _, _ = report
    config = load_config(folder / "pilot.toml")
    windows = period_windows(config, COMPARED_KINDS, site=SITE)
    with DataSource(config) as source:
        activities = with_evidence(config, extract_windows(config, source, windows))
    mc = MonteCarlo(draws=DRAWS, seed=SEED)
    return estimate(activities, factor_library(config), mc, config.assumptions.model_assumptions())


@pytest.mark.slow
def test_pdf_prints_the_release_model_results(
    report: tuple[Path, Path, str], model: Estimate
) -> None:
    _, _, text = report
    totals = model.totals
    for period in ("baseline", "post", "reduction"):
        row = totals[
            (totals["period"] == period)
            & (totals["site"] == "all")
            & (totals["pollutant"] == "PCDD/F")
            & (totals["vector"] == "air")
        ].iloc[0]
        # The headline (median of the draws), as on the household page; mean secondary.
        assert interval(row["headline"], row["p2_5"], row["p97_5"]) in text
        single = ";" not in row["factor_ids"]
        by_det = single and row["headline_basis"] == HEADLINE_BASES[0]
        assert row["headline"] == (row["deterministic"] if by_det else row["median"])
        assert row["p2_5"] <= row["headline"] <= row["p97_5"]  # never outside (issue 12)
    reduction = totals[
        (totals["period"] == "reduction")
        & (totals["site"] == "all")
        & (totals["pollutant"] == "PCDD/F")
        & (totals["vector"] == "air")
    ].iloc[0]
    assert reduction["headline"] > 0  # the pilot line burns nothing in the open
    assert fmt(reduction["mean"]) in text  # the secondary column
    assert f"{reduction['reduction_pct']:.0f} %" in text


@pytest.mark.slow
def test_csv_tables_exist_and_match_the_models(
    report: tuple[Path, Path, str], model: Estimate
) -> None:
    _, out, _ = report
    for name in CSV_TABLES:
        assert csv_path(out, name).exists(), name
    releases = pd.read_csv(csv_path(out, "releases"))
    totals = model.totals
    merged = releases.merge(
        totals, on=["period", "site", "line", "pollutant", "vector"], suffixes=("", "_model")
    )
    assert len(merged) == len(totals)
    np.testing.assert_allclose(merged["mean"], merged["mean_model"], rtol=1e-12)
    np.testing.assert_allclose(merged["p97_5"], merged["p97_5_model"], rtol=1e-12)

    daily = pd.read_csv(csv_path(out, "daily"), parse_dates=["day"])
    assert set(daily["period"]) == {"baseline", "post"}
    assert daily.groupby("period")["day"].nunique().to_dict() == {"baseline": DAYS, "post": DAYS}
    indicators = pd.read_csv(csv_path(out, "indicators"), keep_default_na=False)
    again = compare_indicators(
        daily[
            [
                *("site", "line", "group", "period", "day", "indicator", "value", "unit"),
                *("completeness", "assumed"),
            ]
        ],
        by=("site", "line"),
        seed=SEED,
    )
    np.testing.assert_allclose(
        indicators["difference"].astype(float), again["difference"], rtol=1e-9
    )
    ci_low = pd.to_numeric(indicators["ci_low"].replace("", np.nan))
    np.testing.assert_allclose(ci_low, again["ci_low"], rtol=1e-9)
    # Two days per period: every row is flagged, never hidden; the post period's zero
    # burning is an assumption, so those rows say so and carry no test.
    assert set(indicators["flag"]) == {"too_few_days", "too_few_days; by_assumption"}
    completeness = pd.read_csv(csv_path(out, "completeness"))
    assert (completeness["completeness"] > 0.99).all()
    assert set(completeness["days"]) == {DAYS}


@pytest.mark.slow
def test_too_few_days_and_unverified_factors_are_flagged(report: tuple[Path, Path, str]) -> None:
    _, out, text = report
    assert "NOT CONCLUSIVE" in text
    assert "too_few_days" in text
    factors = pd.read_csv(csv_path(out, "factors"), keep_default_na=False)
    library = load_factors()
    assert library["6b3-pcddf-air"].verification != "verified"
    flagged = factors.set_index("id")["flag"]
    assert flagged["6b3-pcddf-air"] == UNVERIFIED_FLAG
    for factor_id, flag in flagged.items():
        verified = library[str(factor_id)].verification == "verified"
        assert (flag == "") == verified, factor_id
    assert text.count(UNVERIFIED_FLAG) >= int((factors["flag"] != "").sum())


@pytest.mark.slow
def test_factor_choices_side_by_side_in_pdf_and_csv(report: tuple[Path, Path, str]) -> None:
    _, out, text = report
    sensitivity = pd.read_csv(csv_path(out, "sensitivity"))
    flat = " ".join(text.split())
    for choice in FACTOR_CHOICES:
        assert choice.name in set(sensitivity["choice"])
        assert " ".join(choice.name.split()[:3]) in flat, choice.name
    base = sensitivity[(sensitivity["period"] == "baseline") & (sensitivity["vector"] == "air")]
    by_choice = base.set_index("choice")["headline"]
    # The ordinary-coal class (3e coal, 100 µg TEQ/TJ) lowers the baseline furnace term
    # 150-fold against high-chlorine coal (15 000 µg TEQ/TJ): the baseline must drop.
    assert by_choice["furnace: 3e ordinary coal stoves"] < by_choice["as configured"]


@pytest.mark.slow
def test_every_page_has_the_reproducibility_footer(
    report: tuple[Path, Path, str], model: Estimate
) -> None:
    folder, _, text = report
    digest = hashlib.sha256((folder / "pilot.toml").read_bytes()).hexdigest()
    version = model.factor_set_version
    pages = [p for p in text.split("\f") if p.strip()]
    # method, indicators, releases, factor choice, factors, assumptions, figure; the
    # assumptions (with the residue check and line-processing keys) run onto a second page
    assert len(pages) == 8
    assert sum("Assumptions (continued)" in p for p in pages) == 1
    for page in pages:
        assert f"Configuration sha256 {digest}" in page
        assert f"factor set {version}" in page
        assert "Data period: baseline 2019-06-03 00:00" in page
        assert "(Asia/Ho_Chi_Minh)" in page
        assert "upops-pilot " in page


def test_daily_indicators_follow_the_mass_balance_and_factors() -> None:
    days = pd.DataFrame(
        {
            "site": SITE,
            "line": LINE,
            "period": ["baseline", "baseline"],
            "day": pd.to_datetime(["2019-06-03", "2019-06-04"]),
            "processed_kg": [900.0, np.nan],
            "energy_kwh": [2700.0, np.nan],
            "in_window_share": [0.5, np.nan],
            "completeness": [1.0, 0.0],
        }
    )
    frame = daily_indicator_frame(days, load_factors()).set_index(["day", "indicator"])
    first = frame.loc[pd.Timestamp("2019-06-03")]
    # Burned: b r m / (1 - r) = 0.8 * 0.1 * 900 / 0.9 = 80 kg; PCDD/F: 0.08 t * (40 + 1)
    # µg TEQ/t + 2700 kWh * 3.6e-6 TJ/kWh * 15 000 µg TEQ/TJ.
    assert first.loc["residue_burned_kg_per_day", "value"] == pytest.approx(80.0)
    per_day = 0.08 * 41.0 + 2700 * 3.6e-6 * 15_000
    assert first.loc["upops_ug_teq_per_day", "value"] == pytest.approx(per_day)
    assert first.loc["upops_ug_teq_per_t", "value"] == pytest.approx(per_day / 0.9)
    assert first.loc["specific_energy_kwh_per_kg", "value"] == pytest.approx(3.0)
    missing = frame.loc[pd.Timestamp("2019-06-04")]
    assert missing["value"].isna().all()
    assert (missing["completeness"] == 0.0).all()


@pytest.mark.slow
def test_period_without_data_exits_nonzero_with_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path / "d", simulate={"baseline"})
    out = tmp_path / "r" / "evaluation.pdf"
    code = _report_command(folder, out, "--draws", "100")
    captured = capsys.readouterr()
    assert code != 0
    assert f"no readings of {SITE}/{LINE} for the post period" in captured.err
    assert captured.out == ""
    assert not out.exists()


@pytest.mark.slow
def test_a_table_longer_than_its_page_continues_on_the_next(tmp_path: Path) -> None:
    """No row is cut: the shared table engine breaks pages under a repeated header."""
    from reports.evaluation.pages import MARGINS
    from reports.layout import A4_LANDSCAPE, Document, fonts
    from reports.tables import Column, Table

    doc = Document(A4_LANDSCAPE, MARGINS, footer=lambda n, total: [f"footer {n}"])
    rows = [
        [f"row-{i:03d}", "a cell long enough to wrap onto a second line " * 2] for i in range(90)
    ]
    table = Table([Column("id", 0.2, 12), Column("text", 0.8, 60)], rows, fontsize=8)
    with fonts():
        page = doc.new_page("Long table")
        last, bottom = table.draw(
            page, 0.86, more=lambda: (doc.new_page("Long table (continued)"), 0.86)
        )
        doc.save(tmp_path / "long.pdf", title="t", subject="s")
    assert len(doc.pages) > 1
    assert last is doc.pages[-1]
    assert MARGINS.bottom <= bottom < 0.86
    text = pdf_text(tmp_path / "long.pdf")
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) == len(doc.pages)
    assert all(f"row-{i:03d}" in text for i in range(90))
    for number, page_text in enumerate(pages, start=1):
        assert "id" in page_text.split()
        assert f"footer {number}" in page_text
        assert f"page {number} of {len(pages)}" in page_text
    assert "Long table (continued)" in pages[-1]
