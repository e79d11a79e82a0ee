"""The residue scale and the line's own processing through configuration, store, pipeline
and CLI (issue 12 items 2 and 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.vocabulary import LINE_PROCESSING, NOT_QUANTIFIED
from pilot.cli import main
from pilot.config import check_config
from pilot.pipeline.activity import extract_windows
from pilot.pipeline.source import DataSource
from pilot.pipeline.windows import period_windows
from tests.configs import EXAMPLE
from tests.demo_folder import demo_folder

FACTOR = """
[assumptions]
line_processing_factor_ug_teq_per_t = 2.0
line_processing_factor_ug_teq_per_t_range = [0.2, 20.0]
line_processing_factor_source = "test value, no published factor"
"""


def _problems(tmp_path: Path, extra: str) -> list[str]:
    path = tmp_path / "pilot.toml"
    path.write_text(EXAMPLE + extra, encoding="utf-8")
    return [p.message for p in check_config(path, environ={})]


def test_line_processing_factor_needs_range_and_source(tmp_path: Path) -> None:
    assert _problems(tmp_path, FACTOR) == []
    alone = "\n[assumptions]\nline_processing_factor_ug_teq_per_t = 2.0\n"
    (message,) = _problems(tmp_path, alone)
    assert "line_processing_factor_ug_teq_per_t_range" in message
    assert "line_processing_factor_source" in message
    outside = FACTOR.replace("= 2.0", "= 30.0")
    (message,) = _problems(tmp_path, outside)
    assert "must lie inside its range" in message


@pytest.fixture(scope="module")
def post_day(tmp_path_factory: pytest.TempPathFactory):
    """One simulated post day of Minh Khai's pilot line (it weighs its residue daily)."""
    return demo_folder(
        tmp_path_factory.mktemp("post"),
        days=1,
        interval_s=30.0,
        simulate=[("post-2020", "minh-khai", "line-1")],
        seed=5,
    )


def test_residue_scale_reading_is_the_measured_residue(post_day) -> None:
    config = post_day.config
    windows = period_windows(config, ("post",), site="minh-khai")
    with DataSource(config) as source:
        activity = extract_windows(config, source, windows).windows[0].activity
    truth = post_day.totals[("post-2020", "minh-khai", "line-1")]
    # The simulator weighs the day's residue, 10 % of the day's deliveries, once after
    # the shift (rounded to 0.1 kg): the measured residue is that weighing.
    assert activity.residue_kg == pytest.approx(truth.residue_produced_kg, abs=0.05)
    assert activity.residue_kg > 0


def _estimate_json(config_file: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict, str]:
    args = ["estimate", "--period", "post", "--site", "minh-khai", "--format", "json"]
    code = main(["--config", str(config_file), *args])
    assert code == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_cli_line_processing_row_only_when_configured(
    post_day, capsys: pytest.CaptureFixture[str]
) -> None:
    payload, err = _estimate_json(post_day.config_file, capsys)
    assert payload["line_processing"] == NOT_QUANTIFIED
    assert "not quantified" in err
    assert all(row["source"] != LINE_PROCESSING for row in payload["rows"])
    # The residue is measured, so the evidence says so; the fates stay assumed.
    post = [r for r in payload["rows"] if r["site"] == "minh-khai" and r["pollutant"] == "PCDD/F"]
    assert "residue measured" in post[0]["evidence"].split("; ")
    assert "assumed residue share" not in post[0]["evidence"].split("; ")
    assert payload["residue_check"][0]["residue_basis"] == "measured"

    configured = post_day.config_file.with_name("pilot-factor.toml")
    configured.write_text(post_day.config_file.read_text(encoding="utf-8") + FACTOR, "utf-8")
    payload, err = _estimate_json(configured, capsys)
    assert "configured sensitivity factor" in payload["line_processing"]
    assert "test value, no published factor" in err
    rows = [r for r in payload["rows"] if r["source"] == LINE_PROCESSING]
    own = next(r for r in rows if r["site"] == "minh-khai")
    with DataSource(post_day.config) as source:
        windows = period_windows(post_day.config, ("post",), site="minh-khai")
        activity = extract_windows(post_day.config, source, windows).windows[0].activity
    # Known answer: processed [t] x 2 µg TEQ/t.
    assert own["deterministic"] == pytest.approx(activity.processed_kg / 1000 * 2.0)
    assert own["factor_ids"] == "cfg-line-processing-pcddf-air"
    assert "configured sensitivity factor" in own["evidence"]
    assert own["p2_5"] <= own["headline"] <= own["p97_5"]
