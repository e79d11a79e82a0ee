"""The survey store: survey and manual-log files, validated row by row, in SQLite.

:func:`import_file` reads a CSV (UTF-8) or ``.xlsx`` file (``pilot import``),
validates it row by row against the configured sites, households and lines
(:mod:`models.survey`), stores the good rows in the SQLite file of ``[survey] path``
and keeps the refused rows, with their line number and reason, in the same file
(table ``survey_rejected``). Importing a file again stores nothing twice:
a row whose natural key (source, site, household, line, date) is stored with the same
values is counted as already stored; with other values it is refused as a conflict.

>>> import tempfile
>>> from models.survey import SurveyCatalog, parse_survey_csv
>>> catalog = SurveyCatalog({"phan-boi": frozenset({"pb-h01"})}, {"phan-boi": frozenset()})
>>> data = b"site,household,date,plastic_processed_kg\\nphan-boi,pb-h01,2019-06-03,420\\n"
>>> parsed = parse_survey_csv(data, catalog, name="log.csv")
>>> with tempfile.TemporaryDirectory() as folder:
...     with SurveyStore(Path(folder) / "survey.sqlite") as store:
...         first = store.add(parsed, file_sha256="x")
...         again = store.add(parsed, file_sha256="x")
...         stored = len(store.rows())
>>> (first.stored, again.stored, again.unchanged, stored)
(1, 0, 1, 1)
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import pandas as pd

from models.survey import (
    KEY_COLUMNS,
    NUMBER_COLUMNS,
    RATE_NUMBER_COLUMNS,
    ROW_COLUMNS,
    RowError,
    SurveyCatalog,
    SurveyFileError,
    SurveyImport,
    read_survey_file,
    validate_table,
)
from pilot.config import Config
from pilot.errors import PilotError

__all__ = ["ImportResult", "SurveyStore", "import_file", "survey_catalog"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS survey_rows (
    source TEXT NOT NULL,
    site TEXT NOT NULL,
    household TEXT NOT NULL,
    line TEXT NOT NULL,
    date TEXT NOT NULL,
    plastic_processed_kg REAL NOT NULL,
    residue_kg REAL,
    residue_fate TEXT NOT NULL,
    fuel_type TEXT NOT NULL,
    fuel_kg REAL,
    electricity_kwh REAL,
    hours_worked_h REAL,
    note TEXT NOT NULL,
    file TEXT NOT NULL,
    file_line INTEGER NOT NULL,
    row_hash TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (source, site, household, line, date)
);
CREATE TABLE IF NOT EXISTS survey_rejected (
    file TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    line INTEGER NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (file_sha256, line)
);
"""

_STORED = [*(c for c in ROW_COLUMNS), "file", "imported_at"]
# Questionnaire columns (added after the first stores were written): every store gets
# those it lacks when it is opened, empty for its rows (logbook days).
_ADDED_COLUMNS = {
    "rate_basis": "TEXT NOT NULL DEFAULT ''",
    "period": "TEXT NOT NULL DEFAULT ''",
    **dict.fromkeys(RATE_NUMBER_COLUMNS, "REAL"),
}


@dataclass(frozen=True)
class ImportResult:
    """Outcome of storing one file: rows stored now, rows already stored with the same
    values, and refused rows (validation errors, then conflicts with stored rows)."""

    file: str
    stored: int
    unchanged: int
    errors: tuple[RowError, ...] = field(default_factory=tuple)


class SurveyStore:
    """SQLite file of imported survey rows (``survey_rows``) and refused rows
    (``survey_rejected``). Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path)
            self._db.executescript(_SCHEMA)
            have = {r[1] for r in self._db.execute("PRAGMA table_info(survey_rows)")}
            with self._db:
                for column, kind in _ADDED_COLUMNS.items():
                    if column not in have:
                        self._db.execute(f"ALTER TABLE survey_rows ADD COLUMN {column} {kind}")
        except (OSError, sqlite3.Error) as exc:
            raise PilotError(
                f"cannot open the survey store {self.path}: {exc}; check [survey] path "
                "and that its folder is writable"
            ) from exc

    def __enter__(self) -> SurveyStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def add(self, parsed: SurveyImport, *, file_sha256: str) -> ImportResult:
        """Store the good rows of ``parsed`` and keep its refused rows, in one transaction.

        A row whose key is stored with the same ``row_hash`` is not stored again; with
        another hash it is refused as a conflict (the stored row stays).
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        errors = list(parsed.errors)
        stored = unchanged = 0
        key_sql = " AND ".join(f"{k} = ?" for k in KEY_COLUMNS)
        insert_sql = (
            f"INSERT INTO survey_rows ({', '.join(_STORED)}) "
            f"VALUES ({', '.join('?' for _ in _STORED)})"
        )
        with self._db:
            for row in parsed.rows.to_dict("records"):
                key = [row[k] for k in KEY_COLUMNS]
                found = self._db.execute(
                    f"SELECT row_hash, file, file_line FROM survey_rows WHERE {key_sql}", key
                ).fetchone()
                if found is None:
                    values = [_sql_value(row.get(c)) for c in ROW_COLUMNS]
                    self._db.execute(insert_sql, [*values, parsed.name, now])
                    stored += 1
                elif found[0] == row["row_hash"]:
                    unchanged += 1
                else:
                    errors.append(
                        RowError(
                            int(row["file_line"]),
                            f"conflicts with the row stored from {found[1]} line {found[2]} "
                            "(same source, site, household/line and date, other values); "
                            "give this file another source or correct the row",
                        )
                    )
            self._db.executemany(
                "INSERT OR IGNORE INTO survey_rejected VALUES (?, ?, ?, ?, ?, ?)",
                [(parsed.name, file_sha256, e.line, e.reason, e.raw, now) for e in errors],
            )
        errors.sort(key=lambda e: e.line)
        return ImportResult(parsed.name, stored, unchanged, tuple(errors))

    def rows(self) -> pd.DataFrame:
        """Every stored row (:data:`models.survey.ROW_COLUMNS` plus ``file`` and
        ``imported_at``), sorted by site, household, line, date and source; unknown
        numbers are NaN."""
        frame = pd.read_sql_query(
            f"SELECT {', '.join(_STORED)} FROM survey_rows "
            "ORDER BY site, household, line, date, source",
            self._db,
        )
        for column in (*NUMBER_COLUMNS, *RATE_NUMBER_COLUMNS):
            frame[column] = frame[column].astype(float)
        return frame

    def rejected(self) -> pd.DataFrame:
        """Every refused row: ``file, file_sha256, line, reason, raw, imported_at``."""
        return pd.read_sql_query(
            "SELECT * FROM survey_rejected ORDER BY imported_at, file, line", self._db
        )


def _sql_value(value: object) -> object:
    if isinstance(value, float) and value != value:  # NaN: unknown
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()  # type: ignore[union-attr]
    return value


def survey_catalog(config: Config) -> SurveyCatalog:
    """Sites, households and lines a survey row may name, from the configuration."""
    return SurveyCatalog(
        households={s.id: frozenset(h.id for h in s.households) for s in config.sites},
        lines={s.id: frozenset(ln.id for ln in s.lines) for s in config.sites},
    )


def import_file(path: str | Path, config: Config, store: SurveyStore) -> ImportResult:
    """Read, validate and store one survey file.

    Raises
    ------
    models.survey.SurveyFileError
        The file cannot be read as a table; nothing of it is stored.
    """
    path = Path(path)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise SurveyFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    parsed = validate_table(read_survey_file(path), survey_catalog(config))
    return store.add(parsed, file_sha256=digest)
