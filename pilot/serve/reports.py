"""Reports from the dashboard: listed from ``[serve] reports_dir``, made on request.

They are made by the same pipeline and writers as ``pilot report household`` and
``pilot report evaluation`` (:mod:`pilot.pipeline`, :mod:`reports`), with the same
Monte Carlo defaults, one at a time in a worker thread; the page shows the job's state.
Reports are the dashboard's only output files; it never writes to the store.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pilot.config import Config
from pilot.pipeline.estimate import DEFAULT_MONTE_CARLO
from pilot.pipeline.evaluation import evaluation_data
from pilot.pipeline.household import household_pages, page_path
from pilot.pipeline.source import DataSource
from pilot.pipeline.windows import COMPARED_KINDS, period_windows
from reports.evaluation import write_evaluation_report
from reports.household import write_household_pdf
from reports.i18n import LANGUAGES

__all__ = ["ReportJob", "ReportMaker"]

log = logging.getLogger(__name__)
#: Files the dashboard lists and serves: report PDFs and their CSV tables.
_SERVED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.(pdf|csv)$")


@dataclass
class ReportJob:
    """The latest report request: what, its state (running, done, failed) and message."""

    what: str
    state: str = "running"
    message: str = ""
    started_s: float = 0.0


class ReportMaker:
    """Lists, serves and makes the reports of ``config`` in ``config.serve.reports_dir``."""

    def __init__(self, config: Config, *, config_bytes: bytes) -> None:
        self.config = config
        self.folder = config.serve.reports_dir
        self._config_bytes = config_bytes
        self._lock = threading.Lock()
        self.job: ReportJob | None = None

    def files(self) -> list[dict[str, Any]]:
        """The reports in the folder (sub-folders included), newest first."""
        if not self.folder.is_dir():
            return []
        found = [p for p in self.folder.rglob("*") if p.is_file() and _SERVED.match(p.name)]
        found.sort(key=lambda p: (p.suffix != ".pdf", -p.stat().st_mtime, p.name))
        return [
            {
                "name": str(p.relative_to(self.folder)),
                "kind": p.suffix[1:],
                "size_kb": round(p.stat().st_size / 1024, 1),
                "modified": datetime.fromtimestamp(p.stat().st_mtime, self.config.tzinfo),
            }
            for p in found
        ]

    def path(self, name: str) -> Path | None:
        """The listed file ``name`` (relative), or None: nothing outside the folder."""
        candidate = (self.folder / name).resolve()
        root = self.folder.resolve()
        if root not in candidate.parents or not _SERVED.match(candidate.name):
            return None
        return candidate if candidate.is_file() else None

    def start(self, what: str, *, month: tuple[int, int] | None = None, lang: str = "vi") -> bool:
        """Start making ``household`` (of ``month``, in ``lang``) or ``evaluation``; False
        if a report is being made already."""
        if what not in ("household", "evaluation") or lang not in LANGUAGES:
            raise ValueError(f"unknown report {what!r} or language {lang!r}")
        if what == "household" and month is None:
            raise ValueError("a household report needs a month")
        with self._lock:
            if self.job is not None and self.job.state == "running":
                return False
            label = what if month is None else f"{what} {month[0]}-{month[1]:02d} ({lang})"
            self.job = ReportJob(label, started_s=time.time())
        threading.Thread(
            target=self._run, args=(self.job, what, month, lang), daemon=True, name="report"
        ).start()
        return True

    def _run(self, job: ReportJob, what: str, month: tuple[int, int] | None, lang: str) -> None:
        try:
            paths = (
                self._household(month, lang)
                if what == "household" and month
                else self._evaluation()
            )
            job.message = ", ".join(str(p.relative_to(self.folder)) for p in paths)
            job.state = "done"
        except Exception as exc:  # shown on the page: the pipeline's messages say what to do
            log.warning("report %s failed: %s", job.what, exc)
            job.message = str(exc)
            job.state = "failed"

    def _household(self, month: tuple[int, int], lang: str) -> list[Path]:
        year, number = month
        config = self.config
        with DataSource(config) as source:
            made = household_pages(config, source, year=year, month=number)
        today = datetime.now(config.tzinfo).date()
        paths = []
        for page in made.pages:
            path = page_path(self.folder, year, number, page.household_id, lang)
            write_household_pdf(page, lang=lang, tz=config.tzinfo, out=path, made=today)
            paths.append(path)
        return paths

    def _evaluation(self) -> list[Path]:
        windows = period_windows(self.config, COMPARED_KINDS)
        with DataSource(self.config) as source:
            data = evaluation_data(
                self.config,
                source,
                windows,
                config_bytes=self._config_bytes,
                mc=DEFAULT_MONTE_CARLO,
            )
            return write_evaluation_report(data, self.folder / "evaluation.pdf")
