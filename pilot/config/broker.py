"""``[deployment]`` and ``[broker]``: who the deployment is and where its MQTT broker is.

``[broker]`` builds :class:`sensors.mqtt.BrokerSettings` (the type the MQTT clients
take), with its secrets read from the environment or a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Self
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, model_validator

from pilot.config.declaration import Section, setting
from pilot.config.fields import (
    Boolean,
    ConfigPath,
    EnvName,
    ExistingFile,
    Integer,
    Problems,
    Text,
    invalid,
)
from pilot.config.rules import rule_needs_username, rule_not_both
from pilot.config.secrets import read_secret
from sensors.errors import TopicError
from sensors.mqtt import BrokerSettings
from sensors.topics import check_prefix

__all__ = ["BrokerSection", "DeploymentSection"]


def rule_timezone(name: str) -> str:
    """The zone is one the IANA database (``zoneinfo``) knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise invalid(
            f"unknown time zone {name!r}; expected an IANA name such as Asia/Ho_Chi_Minh"
        ) from None
    return name


def rule_topic_prefix(prefix: str) -> str:
    """The prefix is valid MQTT topic levels (:func:`sensors.topics.check_prefix`)."""
    try:
        return check_prefix(prefix)
    except TopicError as err:
        raise invalid(str(err)) from None


def rule_broker_url(url: str) -> str:
    """The URL is one :class:`BrokerSettings` accepts, with a usable port."""
    try:
        parts = urlsplit(url)
    except ValueError as err:
        raise invalid(f"broker url is malformed: {err}") from None
    if "@" in parts.netloc:
        # Checked here, before BrokerSettings, whose message would repeat the URL and so
        # any password written into it.
        raise invalid("broker url must not carry credentials; give username and password_env")
    try:
        BrokerSettings(url=url)
        _ = parts.port
    except ValueError as err:
        raise invalid(str(err)) from None
    return url


class DeploymentSection(Section):
    """The deployment as a whole."""

    name: Text = setting(meaning="Free-text name of the deployment, for reports.")
    topic_prefix: Annotated[Text, AfterValidator(rule_topic_prefix)] = setting(
        "upops",
        meaning="MQTT topic prefix: ``/``-separated levels of letters, digits, ``.``, ``-``, "
        "``_``.",
    )
    timezone: Annotated[Text, AfterValidator(rule_timezone)] = setting(
        "Asia/Ho_Chi_Minh",
        meaning="IANA time-zone name of the lines' working day, used by reports.",
    )


class BrokerSection(Section):
    """The MQTT broker the collector, the simulators and the gateways connect to."""

    url: Annotated[Text, AfterValidator(rule_broker_url)] = setting(
        meaning="``mqtt://host[:port]`` or ``mqtts://host[:port]`` (TLS); no credentials in it."
    )
    client_id: Text = setting(
        "upops-collector",
        meaning="Stable MQTT client id; the collector's persistent session is bound to it.",
    )
    username: Text | None = setting(None, meaning="MQTT user name.")
    username_env: EnvName | None = setting(
        None, meaning="Environment variable holding the MQTT user name (instead of username)."
    )
    password_env: EnvName | None = setting(
        None,
        meaning="Environment variable holding the MQTT password; needs a user name. A "
        "literal ``password`` key is refused.",
    )
    password_file: ConfigPath | None = setting(
        None, meaning="File holding the MQTT password (instead of password_env)."
    )
    keepalive_s: Integer = setting(30, unit="s", ge=1, le=65535, meaning="MQTT keepalive.")
    ca_file: ExistingFile | None = setting(
        None,
        meaning="CA certificate (PEM); without it TLS uses the system trust store.",
    )
    cert_file: ExistingFile | None = setting(None, meaning="Client certificate (PEM).")
    key_file: ExistingFile | None = setting(None, meaning="Client key (PEM); needs ``cert_file``.")
    tls_insecure: Boolean = setting(
        False, meaning="Skip the broker host-name check (test brokers only)."
    )

    @model_validator(mode="after")
    def check_rules(self) -> Self:
        problems = Problems()
        given = self.model_fields_set
        rule_not_both(problems, given, "username", "username_env")
        rule_not_both(problems, given, "password_env", "password_file")
        rule_needs_username(problems, given)
        rule_key_needs_cert(problems, given)
        problems.raise_any("broker")
        return self

    def settings(self, environ: Mapping[str, str], problems: Problems) -> BrokerSettings | None:
        """The broker settings with their secrets, or None (and problems) if one is
        missing."""
        username = self.username
        if self.username_env is not None:
            username = read_secret(
                self, "username", what="user name", environ=environ, problems=problems
            )
        password = read_secret(
            self, "password", what="MQTT password", environ=environ, problems=problems
        )
        if (self.username_env is not None and username is None) or (
            (self.password_env or self.password_file) and password is None
        ):
            return None
        return BrokerSettings(
            url=self.url,
            client_id=self.client_id,
            username=username,
            password=password,
            ca_file=self.ca_file,
            cert_file=self.cert_file,
            key_file=self.key_file,
            tls_insecure=self.tls_insecure,
            keepalive_s=self.keepalive_s,
        )


def rule_key_needs_cert(problems: Problems, given: set[str]) -> None:
    """A client key is of no use without its certificate."""
    if "key_file" in given and "cert_file" not in given:
        problems.add(("cert_file",), "required key is missing; key_file needs cert_file")
