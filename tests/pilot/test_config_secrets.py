"""Secrets come from the environment or a file, never the configuration, and never leak."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilot.config import ConfigError, check_config, load_config
from tests.configs import EXAMPLE, SECRET, problem_keys, with_broker_lines, write

# --- Secrets -------------------------------------------------------------------------------


def test_password_from_env(tmp_path: Path) -> None:
    text = with_broker_lines('password_env = "PILOT_MQTT_PASSWORD"\n')
    config = load_config(write(tmp_path, text), environ={"PILOT_MQTT_PASSWORD": SECRET})
    assert (config.broker.username, config.broker.password) == ("collector", SECRET)
    assert SECRET not in repr(config)


def test_password_from_file_with_trailing_newline(tmp_path: Path) -> None:
    write(tmp_path, SECRET + "\n", "secrets/mqtt-password")
    text = with_broker_lines('password_file = "secrets/mqtt-password"\n')
    config = load_config(write(tmp_path, text), environ={})
    assert config.broker.password == SECRET


def test_username_from_env(tmp_path: Path) -> None:
    text = EXAMPLE.replace(
        'client_id = "upops-collector"\n',
        'client_id = "upops-collector"\nusername_env = "MQTT_USER"\npassword_env = "MQTT_PW"\n',
    )
    config = load_config(write(tmp_path, text), environ={"MQTT_USER": "u1", "MQTT_PW": SECRET})
    assert (config.broker.username, config.broker.password) == ("u1", SECRET)


def test_missing_env_var_is_named_without_any_secret(tmp_path: Path) -> None:
    # The broker password is set; the InfluxDB token is not. Neither value may leak.
    section = (
        '[store.influxdb2]\nurl = "http://127.0.0.1:8086"\norg = "vncpc"\nbucket = "upops"\n'
        'token_env = "PILOT_INFLUX_TOKEN"\n'
    )
    text = with_broker_lines('password_env = "PILOT_MQTT_PASSWORD"\n')
    text = text.replace('kind = "sqlite"', 'kind = "influxdb2"')
    text = text.replace("[store.sqlite]", section + "\n[store.sqlite]")
    environ = {"PILOT_MQTT_PASSWORD": SECRET, "OTHER": SECRET}
    problems = check_config(write(tmp_path, text), environ=environ)
    assert [p.key for p in problems] == ["store.influxdb2.token_env"]
    assert "PILOT_INFLUX_TOKEN" in problems[0].message
    assert "not set" in problems[0].message
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "pilot.toml", environ=environ)
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value.problems)


def test_secret_pasted_as_env_name_is_not_echoed(tmp_path: Path) -> None:
    text = with_broker_lines(f'password_env = "{SECRET}!"\n')
    problems = check_config(write(tmp_path, text), environ={})
    assert [p.key for p in problems] == ["broker.password_env"]
    assert SECRET not in str(problems[0])


def test_empty_env_var_and_missing_or_empty_file(tmp_path: Path) -> None:
    text = with_broker_lines('password_env = "PILOT_MQTT_PASSWORD"\n')
    (problem,) = check_config(write(tmp_path, text), environ={"PILOT_MQTT_PASSWORD": ""})
    assert "set but empty" in problem.message
    text = with_broker_lines('password_file = "nowhere/password"\n')
    (problem,) = check_config(write(tmp_path, text), environ={})
    assert (problem.key, "does not exist" in problem.message) == ("broker.password_file", True)
    write(tmp_path, "\n", "empty-password")
    text = with_broker_lines('password_file = "empty-password"\n')
    (problem,) = check_config(write(tmp_path, text), environ={})
    assert "is empty" in problem.message


def test_env_and_file_together_and_password_without_username(tmp_path: Path) -> None:
    text = with_broker_lines('password_env = "A"\npassword_file = "b"\n')
    assert problem_keys(text, tmp_path) == ["broker.password_file"]
    text = EXAMPLE.replace("keepalive_s = 30", 'keepalive_s = 30\npassword_env = "A"')
    assert problem_keys(text, tmp_path, {"A": SECRET}) == ["broker.username"]


@pytest.mark.parametrize(
    ("section", "key", "alternatives"),
    [
        ('password = "{}"\n', "broker.password", ("password_env", "password_file")),
        ('token = "{}"\n', "store.influxdb2.token", ("token_env", "token_file")),
    ],
)
def test_literal_secret_is_refused(
    tmp_path: Path, section: str, key: str, alternatives: tuple[str, str]
) -> None:
    literal = section.format(SECRET)
    if key.startswith("broker"):
        text = with_broker_lines(literal)
    else:
        influx = (
            '[store.influxdb2]\nurl = "http://127.0.0.1:8086"\norg = "o"\nbucket = "b"\n'
            'token_env = "T"\n' + literal
        )
        text = EXAMPLE.replace("[store.sqlite]", influx + "\n[store.sqlite]")
    problems = check_config(write(tmp_path, text), environ={})
    assert [p.key for p in problems] == [key]
    assert all(name in problems[0].message for name in alternatives)
    assert SECRET not in str(problems[0])


def test_credentials_in_broker_url_are_not_echoed(tmp_path: Path) -> None:
    text = EXAMPLE.replace("mqtt://127.0.0.1:1883", f"mqtt://collector:{SECRET}@127.0.0.1:1883")
    (problem,) = check_config(write(tmp_path, text), environ={})
    assert problem.key == "broker.url"
    assert SECRET not in str(problem)
