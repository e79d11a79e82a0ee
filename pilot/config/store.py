"""``[store]``: where the collector writes readings (SQLite, InfluxDB 2 or InfluxDB 1).

``kind`` selects one of the sub-sections ``[store.sqlite]``, ``[store.influxdb2]``,
``[store.influxdb1]``. The others may stay in the file: they are checked for unknown
keys and types only, and their secrets are not read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, ClassVar, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, model_validator

from pilot.config.declaration import Section, setting
from pilot.config.fields import ConfigPath, EnvName, Problems, Text, choice, invalid
from pilot.config.rules import rule_needs_username, rule_not_both
from pilot.config.secrets import read_secret

__all__ = ["STORE_KINDS", "StoreSection", "StoreSettings"]

#: Store back-ends a configuration may select with ``[store] kind``.
STORE_KINDS: tuple[str, ...] = ("sqlite", "influxdb2", "influxdb1")

_MEASUREMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_WHEN_SELECTED = "required when selected"


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Where the collector writes readings; fields of other kinds are ``None``.

    Parameters
    ----------
    kind
        One of :data:`STORE_KINDS`.
    measurement
        Measurement (table) name.
    sqlite_path
        SQLite file (``sqlite``).
    url
        InfluxDB HTTP URL (``influxdb2``, ``influxdb1``).
    org, bucket, token
        InfluxDB 2 organisation, bucket and API token.
    database, retention_policy, username, password
        InfluxDB 1 database, retention policy and credentials.
    """

    kind: str
    measurement: str = "readings"
    sqlite_path: Path | None = None
    url: str | None = None
    org: str | None = None
    bucket: str | None = None
    token: str | None = field(default=None, repr=False)
    database: str | None = None
    retention_policy: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def rule_http_url(url: str) -> str:
    """An InfluxDB URL is plain http(s) with a host, and carries no credentials."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError as err:
        raise invalid(f"url is malformed: {err}") from None
    if "@" in parts.netloc:
        raise invalid("url must not carry credentials; use the username and secret keys")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid(f"url {url!r} must look like http://host:8086 or https://host:8086")
    return url


def rule_measurement(name: str) -> str:
    """It becomes an SQL table name and an InfluxDB measurement: keep it an identifier."""
    if not _MEASUREMENT.match(name):
        raise invalid(
            f"measurement {name!r} must be 1-64 letters, digits or '_', not starting with a digit"
        )
    return name


HttpUrl = Annotated[Text, AfterValidator(rule_http_url)]


class SqliteSection(Section):
    """The SQLite store (``kind = "sqlite"``): one file, for a single computer."""

    required_when_selected: ClassVar[tuple[str, ...]] = ("path",)
    path: ConfigPath | None = setting(
        None, shown_default=_WHEN_SELECTED, meaning="SQLite database file."
    )


class InfluxDB2Section(Section):
    """InfluxDB 2 (``kind = "influxdb2"``)."""

    required_when_selected: ClassVar[tuple[str, ...]] = ("url", "org", "bucket")
    url: HttpUrl | None = setting(
        None, shown_default=_WHEN_SELECTED, meaning="``http://host:8086`` or ``https://host:8086``."
    )
    org: Text | None = setting(None, shown_default=_WHEN_SELECTED, meaning="Organisation.")
    bucket: Text | None = setting(None, shown_default=_WHEN_SELECTED, meaning="Bucket.")
    token_env: EnvName | None = setting(
        None,
        meaning="Environment variable holding the API token (this or token_file is required "
        "when selected). A literal ``token`` is refused.",
    )
    token_file: ConfigPath | None = setting(None, meaning="File holding the API token.")

    @model_validator(mode="after")
    def check_rules(self) -> Self:
        problems = Problems()
        rule_not_both(problems, self.model_fields_set, "token_env", "token_file")
        problems.raise_any("store.influxdb2")
        return self


class InfluxDB1Section(Section):
    """InfluxDB 1 (``kind = "influxdb1"``)."""

    required_when_selected: ClassVar[tuple[str, ...]] = ("url", "database")
    url: HttpUrl | None = setting(
        None, shown_default=_WHEN_SELECTED, meaning="``http://host:8086`` or ``https://host:8086``."
    )
    database: Text | None = setting(None, shown_default=_WHEN_SELECTED, meaning="Database.")
    retention_policy: Text | None = setting(
        None, meaning="Retention policy; the database default if left out."
    )
    username: Text | None = setting(None, meaning="User name.")
    password_env: EnvName | None = setting(
        None, meaning="Environment variable holding the password; needs ``username``."
    )
    password_file: ConfigPath | None = setting(None, meaning="File holding the password.")

    @model_validator(mode="after")
    def check_rules(self) -> Self:
        problems = Problems()
        rule_not_both(problems, self.model_fields_set, "password_env", "password_file")
        rule_needs_username(problems, self.model_fields_set)
        problems.raise_any("store.influxdb1")
        return self


StoreKind = choice(STORE_KINDS, "store kind")


class StoreSection(Section):
    """Where the collector writes readings. The store sections ``kind`` does not select
    may stay in the file: they are checked for unknown keys and types only, and their
    secrets are not read."""

    kind: StoreKind = setting(meaning="The store: its section ``[store.<kind>]`` is required.")
    measurement: Annotated[Text, AfterValidator(rule_measurement)] = setting(
        "readings",
        meaning="Measurement (table) name: 1-64 letters, digits or ``_``, not starting with "
        "a digit.",
    )
    sqlite: SqliteSection | None = setting(None, meaning="``[store.sqlite]``, below.")
    influxdb2: InfluxDB2Section | None = setting(None, meaning="``[store.influxdb2]``, below.")
    influxdb1: InfluxDB1Section | None = setting(None, meaning="``[store.influxdb1]``, below.")

    @model_validator(mode="after")
    def check_rules(self) -> Self:
        problems = Problems()
        rule_selected_store_complete(problems, self)
        problems.raise_any("store")
        return self

    def settings(self, environ: Mapping[str, str], problems: Problems) -> StoreSettings | None:
        """The selected store's settings with its secrets, or None (and problems)."""
        if self.kind == "sqlite" and self.sqlite is not None:
            return StoreSettings(
                kind=self.kind, measurement=self.measurement, sqlite_path=self.sqlite.path
            )
        if self.kind == "influxdb2" and self.influxdb2 is not None:
            section = self.influxdb2
            token = read_secret(
                section,
                "token",
                what="InfluxDB token",
                environ=environ,
                problems=problems,
                required=True,
                at=("influxdb2",),
            )
            if token is None:
                return None
            return StoreSettings(
                kind=self.kind,
                measurement=self.measurement,
                url=section.url,
                org=section.org,
                bucket=section.bucket,
                token=token,
            )
        if self.kind == "influxdb1" and self.influxdb1 is not None:
            one = self.influxdb1
            password = read_secret(
                one,
                "password",
                what="InfluxDB password",
                environ=environ,
                problems=problems,
                at=("influxdb1",),
            )
            if (one.password_env or one.password_file) and password is None:
                return None
            return StoreSettings(
                kind=self.kind,
                measurement=self.measurement,
                url=one.url,
                database=one.database,
                retention_policy=one.retention_policy,
                username=one.username,
                password=password,
            )
        return None


def rule_selected_store_complete(problems: Problems, store: StoreSection) -> None:
    """The section ``kind`` selects is present with its required keys."""
    section = getattr(store, store.kind)
    if section is None:
        problems.add(
            (store.kind,),
            f"store kind is {store.kind!r} but the [store.{store.kind}] section is missing",
        )
        return
    for name in section.required_when_selected:
        if getattr(section, name) is None:
            problems.add(
                (store.kind, name),
                f"required key is missing; store kind {store.kind!r} needs it",
            )
