"""The ``pilot`` command as a user runs it: exit codes, stdout for data, stderr for messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pilot.cli import main
from pilot.config import default_config_path

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("config", "simulate", "collect", "demo", "quarantine"):
        assert command in out


def test_config_check_of_the_example_is_clean(capsys):
    assert main(["config", "check", str(default_config_path())]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "OK" in captured.err


def test_config_check_reports_every_problem_and_exits_1(tmp_path, capsys):
    text = default_config_path().read_text(encoding="utf-8")
    text = text.replace('kind = "sqlite"', 'kind = "postgres"', 1)
    text = text.replace("degradation_c = 300.0", "degradation_c = 100.0", 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    assert main(["config", "check", str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any("store.kind" in line for line in lines), lines
    assert any("sites[0].lines[0]" in line for line in lines), lines
    assert all(line.startswith(str(bad)) for line in lines)


def test_broken_config_is_a_clear_error_with_exit_3(tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text("[deployment\nname = 1\n", encoding="utf-8")
    assert main(["--config", str(broken), "quarantine"]) == 3
    err = capsys.readouterr().err
    assert "configuration error" in err
    assert "line 1" in err


@pytest.mark.slow
def test_demo_runs_from_the_command_line(tmp_path):
    """The README's first command, in small: one simulated hour per period."""
    out = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "pilot.cli", "-q", "demo", "--out", str(out), "--days", "0.05"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # No wall of broker warnings: the embedded broker's are summed up in one line.
    assert len(result.stderr.splitlines()) < 20, result.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["segments"]) == 4  # 2 lines x (baseline, post)
    for row in summary["segments"]:
        assert row["readings_published"] > 0
        assert row["readings_stored"] == row["readings_published"]
        assert row["quarantined"] == row["bad_messages_injected"] == 3
    assert summary["totals"]["quarantine_reasons"] == {
        "bad_json": 4,
        "unknown_sensor": 4,
        "out_of_range": 4,
    }
    assert "complete" in result.stdout
    # The demo ends with the evaluator report (household pages need a delivery: none in
    # 0.05 d); tests/reports/test_report_evaluation.py checks its content.
    assert (out / "reports" / "evaluation.pdf").exists()
    assert f"report: {out / 'reports' / 'evaluation.pdf'}" in result.stdout
    # The demo's own configuration reads its data like a deployment's.
    config = out / "pilot.toml"
    assert f"pilot --config {config} estimate --period compare" in result.stdout
    # It ends with the command that opens the dashboard on its data; that command serves.
    assert result.stdout.rstrip().splitlines()[-1].strip() == f"pilot --config {config} serve"
    _dashboard_serves(config, tmp_path)
    again = subprocess.run(
        [
            *(sys.executable, "-m", "pilot.cli", "-q", "--config", str(config), "estimate"),
            *("--period", "compare", "--format", "csv", "--draws", "200"),
        ],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("period,site,line,pollutant")
    assert "reduction" in again.stdout


def test_simulated_devices_publish_with_their_own_credentials(monkeypatch):
    import argparse

    from pilot.cmd_simulate import device_settings
    from pilot.config import load_config
    from pilot.errors import PilotError

    config = load_config(default_config_path())
    args = argparse.Namespace(
        device_username="{site}.{line}", device_password_env="PILOT_PW_{site}_{line}"
    )
    monkeypatch.setenv("PILOT_PW_PHAN_BOI_LINE_1", "s3cret")
    settings = device_settings(config, args, "phan-boi", "line-1", 1)
    assert (settings.username, settings.password) == ("phan-boi.line-1", "s3cret")
    assert "s3cret" not in repr(settings)
    monkeypatch.delenv("PILOT_PW_PHAN_BOI_LINE_1")
    with pytest.raises(PilotError, match="PILOT_PW_PHAN_BOI_LINE_1") as info:
        device_settings(config, args, "phan-boi", "line-1", 1)
    assert "s3cret" not in str(info.value)


def _dashboard_serves(config, folder) -> None:  # type: ignore[no-untyped-def]
    """``pilot --config CONFIG serve`` (on a free port) shows both lines with data."""
    from tests.pilot.serve_support import get
    from tests.servers import ServerProcess, free_port

    port = free_port()
    argv = [sys.executable, "-m", "pilot.cli", "--config", str(config), "serve"]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    with ServerProcess("serve", [*argv, "--port", str(port)], folder, port=port, env=env):
        status, _, body = get(f"http://127.0.0.1:{port}/api/overview")
    assert status == 200
    lines = json.loads(body)["lines"]
    assert len(lines) == 2
    assert all(line["newest_ms"] is not None for line in lines)
