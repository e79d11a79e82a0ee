"""``[notify]`` and ``[alarms.<rule>]``: checked once, secrets from the environment or a
file, problems reported with their key paths and never with a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilot.config import ConfigError, default_config_path, parse_config
from pilot.wiring import alarm_rules, make_notifier

NOTIFY = """
[alarms.overheat]
min_duration_s = 10.0
hysteresis = 2.0

[notify]
max_per_line = 5

[notify.email]
host = "smtp.example.org"
sender = "alarms@example.org"
to = ["engineer@example.org"]
username = "alarms"
password_env = "UPOPS_SMTP_PASSWORD"

[notify.webhook]
url = "https://chat.example.org/hook"
token_file = "hook-token"
"""


def _parse(text: str, tmp_path: Path, environ: dict[str, str]):  # type: ignore[no-untyped-def]
    return parse_config(
        default_config_path().read_text(encoding="utf-8") + text,
        environ=environ,
        base_dir=tmp_path,
    )


def test_notify_channels_and_rule_tuning(tmp_path):
    (tmp_path / "hook-token").write_text("t0ken\n", encoding="utf-8")
    config = _parse(NOTIFY, tmp_path, {"UPOPS_SMTP_PASSWORD": "pw-s3cret"})
    assert config.notify.email.password == "pw-s3cret"
    assert config.notify.webhook.token == "t0ken"
    assert "pw-s3cret" not in repr(config.notify)
    assert "t0ken" not in repr(config.notify)
    rules = alarm_rules(config)
    assert rules.min_duration_for("overheat") == 10.0
    assert rules.min_duration_for("underheat") == rules.min_duration_s
    assert rules.hysteresis_for("overheat") == 2.0
    notifier = make_notifier(config)
    assert notifier is not None
    assert sorted(notifier.senders) == ["email", "webhook"]
    assert notifier.max_per_line == 5
    notifier.queue.close()


def test_no_channel_means_no_notifier(tmp_path):
    assert make_notifier(_parse("", tmp_path, {})) is None


def test_problems_name_the_key_and_never_the_secret(tmp_path):
    bad = NOTIFY.replace("https://chat", "http://chat").replace(
        'to = ["engineer@example.org"]', "to = []"
    )
    with pytest.raises(ConfigError) as err:
        _parse(bad, tmp_path, {"UPOPS_SMTP_PASSWORD": "pw-s3cret"})
    text = str(err.value)
    assert "notify.email.to: give at least one recipient" in text
    assert "notify.webhook.url" in text
    with pytest.raises(ConfigError) as err:
        _parse(NOTIFY, tmp_path, {})
    text = str(err.value)
    assert "notify.email.password_env: environment variable UPOPS_SMTP_PASSWORD is not set" in text
    assert "notify.webhook.token_file" in text
    with pytest.raises(ConfigError) as err:
        _parse(NOTIFY + "\n[alarms.stuck]\nhysteresis = 1.0\n", tmp_path, {})
    assert "alarms.stuck: unknown key" in str(err.value)
