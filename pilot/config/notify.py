"""``[notify]``: alarm notifications by e-mail (``[notify.email]``) and webhook
(``[notify.webhook]``).

Without either sub-section nothing is sent (alarms still reach the log and the MQTT
alarm topic). Secrets (the SMTP password, the webhook token) come from ``*_env`` or
``*_file`` keys, never from the file itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, model_validator

from pilot.config.declaration import Section, setting
from pilot.config.fields import (
    ConfigPath,
    EnvName,
    Integer,
    Number,
    Problems,
    Text,
    choice,
    invalid,
)
from pilot.config.rules import rule_needs_username, rule_not_both
from pilot.config.secrets import read_secret

__all__ = ["EmailSettings", "NotifySection", "NotifySettings", "WebhookSettings"]

#: How the SMTP connection is secured.
SMTP_SECURITY: tuple[str, ...] = ("starttls", "tls", "none")


def rule_https_url(url: str) -> str:
    """A webhook carries alarm details over the internet: HTTPS, no credentials in it."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise invalid(f"url {url!r} must look like https://host/path")
    if "@" in parts.netloc:
        raise invalid("url must not carry credentials; use token_env or token_file")
    return url


class EmailSection(Section):
    """E-mail over SMTP."""

    host: Text = setting(meaning="SMTP server name or address.")
    port: Integer = setting(
        587, ge=1, le=65535, meaning="SMTP port: 587 for STARTTLS, 465 for TLS."
    )
    security: choice(SMTP_SECURITY, "SMTP security") = setting(  # type: ignore[valid-type]
        "starttls",
        meaning="``starttls`` (upgrade after connecting), ``tls`` (TLS from the start) or "
        "``none`` (only for a relay on the same machine).",
    )
    sender: Text = setting(meaning="The From address.")
    to: tuple[Text, ...] = setting(meaning="Recipient addresses, at least one.")
    username: Text | None = setting(None, meaning="SMTP user name, if the server wants a login.")
    password_env: EnvName | None = setting(
        None, meaning="Environment variable holding the SMTP password; needs ``username``."
    )
    password_file: ConfigPath | None = setting(None, meaning="File holding the SMTP password.")
    ca_file: ConfigPath | None = setting(
        None, meaning="CA certificate(s) that sign the server's certificate; the system's if "
        "left out.",
    )  # fmt: skip

    @model_validator(mode="after")
    def check_rules(self) -> Self:
        problems = Problems()
        rule_not_both(problems, self.model_fields_set, "password_env", "password_file")
        rule_needs_username(problems, self.model_fields_set)
        if not self.to:
            problems.add(("to",), "give at least one recipient address")
        problems.raise_any("notify.email")
        return self


class WebhookSection(Section):
    """An HTTPS webhook: a JSON POST per notification (body in docs/monitoring.md)."""

    url: Annotated[Text, AfterValidator(rule_https_url)] = setting(
        meaning="``https://host/path`` receiving the POST."
    )
    token_env: EnvName | None = setting(
        None, meaning="Environment variable holding a token sent as ``Authorization: Bearer``."
    )
    token_file: ConfigPath | None = setting(None, meaning="File holding that token.")
    ca_file: ConfigPath | None = setting(
        None, meaning="CA certificate(s) that sign the receiver's certificate; the system's if "
        "left out.",
    )  # fmt: skip

    @model_validator(mode="after")
    def check_rules(self) -> Self:
        problems = Problems()
        rule_not_both(problems, self.model_fields_set, "token_env", "token_file")
        problems.raise_any("notify.webhook")
        return self


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """``[notify.email]`` with its password read."""

    host: str
    port: int
    security: str
    sender: str
    to: tuple[str, ...]
    username: str | None
    password: str | None = field(repr=False)
    ca_file: Path | None


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """``[notify.webhook]`` with its token read."""

    url: str
    token: str | None = field(repr=False)
    ca_file: Path | None


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """``[notify]`` with its channels (None when not configured)."""

    queue_path: Path
    max_per_line: int
    reraise_max: int
    window_s: float
    retry_base_s: float
    retry_cap_s: float
    email: EmailSettings | None = None
    webhook: WebhookSettings | None = None


class NotifySection(Section):
    """Alarm notifications: one per raise and per clear, within the limits below, queued
    on disk and retried with backoff until delivered."""

    queue_path: ConfigPath = setting(
        Path("data/notify.sqlite"),
        meaning="SQLite file where notifications wait until delivered (kept across restarts "
        "and network outages).",
    )
    max_per_line: Integer = setting(
        10, ge=1, meaning="Most alarms raised notified per line within ``window_s``."
    )
    reraise_max: Integer = setting(
        3,
        ge=1,
        meaning="Most raises of one alarm (line, sensor, rule) notified within ``window_s``: "
        "a flapping alarm stops notifying after that.",
    )
    window_s: Number = setting(3600.0, unit="s", gt=0, meaning="Window of both limits.")
    retry_base_s: Number = setting(
        5.0, unit="s", gt=0, meaning="Wait after a channel's first failed try."
    )
    retry_cap_s: Number = setting(
        300.0, unit="s", gt=0, meaning="Longest wait between tries (the wait doubles up to it)."
    )
    email: EmailSection | None = setting(None, meaning="``[notify.email]``, below.")
    webhook: WebhookSection | None = setting(None, meaning="``[notify.webhook]``, below.")

    def settings(self, environ: Mapping[str, str], problems: Problems) -> NotifySettings | None:
        """The settings with their secrets, or None (and problems)."""
        email = webhook = None
        failed = False
        if self.email is not None:
            e = self.email
            password = read_secret(
                e, "password", what="SMTP password", environ=environ, problems=problems,
                at=("email",),
            )  # fmt: skip
            failed |= bool(e.password_env or e.password_file) and password is None
            email = EmailSettings(
                e.host, e.port, e.security, e.sender, e.to, e.username, password, e.ca_file
            )
        if self.webhook is not None:
            w = self.webhook
            token = read_secret(
                w, "token", what="webhook token", environ=environ, problems=problems,
                at=("webhook",),
            )  # fmt: skip
            failed |= bool(w.token_env or w.token_file) and token is None
            webhook = WebhookSettings(w.url, token, w.ca_file)
        if failed:
            return None
        return NotifySettings(
            self.queue_path,
            self.max_per_line,
            self.reraise_max,
            self.window_s,
            self.retry_base_s,
            self.retry_cap_s,
            email,
            webhook,
        )
