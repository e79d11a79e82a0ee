"""The reports ``pilot demo`` ends with, in ``DIR/reports/``.

* ``evaluation.pdf`` and its CSV tables (:mod:`pilot.cmd_evaluation`) over the simulated
  windows, with the Monte Carlo settings of ``DIR/estimates.csv`` (same draws and seed),
  so the report's releases equal that file's;
* the Vietnamese household pages of the post period's first local month
  (:func:`pilot.cmd_household.cmd_report_household`, one page per delivering household).

The demo simulates two days per period, so every indicator of the evaluation report is
flagged ``too_few_days``: that is the correct verdict on two days, and the report says so.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from datetime import datetime
from pathlib import Path

from pilot.config import Config
from pilot.errors import PilotError

__all__ = ["write_demo_reports"]


def write_demo_reports(
    out: Path,
    config: Config,
    *,
    config_path: Path,
    config_arg: str | None,
    draws: int = 10_000,
    progress: bool = True,
) -> list[Path]:
    """Write the evaluation report and the household pages of the demo in ``out``.

    ``config_path`` is the configuration file (hashed into the report footer);
    ``config_arg`` is the ``--config`` the household command should load (None: the
    default). Returns the paths written (PDFs and CSV tables).
    """
    from monitoring.stores.sqlite import SQLiteStore
    from pilot import cmd_household
    from pilot.cmd_evaluation import evaluation_report

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    windows = [
        (
            seg["regime"],
            datetime.fromisoformat(seg["start_utc"]),
            datetime.fromisoformat(seg["end_utc"]),
            seg["site"],
            seg["line"],
        )
        for seg in summary["segments"]
    ]
    folder = out / "reports"
    store = SQLiteStore(out / "readings.sqlite")
    try:
        paths = evaluation_report(
            config,
            store,
            windows,
            out=folder / "evaluation.pdf",
            config_bytes=config_path.read_bytes(),
            draws=draws,
            seed=config.simulation.seed,
            sampled_interval_s=summary["options"]["interval_s"],
            progress=progress,
        )
    finally:
        store.close()
    post = [w for w in windows if w[0] == "post"]
    if not post:
        raise PilotError("the demo simulated no post period: no household pages to make")
    first = min(w[1] for w in post).astimezone(config.tzinfo)
    before = set(folder.glob("household-*.pdf"))
    # The command prints its paths; the demo prints every report path itself.
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            cmd_household.cmd_report_household(
                argparse.Namespace(
                    config=config_arg,
                    month=(first.year, first.month),
                    household=None,
                    lang="vi",
                    out=str(folder),
                    from_demo=str(out),
                    draws=draws,
                    seed=config.simulation.seed,
                    quiet=not progress,
                )
            )
    except PilotError as exc:
        # A short demo (--days below the intake interval) has no weighings: the
        # evaluation report stands, the household pages cannot be made.
        print(f"pilot: no household pages: {exc}", file=sys.stderr)
        return paths
    made = sorted(set(folder.glob("household-*.pdf")) - before) or sorted(
        folder.glob(f"household-{first:%Y-%m}-*.pdf")
    )
    return [*paths, *made]
