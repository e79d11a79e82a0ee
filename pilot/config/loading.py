"""Reading a configuration: the file, its TOML, every section, the rules across them.

Each section of :data:`~pilot.config.document.SECTIONS` is checked on its own, so a
mistake in one does not hide the mistakes of another; every table of an array of
tables likewise. The rules across sections run on what checked out.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from pilot.config.document import SECTIONS, SectionSpec, rule_heating_below_windows, written_ids
from pilot.config.fields import Problems
from pilot.config.line_states import LineStatesSection
from pilot.config.model import Config
from pilot.config.periods import Period, rule_period_sites_exist
from pilot.config.problems import (
    ConfigError,
    ConfigProblem,
    key_path,
    problems_from,
    toml_type_name,
    unknown_key_message,
)
from pilot.config.rules import rule_unique_ids
from pilot.config.sites import Site

__all__ = ["check_config", "default_config_path", "load_config", "parse_config"]

#: Sections whose settings hold secrets (``settings(environ, problems)`` reads them).
_WITH_SECRETS = ("broker", "store", "notify")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)$")
Loc = tuple[str | int, ...]


def default_config_path() -> Path:
    """Path of the example configuration shipped in the package (``pilot/examples``)."""
    # A real path, not an importlib.resources Traversable, because relative paths in the
    # file are resolved against its folder.
    return Path(__file__).resolve().parent.parent / "examples" / "pilot-lines.toml"


def load_config(path: str | Path, *, environ: Mapping[str, str] | None = None) -> Config:
    """Read and check a configuration file.

    Parameters
    ----------
    path
        TOML file; relative paths inside it are relative to its folder.
    environ
        Where ``*_env`` secrets are looked up; :data:`os.environ` if ``None``.

    Raises
    ------
    ConfigError
        Listing every problem found.
    """
    config, problems = _check_file(Path(path), environ)
    if config is None:
        raise ConfigError(problems)
    return config


def check_config(
    path: str | Path, *, environ: Mapping[str, str] | None = None
) -> list[ConfigProblem]:
    """Every problem of a configuration file; an empty list when it is valid."""
    return _check_file(Path(path), environ)[1]


def parse_config(
    text: str,
    *,
    base_dir: Path,
    environ: Mapping[str, str] | None = None,
    source: str = "<string>",
) -> Config:
    """Check a configuration given as TOML text.

    Parameters
    ----------
    text
        The TOML document.
    base_dir
        Folder relative paths are resolved against.
    environ
        Where ``*_env`` secrets are looked up; :data:`os.environ` if ``None``.
    source
        Name used as ``path`` in problems.

    Returns
    -------
    Config
        With ``path=None``.

    Raises
    ------
    ConfigError
        Listing every problem found.
    """
    reader = _Reader(source, Path(base_dir), os.environ if environ is None else environ)
    config = reader.read_text(text, None)
    if config is None:
        raise ConfigError(reader.problems)
    return config


def _check_file(
    path: Path, environ: Mapping[str, str] | None
) -> tuple[Config | None, list[ConfigProblem]]:
    absolute = path.absolute()
    reader = _Reader(str(path), absolute.parent, os.environ if environ is None else environ)
    try:
        raw = absolute.read_bytes()
    except (OSError, ValueError) as err:
        # ValueError: a NUL character in the path.
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        reader.add("", f"cannot read the configuration file: {reason}")
        return None, reader.problems
    try:
        # utf-8-sig: Windows editors (Notepad) may save a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        reader.add("", f"the file is not UTF-8 text (byte {err.start} is invalid)")
        return None, reader.problems
    return reader.read_text(text, absolute), reader.problems


@functools.cache
def _adapter(declared: Any) -> TypeAdapter[Any]:
    return TypeAdapter(declared)


class _Reader:
    """Checks one document section by section, collecting every problem."""

    def __init__(self, source: str, base_dir: Path, environ: Mapping[str, str]) -> None:
        self.source = source
        self.environ = environ
        self.context: dict[str, Any] = {"base_dir": base_dir, "lines": None}
        self.problems: list[ConfigProblem] = []

    def add(
        self, key: str, message: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        self.problems.append(ConfigProblem(self.source, key, message, line, column))

    def read_text(self, text: str, path: Path | None) -> Config | None:
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            self._syntax_error(text, str(err))
            return None
        except RecursionError:
            self.add("", "TOML syntax error: arrays or tables are nested too deeply")
            return None
        return self.read(doc, path)

    def _syntax_error(self, text: str, message: str) -> None:
        match = _TOML_POSITION.search(message)
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            reason = message[: match.start()].rstrip()
        elif message.endswith("(at end of document)"):
            # Unclosed arrays and strings: point at the end, where an editor can find it.
            line, column = text.count("\n") + 1, len(text.rsplit("\n", 1)[-1]) + 1
            reason = message
        else:
            self.add("", f"TOML syntax error: {message}")
            return
        where = f"TOML syntax error at line {line}, column {column}: {reason}"
        self.add("", where, line=line, column=column)

    def collect(self, problems: Problems, root: Any, prefix: Loc = ()) -> None:
        """Add what ``problems`` recorded, at locations relative to ``prefix``."""
        try:
            problems.raise_any(self.source)
        except ValidationError as err:
            self.problems += problems_from(err, source=self.source, root=root, prefix=prefix)

    def validate(self, declared: Any, value: Any, loc: Loc) -> Any:
        """``value`` checked against ``declared``, or None (and problems)."""
        try:
            return _adapter(declared).validate_python(value, context=self.context)
        except ValidationError as err:
            self.problems += problems_from(err, source=self.source, root=declared, prefix=loc)
            return None

    def table(self, spec: SectionSpec, doc: dict[str, Any]) -> Any:
        if spec.name not in doc:
            if spec.required:
                self.add(spec.name, f"required section [{spec.name}] is missing")
                return None
            return self.validate(spec.type, {}, (spec.name,))
        return self.validate(spec.type, doc[spec.name], (spec.name,))

    def tables(self, spec: SectionSpec, doc: dict[str, Any]) -> list[tuple[int, Any]] | None:
        """The checked tables with their index; None if the array itself is wrong."""
        value = doc.get(spec.name, [])
        if spec.name not in doc and spec.required:
            self.add(spec.name, "required key is missing; expected an array of tables")
            return None
        if not isinstance(value, list):
            self.add(spec.name, f"expected an array of tables, got {toml_type_name(value)}")
            return None
        if spec.required and not value:
            self.add(spec.name, "must not be empty")
            return None
        checked = [
            (index, self.validate(spec.type, item, (spec.name, index)))
            for index, item in enumerate(value)
        ]
        return [(index, item) for index, item in checked if item is not None]

    def read(self, doc: dict[str, Any], path: Path | None) -> Config | None:
        names = [spec.name for spec in SECTIONS]
        for name in doc:
            if name not in names:
                self.add(key_path((name,)), unknown_key_message(name, names, {}))
        found: dict[str, Any] = {}
        # [agent] is read last: its devices are checked against the configured lines.
        specs = {spec.name: spec for spec in SECTIONS}
        for spec in SECTIONS:
            if spec.name == "agent":
                continue
            found[spec.name] = self.tables(spec, doc) if spec.array else self.table(spec, doc)
            if spec.name in _WITH_SECRETS and found[spec.name] is not None:
                # Secrets are read once the keys naming them checked out.
                problems = Problems()
                found[spec.name] = found[spec.name].settings(self.environ, problems)
                self.collect(problems, spec.type, (spec.name,))
        deployment = found["deployment"]
        # Without a valid [deployment] there will be no Config; the sites are still checked.
        timezone = deployment.timezone if deployment is not None else "UTC"
        sites = self._sites(doc, found["sites"], timezone)
        periods = self._periods(doc, found["periods"], sites)
        factors = found["factors"]
        if factors is not None:
            problems = Problems()
            ids = [(("factors", i, "id"), str(entry["id"])) for i, entry in factors]
            rule_unique_ids(problems, ids, "factor")
            self.collect(problems, dict)
        line_states: LineStatesSection | None = found["line_states"]
        if line_states is not None and sites is not None:
            problems = Problems()
            rule_heating_below_windows(problems, line_states, [ln for s in sites for ln in s.lines])
            self.collect(problems, dict)
        agent = None
        if "agent" in doc:
            if sites is not None:
                self.context["lines"] = {line.key: line for s in sites for line in s.lines}
            agent = self.table(specs["agent"], doc)
        if self.problems or any(found[name] is None for name in found):
            return None
        lines = self.context["lines"]
        return Config(
            path=path,
            name=deployment.name,
            topic_prefix=deployment.topic_prefix,
            timezone=deployment.timezone,
            broker=found["broker"],
            store=found["store"],
            collector=found["collector"],
            simulation=found["simulation"],
            sites=tuple(sites or ()),
            periods=tuple(periods or ()),
            alarms=found["alarms"],
            notify=found["notify"],
            survey=found["survey"],
            serve=found["serve"],
            assumptions=found["assumptions"],
            factors=tuple(dict(entry) for _, entry in factors or ()),
            agent=None if agent is None else agent.settings(lines),
            line_states=found["line_states"].thresholds(),
        )

    def _sites(
        self, doc: dict[str, Any], checked: list[tuple[int, Any]] | None, timezone: str
    ) -> list[Site] | None:
        """The sites, or None if any has problems."""
        if checked is None:
            return None
        problems = Problems()
        rule_unique_ids(problems, [(("sites", i, "id"), s.id) for i, s in checked], "site")
        before = len(self.problems)
        self.collect(problems, dict)
        complete = len(checked) == len(doc["sites"]) and len(self.problems) == before
        return [site.site(timezone) for _, site in checked] if complete else None

    def _periods(
        self, doc: dict[str, Any], checked: list[tuple[int, Any]] | None, sites: list[Site] | None
    ) -> list[Period] | None:
        if checked is None:
            return None
        problems = Problems()
        rule_unique_ids(problems, [(("periods", i, "id"), p.id) for i, p in checked], "period")
        site_ids = written_ids(doc, "sites")
        for index, period in checked:
            if period.sites is not None:
                rule_period_sites_exist(
                    problems, period.sites, site_ids, ("periods", index, "sites")
                )
        self.collect(problems, dict)
        ids = [site.id for site in sites] if sites is not None else site_ids
        return [period.period(ids) for _, period in checked]
